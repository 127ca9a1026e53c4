import ArgumentParser
import Foundation

/// Output formats every command accepts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, csv
}

/// `--format` and `--output`, shared by every command.
struct OutputOptions: ParsableArguments {
  @Option(help: "Output format.")
  var format: OutputFormat = .text

  @Option(name: [.short, .long], help: "Write results to this file instead of standard output.")
  var output: String?

  /// Writes `text` to the output file or standard output.
  func write(_ text: String) throws {
    if let output {
      do {
        try text.write(toFile: output, atomically: true, encoding: .utf8)
      } catch {
        throw OutputError.cannotWrite(path: output, reason: error.localizedDescription)
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}
