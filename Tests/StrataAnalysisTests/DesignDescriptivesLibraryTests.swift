import Foundation
import Strata
import Testing
import _StrataTestSupport

/// `SurveyDesign.total`, `proportion`, `ratio`, `quantile` and `tabulate` against R survey's
/// svytotal, svymean(~factor), svyratio, svyquantile, svyby and svychisq
/// (`Tests/Fixtures/design/make_design_fixtures.R`, R survey 4.1-1), through the library's
/// design object only. 1e-8 relative, as the descriptive suite: closed-form estimators.
@Suite("SurveyDesign totals, proportions, ratios, quantiles and tables against R survey")
struct DesignDescriptivesLibraryTests {
  static let rtol = 1e-8

  static func cases(_ statistics: Set<String>) -> [ReferenceCase] {
    referenceCases("Tests/Fixtures/design/design_reference.json") {
      ($0["statistic"] as? String).map(statistics.contains) ?? false
    }
  }

  @Test func fixtureHasEveryStatistic() {
    #expect(Self.cases(["total"]).count >= 20)
    #expect(Self.cases(["proportion"]).count >= 10)
    #expect(Self.cases(["ratio"]).count >= 10)
    #expect(Self.cases(["quantile"]).count >= 20)
    #expect(Self.cases(["tab"]).count >= 5)
  }

  /// The fixture case's design, restricted to its subpopulation.
  static func design(_ c: ReferenceCase) throws -> SurveyDesign {
    var design = try DesignLibraryTests.design(try #require(c.json["design"] as? String))
    if let subpop = c.json["subpop"] as? String { design = try design.subpopulation(subpop) }
    return design
  }

  /// The library call of a case, through the variadic methods as a user writes them.
  static func estimate(_ c: ReferenceCase, on design: SurveyDesign) throws -> DescriptiveResult {
    let variables = c.json["variables"] as? [String] ?? []
    let by = c.json["by"] as? [String] ?? []
    let expected = c.json["estimates"] as? [[String: Any]] ?? []
    let v = try #require(variables.first)
    switch (c.json["statistic"] as? String ?? "", by.count) {
    case ("total", 0): return try design.total(v)
    case ("total", 1): return try design.total(v, by: by[0])
    case ("total", 2): return try design.total(v, by: by[0], by[1])
    case ("proportion", 0): return try design.proportion(v)
    case ("proportion", 1): return try design.proportion(v, by: by[0])
    case ("ratio", 0): return try design.ratio(v, to: variables[1])
    case ("ratio", 1): return try design.ratio(v, to: variables[1], by: by[0])
    case ("quantile", 0):
      let ps = expected.compactMap { number($0["quantile"]) }
      return try design.quantile(v, probabilities: ps)
    case ("quantile", 1):
      let ps = expected.compactMap { number($0["quantile"]) }
      return try design.quantile(v, probabilities: Array(Set(ps)).sorted(), by: by[0])
    default:
      return try design.estimate(
        DescriptiveStatistic(rawValue: c.json["statistic"] as? String ?? "") ?? .mean, variables: variables, by: by)
    }
  }

  @Test(arguments: cases(["total", "proportion", "ratio", "quantile"]))
  func descriptive(_ c: ReferenceCase) throws {
    let result = try Self.estimate(c, on: try Self.design(c))
    let expected = c.json["estimates"] as? [[String: Any]] ?? []
    try #require(result.estimates.count == expected.count, "\(c.id): \(result.estimates.count) estimates")
    for (got, want) in zip(result.estimates, expected) {
      let label = "\(c.id) \(got.level ?? "") \(got.by.map { "\($0.0)=\($0.1)" }.joined(separator: ","))"
      if let by = want["by"] as? [String: String] {
        for (k, v) in got.by { #expect(by[k] == v, "\(label): group \(k)") }
      }
      if let p = number(want["quantile"]) { #expect(got.quantile == p, "\(label): probability") }
      expectClose(got.estimate, number(want["estimate"]), rtol: Self.rtol, "\(label) estimate")
      // Proportions of a stratum variable have SE exactly 0 in exact arithmetic (rounding noise in both).
      expectClose(got.stdError, number(want["std_error"]), rtol: Self.rtol, atol: 1e-12, "\(label) SE")
      if let d = number(want["deff"]) { expectClose(got.deff, d, rtol: Self.rtol, atol: 1e-12, "\(label) deff") }
      if let lo = number(want["conf_low"]) {
        expectClose(got.confLow, lo, rtol: Self.rtol, "\(label) lower")
        expectClose(got.confHigh, number(want["conf_high"]), rtol: Self.rtol, "\(label) upper")
      }
    }
    if let subpop = c.json["subpop"] as? String { #expect(result.domain == subpop, "\(c.id): domain label") }
  }

  /// `estimate(.ratio, variables: [num, den])` is `ratio(num, to: den)`.
  @Test func ratioThroughEstimate() throws {
    let c = try #require(Self.cases(["ratio"]).first { $0.id == "strat_ratio" })
    let design = try Self.design(c)
    let a = try design.estimate(.ratio, variables: ["api.stu", "enroll"])
    let want = try #require((c.json["estimates"] as? [[String: Any]])?.first)
    let got = try #require(a.estimates.first)
    expectClose(got.estimate, number(want["estimate"]), rtol: Self.rtol, "ratio")
    expectClose(got.stdError, number(want["std_error"]), rtol: Self.rtol, "ratio SE")
    #expect(got.variable == "api.stu/enroll")
  }

  @Test(arguments: cases(["tab"]))
  func tabulate(_ c: ReferenceCase) throws {
    let design = try Self.design(c)
    let v = c.json["variables"] as? [String] ?? []
    let t = try design.tabulate(v[0], by: v[1])
    let expected = c.json["estimates"] as? [[String: Any]] ?? []
    try #require(t.cells.count == expected.count)
    for (got, want) in zip(t.cells, expected) {
      expectClose(got.proportion, number(want["estimate"]), rtol: Self.rtol, "\(c.id) \(got.row).\(got.column)")
      expectClose(got.stdError, number(want["std_error"]), rtol: Self.rtol, "\(c.id) SE \(got.row).\(got.column)")
    }
    let chi = c.json["chisq"] as? [String: Any] ?? [:]
    expectClose(t.statistic, number(chi["statistic"]), rtol: Self.rtol, "\(c.id) Rao-Scott F")
    expectClose(t.ndf, number(chi["ndf"]), rtol: Self.rtol, "\(c.id) ndf")
    expectClose(t.ddf, number(chi["ddf"]), rtol: Self.rtol, "\(c.id) ddf")
    expectClose(t.pValue, number(chi["p_value"]), rtol: Self.rtol, "\(c.id) p-value")
  }

  /// The Stata convention is the design's: t intervals on the design df (#PSUs − #strata).
  @Test func stataConventionUsesDesignDF() throws {
    var design = try DesignLibraryTests.design("strat")
    let r = try #require(try design.total("enroll").estimates.first)
    design.convention = .stata
    let s = try design.total("enroll")
    let e = try #require(s.estimates.first)
    expectClose(e.estimate, r.estimate, rtol: 1e-15, "same estimate")
    expectClose(e.stdError, r.stdError, rtol: 1e-15, "same SE")
    #expect(r.df == nil)
    #expect(e.df == s.df)
    #expect(s.df == 197)  // apistrat: 200 PSUs, 3 strata
    #expect(e.confHigh - e.confLow > r.confHigh - r.confLow, "t interval wider than the normal one")
  }

  @Test func summaryIsTheBuiltDesign() throws {
    let design = try DesignLibraryTests.design("strat")
    #expect(design.summary.observations == 200)
  }

  @Test func badArgumentsAreTypedErrors() throws {
    let design = try DesignLibraryTests.design("strat")
    #expect(throws: AnalysisError.self) { try design.quantile("api00", probabilities: [1.5]) }
    #expect(throws: AnalysisError.self) { try design.estimate(.ratio, variables: ["api.stu"]) }
    #expect(throws: AnalysisError.self) { try design.ratio("api.stu", to: "enroll", level: 100) }
    #expect(throws: AnalysisError.self) { try design.tabulate("sch.wide", by: "stype", level: 0) }
    #expect(throws: (any Error).self) { try design.proportion("no_such_column") }
    #expect {
      try design.tabulate("stype", by: "stype")
    } throws: { error in
      if case AnalysisError.tabulateSameVariable("stype") = error { return true }
      return false
    }
  }
}
