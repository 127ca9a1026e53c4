import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The cases of `Tests/Fixtures/ols/ols_reference.json` (written by `make_ols_fixtures.R`).
func olsCases() -> [ReferenceCase] {
  referenceCases("Tests/Fixtures/ols/ols_reference.json")
}

@Suite("OLS/WLS against R lm + sandwich")
struct OLSReferenceTests {
  @Test func fixtureIsPresent() {
    #expect(olsCases().count == 29)
  }

  /// Closed-form least squares: R (LINPACK dqrdc2) and Strata (LAPACK dgeqrf) differ by rounding
  /// only, so estimates, standard errors and fit statistics agree to 1e-8 relative (the
  /// project's default); p-values, which pass through the t distribution, to 1e-7 relative.
  @Test(arguments: olsCases())
  func matchesR(_ c: ReferenceCase) throws {
    let j = c.json
    let dataset = try #require(j["dataset"] as? String)
    let frame = try FrameCache.shared.dataset(dataset)
    let clusters = (j["cluster"] as? [String]) ?? []
    let options = ModelFrameOptions(
      subset: j["subset"] as? String, weights: j["weights"] as? String, extraVariables: clusters)
    let formula = try #require(j["formula"] as? String)
    let fit = try LeastSquares.fit(formula, data: frame, options: options)
    let spec = try covarianceSpec(
      named: try #require(j["vce"] as? String), clusters: clusters, frame: frame, fit: fit)
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: spec))

    #expect(fit.terms == (j["terms"] as? [String]), "term names")
    #expect(fit.nobs == (j["nobs"] as? Int))
    #expect(fit.dfResidual == (j["df_residual"] as? Int))
    expectClose(result.covariance.degreesOfFreedom, number(j["t_df"]), rtol: 0, "t df")
    let columns: [(String, KeyPath<CoefficientEstimate, Double?>, Double)] = [
      ("estimate", \.estimate, 1e-8), ("std_error", \.stdError, 1e-8), ("statistic", \.statistic, 1e-8),
      ("p_value", \.pValue, 1e-7), ("conf_low", \.confLow, 1e-8), ("conf_high", \.confHigh, 1e-8),
    ]
    for (key, path, rtol) in columns {
      let expected = try #require(j[key] as? [Any])
      #expect(expected.count == result.coefficients.count)
      for (i, row) in result.coefficients.enumerated() where i < expected.count {
        expectClose(row[keyPath: path], number(expected[i]), rtol: rtol, "\(c.id) \(key)[\(row.term)]")
      }
    }
    let vcov = try #require(j["vcov"] as? [[Any]])
    for a in 0..<fit.rank {
      for b in 0..<fit.rank {
        expectClose(
          result.covariance.matrix[a, b], number(vcov[a][b]), rtol: 1e-8,
          atol: 1e-12 * abs(result.covariance.matrix[a, a] * result.covariance.matrix[b, b]).squareRoot(),
          "\(c.id) vcov[\(a),\(b)]")
      }
    }
    let s = result.statistics
    expectClose(s.rSquared, number(j["r_squared"]), rtol: 1e-8, "R²")
    expectClose(s.adjRSquared, number(j["adj_r_squared"]), rtol: 1e-8, "adjusted R²")
    expectClose(s.sigma, number(j["sigma"]), rtol: 1e-8, "sigma")
    expectClose(s.logLik, number(j["loglik"]), rtol: 1e-10, "logLik")
    expectClose(s.aic, number(j["aic"]), rtol: 1e-10, "AIC")
    expectClose(s.bic, number(j["bic"]), rtol: 1e-10, "BIC")
    expectClose(s.fStatistic, number(j["wald_f"]), rtol: 1e-8, "Wald F")
    expectClose(s.fPValue, number(j["wald_p"]), rtol: 1e-6, "Wald F p-value")
    if result.covariance.spec.name == "classical", let f = j["f_classical"] as? [Any] {
      expectClose(s.fStatistic, number(f[0]), rtol: 1e-8, "summary.lm F")
    }
  }
}
