import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The cases of `Tests/Fixtures/glm/glm_reference.json` (made by `make_glm_fixtures.R`: R `glm` with
/// `epsilon = 1e-14`, refitted from its own estimate until the coefficients stop moving, plus
/// `sandwich::vcovHC` / `vcovCL` and hand-derived observed informations).
func glmReferenceCases() -> [ReferenceCase] {
  referenceCases("Tests/Fixtures/glm/glm_reference.json")
}

/// The covariance of a fixture case: R's names plus Stata's (`stata_robust`, `stata_cluster`:
/// observed-information bread).
func glmCovariance(_ name: String, clusters: [String], frame: DataFrame, fit: Fit) throws -> CovarianceEstimate {
  switch name {
  case "oim": return try covariance(of: fit, spec: .oim)
  case "stata_robust": return try covariance(of: fit, spec: .robust, information: .observed)
  case "stata_cluster":
    let spec = try covarianceSpec(named: "cluster", clusters: clusters, frame: frame, fit: fit)
    return try covariance(of: fit, spec: spec, information: .observed)
  default:
    return try covariance(of: fit, spec: covarianceSpec(named: name, clusters: clusters, frame: frame, fit: fit))
  }
}

@Suite("GLM against R glm + sandwich (Tests/Fixtures/glm)")
struct GLMReferenceTests {
  @Test func fixtureHasEveryModelAndVariance() {
    let cases = glmReferenceCases()
    let models = Set(cases.compactMap { $0.json["model"] as? String })
    #expect(models == Set(GLMModel.allCases.map(\.rawValue)))
    let vces = Set(cases.compactMap { $0.json["vce"] as? String })
    #expect(vces.isSuperset(of: ["classical", "oim", "hc0", "hc1", "hc2", "hc3", "cluster"]))
  }

  /// Estimates and standard errors within 1e-6 relative (IRLS to the MLE on both sides; the
  /// remaining differences are rounding in the solves, ~1e-9), log-likelihood and deviances 1e-8.
  @Test(arguments: glmReferenceCases())
  func matchesR(_ c: ReferenceCase) throws {
    let j = c.json
    let modelName = try #require(j["model"] as? String)
    let model = try #require(GLMModel(rawValue: modelName))
    let dataset = try #require(j["dataset"] as? String)
    let frame = try FrameCache.shared.dataset(dataset)
    let clusters = (j["cluster"] as? [String]) ?? []
    let options = ModelFrameOptions(weights: j["weights"] as? String, extraVariables: clusters)
    let formula = try #require(j["formula"] as? String)
    let vce = try #require(j["vce"] as? String)
    let fit = try GeneralizedLinearModel.fit(formula, model: model, data: frame, options: options)
    let v = try glmCovariance(vce, clusters: clusters, frame: frame, fit: fit)
    let result = try RegressionResult(fit: fit, covariance: v)
    let terms = try #require(j["terms"] as? [String])
    #expect(fit.terms == terms)
    #expect(fit.nobs == j["nobs"] as? Int)
    let estimates = try #require(j["estimate"] as? [Double])
    let ses = try #require(j["std_error"] as? [Double])
    for (i, term) in terms.enumerated() {
      expectClose(result.coefficients[i].estimate, estimates[i], rtol: 1e-6, atol: 1e-12, "\(c.id) \(term) estimate")
      expectClose(result.coefficients[i].stdError, ses[i], rtol: 1e-6, "\(c.id) \(term) std_error")
    }
    let glm = try #require(fit.glm)
    #expect(glm.converged)
    let s = result.statistics
    expectClose(s.logLik, number(j["logLik"]), rtol: 1e-8, "\(c.id) logLik")
    expectClose(glm.deviance, number(j["deviance"]), rtol: 1e-8, "\(c.id) deviance")
    expectClose(glm.nullDeviance, number(j["null_deviance"]), rtol: 1e-8, "\(c.id) null deviance")
    expectClose(glm.pearsonChiSquare, number(j["pearson_chi2"]), rtol: 1e-6, "\(c.id) Pearson chi2")
    if let aic = number(j["AIC"]) {
      expectClose(s.aic, aic, rtol: 1e-8, "\(c.id) AIC")
      expectClose(s.bic, number(j["BIC"]), rtol: 1e-8, "\(c.id) BIC")
    } else {
      #expect(s.aic.isNaN, "quasi-likelihood fits have no AIC (R: NA)")
    }
    if model.family == .quasibinomial {
      expectClose(fit.dispersion, number(j["dispersion"]), rtol: 1e-6, "\(c.id) dispersion")
    }
  }
}
