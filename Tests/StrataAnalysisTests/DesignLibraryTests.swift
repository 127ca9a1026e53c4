import Foundation
import Strata
import Testing
import _StrataTestSupport

/// `SurveyDesign.mean`, `by:` and `subpopulation` against R survey's svymean/svyby and
/// `subset(design, ...)` (`Tests/Fixtures/design/make_design_fixtures.R`, R survey 4.1-1).
/// 1e-8 relative, as the descriptive suite: closed-form estimators.
@Suite("SurveyDesign descriptives against R survey")
struct DesignLibraryTests {
  static func reference() -> [String: Any] {
    (try? loadFixture("Tests/Fixtures/design/design_reference.json")) ?? [:]
  }

  static func cases() -> [ReferenceCase] {
    referenceCases("Tests/Fixtures/design/design_reference.json") { $0["statistic"] as? String == "mean" }
  }

  /// The fixture design `id` as a library design.
  static func design(_ id: String) throws -> SurveyDesign {
    let designs = reference()["designs"] as? [[String: Any]] ?? []
    let d = try #require(designs.first { $0["id"] as? String == id })
    var spec = DesignSpecification(
      weights: d["weights"] as? String, strata: d["strata"] as? String, psu: d["psu"] as? [String] ?? [],
      fpc: d["fpc"] as? [String] ?? [], nest: d["nest"] as? Bool ?? false,
      lonelyPSU: LonelyPSURule(rawValue: d["lonely"] as? String ?? "fail") ?? .fail)
    if let r = d["replicate"] as? [String: Any] {
      spec.replicateWeights = ReplicateSpecification(
        columns: r["columns"] as? [String] ?? [], type: ReplicateType(rawValue: r["type"] as? String ?? "") ?? .brr,
        scale: number(r["scale"]), mse: r["mse"] as? Bool ?? false)
    }
    let data = try DataFrame(contentsOf: repositoryPath(try #require(d["data"] as? String)))
    var design = try SurveyDesign(data: data, specification: spec)
    if let b = d["build"] as? [String: Any] {
      design = try design.replicates(ReplicateType(rawValue: b["type"] as? String ?? "") ?? .jk1, rho: number(b["rho"]))
    }
    return design
  }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count >= 30)
  }

  @Test(arguments: cases())
  func mean(_ c: ReferenceCase) throws {
    var design = try Self.design(try #require(c.json["design"] as? String))
    if let subpop = c.json["subpop"] as? String { design = try design.subpopulation(subpop) }
    let variable = try #require((c.json["variables"] as? [String])?.first)
    let by = c.json["by"] as? [String] ?? []
    let result = by.isEmpty ? try design.mean(variable) : try design.mean(variable, by: by[0])
    let expected = c.json["estimates"] as? [[String: Any]] ?? []
    try #require(result.estimates.count == expected.count, "\(c.id): \(result.estimates.count) estimates")
    for (got, want) in zip(result.estimates, expected) {
      if let groups = want["by"] as? [String: String] {
        for (k, v) in got.by { #expect(groups[k] == v, "\(c.id): group \(k)") }
      }
      expectClose(got.estimate, number(want["estimate"]), rtol: 1e-8, "\(c.id) estimate")
      expectClose(got.stdError, number(want["std_error"]), rtol: 1e-8, atol: 1e-12, "\(c.id) SE")
    }
  }

  /// Subpopulations combine with `&`, as nested `subset(design, ...)` calls.
  @Test func nestedSubpopulationsCombine() throws {
    let c = try #require(Self.cases().first { $0.id == "strat_subpop_mean" })
    let design = try Self.design("strat").subpopulation("sch.wide == \"Yes\"").subpopulation("meals > 20")
    let want = try #require((c.json["estimates"] as? [[String: Any]])?.first)
    let got = try #require(try design.mean("api00").estimates.first)
    expectClose(got.estimate, number(want["estimate"]), rtol: 1e-8, "estimate")
    expectClose(got.stdError, number(want["std_error"]), rtol: 1e-8, "SE")
  }

  @Test func badSubpopulationIsAnError() throws {
    let design = try Self.design("strat")
    #expect(throws: (any Error).self) { try design.subpopulation("no_such_column > 1") }
  }
}
