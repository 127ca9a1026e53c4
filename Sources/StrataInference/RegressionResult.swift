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
  /// Deviance, likelihood-ratio and Wald χ² statistics of a GLM (nil for least squares, whose
  /// R², σ̂ and F fields are then NaN / nil).
  public var likelihood: LikelihoodStatistics?
}

/// Fit statistics of a GLM (R `summary.glm`, `logLik`, `AIC`, `BIC`; Stata's `logit` header).
public struct LikelihoodStatistics: Sendable {
  /// Residual deviance and its degrees of freedom (n − rank).
  public var deviance: Double
  public var dfResidual: Int
  /// Null deviance and its degrees of freedom (n − 1 with an intercept).
  public var nullDeviance: Double
  public var dfNull: Int
  /// Log-likelihood of the null (intercept-only) model.
  public var nullLogLik: Double
  /// McFadden's pseudo R² `1 − ℓ/ℓ₀` (Stata's `Pseudo R2`).
  public var pseudoRSquared: Double
  /// Likelihood-ratio χ² against the null model, `2(ℓ − ℓ₀)`, its df and p-value (nil for
  /// quasi-likelihood fits, where it is not a likelihood ratio).
  public var lrStatistic: Double?
  public var lrDF: Int?
  public var lrPValue: Double?
  /// Wald χ² that every non-intercept coefficient is zero, with the chosen covariance (Stata's
  /// `Wald chi2` under robust or cluster variances).
  public var waldStatistic: Double?
  public var waldDF: Int?
  public var waldPValue: Double?
  /// Under a design-based variance, the Wald test as an F with denominator df `waldFDF2`
  /// (R `regTermTest`: W/q on the fit's df; Stata `svy`: the adjusted (d − q + 1)W/(dq) on
  /// d − q + 1); nil otherwise. Design fits report no LR test, AIC or BIC: the sampling-weighted
  /// log-likelihood is a pseudo-likelihood.
  public var waldF: Double?
  public var waldFDF2: Double?
  public var waldFPValue: Double?
  /// Pearson χ² and the dispersion statistic Pearson χ² / (n − rank) (for Poisson: > 1 signals
  /// overdispersion; for quasi-likelihood fits it is the dispersion used by the classical variance).
  public var pearsonChiSquare: Double
  public var dispersion: Double
  /// Whether the log-likelihood is a quasi-likelihood (fractional models): AIC, BIC and LR are NaN/nil.
  public var isQuasiLikelihood: Bool
  /// Whether the statistics come from a design-based fit (LR, AIC and BIC are then not reported).
  public var isDesignBased: Bool { waldF != nil }
  /// IRLS iterations, convergence and tolerance.
  public var iterations: Int
  public var converged: Bool
  public var tolerance: Double
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
    try self.init(fit: fit, covariance: covariance, level: level, statistics: nil)
  }

  private init(fit: Fit, covariance: CovarianceEstimate, level: Double, statistics sums: LeastSquaresSums?) throws {
    guard level > 0, level < 100 else { throw InferenceError.invalidLevel(level) }
    self.fit = fit
    self.covariance = covariance
    self.level = level
    let df = covariance.degreesOfFreedom
    let t = StudentT(df: df.isFinite ? df : 1)
    let normal = !df.isFinite
    let q = normal ? Normal.quantile(0.5 + level / 200) : t.quantile(0.5 + level / 200)
    let se = covariance.standardErrors
    var rows: [CoefficientEstimate] = fit.terms.map { CoefficientEstimate(term: $0) }
    for (position, index) in fit.kept.enumerated() {
      let b = fit.coefficients[index]
      let s = se[position]
      let stat = b / s
      rows[index].estimate = b
      rows[index].stdError = s
      rows[index].statistic = stat
      rows[index].pValue = 2 * (normal ? Normal.sf(abs(stat)) : t.sf(abs(stat)))
      rows[index].confLow = b - q * s
      rows[index].confHigh = b + q * s
    }
    self.coefficients = rows
    if let sums, fit.glm == nil {
      self.statistics = FitStatistics(leastSquaresFit: fit, sums: sums, covariance: covariance)
    } else {
      self.statistics = FitStatistics(fit: fit, covariance: covariance)
    }
  }
}

extension CoefficientEstimate {
  init(term: String) {
    self.term = term
  }
}

extension FitStatistics {
  init(fit: Fit, covariance: CovarianceEstimate) {
    if let details = fit.categorical {
      self = FitStatistics(categoricalFit: fit, details: details, covariance: covariance)
      return
    }
    if let glm = fit.glm {
      self = FitStatistics(glmFit: fit, details: glm, covariance: covariance)
      return
    }
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
    var tss: Double?
    if fit.iv != nil {
      // 2SLS residuals are not orthogonal to the fitted values: R² = 1 − RSS/TSS (AER's summary.ivreg).
      var sumWY = 0.0
      for i in 0..<n { sumWY += w[i] * fit.response[i] }
      let meanY = fit.hasIntercept ? sumWY / sumW : 0
      var total = 0.0
      for i in 0..<n { total += w[i] * (fit.response[i] - meanY) * (fit.response[i] - meanY) }
      tss = total
    }
    self.init(
      leastSquaresFit: fit, sums: LeastSquaresSums(rss: rss, mss: mss, sumLogWeights: sumLogW, tss: tss),
      covariance: covariance)
  }

  /// Least-squares statistics from the fit's sums (a fit made from sums has no rows to loop over).
  init(leastSquaresFit fit: Fit, sums: LeastSquaresSums, covariance: CovarianceEstimate) {
    let n = fit.nobs
    let (rss, mss, sumLogW) = (sums.rss, sums.mss, sums.sumLogWeights)
    let dfInt = fit.hasIntercept ? 1 : 0
    let rdf = Double(fit.dfResidual)
    nobs = n
    dfResidual = fit.dfResidual
    rSquared = mss / (mss + rss)
    if let tss = sums.tss {
      rSquared = 1 - rss / tss
    }
    adjRSquared = 1 - (1 - rSquared) * (Double(n - dfInt) / rdf)
    sigma = (rss / rdf).squareRoot()
    let nd = Double(n)
    logLik = 0.5 * (sumLogW - nd * (log(2 * Double.pi) + 1 - log(nd) + log(rss)))
    let params = Double(fit.rank + 1)
    // Under a design the weighted normal log-likelihood is a pseudo-likelihood: no AIC or BIC
    // (svyglm and Stata's svy report none).
    let design = covariance.designDegreesOfFreedom != nil
    aic = design ? .nan : -2 * logLik + 2 * params
    bic = design ? .nan : -2 * logLik + log(nd) * params

    // Wald F test that every non-intercept coefficient is zero, with the chosen covariance.
    let slopes = fit.kept.indices.filter { fit.terms[fit.kept[$0]] != "(Intercept)" }
    if !slopes.isEmpty, let vb = solveSymmetric(covariance.matrix.selecting(rowsAndColumns: slopes),
      slopes.map { fit.coefficients[fit.kept[$0]] })
    {
      let b = slopes.map { fit.coefficients[fit.kept[$0]] }
      let w = zip(b, vb).reduce(0) { $0 + $1.0 * $1.1 }
      let (f, df2) = designWaldF(w, q: slopes.count, covariance: covariance)
        ?? (w / Double(slopes.count), covariance.degreesOfFreedom)
      fStatistic = f
      fDF1 = slopes.count
      fDF2 = df2
      fPValue = FisherF(df1: Double(slopes.count), df2: df2).sf(f)
    }
  }
}

extension FitStatistics {
  /// GLM statistics: likelihood, deviances, LR and Wald tests.
  init(glmFit fit: Fit, details glm: GLMDetails, covariance: CovarianceEstimate) {
    let n = fit.nobs
    let quasi = !glm.family.isLikelihood
    nobs = n
    dfResidual = fit.dfResidual
    rSquared = .nan
    adjRSquared = .nan
    sigma = .nan
    logLik = glm.logLik
    // A negative binomial fit estimates θ too (glm.nb's AIC counts it).
    let params = Double(fit.rank + (glm.theta == nil ? 0 : 1))
    let design = covariance.designDegreesOfFreedom != nil
    aic = quasi || design ? .nan : -2 * glm.logLik + 2 * params
    bic = quasi || design ? .nan : -2 * glm.logLik + log(Double(n)) * params
    let slopeDF = fit.rank - (fit.hasIntercept ? 1 : 0)
    var lr: Double?
    var lrP: Double?
    if !quasi && !design && slopeDF > 0 {
      let value = 2 * (glm.logLik - glm.nullLogLik)
      lr = value
      lrP = ChiSquared(df: Double(slopeDF)).sf(value)
    }
    var wald: Double?
    var waldP: Double?
    var waldDF: Int?
    var designF: (f: Double, df2: Double)?
    if let (value, q) = waldStatistic(fit: fit, covariance: covariance) {
      wald = value
      waldDF = q
      waldP = ChiSquared(df: Double(q)).sf(value)
      designF = designWaldF(value, q: q, covariance: covariance)
    }
    likelihood = LikelihoodStatistics(
      deviance: glm.deviance, dfResidual: fit.dfResidual, nullDeviance: glm.nullDeviance, dfNull: glm.dfNull,
      nullLogLik: glm.nullLogLik, pseudoRSquared: 1 - glm.logLik / glm.nullLogLik, lrStatistic: lr,
      lrDF: lr == nil ? nil : slopeDF, lrPValue: lrP, waldStatistic: wald, waldDF: waldDF, waldPValue: waldP,
      waldF: designF?.f, waldFDF2: designF?.df2,
      waldFPValue: designF.flatMap { d in waldDF.map { FisherF(df1: Double($0), df2: d.df2).sf(d.f) } },
      pearsonChiSquare: glm.pearsonChiSquare, dispersion: glm.pearsonChiSquare / Double(fit.dfResidual),
      isQuasiLikelihood: quasi, iterations: glm.iterations, converged: glm.converged, tolerance: glm.tolerance)
  }
}

/// The design-based Wald F of a χ² statistic `w` on `q` df and its denominator df, or nil when
/// the covariance is not design-based: R `regTermTest(method = "Wald")` takes `w/q` on the fit's
/// residual df (svyglm's degf − p + 1); Stata's `svy` adjusted Wald test takes
/// `(d − q + 1) w / (d q)` on `d − q + 1`, with `d` the design df.
func designWaldF(_ w: Double, q: Int, covariance: CovarianceEstimate) -> (f: Double, df2: Double)? {
  guard case .design(let request) = covariance.spec, let d = covariance.designDegreesOfFreedom else { return nil }
  let qd = Double(q)
  switch request.convention {
  case .r:
    return (w / qd, covariance.degreesOfFreedom)
  case .stata:
    let dd = Double(d)
    let df2 = dd - qd + 1
    guard df2 > 0 else { return nil }
    return (w * df2 / (dd * qd), df2)
  }
}

/// The Wald statistic `b̂ᵀ V⁻¹ b̂` of every non-intercept coefficient and its count.
func waldStatistic(fit: Fit, covariance: CovarianceEstimate) -> (Double, Int)? {
  let slopes = fit.kept.indices.filter { fit.terms[fit.kept[$0]] != "(Intercept)" }
  let b = slopes.map { fit.coefficients[fit.kept[$0]] }
  guard !slopes.isEmpty, let vb = solveSymmetric(covariance.matrix.selecting(rowsAndColumns: slopes), b) else {
    return nil
  }
  return (zip(b, vb).reduce(0) { $0 + $1.0 * $1.1 }, slopes.count)
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

/// The sums a least-squares report needs (R `summary.lm`): with `wᵢ` the weights (1 if none),
/// `rss = Σ wᵢ eᵢ²`, `mss = Σ wᵢ (ŷᵢ − c)²` with `c` the weighted mean of ŷ (0 without an
/// intercept), `Σ log wᵢ`, and (2SLS only) `tss = Σ wᵢ (yᵢ − ȳ)²`.
public struct LeastSquaresSums: Sendable {
  public var rss: Double
  public var mss: Double
  public var sumLogWeights: Double
  public var tss: Double?

  public init(rss: Double, mss: Double, sumLogWeights: Double, tss: Double? = nil) {
    self.rss = rss
    self.mss = mss
    self.sumLogWeights = sumLogWeights
    self.tss = tss
  }
}

extension RegressionResult {
  /// The result of a fit made from sums (`Fit(aggregateOf:...)`): the same table as
  /// `init(fit:covariance:level:)`; a GLM's statistics come from its `GLMDetails` as for any fit,
  /// a least-squares fit's from `sums`, which it then requires.
  ///
  /// - Throws: `InferenceError.invalidLevel` when `level` is not in (0, 100).
  public init(aggregateFit fit: Fit, covariance: CovarianceEstimate, level: Double = 95, sums: LeastSquaresSums?)
    throws
  {
    precondition(fit.glm != nil || sums != nil, "a least-squares fit from sums needs its sums")
    try self.init(fit: fit, covariance: covariance, level: level, statistics: sums)
  }
}
