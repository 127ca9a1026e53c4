import Foundation
import Testing
import _StrataTestSupport

/// What a run of the `strata` binary produced.
struct CLIRun {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// The `strata` executable SwiftPM built beside this test bundle.
func strataBinary() throws -> URL {
  let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
    let candidate = dir.appendingPathComponent("strata")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
  }
  throw CLITestError.binaryNotFound(bundleDir.path)
}

enum CLITestError: Error, CustomStringConvertible {
  case binaryNotFound(String)
  var description: String {
    switch self {
    case .binaryNotFound(let dir): return "no strata executable near \(dir); build it with `swift build`"
    }
  }
}

/// Runs `strata` with `arguments` from `directory` (the package root unless given) and collects
/// its output.
func runStrata(_ arguments: [String], in directory: URL = repositoryRoot) throws -> CLIRun {
  let process = Process()
  process.executableURL = try strataBinary()
  process.arguments = arguments
  process.currentDirectoryURL = directory
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
  let stderrData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  checkDeviceNodes(after: arguments)
  return CLIRun(
    status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
    stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Records an issue when `/dev/null` is no longer a character device after a run of `strata`
/// (an output written by replacing the file instead of into it turns it into a plain file, which
/// breaks the machine for everyone when the tests run as root).
func checkDeviceNodes(after arguments: [String]) {
  var info = stat()
  if stat("/dev/null", &info) != 0 || info.st_mode & S_IFMT != S_IFCHR {
    Issue.record("/dev/null is not a character device after `strata \(arguments.joined(separator: " "))`")
  }
}

/// Writes `text` to a fresh temporary file with the given name and returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> String {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let url = dir.appendingPathComponent(name)
  try Data(text.utf8).write(to: url)
  return url.path
}

/// Compares `text` with `Snapshots/<name>`; `STRATA_RECORD_SNAPSHOTS=1` re-records it.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let url = repositoryRoot.appendingPathComponent("Tests/StrataCLITests/Snapshots/\(name)")
  if ProcessInfo.processInfo.environment["STRATA_RECORD_SNAPSHOTS"] == "1" {
    try Data(text.utf8).write(to: url)
    return
  }
  let expected = try String(contentsOf: url, encoding: .utf8)
  // Text exactly, numbers to 1e-10 or one unit in the last printed place (kernels differ per CPU).
  let difference = textDifference(text, expected)
  #expect(difference == nil, "output differs from snapshot \(name): \(difference ?? "")", sourceLocation: sourceLocation)
}
