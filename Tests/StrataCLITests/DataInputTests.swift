import Foundation
import Testing

/// Odd data files read through the CLI: each gives a result or one clear error naming the file
/// (and line and field where there is one), never a signal; the input file is left unchanged.
@Suite("strata data input")
struct DataInputTests {
  /// Writes `bytes` to a fresh temporary file named `name` and returns its path.
  func temporaryBytes(_ name: String, _ bytes: [UInt8]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-data-input-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  /// Runs `strata` with `arguments` on `path` and checks that the file's bytes did not change.
  func runKeepingInput(_ path: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIRun {
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let run = try runStrata(arguments)
    let after = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(before == after, "the input file \(path) changed", sourceLocation: sourceLocation)
    return run
  }

  func expectError(_ run: CLIRun, mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == 1, "exit status \(run.status); stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("strata: error: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for f in fragments {
      #expect(run.stderr.contains(f), "'\(f)' not in: \(run.stderr)", sourceLocation: sourceLocation)
    }
  }

  /// A 30,000-column file (a few rows; numbers and one text column in three) read with a 1 MiB
  /// stack and 600 MB of address space: the column buffers are not held by nested scopes per
  /// column any more (that overflowed the stack: SIGSEGV). Both the unquoted fast path and the
  /// quoted general path.
  @Test(arguments: [false, true])
  func thirtyThousandColumnsOnASmallStack(quoted: Bool) throws {
    let n = 30_000
    var text = (0..<n).map { "v\($0)" }.joined(separator: ",") + "\n"
    for r in 0..<3 {
      text += (0..<n).map { j in
        j % 3 != 0 ? String(r + j) : (r % 2 == 1 ? (quoted ? "\"a,x\"" : "a") : "b")
      }.joined(separator: ",") + "\n"
    }
    let path = try temporaryBytes("wide.csv", Array(text.utf8))
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "ulimit -s 1024 && ulimit -v 600000 && exec \"$0\" describe \"$1\"", try strataBinary().path, path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus)")
    #expect(process.terminationStatus == 0, "stderr: \(stderr.prefix(500))")
    #expect(stdout.contains(": 3 rows, 30000 variables\n"))
    #expect(stdout.contains("\nv29998    numeric    3        0  29999   1  29998  30000\n"))
    // The last text column, v29997, holds b, a, b.
    let level = quoted ? "a,x      " : "a        "
    #expect(stdout.hasSuffix("\nv29997:\n  level  count\n  \(level)  1\n  b          2\n"), "\(stdout.suffix(300))")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }
}
