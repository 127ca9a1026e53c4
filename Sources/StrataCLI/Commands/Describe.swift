import ArgumentParser
import Strata

/// `strata describe FILE`: each variable's type, counts, moments or levels, and label.
struct Describe: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarize every variable of a data file (type, n, mean/sd/min/max or levels, label).",
    discussion: HelpExamples.describe)

  @Argument(
    help: ArgumentHelp(
      "Data file (.csv, .tsv, .dta, .sav, .xpt, .sas7bdat; any of these gzip-compressed, as .csv.gz).",
      discussion: "A .gz file is inflated in memory, not to a temporary file."))
  var file: String

  @OptionGroup var outputOptions: OutputOptions

  func run() throws {
    let frame = try loadData(file)
    let summaries = describe(frame)
    switch outputOptions.format {
    case .text: try outputOptions.write(DescribeReport.text(summaries, source: file, rows: frame.rowCount))
    case .json: try outputOptions.write(DescribeReport.json(summaries, source: file, rows: frame.rowCount).serialized() + "\n")
    case .csv: try outputOptions.write(CSVRenderer.render(DescribeReport.table(summaries, full: true)))
    }
  }
}
