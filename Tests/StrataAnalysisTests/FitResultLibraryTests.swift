import Foundation
import Strata
import Testing
import _StrataTestSupport

/// What the library result of a fit carries beyond its coefficients: 2SLS instrument
/// diagnostics (AER::ivreg `diagnostics = TRUE` + sandwich, `Tests/Fixtures/ivfe`), margins
/// through the path the model needs (ordered/multinomial per-outcome margins against
/// `Tests/Fixtures/ordinal/make_ordinal_margins_fixtures.R`), and unconditional margins refused
/// before any refit when the variance has no covariate-sampling form.
@Suite("Fit results: IV diagnostics, margins paths, refusals before work")
struct FitResultLibraryTests {
  // MARK: - IV diagnostics

  /// Statistics 1e-7, p-values 1e-6 relative: the tolerances of the IV reference suite.
  @Test(arguments: referenceCases("Tests/Fixtures/ivfe/ivfe_reference.json", key: "iv"))
  func ivDiagnosticsMatchR(_ c: ReferenceCase) throws {
    let j = c.json
    let fit = try Model.fit(
      .iv, try #require(j["formula"] as? String), data: try FrameCache.shared.dataset("mroz"),
      weights: j["weights"] as? String, subset: j["subset"] as? String,
      variance: try EveryModelLibraryTests.variance(try #require(j["vce"] as? String), cluster: j["cluster"] as? String))
    let d = try #require(try fit.ivDiagnostics(), "\(c.id): a 2SLS fit has diagnostics")
    let tests = d.weakInstruments + [d.wuHausman, d.sargan].compactMap { $0 }
    let reference = try #require(j["diagnostics"] as? [[String: Any]])
    #expect(!reference.isEmpty)
    for r in reference {
      let name = try #require(r["name"] as? String)
      guard let stat = number(r["statistic"]) else {
        #expect(!tests.contains { $0.name == name }, "\(c.id) \(name) should be absent")
        continue
      }
      let mine = try #require(tests.first { $0.name == name }, "\(c.id) \(name) missing")
      expectClose(mine.statistic, stat, rtol: 1e-7, "\(c.id) \(name) statistic")
      expectClose(mine.pValue, number(r["p_value"]), rtol: 1e-6, atol: 1e-300, "\(c.id) \(name) p")
      #expect(Double(mine.df1) == number(r["df1"]))
      if let df2 = number(r["df2"]) { #expect(mine.df2.map(Double.init) == df2) }
    }
    if let j0 = number(j["hansen_j"]) { expectClose(d.hansenJ?.statistic, j0, rtol: 1e-7, "\(c.id) Hansen J") }
  }

  @Test func otherModelsHaveNoIVDiagnostics() throws {
    let fit = try Model.fit(.ols, "lwage ~ educ + exper", data: try FrameCache.shared.dataset("mroz"), subset: "inlf == 1")
    #expect(try fit.ivDiagnostics() == nil)
  }

  // MARK: - Margins paths

  static func ordinalCases(_ file: String) -> [ReferenceCase] {
    referenceCases("Tests/Fixtures/ordinal/\(file)")
  }

  /// The fit and margins options of a fixture's `strata fit ... --margins` arguments.
  static func fitAndOptions(_ args: [String]) throws -> (ModelFit, MarginsOptions) {
    var spec = FitSpecification(model: try #require(ModelKind(rawValue: args[1])), formula: args[2])
    var options = MarginsOptions()
    var path = ""
    var i = 3
    while i < args.count {
      let value = i + 1 < args.count ? args[i + 1] : ""
      switch args[i] {
      case "--data": path = value
      case "--cluster": spec.variance = .cluster([value])
      case "--margins": options.kinds = try value.split(separator: ",").map { try #require(MarginKind(rawValue: String($0))) }
      case "--margins-variables": options.variables = value.split(separator: ",").map(String.init)
      case "--at": options.at = try AtGrid.parse(value)
      case "--over": options.over = value
      case "--atmeans":
        options.atMeans = true
        i += 1
        continue
      case "--format": break
      default: Issue.record("unexpected fixture flag \(args[i])")
      }
      i += 2
    }
    return (try Model.fit(spec, data: try FrameCache.shared.frame(path)), options)
  }

  /// Rows as (variable, outcome, estimate, SE), from either margins path.
  static func rows(_ m: FitMargins) -> [(String, String, Double, Double)] {
    switch m {
    case .margins(let r):
      return r.estimates.map { ($0.variable, $0.outcome ?? "", $0.result.estimate, $0.result.stdError) }
    case .outcomeAverages(let r):
      return r.estimates.map { ($0.variable, $0.outcome, $0.result.estimate, $0.result.stdError) }
    }
  }

  /// A plain dydx request of an ordered or multinomial fit takes the per-outcome AME path;
  /// 1e-6 relative as the CLI suite (central-difference Jacobians on both sides).
  @Test(arguments: ordinalCases("ordinal_margins_reference.json"))
  func outcomeAveragesMatchR(_ c: ReferenceCase) throws {
    let (fit, options) = try Self.fitAndOptions(try #require(c.json["args"] as? [String]))
    let m = try fit.margins(selecting: options)
    guard case .outcomeAverages = m else {
      Issue.record("\(c.id): a plain dydx request gives per-outcome average effects")
      return
    }
    try Self.compare(Self.rows(m), c)
  }

  /// Requests with options take the general per-outcome path.
  @Test(arguments: ordinalCases("ordinal_margins_options_reference.json"))
  func outcomeMarginsWithOptionsMatchR(_ c: ReferenceCase) throws {
    let (fit, options) = try Self.fitAndOptions(try #require(c.json["args"] as? [String]))
    let m = try fit.margins(selecting: options)
    guard case .margins = m else {
      Issue.record("\(c.id): options give the general per-outcome margins")
      return
    }
    try Self.compare(Self.rows(m), c)
  }

  static func compare(_ rows: [(String, String, Double, Double)], _ c: ReferenceCase) throws {
    let variables = try #require(c.json["variable"] as? [String])
    let outcomes = try #require(c.json["outcome"] as? [String])
    let est = try #require(c.json["estimate"] as? [Double])
    let se = try #require(c.json["std_error"] as? [Double])
    try #require(rows.count == est.count, "\(c.id): \(rows.count) rows")
    #expect(rows.map(\.0) == variables)
    #expect(rows.map(\.1) == outcomes)
    for (row, (e, s)) in zip(rows, zip(est, se)) {
      expectClose(row.2, e, rtol: 1e-6, "\(c.id) \(row.0) \(row.1) estimate")
      expectClose(row.3, s, rtol: 1e-6, "\(c.id) \(row.0) \(row.1) SE")
    }
  }

  @Test func outcomeMarginsRefuseUnconditional() throws {
    let c = try #require(Self.ordinalCases("ordinal_margins_reference.json").first)
    let (fit, options) = try Self.fitAndOptions(try #require(c.json["args"] as? [String]))
    #expect {
      try fit.margins(selecting: options, unconditional: true)
    } throws: { error in
      if case AnalysisError.unconditionalOutcomeMargins = error { return true }
      return false
    }
  }

  /// Other models take the margins of their prediction: the same numbers as `margins(_:)`.
  @Test func otherModelsTakeThePredictionPath() throws {
    let data = try DataFrame(contentsOf: datasetPath("apistrat.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    let fit = try design.fit(.logit, "sch.wide ~ ell + meals + mobility")
    let options = MarginsOptions(kinds: [.dydx, .eyex])
    for unconditional in [false, true] {
      let direct = try fit.margins(options, unconditional: unconditional)
      guard case .margins(let picked) = try fit.margins(selecting: options, unconditional: unconditional) else {
        Issue.record("a logit fit gives margins of its prediction")
        return
      }
      try #require(picked.estimates.count == direct.estimates.count)
      #expect(picked.estimates.count == 6)
      #expect(picked.unconditional == unconditional)
      for (a, b) in zip(direct.estimates, picked.estimates) {
        #expect(a.result.estimate == b.result.estimate)
        #expect(a.result.stdError == b.result.stdError)
      }
    }
  }

  // MARK: - Refusals before work

  /// A saved fit under replicate weights: unconditional margins are refused before the refit.
  /// The saved coefficients are deliberately off, so a refit would end in
  /// `refittedCoefficientsDiffer`; the replicate refusal must come first.
  @Test func unconditionalMarginsWithReplicateWeightsRefusedBeforeRefit() throws {
    let data = try DataFrame(contentsOf: datasetPath("apiclus1.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", psu: "dnum", fpc: "fpc").replicates(.jk1)
    let spec = design.specification(.logit, "sch.wide ~ ell + meals")
    let setup = try Model.setup(spec, data: data)
    #expect(setup.variance == .design)
    let fit = try setup.fit()
    var coefficients = fit.fit.keptCoefficients
    coefficients[1] += 1
    let restored = try setup.restore(
      SavedEstimates(
        terms: fit.fit.terms, kept: fit.fit.kept, coefficients: coefficients, covariance: fit.covariance.matrix,
        degreesOfFreedom: fit.covariance.degreesOfFreedom, varianceTitle: fit.varianceTitle, nobs: fit.fit.nobs))
    #expect {
      try restored.margins(MarginsOptions(), unconditional: true)
    } throws: { error in
      if case MarginsError.unconditionalReplicates = error { return true }
      return false
    }
    // Covariates fixed needs no refit and works.
    #expect(try restored.margins(MarginsOptions()).estimates.count == 2)
  }

  /// Classical (and OIM, HC2, HC3) variances have no covariate-sampling form: refused before the refit.
  @Test func unconditionalMarginsAfterClassicalRefusedBeforeRefit() throws {
    let data = try FrameCache.shared.dataset("mroz")
    let spec = FitSpecification(model: .probit, formula: "inlf ~ educ + age")
    let setup = try Model.setup(spec, data: data)
    #expect(setup.variance == .classical)
    #expect {
      try setup.checkUnconditionalMargins()
    } throws: { error in
      if case MarginsError.unconditionalNeedsRobust(let vce) = error { return vce == "classical" }
      return false
    }
    var robust = spec
    robust.variance = .robust
    try Model.setup(robust, data: data).checkUnconditionalMargins()
    let linearization = try SurveyDesign(
      data: try DataFrame(contentsOf: datasetPath("apistrat.csv")), weights: "pw", strata: "stype", fpc: "fpc")
    let designSpec = linearization.specification(.logit, "sch.wide ~ ell")
    try Model.setup(designSpec, data: linearization.data).checkUnconditionalMargins()
  }
}
