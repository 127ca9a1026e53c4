import Foundation
import Strata
import Testing
import _StrataTestSupport

/// `ModelFit.test`, `.lincom`, `.nlcom` against R `regTermTest` and `svycontrast`
/// (Tests/Fixtures/tests/make_test_fixtures.R): a design-based OLS (svyglm), `lm` classical and
/// HC1, a classical logit (χ² form).
@Suite("Tests and combinations of coefficients against R regTermTest/svycontrast (Tests/Fixtures/tests)")
struct PostEstimationLibraryTests {
  static let fixture = "Tests/Fixtures/tests/tests_reference.json"

  /// The fit a fixture case's `strata fit` arguments describe, through the library.
  static func fit(_ c: ReferenceCase) throws -> ModelFit {
    let args = try #require(c.json["args"] as? [String])
    func value(_ flag: String) -> String? { args.firstIndex(of: flag).map { args[$0 + 1] } }
    let model: ModelKind = args[0] == "logit" ? .logit : .ols
    let data = try FrameCache.shared.frame(try #require(value("--data")))
    if let weights = value("--weights") {
      let design = try SurveyDesign(
        data: data, weights: weights, strata: value("--strata"), fpc: try #require(value("--fpc")))
      return try Model.fit(design.specification(model, args[1]), data: data)
    }
    var spec = FitSpecification(model: model, formula: args[1])
    if value("--vce") == "hc1" { spec.variance = .hc(.hc1) }
    return try Model.fit(spec, data: data)
  }

  @Test func fixtureIsPresent() {
    #expect(referenceCases(Self.fixture).count == 4)
    #expect(referenceCases(Self.fixture, key: "split").count == 2)
  }

  /// Closed-form statistics (least squares; the logit at its converged MLE on both sides):
  /// 1e-8 relative, the logit 1e-6 (IRLS on both sides).
  @Test(arguments: referenceCases(Self.fixture))
  func termTestsMatchRegTermTest(_ c: ReferenceCase) throws {
    let fit = try Self.fit(c)
    let rtol = c.id.contains("logit") ? 1e-6 : 1e-8
    let tests = try #require(c.json["tests"] as? [[String: Any]])
    #expect(!tests.isEmpty)
    for r in tests {
      let terms = try #require(r["terms"] as? String)
      let t = try fit.test(terms)
      expectClose(t.chi2, try #require(number(r["chi2"])), rtol: rtol, "\(c.id) \(terms) chi2")
      expectClose(t.statistic, try #require(number(r["statistic"])), rtol: rtol, "\(c.id) \(terms) statistic")
      expectClose(t.pValue, try #require(number(r["p_value"])), rtol: 1e-6, "\(c.id) \(terms) p")
      #expect(t.dfNum == r["df_num"] as? Int)
      if let den = number(r["df_den"]) {
        #expect(t.form == .f)
        #expect(t.dfDen == den)
      } else {
        #expect(t.form == .chiSquared)
        #expect(t.dfDen == .infinity)
      }
    }
  }

  @Test(arguments: referenceCases(Self.fixture))
  func combinationsMatchSvycontrast(_ c: ReferenceCase) throws {
    let fit = try Self.fit(c)
    let rtol = c.id.contains("logit") ? 1e-6 : 1e-8
    for (key, linear) in [("lincom", true), ("nlcom", false)] {
      let rows = try #require(c.json[key] as? [[String: Any]])
      #expect(rows.count >= 3)
      let texts = rows.compactMap { $0["expression"] as? String }
      let got = linear ? try fit.lincom(texts) : try fit.nlcom(texts)
      try #require(got.count == rows.count)
      for (g, r) in zip(got, rows) {
        #expect(g.label == r["expression"] as? String)
        for (name, value) in [
          ("estimate", g.estimate), ("std_error", g.stdError), ("statistic", g.statistic), ("conf_low", g.confLow),
          ("conf_high", g.confHigh),
        ] {
          expectClose(value, try #require(number(r[name])), rtol: rtol, "\(c.id) \(key) \(g.label) \(name)")
        }
        expectClose(g.pValue, try #require(number(r["p_value"])), rtol: 1e-6, "\(c.id) \(key) \(g.label) p")
      }
    }
  }

  /// `lincom` and `nlcom` agree on a linear expression; a label names the row; constants shift
  /// the estimate and not the standard error.
  @Test func linearAndNonlinearAgreeAndConstantsShift() throws {
    let fit = try Self.fit(try #require(referenceCases(Self.fixture).first { $0.id == "apistrat_lm" }))
    let a = try fit.lincom(["d = ell - meals", "ell - meals - 1"])
    let b = try fit.nlcom(["ell - meals"])
    #expect(a[0].label == "d")
    expectClose(a[0].estimate, b[0].estimate, rtol: 1e-14, "same estimate")
    expectClose(a[0].stdError, b[0].stdError, rtol: 1e-12, "same SE")
    expectClose(a[1].estimate, a[0].estimate - 1, rtol: 1e-14, "constant")
    expectClose(a[1].stdError, a[0].stdError, rtol: 1e-14, "constant leaves the SE")
    // A column name with special characters, in backquotes or as printed.
    let i = try fit.lincom(["`(Intercept)`", "(Intercept)", "`ell:stypeH`", "ell:stypeH"])
    let coefficient = { (name: String) in fit.coefficients.first { $0.term == name }?.estimate ?? .nan }
    expectClose(i[0].estimate, coefficient("(Intercept)"), rtol: 1e-14, "(Intercept)")
    expectClose(i[1].estimate, coefficient("(Intercept)"), rtol: 1e-14, "(Intercept) unquoted")
    expectClose(i[2].estimate, coefficient("ell:stypeH"), rtol: 1e-14, "ell:stypeH")
    expectClose(i[3].estimate, coefficient("ell:stypeH"), rtol: 1e-14, "ell:stypeH unquoted")
    // A single coefficient's test is its t test; a column name tests that column alone.
    let single = try fit.test("stypeH")
    let row = try #require(fit.coefficients.first { $0.term == "stypeH" })
    expectClose(single.statistic, try #require(row.statistic) * (row.statistic ?? 0), rtol: 1e-10, "F = t²")
    // An interaction in either order, and + as a separator.
    let t1 = try fit.test("ell:stype")
    let t2 = try fit.test("stype:ell + meals")
    #expect(t1.columns == ["ell:stypeH", "ell:stypeM"])
    #expect(t2.columns == ["meals", "ell:stypeH", "ell:stypeM"])
  }

  @Test func badRequestsAreErrorsNamingTheProblem() throws {
    let fit = try Self.fit(try #require(referenceCases(Self.fixture).first { $0.id == "apistrat_svyglm" }))
    #expect(throws: InferenceError.emptyTermList) { try fit.test("  ") }
    #expect {
      try fit.test("ell, emer")
    } throws: { error in
      guard case InferenceError.unknownTerm(let term, let available) = error else { return false }
      return term == "emer" && available.contains("stype") && available.contains("meals")
        && "\(error)".contains("'emer' is not a term")
    }
    #expect {
      try fit.lincom(["ell * meals"])
    } throws: { error in
      guard case FormulaError.notLinear(let e, _) = error else { return false }
      return e == "ell * meals" && "\(error)".contains("use nlcom")
    }
    #expect {
      try fit.nlcom(["exp(mobility)"])
    } throws: { error in
      guard case FormulaError.unknownCoefficient(let name, _, let available) = error else { return false }
      return name == "mobility" && available == ["(Intercept)", "ell", "meals", "stypeH", "stypeM"]
    }
    #expect(throws: FormulaError.unsupportedFunction(name: "lgamma")) { try fit.nlcom(["lgamma(ell)"]) }
    #expect(throws: AnalysisError.self) { try fit.nlcom(["log(ell)"]) }  // ell < 0: no finite log
    #expect(throws: AnalysisError.self) { try fit.lincom([]) }
  }

  /// A term dropped for collinearity cannot be tested; a term with a dropped column tests the
  /// rest (as R's `okbeta`).
  @Test func aliasedTermIsAnError() throws {
    let data = try FrameCache.shared.frame("datasets/apistrat.csv")
    let fit = try Model.fit(FitSpecification(model: .ols, formula: "api00 ~ ell + meals + I(2 * ell)"), data: data)
    #expect(fit.fit.kept.count == 3)
    #expect {
      try fit.test("I(2 * ell)")
    } throws: { error in
      guard case InferenceError.termAliased(let term, let columns) = error else { return false }
      return term == "I(2 * ell)" && columns == ["I(2 * ell)"] && "\(error)".contains("dropped for collinearity")
    }
    // Listed with a term that can be tested, still an error (never a silently smaller test).
    #expect(throws: InferenceError.self) { try fit.test("ell, I(2 * ell)") }
    // A factor with one level aliased (stypeH duplicates an earlier column): the rest is tested.
    let partial = try Model.fit(
      FitSpecification(model: .ols, formula: "api00 ~ ell + I(stype == \"H\") + stype"), data: data)
    #expect(partial.fit.kept.count == 4)
    let t = try partial.test("stype")
    #expect(t.columns == ["stypeM"])
    #expect(t.dfNum == 1)
  }

  /// Stata's convention: a design-based test is the adjusted F on the design df,
  /// (d − q + 1) W / (d q) on (q, d − q + 1).
  @Test func stataConventionGivesTheAdjustedF() throws {
    let data = try FrameCache.shared.frame("datasets/apistrat.csv")
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    var spec = design.specification(.ols, "api00 ~ ell + meals + stype")
    let r = try Model.fit(spec, data: data).test("ell, meals")
    spec.convention = .stata
    let s = try Model.fit(spec, data: data).test("ell, meals")
    #expect(r.form == .f && s.form == .adjustedF)
    expectClose(s.chi2, r.chi2, rtol: 1e-12, "same Wald statistic")
    // d = 200 − 3 strata = 197.
    #expect(s.dfDen == 196)
    expectClose(s.statistic, r.chi2 * 196 / (197 * 2), rtol: 1e-12, "adjusted F")
  }

  /// Combinations of margins: one margin alone is the margin with its own standard error, and
  /// a sum uses the margins' joint covariance G V Gᵀ.
  @Test func combinationsOfMarginsAgreeWithTheMargins() throws {
    let data = try FrameCache.shared.frame("datasets/apistrat.csv")
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    let fit = try Model.fit(design.specification(.logit, "sch.wide ~ ell + meals"), data: data)
    let ame = try fit.margins(.dydx)
    let post = try ame.postEstimation(covariance: fit.covariance.matrix)
    #expect(post.keptColumns == ["ell", "meals"])
    let single = try post.lincom(["ell", "meals"])
    for (c, m) in zip(single, ame.estimates) {
      expectClose(c.estimate, m.result.estimate, rtol: 1e-14, "\(m.variable) estimate")
      expectClose(c.stdError, m.result.stdError, rtol: 1e-12, "\(m.variable) SE")
    }
    let sum = try post.lincom(["ell + meals"])[0]
    let v = post.covariance
    expectClose(sum.stdError * sum.stdError, v[0, 0] + v[1, 1] + 2 * v[0, 1], rtol: 1e-12, "variance of a sum")
    #expect(v[0, 1] != 0)
    let sampled = try fit.margins(.dydx, unconditional: true)
    #expect(throws: MarginsError.combinationNeedsFixedCovariates) {
      try sampled.postEstimation(covariance: fit.covariance.matrix)
    }
  }
}
