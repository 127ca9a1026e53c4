import Foundation
import Strata
import Testing

/// The package root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Reads a JSON fixture under `Tests/Fixtures/`.
func loadFixture(_ relativePath: String) throws -> Any {
  let url = repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
  return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
}

/// Path of a shipped dataset.
func datasetPath(_ name: String) -> String {
  repositoryRoot.appendingPathComponent("datasets/\(name).csv").path
}

/// Cache of datasets read once per test process.
final class DatasetCache: @unchecked Sendable {
  static let shared = DatasetCache()
  private var frames: [String: DataFrame] = [:]
  private let lock = NSLock()
  func frame(_ name: String) throws -> DataFrame {
    lock.lock()
    defer { lock.unlock() }
    if let f = frames[name] { return f }
    let f = try DataReader.read(path: datasetPath(name))
    frames[name] = f
    return f
  }
}

/// `|a − b| ≤ rtol·|b| + atol`, recorded with a message naming the quantity.
func expectClose(
  _ a: Double?, _ b: Double?, rtol: Double, atol: Double = 0, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  switch (a, b) {
  case (nil, nil): return
  case (let x?, let y?):
    if x.isNaN && y.isNaN { return }
    let ok = abs(x - y) <= rtol * abs(y) + atol
    #expect(ok, "\(what()): got \(x), expected \(y) (rtol \(rtol))", sourceLocation: sourceLocation)
  default:
    Issue.record("\(what()): got \(String(describing: a)), expected \(String(describing: b))", sourceLocation: sourceLocation)
  }
}

/// A JSON number or null as an optional Double.
func optionalDouble(_ v: Any?) -> Double? {
  if let n = v as? NSNumber { return n.doubleValue }
  return nil
}
