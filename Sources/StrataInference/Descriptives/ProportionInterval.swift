import Foundation
import StrataDesign
import StrataLinalg

/// The confidence interval of a design-based proportion: the methods of R `svyciprop`.
///
/// Every method uses the proportion p̂ and its design-based variance V of `svymean`, and t
/// quantiles on the domain's design df d (`svyciprop`'s default `df = degf(design)`; the full
/// design's df under the Stata convention, as `svy: proportion` with `subpop()`), with
/// t = qt(1 − α/2, d):
/// - `logit` (R's default; the svyglm Wald interval of the logit): expit(logit p̂ ± t·√V/(p̂(1 − p̂))).
/// - `xlogit`: the same interval by the delta method (`svycontrast(log(p/(1 − p)))`); the two
///   coincide exactly for one proportion, as R's agree up to svyglm's convergence.
/// - `mean`: p̂ ± t·√V.
/// - `asin`: sin²(asin √p̂ ± t·√V/(2√(p̂(1 − p̂)))).
/// - `beta` (Korn–Graubard): with the effective sample size n* = p̂(1 − p̂)/V scaled by
///   (qt(α/2, n − 1)/qt(α/2, d))², n the domain's rows, the bounds qbeta(α/2, n*p̂, n*(1 − p̂) + 1)
///   and qbeta(1 − α/2, n*p̂ + 1, n*(1 − p̂)).
/// - `likelihood`: the roots of the rescaled profile deviance of the quasibinomial svyglm
///   `y ~ 1`, (D(μ) − D(p̂))/φ = t²λ, with D the binomial deviance at the weights rescaled to mean
///   1 over the domain, φ the svyvar of the Pearson residuals (svyglm's dispersion) and
///   λ = V·ΣW/(p̂(1 − p̂)) the ratio of the design-based to the model-based variance of the logit
///   (R `confint(svyglm, method = "likelihood")`). Strata solves for the roots exactly (bisection
///   to adjacent doubles); R interpolates a spline through a few profile points, so R's bounds
///   differ from the exact ones in about the fourth digit.
///
/// A domain whose weighted rows are all in the level or all outside it (p̂ is 0 or 1, up to
/// rounding), or whose variance is 0, has no interval of these kinds (R gives NaN or fails): the
/// bounds are NaN.
public enum ProportionInterval: String, Sendable, CaseIterable {
  case logit, likelihood, asin, beta, mean, xlogit
}

extension Context {
  /// The `method` interval of the proportion `p` (variance `variance`) of the 0/1 values `y` on
  /// `rows` (the rows with the variable present), in the domain `domainRows` (all its rows).
  func proportionInterval(
    _ method: ProportionInterval, p: Double, variance: Double, y: [Double], rows: [Int], domainRows: [Int]
  ) -> (low: Double, high: Double, df: Int) {
    // R's svyciprop: degf of the domain; Stata's svy: proportion: the full design's df.
    let df = options.convention == .stata ? fullDF : design.degreesOfFreedom(rows: domainRows)
    let alpha = 1 - options.level / 100
    let t = df > 0 ? StudentT(df: Double(df)).quantile(1 - alpha / 2) : .nan
    let se = variance.squareRoot()
    // Every weighted row in the level or none (p̂ is 0 or 1 up to rounding): no interval.
    var inLevel = false
    var outside = false
    for (i, r) in rows.enumerated() where design.weights[r] != 0 {
      if y[i] == 1 { inLevel = true } else { outside = true }
    }
    guard inLevel, outside, p > 0, p < 1, variance > 0, t.isFinite else { return (.nan, .nan, df) }
    func expit(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    switch method {
    case .mean:
      return (p - t * se, p + t * se, df)
    case .logit, .xlogit:
      let l = Foundation.log(p / (1 - p))
      let s = se / (p * (1 - p))
      return (expit(l - t * s), expit(l + t * s), df)
    case .asin:
      let a = Foundation.asin(p.squareRoot())
      let s = se / (2 * (p * (1 - p)).squareRoot())
      let lo = Foundation.sin(a - t * s)
      let hi = Foundation.sin(a + t * s)
      return (lo * lo, hi * hi, df)
    case .beta:
      let n = Double(domainRows.count)
      let ratio = StudentT(df: n - 1).quantile(alpha / 2) / StudentT(df: Double(df)).quantile(alpha / 2)
      let nEff = p * (1 - p) / variance * ratio * ratio
      let lo = BetaDistribution(a: nEff * p, b: nEff * (1 - p) + 1).quantile(alpha / 2)
      let hi = BetaDistribution(a: nEff * p + 1, b: nEff * (1 - p)).quantile(1 - alpha / 2)
      return (lo, hi, df)
    case .likelihood:
      let (lo, hi) = profileRoots(p: p, variance: variance, y: y, rows: rows, domainRows: domainRows, t: t)
      return (lo, hi, df)
    }
  }

  /// The two roots of svyglm's rescaled profile deviance (see `ProportionInterval.likelihood`).
  private func profileRoots(p: Double, variance: Double, y: [Double], rows: [Int], domainRows: [Int], t: Double)
    -> (Double, Double)
  {
    let w = rows.map { design.weights[$0] }
    // svyglm's weights: the sampling weights over their mean in the domain.
    let domainMean = domainRows.reduce(0) { $0 + design.weights[$1] } / Double(domainRows.count)
    let W = w.map { $0 / domainMean }
    var s1 = 0.0
    var s0 = 0.0
    for (i, v) in y.enumerated() {
      s1 += W[i] * v
      s0 += W[i] * (1 - v)
    }
    // svyglm's dispersion: svyvar of the Pearson residuals (y − p)·√W/√(p(1 − p)).
    let scale = (p * (1 - p)).squareRoot()
    let pearson = y.indices.map { (y[$0] - p) * W[$0].squareRoot() / scale }
    let phi = svyvar(pearson, w).variance
    let lambda = variance * (s1 + s0) / (p * (1 - p))
    let cut = phi * t * t * lambda
    // D(μ) − D(p̂) for the binomial deviance, minus the cut: negative at p̂, growing away from it.
    func g(_ mu: Double) -> Double {
      -2 * (s1 * Foundation.log(mu / p) + s0 * Foundation.log((1 - mu) / (1 - p))) - cut
    }
    func bisect(_ a: Double, _ b: Double, risingToB: Bool) -> Double {
      var lo = a
      var hi = b
      for _ in 0..<4_000 {
        let mid = 0.5 * (lo + hi)
        if mid <= lo || mid >= hi { break }
        if (g(mid) < 0) == risingToB { lo = mid } else { hi = mid }
      }
      return Swift.abs(g(lo)) <= Swift.abs(g(hi)) ? lo : hi
    }
    return (bisect(0, p, risingToB: false), bisect(p, 1, risingToB: true))
  }
}
