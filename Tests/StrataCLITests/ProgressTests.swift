import Foundation
import Strata
import Testing
import _StrataTestSupport

@testable import StrataCLI

/// Issue 16, "long work shows progress": file loads and `margins --over` draw a percent and an
/// ETA on standard error when it is a terminal (a pseudo-terminal from util-linux `script` here),
/// print nothing when it is not, and never change the results.
@Suite("Progress of file loads and margins (issue 16)")
struct ProgressTests {
  /// util-linux `script`, which runs a command on a new pseudo-terminal.
  static let script = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }

  /// A CSV of about `megabytes` MB: an outcome, two numbers and a group with `groups` values.
  static func csv(megabytes: Double, groups: Int = 40, seed: UInt64 = 3) -> String {
    var g = DesignReliabilityTests.Generator(state: seed)
    var text = "y,x,z,g\n"
    var i = 0
    while Double(text.utf8.count) < megabytes * 1_048_576 {
      let x = g.normal()
      let z = g.uniform()
      let p = 1 / (1 + exp(-(0.3 + 0.8 * x - 0.5 * z)))
      text += "\(g.uniform() < p ? 1 : 0),\(x),\(z),\(i % groups)\n"
      i += 1
    }
    return text
  }

  /// The environment of the runs: this process's, with `STRATA_PROGRESS_MIN_BYTES` set when given.
  static func environment(minimumBytes: String?) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["STRATA_PROGRESS_MIN_BYTES"] = minimumBytes
    // Draw from the first update: how long the work takes depends on the machine.
    environment["STRATA_PROGRESS_QUIET_SECONDS"] = "0"
    return environment
  }

  /// Runs `strata arguments` with stdout and stderr on pipes (not a terminal).
  static func runPiped(_ arguments: [String], minimumBytes: String?) throws -> CLIRun {
    let process = Process()
    process.executableURL = try strataBinary()
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    process.environment = environment(minimumBytes: minimumBytes)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIRun(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self))
  }

  /// Runs `strata arguments` (each argument single-quoted for the shell) on a pseudo-terminal;
  /// returns the exit status and what the terminal showed (stdout and stderr together).
  static func runOnTerminal(_ arguments: [String], minimumBytes: String?, folder: String) throws -> (Int32, String) {
    let quoted = try ([strataBinary().path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(script))
    process.arguments = ["-q", "-e", "-c", quoted.joined(separator: " "), (folder as NSString).appendingPathComponent("typescript")]
    process.currentDirectoryURL = repositoryRoot
    process.environment = environment(minimumBytes: minimumBytes)
    let out = Pipe()
    process.standardOutput = out
    process.standardError = Pipe()
    process.standardInput = Pipe()
    try process.run()
    let terminal = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, terminal)
  }

  /// The progress redraws on a terminal: the pieces between "carriage return, clear line" codes
  /// that are not plain lines (those end with a line end).
  static func redraws(_ terminal: String) -> [String] {
    terminal.components(separatedBy: "\r\u{1B}[K").dropFirst().map { piece in
      String(piece.prefix { $0 != "\r" && $0 != "\n" })
    }.filter { !$0.isEmpty && !$0.hasPrefix("strata: ") }
  }

  // MARK: - File loads

  /// A 3 MB CSV with the threshold lowered to 1 MB: on a terminal, the start line, the percent of
  /// the bytes parsed (in MB) with an ETA, the line cleared, then the end line; the description
  /// written with --output is the same byte for byte as from a run without a terminal, which
  /// prints nothing on stderr.
  @Test(.enabled(if: script != nil, "needs util-linux script for a pseudo-terminal"))
  func fileLoadProgressOnATerminal() throws {
    let path = try temporaryFile("load.csv", Self.csv(megabytes: 3))
    let folder = (path as NSString).deletingLastPathComponent
    let onTerminal = (folder as NSString).appendingPathComponent("terminal.txt")
    let piped = (folder as NSString).appendingPathComponent("piped.txt")

    let (status, terminal) = try Self.runOnTerminal(
      ["describe", path, "--output", onTerminal], minimumBytes: "1000000", folder: folder)
    #expect(status == 0, "\(terminal)")
    #expect(terminal.hasPrefix("strata: reading \(path) (3 MB)...\r\n"), "\(terminal.prefix(200).debugDescription)")
    let lines = Self.redraws(terminal)
    #expect(!lines.isEmpty, "no progress drawn: \(terminal.debugDescription)")
    #expect(
      lines.allSatisfy { $0.hasPrefix("reading load.csv ") && $0.contains("% (") && ($0.hasSuffix(" MB)") || $0.contains(" MB), about ")) },
      "\(lines)")
    #expect(terminal.contains("\r\u{1B}[Kstrata: read "), "line cleared before the end line: \(terminal.suffix(200).debugDescription)")
    #expect(terminal.contains(" rows x 4 columns in "), "\(terminal.suffix(200).debugDescription)")

    let run = try Self.runPiped(["describe", path, "--output", piped], minimumBytes: "1000000")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.isEmpty, "stderr is not a terminal: \(run.stderr)")
    let a = try Data(contentsOf: URL(fileURLWithPath: onTerminal))
    let b = try Data(contentsOf: URL(fileURLWithPath: piped))
    #expect(!a.isEmpty && a == b, "the same description with and without a terminal")
    #expect(!String(decoding: a, as: UTF8.self).contains("\u{1B}"))
  }

  /// With stderr a pipe, even a threshold of 0 bytes prints nothing on stderr.
  @Test func noFileLoadProgressWhenNotATerminal() throws {
    let path = try temporaryFile("small.csv", Self.csv(megabytes: 0.2))
    let run = try Self.runPiped(["describe", path], minimumBytes: "0")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.isEmpty, "stderr: \(run.stderr)")
    #expect(run.stdout.contains("y") && !run.stdout.contains("reading") && !run.stdout.contains("\u{1B}"))
  }

  /// A threshold that is not a whole number of bytes is an error naming the variable.
  @Test func badThresholdIsAnError() throws {
    let path = try temporaryFile("small.csv", Self.csv(megabytes: 0.01))
    for bad in ["abc", "-5", "1e6", ""] {
      let run = try Self.runPiped(["describe", path], minimumBytes: bad)
      #expect(run.status != 0, "\(bad)")
      #expect(run.stderr.contains("STRATA_PROGRESS_MIN_BYTES must be a whole number of bytes"), "\(bad): \(run.stderr)")
    }
    #expect(try progressMinimumBytes([:]) == 20 << 20)
    #expect(try progressMinimumBytes(["STRATA_PROGRESS_MIN_BYTES": "1000"]) == 1000)
    #expect(try progressMinimumBytes(["STRATA_PROGRESS_MIN_BYTES": "0"]) == 0)
  }

  // MARK: - margins --over

  /// `fit logit ... --margins dydx --over g` with 2,000 groups takes over half a second: on a
  /// terminal the groups done are drawn with a percent and an ETA and cleared at the end; the
  /// margins written with --output are the same as without a terminal, which prints nothing.
  @Test(.enabled(if: script != nil, "needs util-linux script for a pseudo-terminal"))
  func marginsOverProgressOnATerminal() throws {
    let path = try temporaryFile("over.csv", Self.csv(megabytes: 0.8, groups: 2000))
    let folder = (path as NSString).deletingLastPathComponent
    let onTerminal = (folder as NSString).appendingPathComponent("terminal.txt")
    let piped = (folder as NSString).appendingPathComponent("piped.txt")
    let arguments = ["fit", "logit", "y ~ x + z", "--data", path, "--margins", "dydx", "--over", "g", "--output"]

    let (status, terminal) = try Self.runOnTerminal(arguments + [onTerminal], minimumBytes: nil, folder: folder)
    #expect(status == 0, "\(terminal)")
    let lines = Self.redraws(terminal)
    #expect(!lines.isEmpty, "no progress drawn: \(terminal.debugDescription)")
    #expect(lines.allSatisfy { $0.hasPrefix("margins over g ") && $0.contains("% (") && $0.contains("/2000)") }, "\(lines)")
    #expect(lines.contains { $0.contains("left") }, "an ETA: \(lines)")
    #expect(terminal.hasSuffix("\r\u{1B}[K"), "line cleared at the end: \(terminal.suffix(80).debugDescription)")

    let run = try Self.runPiped(arguments + [piped], minimumBytes: nil)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.isEmpty, "stderr is not a terminal: \(run.stderr)")
    let a = try String(contentsOfFile: onTerminal, encoding: .utf8)
    let b = try String(contentsOfFile: piped, encoding: .utf8)
    #expect(a.contains("dy/dx") && a.contains("1999"), "\(a.prefix(300))")
    #expect(a == b, "the same margins with and without a terminal")
  }

  // MARK: - The line

  /// Bytes are shown in MB; a quiet period of 0 draws from the first update.
  @Test func bytesFormatAndNoQuietPeriod() {
    #expect(
      ProgressLine.format(
        WorkProgress(task: "reading big.csv", completed: 126_353_408, total: 300_000_000, unit: .bytes), elapsed: 3)
        == "reading big.csv  42% (120.5/286.1 MB), about 5 s left")
    final class Box: @unchecked Sendable {
      var out: [String] = []
      var time = 0.0
    }
    let box = Box()
    let line = ProgressLine(write: { box.out.append($0) }, now: { box.time }, quietPeriod: 0)
    box.time = 0.25
    line.update(WorkProgress(task: "reading a.csv", completed: 1 << 20, total: 4 << 20, unit: .bytes))
    #expect(box.out == ["\r\u{1B}[Kreading a.csv  25% (1.0/4.0 MB), about 1 s left"])
    line.finish()
    #expect(box.out.last == "\r\u{1B}[K")
  }
}
