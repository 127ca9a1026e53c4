import Foundation
import Strata
import Testing

/// The package root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Cache of data files read once per test process.
final class FrameCache: @unchecked Sendable {
  static let shared = FrameCache()
  private var frames: [String: DataFrame] = [:]
  private let lock = NSLock()
  func frame(_ relativePath: String) throws -> DataFrame {
    lock.lock()
    defer { lock.unlock() }
    if let f = frames[relativePath] { return f }
    let f = try DataReader.read(path: repositoryRoot.appendingPathComponent(relativePath).path)
    frames[relativePath] = f
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

/// The reference file written by `Tests/Fixtures/design/make_design_fixtures.R`.
struct DesignReference: @unchecked Sendable {
  static let shared: DesignReference? = {
    let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/design/design_reference.json")
    guard let data = try? Data(contentsOf: url),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return nil }
    return DesignReference(json: json)
  }()
  let json: [String: Any]
  var designs: [[String: Any]] { json["designs"] as? [[String: Any]] ?? [] }
  var cases: [[String: Any]] { json["cases"] as? [[String: Any]] ?? [] }
  func design(_ id: String) -> [String: Any]? { designs.first { $0["id"] as? String == id } }
}

/// One reference case, named by its id in test output.
struct ReferenceCase: CustomStringConvertible, @unchecked Sendable {
  let id: String
  let json: [String: Any]
  var description: String { id }
}

func referenceCases(_ filter: (String) -> Bool) -> [ReferenceCase] {
  (DesignReference.shared?.cases ?? []).compactMap { c in
    guard let s = c["statistic"] as? String, filter(s), let id = c["id"] as? String else { return nil }
    return ReferenceCase(id: id, json: c)
  }
}

/// A JSON number or null as an optional Double.
func number(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }

/// The Strata declaration of a fixture design.
func specification(_ d: [String: Any]) -> DesignSpecification {
  var spec = DesignSpecification(
    weights: d["weights"] as? String, strata: d["strata"] as? String, psu: d["psu"] as? [String] ?? [],
    fpc: d["fpc"] as? [String] ?? [], nest: d["nest"] as? Bool ?? false,
    lonelyPSU: LonelyPSURule(rawValue: d["lonely"] as? String ?? "fail") ?? .fail)
  if let r = d["replicate"] as? [String: Any] {
    spec.replicateWeights = ReplicateSpecification(
      columns: r["columns"] as? [String] ?? [], type: ReplicateType(rawValue: r["type"] as? String ?? "") ?? .brr,
      scale: number(r["scale"]), mse: r["mse"] as? Bool ?? false)
  }
  if let b = d["build"] as? [String: Any] {
    spec.buildReplicates = ReplicateConstruction(
      type: ReplicateType(rawValue: b["type"] as? String ?? "") ?? .jk1, rho: number(b["rho"]))
  }
  return spec
}

enum FixtureError: Error { case missing(String) }

/// The data and design of a fixture design id.
func fixtureDesign(_ id: String) throws -> (data: DataFrame, design: SampleDesign, path: String) {
  guard let d = DesignReference.shared?.design(id), let path = d["data"] as? String else {
    throw FixtureError.missing(id)
  }
  let data = try FrameCache.shared.frame(path)
  return (data, try SampleDesign(specification(d), data: data), path)
}

/// A domain from an R expression.
func domain(_ expression: String?, data: DataFrame) throws -> Domain? {
  guard let expression else { return nil }
  return Domain(indicator: try RowExpression.parse(expression).evaluate(on: data), label: expression)
}
