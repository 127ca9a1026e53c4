import ArgumentParser
import Strata

/// `strata tab A B --data FILE [design]`: weighted cross-tabulation with the Rao–Scott test.
struct TabCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tab",
    abstract: "Design-based two-way table: cell, row and column percentages with SEs and the Rao-Scott test (R svychisq).",
    discussion: """
      The default layout is Stata's svy: tab with the cell, row, column and se options: one block
      per row level with cell, row and column percentages, their standard errors beneath in
      parentheses. The Total column and row are the margins of each variable (R svymean of the
      variable) with their SEs; row and column percentages total 100 exactly. --long lists one
      line per cell with proportion, SE, interval and estimated total (R's svytable/svychisq
      view), then the margins as Total lines. JSON carries the margins as row_margins and
      column_margins.

      With a PostgreSQL --data the cell totals by PSU are summed in the server (two aggregate
      statements); with --stream (or --memory) a CSV is read in chunks (two passes). The numbers
      are the in-memory ones (see Guides/Scale.md, "Descriptives from sums").

      Examples:
        strata tab sch.wide stype --data datasets/apistrat.csv --strata stype --weights pw --fpc fpc
        strata tab sch.wide stype --data datasets/apiclus1.csv --psu dnum --weights pw --fpc fpc --long
      """)

  @Argument(help: "Row variable.") var rowVariable: String
  @Argument(help: "Column variable.") var columnVariable: String
  @OptionGroup var options: DescriptiveCommandOptions
  @Flag(help: "One line per cell (proportion, SE, interval, estimated total) instead of the row-by-column layout.")
  var long = false

  func run() throws {
    // Checked before the data are read: a table of a variable against itself has no test.
    guard rowVariable != columnVariable else {
      throw CommandLineError(
        description: "tab needs two different variables, but '\(rowVariable)' is both the row and the column variable; "
          + "for the proportions of one variable use 'strata prop \(rowVariable)'")
    }
    if !options.groups.isEmpty { throw ValidationError("tab does not take --by; use --subpop for a domain") }
    // The table, the source as printed, and (for the text grid) the row and column shares:
    // from sums in the server or a streamed file, or from the data in memory.
    let t: CrossTabulation
    let dataSource: String
    let shares: () throws -> (rows: DescriptiveResult, columns: DescriptiveResult)
    let fromSums = try options.isPostgres || options.streams()
    if fromSums {
      let (tabulation, source) =
        options.isPostgres
        ? try options.tabulatePushdown(rowVariable, by: columnVariable)
        : (try options.tabulateStreamed(rowVariable, by: columnVariable), options.data)
      t = tabulation.table
      dataSource = source
      shares = { (tabulation.rowShares, tabulation.columnShares) }
    } else {
      let design = try options.design()
      t = try translatingAnalysisErrors {
        try design.tabulate(rowVariable, by: columnVariable, level: options.level)
      }
      dataSource = options.data
      // Row percentages are the column variable's proportions within each row level, and vice versa.
      shares = {
        try translatingAnalysisErrors {
          (
            try design.proportion(columnVariable, by: rowVariable, level: options.level),
            try design.proportion(rowVariable, by: columnVariable, level: options.level)
          )
        }
      }
    }
    switch options.outputOptions.format {
    case .text where long: try options.outputOptions.write(DescriptiveReport.text(t, dataSource: dataSource))
    case .text:
      let (rowShares, columnShares) = try shares()
      try options.outputOptions.write(
        DescriptiveReport.grid(t, dataSource: dataSource, rowShares: rowShares, columnShares: columnShares))
    case .json: try options.outputOptions.write(DescriptiveReport.json(t, dataSource: dataSource).serialized() + "\n")
    case .csv: try options.outputOptions.write(DescriptiveReport.csv(t))
    }
  }
}
