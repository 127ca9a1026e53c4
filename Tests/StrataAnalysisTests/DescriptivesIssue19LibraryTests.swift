import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The descriptives of issue 19 against R survey 4.1-1 (`Tests/Fixtures/descriptives/
/// make_desc_fixtures.R`, the one-stage api design `svydesign(ids = ~dnum, weights = ~pw,
/// fpc = ~fpc, data = apiclus1)`): `total` of a text column (svytotal(~factor)), `variance`
/// (svyvar, with a covariance matrix, and without a design), `proportion(_:interval:)` with the
/// six svyciprop methods, subpopulations written with is.na / %in% / ifelse, and a design-based
/// regression with such terms (R's column names). 1e-8 relative: closed-form estimators, and
/// the likelihood interval's roots solved to adjacent doubles (compared with R's own glm.fit
/// deviance solved by uniroot to 1e-14; svyciprop's spline-interpolated likelihood bounds are
/// compared at 2e-3: that interpolation is off by up to 1e-3 relative in the small domain).
@Suite("Descriptives of issue 19 against R survey (svytotal of a factor, svyvar, svyciprop, is.na subpops)")
struct DescriptivesIssue19LibraryTests {
  static let rtol = 1e-8
  static let fixture = "Tests/Fixtures/descriptives/desc_reference.json"

  static func cases(_ kind: String) -> [ReferenceCase] {
    referenceCases(fixture) { $0["kind"] as? String == kind }
  }

  /// A JSON value that R wrote as a scalar when it had length 1.
  static func doubles(_ v: Any?) -> [Double] {
    if let a = v as? [Any] { return a.compactMap(number) }
    return number(v).map { [$0] } ?? []
  }

  static func strings(_ v: Any?) -> [String] {
    if let a = v as? [String] { return a }
    return (v as? String).map { [$0] } ?? []
  }

  static func apiclus1() throws -> DataFrame { try FrameCache.shared.dataset("apiclus1") }

  static func design(subpop: String?) throws -> SurveyDesign {
    let design = try SurveyDesign(data: try apiclus1(), weights: "pw", psu: "dnum", fpc: "fpc")
    guard let subpop, !subpop.isEmpty else { return design }
    return try design.subpopulation(subpop)
  }

  @Test func fixtureIsPresent() {
    #expect(Self.cases("total").count == 2)
    #expect(Self.cases("variance").count == 4)
    #expect(Self.cases("variance_by").count == 1)
    #expect(Self.cases("total_by").count == 1)
    #expect(Self.cases("ciprop").count == 5)
    #expect(Self.cases("mean").count == 4)
    #expect(Self.cases("svyglm").count == 1)
  }

  /// svytotal(~stype): one total per level, with R's deff.
  @Test(arguments: cases("total"))
  func totalOfAFactor(_ c: ReferenceCase) throws {
    let result = try Self.design(subpop: c.json["subpop"] as? String).total("stype")
    let levels = Self.strings(c.json["levels"])
    let est = Self.doubles(c.json["estimate"])
    let se = Self.doubles(c.json["std_error"])
    let deff = Self.doubles(c.json["deff"])
    try #require(result.estimates.count == levels.count, "\(c.id): \(result.estimates.count) totals")
    for (k, e) in result.estimates.enumerated() {
      #expect(e.level == levels[k], "\(c.id): level \(k)")
      expectClose(e.estimate, est[k], rtol: Self.rtol, "\(c.id) \(levels[k]) total")
      expectClose(e.stdError, se[k], rtol: Self.rtol, "\(c.id) \(levels[k]) SE")
      expectClose(e.deff, deff[k], rtol: Self.rtol, "\(c.id) \(levels[k]) deff")
    }
  }

  /// svyvar(~x + y): the covariance matrix (every ordered pair, R's column-major order is the
  /// same as Strata's row-major one for a symmetric matrix read pair by pair) and its SEs.
  @Test(arguments: cases("variance"))
  func variance(_ c: ReferenceCase) throws {
    let variables = Self.strings(c.json["variables"])
    let design: SurveyDesign
    switch c.json["design"] as? String {
    case "none":
      design = try SurveyDesign(data: try Self.apiclus1())
    case "jk1":
      design = try Self.design(subpop: nil).replicates(.jk1)
    default:
      design = try Self.design(subpop: nil)
    }
    let result = try design.variance(variables, covariance: variables.count > 1)
    let first = Self.strings(c.json["variable"])
    let second = Self.strings(c.json["with"])
    let est = Self.doubles(c.json["estimate"])
    let se = Self.doubles(c.json["std_error"])
    try #require(result.estimates.count == est.count, "\(c.id): \(result.estimates.count) entries")
    for (k, e) in result.estimates.enumerated() {
      let label = "\(c.id) \(e.variable),\(e.covariate ?? e.variable)"
      // R's matrix is symmetric: entry (variable, with) of R is entry (with, variable) here.
      #expect(Set([e.variable, e.covariate ?? e.variable]) == Set([first[k], second[k]]), "\(label): pair")
      expectClose(e.estimate, est[k], rtol: Self.rtol, "\(label) estimate")
      expectClose(e.stdError, se[k], rtol: Self.rtol, "\(label) SE")
    }
  }

  /// svyby(~api00, ~stype, svyvar): each group a domain (n its rows).
  @Test func varianceByGroups() throws {
    let c = try #require(Self.cases("variance_by").first)
    let result = try Self.design(subpop: nil).variance(["api00"], by: ["stype"])
    let groups = Self.strings(c.json["groups"])
    let (est, se) = (Self.doubles(c.json["estimate"]), Self.doubles(c.json["std_error"]))
    try #require(result.estimates.count == groups.count)
    for (k, e) in result.estimates.enumerated() {
      #expect(e.by.map(\.1) == [groups[k]])
      expectClose(e.estimate, est[k], rtol: Self.rtol, "\(groups[k]) variance")
      expectClose(e.stdError, se[k], rtol: Self.rtol, "\(groups[k]) SE")
    }
  }

  /// svyby(~stype, ~sch.wide, svytotal): a total per level in each group.
  @Test func totalOfAFactorByGroups() throws {
    let c = try #require(Self.cases("total_by").first)
    let result = try Self.design(subpop: nil).total("stype", by: "sch.wide")
    let groups = Self.strings(c.json["groups"])
    let levels = Self.strings(c.json["levels"])
    let (est, se) = (Self.doubles(c.json["estimate"]), Self.doubles(c.json["std_error"]))
    try #require(result.estimates.count == groups.count)
    for k in groups.indices {
      let e = try #require(result.estimates.first { $0.level == levels[k] && $0.by.map(\.1) == [groups[k]] })
      expectClose(e.estimate, est[k], rtol: Self.rtol, "\(groups[k]) \(levels[k]) total")
      expectClose(e.stdError, se[k], rtol: Self.rtol, "\(groups[k]) \(levels[k]) SE")
    }
  }

  /// Variances of single variables without `covariance` equal the diagonal of the matrix when
  /// no values are missing.
  @Test func variancesAloneEqualTheDiagonal() throws {
    let design = try Self.design(subpop: nil)
    let alone = try design.variance(["api00", "api99"])
    let matrix = try design.variance(["api00", "api99"], covariance: true)
    try #require(alone.estimates.count == 2 && matrix.estimates.count == 4)
    expectClose(alone.estimates[0].estimate, matrix.estimates[0].estimate, rtol: 1e-13, "api00 variance")
    expectClose(alone.estimates[1].stdError, matrix.estimates[3].stdError, rtol: 1e-13, "api99 SE")
    #expect(alone.estimates.allSatisfy { $0.covariate == nil })
  }

  /// svyciprop with each method, the proportion of one level of a two-level text column (the
  /// fixture's `level`), in the whole sample and in a domain near 0.
  @Test(arguments: cases("ciprop"))
  func ciprop(_ c: ReferenceCase) throws {
    let variable = try #require(c.json["variable"] as? String)
    let level = try #require(c.json["level"] as? String)
    let methods = Self.strings(c.json["methods"])
    let lows = Self.doubles(c.json["conf_low"])
    let highs = Self.doubles(c.json["conf_high"])
    let exact = Self.doubles(c.json["likelihood_exact"])
    let design = try Self.design(subpop: c.json["subpop"] as? String)
    for (k, name) in methods.enumerated() {
      let method = try #require(ProportionInterval(rawValue: name))
      let result = try design.proportion([variable], interval: method)
      let e = try #require(result.estimates.first { $0.level == level }, "\(c.id): level \(level)")
      let label = "\(c.id) \(name)"
      expectClose(e.estimate, number(c.json["estimate"]), rtol: Self.rtol, "\(label) estimate")
      expectClose(e.stdError, number(c.json["std_error"]), rtol: Self.rtol, "\(label) SE")
      #expect(e.df == (c.json["df"] as? Int), "\(label) df")
      #expect(e.interval == method)
      if method == .likelihood {
        expectClose(e.confLow, exact[0], rtol: Self.rtol, "\(label) lower (exact root)")
        expectClose(e.confHigh, exact[1], rtol: Self.rtol, "\(label) upper (exact root)")
        expectClose(e.confLow, lows[k], rtol: 2e-3, "\(label) lower (svyciprop's spline)")
        expectClose(e.confHigh, highs[k], rtol: 2e-3, "\(label) upper (svyciprop's spline)")
      } else {
        expectClose(e.confLow, lows[k], rtol: Self.rtol, "\(label) lower")
        expectClose(e.confHigh, highs[k], rtol: Self.rtol, "\(label) upper")
      }
    }
  }

  /// The two levels' intervals are complements (p's bounds are 1 minus 1 − p's), for every method
  /// but `mean`'s and `asin`'s symmetric forms too.
  @Test(arguments: ProportionInterval.allCases)
  func levelsAreComplements(_ method: ProportionInterval) throws {
    let result = try Self.design(subpop: nil).proportion(["sch.wide"], interval: method)
    try #require(result.estimates.count == 2)
    let (no, yes) = (result.estimates[0], result.estimates[1])
    expectClose(no.confLow, 1 - yes.confHigh, rtol: 1e-9, "\(method) lower of No")
    expectClose(no.confHigh, 1 - yes.confLow, rtol: 1e-9, "\(method) upper of No")
  }

  /// BetaDistribution.quantile against R's qbeta over tails, medians and shapes from 0.05 to 250
  /// (the Korn–Graubard bounds are beta quantiles). 1e-8 relative: both sides are accurate to
  /// near the last bits; the bisection stops at adjacent doubles.
  @Test func betaQuantilesMatchR() throws {
    let c = try #require(Self.cases("qbeta").first)
    let (p, a, b, value) = (
      Self.doubles(c.json["p"]), Self.doubles(c.json["a"]), Self.doubles(c.json["b"]), Self.doubles(c.json["value"])
    )
    try #require(p.count == 45 && value.count == 45)
    for k in p.indices {
      let q = BetaDistribution(a: a[k], b: b[k]).quantile(p[k])
      expectClose(q, value[k], rtol: Self.rtol, "qbeta(\(p[k]), \(a[k]), \(b[k]))")
    }
  }

  /// A variable with more than two categories has no svyciprop interval.
  @Test func intervalNeedsABinaryVariable() throws {
    #expect(throws: InferenceError.notBinary(variable: "stype", levels: ["E", "H", "M"])) {
      try Self.design(subpop: nil).proportion(["stype"], interval: .logit)
    }
  }

  /// svymean on subset(dclus1, <expression>) for is.na, !is.na, %in% and ifelse subpopulations.
  @Test(arguments: cases("mean"))
  func subpopulationExpressions(_ c: ReferenceCase) throws {
    let subpop = try #require(c.json["subpop"] as? String)
    let result = try Self.design(subpop: subpop).mean("api00")
    let e = try #require(result.estimates.first)
    expectClose(e.estimate, number(c.json["estimate"]), rtol: Self.rtol, "\(c.id) mean")
    expectClose(e.stdError, number(c.json["std_error"]), rtol: Self.rtol, "\(c.id) SE")
    expectClose(e.deff, number(c.json["deff"]), rtol: Self.rtol, "\(c.id) deff")
    #expect(e.observations == (c.json["n"] as? Int), "\(c.id) rows")
  }

  /// svyglm with is.na(), ifelse() and I(g %in% c(...)) terms: R's column names, estimates, SEs.
  @Test func regressionWithExpressionTerms() throws {
    let c = try #require(Self.cases("svyglm").first)
    let fit = try Self.design(subpop: nil).fit(.ols, try #require(c.json["formula"] as? String))
    let columns = Self.strings(c.json["columns"])
    #expect(fit.coefficients.map(\.term) == columns)
    for (row, (b, se)) in zip(fit.coefficients, zip(Self.doubles(c.json["estimate"]), Self.doubles(c.json["std_error"]))) {
      expectClose(row.estimate, b, rtol: Self.rtol, "\(row.term) estimate")
      expectClose(row.stdError, se, rtol: Self.rtol, "\(row.term) SE")
    }
  }
}
