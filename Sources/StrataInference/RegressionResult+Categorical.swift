import Foundation
import StrataLinalg
import StrataModels

extension FitStatistics {
  /// Statistics of an ordered or multinomial fit: log-likelihoods, deviances (−2ℓ, as `polr` and
  /// `multinom` report them), McFadden's pseudo R², LR and Wald tests of the slopes.
  init(categoricalFit fit: Fit, details c: CategoricalDetails, covariance: CovarianceEstimate) {
    let n = fit.nobs
    nobs = n
    dfResidual = fit.dfResidual
    rSquared = .nan
    adjRSquared = .nan
    sigma = .nan
    logLik = c.logLik
    let params = Double(fit.rank)
    let design = covariance.designDegreesOfFreedom != nil
    aic = design ? .nan : -2 * c.logLik + 2 * params
    bic = design ? .nan : -2 * c.logLik + log(Double(n)) * params
    let slopes = categoricalSlopePositions(fit)
    let lr = 2 * (c.logLik - c.nullLogLik)
    let reportsLR = !slopes.isEmpty && !design
    var wald: Double?
    var waldP: Double?
    var designF: (f: Double, df2: Double)?
    let b = slopes.map { fit.coefficients[fit.kept[$0]] }
    if !slopes.isEmpty, let vb = solveSymmetric(covariance.matrix.selecting(rowsAndColumns: slopes), b) {
      let value = zip(b, vb).reduce(0) { $0 + $1.0 * $1.1 }
      wald = value
      waldP = ChiSquared(df: Double(slopes.count)).sf(value)
      designF = designWaldF(value, q: slopes.count, covariance: covariance)
    }
    let nullParameters = c.base == nil ? c.levels.count - 1 : c.levels.count - 1
    likelihood = LikelihoodStatistics(
      deviance: -2 * c.logLik, dfResidual: fit.dfResidual, nullDeviance: -2 * c.nullLogLik,
      dfNull: n - nullParameters, nullLogLik: c.nullLogLik, pseudoRSquared: 1 - c.logLik / c.nullLogLik,
      lrStatistic: reportsLR ? lr : nil, lrDF: reportsLR ? slopes.count : nil,
      lrPValue: reportsLR ? ChiSquared(df: Double(slopes.count)).sf(lr) : nil, waldStatistic: wald,
      waldDF: wald == nil ? nil : slopes.count, waldPValue: waldP, waldF: designF?.f, waldFDF2: designF?.df2,
      waldFPValue: designF.map { FisherF(df1: Double(slopes.count), df2: $0.df2).sf($0.f) },
      pearsonChiSquare: .nan, dispersion: 1,
      isQuasiLikelihood: false, iterations: c.iterations, converged: c.converged, tolerance: 1e-10)
  }
}

/// Positions (into `fit.kept`) of the slope coefficients of a categorical fit: not cut points,
/// not the intercepts of the outcome equations.
func categoricalSlopePositions(_ fit: Fit) -> [Int] {
  guard let c = fit.categorical else { return [] }
  return fit.kept.indices.filter { position in
    let term = fit.terms[fit.kept[position]]
    if c.base == nil { return !term.contains("|") || c.predictors.contains(term) }
    return !term.hasSuffix(":(Intercept)")
  }
}
