import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The cases of `Tests/Fixtures/ivfe/ivfe_reference.json` (made by `make_ivfe_fixtures.R`).
func ivfeCases(_ key: String) -> [ReferenceCase] {
  referenceCases("Tests/Fixtures/ivfe/ivfe_reference.json", key: key)
}

func fePanel() throws -> DataFrame {
  try DataReader.read(path: repositoryRoot.appendingPathComponent("Tests/Fixtures/ivfe/fe_panel.csv").path)
}

@Suite("2SLS against AER::ivreg + sandwich (Tests/Fixtures/ivfe)")
struct IVReferenceTests {
  @Test func fixtureCoversEveryVariance() {
    let vces = Set(ivfeCases("iv").compactMap { $0.json["vce"] as? String })
    #expect(vces == ["classical", "hc0", "hc1", "hc2", "hc3", "cluster"])
  }

  /// Estimates, standard errors, σ̂ and R² within 1e-8 relative (closed form, two QRs on each side);
  /// diagnostic statistics within 1e-7 (auxiliary regressions and a matrix inverse), p-values 1e-6.
  @Test(arguments: ivfeCases("iv"))
  func matchesAER(_ c: ReferenceCase) throws {
    let j = c.json
    let mroz = try FrameCache.shared.dataset("mroz")
    let clusters = (j["cluster"] as? String).map { [$0] } ?? []
    let options = ModelFrameOptions(
      subset: j["subset"] as? String, weights: j["weights"] as? String, extraVariables: clusters)
    let fit = try InstrumentalVariables.fit(try #require(j["formula"] as? String), data: mroz, options: options)
    let spec = try covarianceSpec(named: try #require(j["vce"] as? String), clusters: clusters, frame: mroz, fit: fit)
    let v = try covariance(of: fit, spec: spec)
    let result = try RegressionResult(fit: fit, covariance: v)
    let terms = try #require(j["terms"] as? [String])
    let est = try #require(j["estimate"] as? [Double])
    let se = try #require(j["std_error"] as? [Double])
    for (i, t) in terms.enumerated() {
      let row = try #require(result.coefficients.first { $0.term == t }, "term \(t)")
      expectClose(row.estimate, est[i], rtol: 1e-8, "\(c.id) \(t) estimate")
      expectClose(row.stdError, se[i], rtol: 1e-8, "\(c.id) \(t) SE")
    }
    #expect(fit.nobs == j["nobs"] as? Int)
    #expect(fit.dfResidual == j["df_residual"] as? Int)
    expectClose(fit.dispersion.squareRoot(), number(j["sigma"]), rtol: 1e-8, "\(c.id) sigma")
    expectClose(result.statistics.rSquared, number(j["r_squared"]), rtol: 1e-8, "\(c.id) R2")

    let d = try IVDiagnostics(fit: fit, spec: spec)
    let tests = d.weakInstruments + [d.wuHausman, d.sargan].compactMap { $0 }
    let reference = try #require(j["diagnostics"] as? [[String: Any]])
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
    #expect(d.firstStages.count == tests.count - 2 + (d.sargan == nil ? 1 : 0))
    if let j0 = number(j["hansen_j"]) {
      expectClose(d.hansenJ?.statistic, j0, rtol: 1e-7, "\(c.id) Hansen J")
    } else {
      #expect(d.hansenJ == nil || (j["weights"] as? String) != nil)
    }
  }

  /// Hansen J is reported with one-way clustering and left out with two-way clustering, whose
  /// efficient weight matrix it does not form.
  @Test func hansenJNeedsOneWayClustering() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let fit = try InstrumentalVariables.fit(
      "lwage ~ educ + exper | exper + motheduc + fatheduc", data: mroz, options: ModelFrameOptions(subset: "inlf == 1"))
    func cluster(_ name: String) throws -> ClusterVariable {
      let g = try mroz.groupCodes(of: name, rows: fit.rows)
      return ClusterVariable(name: name, codes: g.codes, count: g.count)
    }
    let oneWay = try IVDiagnostics(fit: fit, spec: .cluster([try cluster("age")]))
    #expect(oneWay.hansenJ != nil)
    let twoWay = try IVDiagnostics(fit: fit, spec: .cluster([try cluster("age"), try cluster("kidsge6")]))
    #expect(twoWay.hansenJ == nil)
  }

  /// Cross-path: with the regressors as their own instruments 2SLS is OLS (1e-10).
  @Test func exactlyIdentifiedByItselfIsOLS() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let o = ModelFrameOptions(subset: "inlf == 1")
    let iv = try InstrumentalVariables.fit("lwage ~ educ + exper | educ + exper", data: mroz, options: o)
    let ols = try LeastSquares.fit("lwage ~ educ + exper", data: mroz, options: o)
    for k in 0..<3 {
      expectClose(iv.coefficients[k], ols.coefficients[k], rtol: 1e-10, "coefficient \(k)")
      expectClose(iv.bread[k, k], ols.bread[k, k], rtol: 1e-10, "bread \(k)")
    }
  }

  @Test func underidentifiedIsAnError() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    #expect(throws: EstimationError.self) {
      try InstrumentalVariables.fit(
        "lwage ~ exper | educ + nwifeinc ~ motheduc", data: mroz, options: .init(subset: "inlf == 1"))
    }
  }

  /// A design with equal weights, one PSU per row and no strata gives HC0 × N/(N−1) (1e-10).
  @Test func equalWeightDesignIsScaledHC0() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let o = ModelFrameOptions(subset: "inlf == 1", weights: "1 + 0 * age")
    let fit = try InstrumentalVariables.fit("lwage ~ exper | educ ~ motheduc + fatheduc", data: mroz, options: o)
    let design = try LinearizationDesign(DesignSpecification(), data: mroz)
    let request = DesignVariance(design: .linearization(design)) { _ in [] }
    let v = try covariance(of: fit, spec: .design(request))
    let hc0 = try covariance(of: fit, spec: .hc(.hc0))
    // The subset is a domain of the full 753-row design (as svyivreg on subset(design, ...)):
    // one PSU per row gives HC0 × N/(N − 1) with N = 753 PSUs.
    let big = Double(mroz.rowCount)
    for k in 0..<fit.rank {
      expectClose(v.matrix[k, k], hc0.matrix[k, k] * big / (big - 1), rtol: 1e-10, "variance \(k)")
    }
  }
}

@Suite("Absorbed fixed effects against lm/glm with dummies (Tests/Fixtures/ivfe)")
struct FixedEffectsReferenceTests {
  /// Estimates and SEs: least squares 1e-8 relative (closed form; the demeaning converges to 1e-13);
  /// GLMs 1e-6 (IRLS on both sides). Counts and df exact.
  @Test(arguments: ivfeCases("fe"))
  func matchesDummyRegression(_ c: ReferenceCase) throws {
    let j = c.json
    let panel = try fePanel()
    let modelName = try #require(j["model"] as? String)
    let model: FixedEffectsModel.Model =
      modelName == "ols" ? .leastSquares : .glm(try #require(GLMModel(rawValue: modelName)))
    let options = ModelFrameOptions(weights: j["weights"] as? String)
    let fit = try FixedEffectsModel.fit(try #require(j["formula"] as? String), model: model, data: panel, options: options)
    let vce = try #require(j["vce"] as? String)
    let spec = try covarianceSpec(named: vce, clusters: ["fe1"], frame: panel, fit: fit)
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: spec))
    let tol = modelName == "ols" ? 1e-8 : 1e-6
    let terms = try #require(j["terms"] as? [String])
    let est = try #require(j["estimate"] as? [Double])
    let se = try #require(j["std_error"] as? [Double])
    for (i, t) in terms.enumerated() {
      let row = try #require(result.coefficients.first { $0.term == t })
      expectClose(row.estimate, est[i], rtol: tol, "\(c.id) \(t) estimate")
      expectClose(row.stdError, se[i], rtol: tol, "\(c.id) \(t) SE")
    }
    #expect(fit.nobs == j["nobs"] as? Int)
    #expect(fit.dfResidual == j["df_residual"] as? Int)
    let fe = try #require(fit.fixedEffects)
    #expect(fe.dimensions.map(\.count) == (j["fe_levels"] as? [Int]))
    #expect(fe.singletonsRemoved + fe.perfectFitRemoved == j["removed"] as? Int)
    if let r2 = number(j["r_squared"]) { expectClose(result.statistics.rSquared, r2, rtol: 1e-8, "R2") }
    if let dev = number(j["deviance"]) { expectClose(fit.glm?.deviance, dev, rtol: 1e-8, "deviance") }
  }

  @Test func hc3IsRefusedWithFixedEffects() throws {
    let fit = try FixedEffectsModel.fit("y ~ x1 + x2 | fe1", model: .leastSquares, data: try fePanel())
    #expect(throws: InferenceError.self) { try covariance(of: fit, spec: .hc(.hc3)) }
  }
}
