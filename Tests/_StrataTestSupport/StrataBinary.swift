import Foundation
import Testing

// Running the built `strata` executable: the CLI tests, and the report tests that compare the
// library's rendering with what the binary prints.

/// What a run of the `strata` binary produced.
public struct CLIRun: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String

  public init(status: Int32, stdout: String, stderr: String) {
    self.status = status
    self.stdout = stdout
    self.stderr = stderr
  }
}

/// The `strata` executable SwiftPM built beside this test bundle.
public func strataBinary() throws -> URL {
  let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
    let candidate = dir.appendingPathComponent("strata")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
  }
  throw CLITestError.binaryNotFound(bundleDir.path)
}

public enum CLITestError: Error, CustomStringConvertible {
  case binaryNotFound(String)
  public var description: String {
    switch self {
    case .binaryNotFound(let dir): return "no strata executable near \(dir); build it with `swift build`"
    }
  }
}

/// Runs `strata` with `arguments` from `directory` (the package root unless given) and collects
/// its output.
public func runStrata(_ arguments: [String], in directory: URL = repositoryRoot) throws -> CLIRun {
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
public func checkDeviceNodes(after arguments: [String]) {
  var info = stat()
  if stat("/dev/null", &info) != 0 || info.st_mode & S_IFMT != S_IFCHR {
    Issue.record("/dev/null is not a character device after `strata \(arguments.joined(separator: " "))`")
  }
}

