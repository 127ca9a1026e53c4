import Foundation
import StrataLinalg
import StrataModels

/// One row of a coefficient table, with broom's names.
public struct CoefficientEstimate: Sendable {
  public var term: String
  /// Estimate; nil where the term was aliased (R's `NA`).
  public var estimate: Double?
  public var stdError: Double?
  public var statistic: Double?
  public var pValue: Double?
  public var confLow: Double?
  public var confHigh: Double?
}

/// Goodness-of-fit statistics of a least-squares fit (R `summary.lm`, `logLik`, `AIC`, `BIC`).
public struct FitStatistics: Sendable {
  public var nobs: Int
  public var dfResidual: Int
  public var rSquared: Double
  public var adjRSquared: Double
  /// Residual standard error σ̂.
  public var sigma: Double
  /// Wald F of all non-intercept coefficients with the chosen covariance (R's F when classical).
  public var fStatistic: Double?
  public var fDF1: Int?
  public var fDF2: Double?
  public var fPValue: Double?
  public var logLik: Double
  public var aic: Double
  public var bic: Double
}

/// A fit together with its covariance and tests at a confidence level.
public struct RegressionResult: Sendable {
  public var fit: Fit
  public var covariance: CovarianceEstimate
  /// Confidence level in percent (95).
  public var level: Double
  public var coefficients: [CoefficientEstimate]
  public var statistics: FitStatistics

  /// Builds the table of estimates, t tests and intervals.
  ///
  /// t statistics use `covariance.degreesOfFreedom` (n − k, or G − 1 when clustered).
  /// - Throws: `InferenceError.invalidLevel` when `level` is not in (0, 100).
  public init(fit: Fit, covariance: CovarianceEstimate, level: Double = 95) throws {
    guard level > 0, level < 100 else { throw InferenceError.invalidLevel(level) }
    self.fit = fit
    self.covariance = covariance
    self.level = level
    let df = covariance.degreesOfFreedom
    let t = StudentT(df: df)
    let q = t.quantile(0.5 + level / 200)
    let se = covariance.standardErrors
    var rows: [CoefficientEstimate] = fit.terms.map { CoefficientEstimate(term: $0) }
    for (position, index) in fit.kept.enumerated() {
      let b = fit.coefficients[index]
      let s = se[position]
      let stat = b / s
      rows[index].estimate = b
      rows[index].stdError = s
      rows[index].statistic = stat
      rows[index].pValue = 2 * t.sf(abs(stat))
      rows[index].confLow = b - q * s
      rows[index].confHigh = b + q * s
    }
    self.coefficients = rows
    self.statistics = FitStatistics(fit: fit, covariance: covariance)
  }
}

extension CoefficientEstimate {
  init(term: String) {
    self.term = term
  }
}

extension FitStatistics {
  init(fit: Fit, covariance: CovarianceEstimate) {
    let n = fit.nobs
    let w = fit.weights ?? [Double](repeating: 1, count: n)
    var rss = 0.0
    var sumW = 0.0
    var sumWF = 0.0
    var sumLogW = 0.0
    for i in 0..<n {
      rss += w[i] * fit.residuals[i] * fit.residuals[i]
      sumW += w[i]
      sumWF += w[i] * fit.fitted[i]
      sumLogW += log(w[i])
    }
    let meanF = fit.hasIntercept ? sumWF / sumW : 0
    var mss = 0.0
    for i in 0..<n {
      let d = fit.fitted[i] - meanF
      mss += w[i] * d * d
    }
    let dfInt = fit.hasIntercept ? 1 : 0
    let rdf = Double(fit.dfResidual)
    nobs = n
    dfResidual = fit.dfResidual
    rSquared = mss / (mss + rss)
    adjRSquared = 1 - (1 - rSquared) * (Double(n - dfInt) / rdf)
    sigma = (rss / rdf).squareRoot()
    let nd = Double(n)
    logLik = 0.5 * (sumLogW - nd * (log(2 * Double.pi) + 1 - log(nd) + log(rss)))
    let params = Double(fit.rank + 1)
    aic = -2 * logLik + 2 * params
    bic = -2 * logLik + log(nd) * params

    // Wald F test that every non-intercept coefficient is zero, with the chosen covariance.
    let slopes = fit.kept.indices.filter { fit.terms[fit.kept[$0]] != "(Intercept)" }
    if !slopes.isEmpty, let vb = solveSymmetric(covariance.matrix.selecting(rowsAndColumns: slopes),
      slopes.map { fit.coefficients[fit.kept[$0]] })
    {
      let b = slopes.map { fit.coefficients[fit.kept[$0]] }
      let q = Double(slopes.count)
      let f = zip(b, vb).reduce(0) { $0 + $1.0 * $1.1 } / q
      fStatistic = f
      fDF1 = slopes.count
      fDF2 = covariance.degreesOfFreedom
      fPValue = FisherF(df1: q, df2: covariance.degreesOfFreedom).sf(f)
    }
  }
}

/// `A⁻¹ b` for a symmetric, possibly indefinite `A` (multiway cluster covariances need not be
/// positive definite), through its eigendecomposition; nil when `A` is numerically singular.
func solveSymmetric(_ a: Matrix, _ b: [Double]) -> [Double]? {
  guard let eigen = try? SymmetricEigen(a) else { return nil }
  let largest = eigen.values.map(abs).max() ?? 0
  guard largest > 0, eigen.values.allSatisfy({ abs($0) > 1e-12 * largest }) else { return nil }
  let projected = eigen.vectors.multiplied(by: b, transpose: true)
  let scaled = zip(projected, eigen.values).map { $0 / $1 }
  return eigen.vectors.multiplied(by: scaled)
}
