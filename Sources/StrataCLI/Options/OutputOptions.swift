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

  @Option(
    name: [.short, .long],
    help: ArgumentHelp(
      "Write results to this file instead of standard output ('-': standard output).",
      discussion: "A name ending in .dta writes the table of --format csv as a Stata file (numbers as doubles, "
        + "text columns as strings)."))
  var output: String?

  /// A `.dta` output is the CSV table written as a Stata file: `--format` becomes `csv`, and
  /// `json` (not a table) is refused.
  mutating func validate() throws {
    guard let output, OutputFile.isStata(output) else { return }
    if format == .json {
      throw ValidationError(
        "--output \(output) writes the results table as a Stata file, which JSON is not; drop --format json, "
          + "or name a .json file")
    }
    format = .csv
  }

  /// Writes `text` to the output file or standard output (or, while `strata reproduce` runs a
  /// stored command in-process, to its capture).
  func write(_ text: String) throws {
    if let capture = OutputCapture.current {
      capture.append(text)
      return
    }
    if let output, OutputFile.isStata(output) {
      try OutputFile.writeStata(csvTable: text, to: output)
    } else if let output {
      try OutputFile.write(Data(text.utf8), to: output)
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}

/// Collects what a command writes while `strata reproduce` runs it in-process.
final class OutputCapture: @unchecked Sendable {
  /// The capture of the command running on this task, if any.
  @TaskLocal static var current: OutputCapture?

  private let lock = NSLock()
  private var buffer = ""

  /// Everything written so far.
  var text: String { lock.withLock { buffer } }

  func append(_ text: String) { lock.withLock { buffer += text } }
}
