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

  @Option(name: [.short, .long], help: "Write results to this file instead of standard output ('-': standard output).")
  var output: String?

  /// Writes `text` to the output file or standard output (or, while `strata reproduce` runs a
  /// stored command in-process, to its capture).
  func write(_ text: String) throws {
    if let capture = OutputCapture.current {
      capture.append(text)
      return
    }
    if let output {
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
