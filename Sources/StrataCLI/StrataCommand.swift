import ArgumentParser
import Strata

@main
struct StrataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "strata", abstract: "Survey analysis toolkit.")
}
