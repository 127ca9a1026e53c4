import Strata
import Testing

@Suite("flexwork: the census recovers the documented pension equation")
struct ParameterRecoveryTests {
  /// On the 200,000-worker population of the shipped data, the probit of the pension equation
  /// (CODEBOOK §3.1) estimates every documented coefficient within 4 standard errors. The
  /// composite latent error is exactly N(0, 1) and independent of the regressors, so the probit
  /// is correctly specified; the errors are clustered by sampling point because the point effect
  /// is shared within points (classical errors understate the spread of point-level regressors
  /// such as `pilot`). 34 coefficients each outside ±4 SE with probability 6e-5 make a false
  /// failure about 1 in 500.
  @Test func pensionProbitRecoversTrueCoefficients() throws {
    let census = try shippedPopulation.get().census()
    let fit = try GeneralizedLinearModel.fit(FlexworkModel.pensionFormula, model: .probit, data: census)
    let points = try census.groupCodes(of: "psu", rows: fit.rows)
    let cov = try covariance(
      of: fit, spec: .cluster([ClusterVariable(name: "psu", codes: points.codes, count: points.count)]))
    #expect(fit.keptTerms == FlexworkModel.pensionCoefficients.map(\.term))
    let se = cov.standardErrors
    for (j, truth) in FlexworkModel.pensionCoefficients.enumerated() where j < fit.rank {
      let z = (fit.keptCoefficients[j] - truth.value) / se[j]
      #expect(
        abs(z) < 4,
        "\(truth.term): estimate \(fit.keptCoefficients[j]), true \(truth.value), SE \(se[j]), z \(z)")
    }
  }
}
