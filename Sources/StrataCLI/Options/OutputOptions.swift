import ArgumentParser
import Foundation
import Strata

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

  @OptionGroup var textWidth: TextWidthOptions

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
  /// stored command in-process, to its capture). With `--format text` (and `fitted`), lines
  /// wider than `--width` are wrapped at word boundaries first; a data file written whatever the
  /// format (`strata weights`) passes `fitted: false`.
  func write(_ text: String, fitted: Bool = true) throws {
    let text = fitted && format == .text ? TextLayout.fit(text, width: textWidth.width) : text
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

/// `--width N`: the columns text output keeps to, shared by every command that prints text.
struct TextWidthOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Fit text output into this many columns (0: no limit).",
      discussion: "Long labels wrap or are abbreviated with ~, notes wrap at word boundaries, and tables too wide "
        + "are split into panels. Chinese, Japanese and Korean characters count two columns. Markdown, HTML, "
        + "CSV and JSON are never fitted."))
  var width: Int = TextLayout.defaultWidth

  func validate() throws {
    if width < 0 { throw ValidationError("--width must be 0 (no limit) or a number of columns, not \(width)") }
    if width > 0 && width < 40 { throw ValidationError("--width must be at least 40 columns (or 0 for no limit), not \(width)") }
  }

  /// The width of a parsed command's text output: its `--width`, found in its option groups,
  /// or the default for commands without one.
  static func width(of command: Any) -> Int {
    for child in Mirror(reflecting: command).children {
      if let group = child.value as? AnyOptionGroup {
        if let options = group.anyValue as? TextWidthOptions { return options.width }
        let found = width(of: group.anyValue)
        if found != TextLayout.defaultWidth { return found }
      }
    }
    return TextLayout.defaultWidth
  }

  /// Runs `body` with text output fitted to the width `command` asks for.
  static func running<T>(_ command: Any, _ body: () throws -> T) rethrows -> T {
    try TextLayout.$width.withValue(width(of: command), operation: body)
  }
}
