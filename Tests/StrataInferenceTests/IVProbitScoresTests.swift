import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport
import Testing
import _StrataTestSupport

/// The scores of Newey's two-step IV probit are its influence functions (the first-stage OLS
/// scores and the reduced-form probit scores stacked, with the cross-derivative block in the
/// bread): the HC0 sandwich they give agrees with the jackknife variance of the whole two-step
/// estimator, and a leave-one-out change of the estimate is about minus the row's influence
/// `B uᵢ` (B the covariance-scaled bread).
@Suite("IV probit: stacked influence functions")
struct IVProbitScoresTests {
  /// Jackknife `(n − 1)/n Σ (δ₍₋ᵢ₎ − δ̄)²` against HC0 `Σ IFᵢ IFᵢᵀ`: the jackknife is HC3-like
  /// (larger by the leverages, up to 8% here with n = 753), so 10% on the variances; the sharper
  /// check is per row: the least-squares slope of the leave-one-out changes on −IFᵢ is 1 within 5%
  /// for every coefficient, which a wrong cross-derivative or first-stage block would break.
  /// One overidentified case (753 two-step refits; the exactly identified estimator is the
  /// control-function probit, a special case of the same scores).
  @Test(arguments: ["inlf ~ nwifeinc + kidslt6 | educ ~ motheduc + fatheduc"])
  func sandwichAgreesWithTheJackknife(_ formula: String) throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let r = try IVProbit.twoStep(formula, data: mroz)
    let fit = r.fit
    let n = fit.nobs
    #expect(n == mroz.rowCount)
    let hc0 = try covariance(of: fit, spec: .hc(.hc0)).matrix
    let influence = try #require(fit.scoreMatrix) * fit.bread
    let k = fit.rank
    var loo: [[Double]] = []
    for i in 0..<n {
      let keep = (0..<n).filter { $0 != i }
      loo.append(try IVProbit.twoStep(formula, data: mroz.rows(keep)).fit.keptCoefficients)
    }
    let mean = (0..<k).map { j in loo.reduce(0) { $0 + $1[j] } / Double(n) }
    let delta = fit.keptCoefficients
    for j in 0..<k {
      let jack = Double(n - 1) / Double(n) * loo.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) }
      expectClose(jack, hc0[j, j], rtol: 0.1, "\(formula): variance of \(fit.keptTerms[j])")
      // Leave-one-out changes ≈ −IFᵢ: the least-squares slope of one on the other is −1 ± 5%.
      var (sxy, sxx) = (0.0, 0.0)
      for i in 0..<n {
        let change = loo[i][j] - delta[j]
        let x = influence[i, j]
        sxy += change * x
        sxx += x * x
      }
      expectClose(sxy / sxx, -1, rtol: 0.05, "\(formula): leave-one-out slope of \(fit.keptTerms[j])")
    }
  }

  /// The scores sum to zero (the first stages' normal equations and the probit's score at the
  /// estimate), and the cross-derivative block is λ̃ₑ times the Z columns of the probit's information.
  @Test func stackedScoresSumToZero() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let r = try IVProbit.twoStep("inlf ~ nwifeinc + kidslt6 | educ ~ motheduc + fatheduc", data: mroz)
    let s = r.stacked.scores
    let scale = (0..<s.cols).map { j in (0..<s.rows).reduce(0) { $0 + s[$1, j] * s[$1, j] }.squareRoot() }
    for j in 0..<s.cols {
      let total = (0..<s.rows).reduce(0) { $0 + s[$1, j] }
      #expect(abs(total) <= 1e-6 * scale[j], "column \(j) sums to \(total)")
    }
    let u = try #require(r.fit.scoreMatrix)
    for j in 0..<u.cols {
      let total = (0..<u.rows).reduce(0) { $0 + u[$1, j] }
      let norm = (0..<u.rows).reduce(0) { $0 + u[$1, j] * u[$1, j] }.squareRoot()
      #expect(abs(total) <= 1e-6 * norm, "fit score \(j) sums to \(total)")
    }
  }

  /// Cluster-robust and design-based variances now come from the engine (one PSU per row and
  /// equal weights: the design variance is HC0 × n/(n − 1), 1e-10).
  @Test func designVarianceIsTheEngines() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let fit = try IVProbit.twoStep("inlf ~ nwifeinc + kidslt6 | educ ~ motheduc + fatheduc", data: mroz).fit
    let design = try LinearizationDesign(DesignSpecification(), data: mroz)
    let v = try covariance(of: fit, spec: .design(DesignVariance(design: .linearization(design)) { _ in [] }))
    let hc0 = try covariance(of: fit, spec: .hc(.hc0))
    let n = Double(fit.nobs)
    for j in 0..<fit.rank { expectClose(v.matrix[j, j], hc0.matrix[j, j] * n / (n - 1), rtol: 1e-10, "variance \(j)") }
    // An unweighted IV probit with a weighted design: refused.
    let weighted = try LinearizationDesign(DesignSpecification(weights: "age"), data: mroz)
    #expect(throws: InferenceError.self) {
      try covariance(of: fit, spec: .design(DesignVariance(design: .linearization(weighted)) { _ in [] }))
    }
  }
}
