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

/// One reference case from a JSON fixture, named by its id in test output.
struct ReferenceCase: CustomStringConvertible, @unchecked Sendable {
  let id: String
  let json: [String: Any]
  var description: String { id }
}

/// The covariance named as in the fixtures (`classical`, `hc0`…`hc3`, `cluster`).
func covarianceSpec(named name: String, clusters: [String], frame: DataFrame, fit: Fit) throws -> CovarianceSpec {
  switch name {
  case "classical": return .classical
  case "hc0": return .hc(.hc0)
  case "hc1": return .hc(.hc1)
  case "hc2": return .hc(.hc2)
  case "hc3": return .hc(.hc3)
  case "cluster":
    return .cluster(
      try clusters.map { column in
        let g = try frame.groupCodes(of: column, rows: fit.rows)
        return ClusterVariable(name: column, codes: g.codes, count: g.count)
      })
  default:
    throw FixtureError.unknownCovariance(name)
  }
}

enum FixtureError: Error {
  case unknownCovariance(String)
}
