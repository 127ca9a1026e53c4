import Foundation
import StrataData
import StrataDesign
import StrataFormula

/// The reference file written by `Tests/Fixtures/design/make_design_fixtures.R`.
public struct DesignReference: @unchecked Sendable {
  public static let shared: DesignReference? = {
    (try? loadFixture("Tests/Fixtures/design/design_reference.json")).map(DesignReference.init(json:))
  }()
  public let json: [String: Any]
  public var designs: [[String: Any]] { json["designs"] as? [[String: Any]] ?? [] }
  public var cases: [[String: Any]] { json["cases"] as? [[String: Any]] ?? [] }
  public func design(_ id: String) -> [String: Any]? { designs.first { $0["id"] as? String == id } }
}

/// The fixture's cases whose `statistic` passes `filter`.
public func designCases(_ filter: (String) -> Bool) -> [ReferenceCase] {
  referenceCases("Tests/Fixtures/design/design_reference.json") { c in (c["statistic"] as? String).map(filter) ?? false }
}

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

/// The data and design of a fixture design id.
public func fixtureDesign(_ id: String) throws -> (data: DataFrame, design: SampleDesign, path: String) {
  guard let d = DesignReference.shared?.design(id), let path = d["data"] as? String else {
    throw TestFixtureError.missing(id)
  }
  let data = try FrameCache.shared.frame(path)
  return (data, try SampleDesign(specification(d), data: data), path)
}

/// A domain from an R expression.
public func domain(_ expression: String?, data: DataFrame) throws -> Domain? {
  guard let expression else { return nil }
  return Domain(indicator: try RowExpression.parse(expression).evaluate(on: data), label: expression)
}
