import ArgumentParser
import Strata

/// `strata tab A B --data FILE [design]`: weighted cross-tabulation with the Rao–Scott test.
struct TabCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tab",
    abstract: "Design-based two-way table: cell proportions with SEs and the Rao-Scott test (R svychisq).")

  @Argument(help: "Row variable.") var rowVariable: String
  @Argument(help: "Column variable.") var columnVariable: String
  @OptionGroup var options: DescriptiveCommandOptions

  func run() throws {
    // Checked before the data are read: a table of a variable against itself has no test.
    guard rowVariable != columnVariable else {
      throw CommandLineError(
        description: "tab needs two different variables, but '\(rowVariable)' is both the row and the column variable; "
          + "for the proportions of one variable use 'strata prop \(rowVariable)'")
    }
    let design = try options.design()
    if !options.groups.isEmpty { throw ValidationError("tab does not take --by; use --subpop for a domain") }
    let t = try translatingAnalysisErrors {
      try design.tabulate(rowVariable, by: columnVariable, level: options.level)
    }
    switch options.outputOptions.format {
    case .text: try options.outputOptions.write(DescriptiveReport.text(t, dataSource: options.data))
    case .json: try options.outputOptions.write(DescriptiveReport.json(t, dataSource: options.data).serialized() + "\n")
    case .csv: try options.outputOptions.write(DescriptiveReport.csv(t))
    }
  }
}
