import Foundation
import Testing
import _StrataTestSupport

/// Writes `text` to a fresh temporary file with the given name and returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> String {
  try TemporaryFile(named: name, contents: text).path
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
