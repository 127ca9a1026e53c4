import Foundation
import StrataLinalg

/// A GLM link function `η = g(μ)` with the derivatives IRLS and the observed information need.
///
/// The inverse links and `dμ/dη` are clamped exactly as R's `make.link` / `binomial()` clamp them
/// (so fitted values stay strictly inside the family's range), which keeps the fits equal to R's.
public enum Link: String, Sendable, CaseIterable {
  /// `log(μ / (1 − μ))`, canonical for the binomial family.
  case logit
  /// `Φ⁻¹(μ)`.
  case probit
  /// `log(−log(1 − μ))`, complementary log-log.
  case cloglog
  /// `log μ`, canonical for the Poisson family.
  case log
  /// `μ`.
  case identity

  /// `g(μ)`.
  public func link(_ mu: Double) -> Double {
    switch self {
    case .logit: return Foundation.log(mu / (1 - mu))
    case .probit: return Normal.quantile(mu)
    case .cloglog: return Foundation.log(-log1p(-mu))
    case .log: return Foundation.log(mu)
    case .identity: return mu
    }
  }

  /// `g⁻¹(η)`, clamped as R clamps it.
  public func inverse(_ eta: Double) -> Double {
    let eps = Double.ulpOfOne
    switch self {
    case .logit:
      // R's C code: eta < -30 → DBL_EPSILON, eta > 30 → 1 − DBL_EPSILON.
      if eta < -30 { return eps }
      if eta > 30 { return 1 - eps }
      return 1 / (1 + exp(-eta))
    case .probit:
      let threshold = -Normal.quantile(eps)
      return Normal.cdf(Swift.min(Swift.max(eta, -threshold), threshold))
    case .cloglog:
      return Swift.max(Swift.min(-expm1(-exp(eta)), 1 - eps), eps)
    case .log:
      return Swift.max(exp(eta), eps)
    case .identity:
      return eta
    }
  }

  /// `g⁻¹(η)` and `dμ/dη` together, as `inverse` and `muEta` give them (clamped as R clamps
  /// them); the logit link evaluates one exponential for both: with `t = exp(−|η|)`,
  /// `μ = 1/(1 + t)` or `t/(1 + t)` and `dμ/dη = t/(1 + t)²`, equal to R's `exp(|η|)/(1 + exp(|η|))²`
  /// up to rounding.
  @inline(__always)
  public func inverseAndDerivative(_ eta: Double) -> (mu: Double, muEta: Double) {
    guard self == .logit else { return (inverse(eta), muEta(eta)) }
    let eps = Double.ulpOfOne
    if eta < -30 { return (eps, eps) }
    if eta > 30 { return (1 - eps, eps) }
    let t = exp(-Swift.abs(eta))
    let opt = 1 + t
    return (eta >= 0 ? 1 / opt : t / opt, Swift.max(t / (opt * opt), eps))
  }

  /// `dμ/dη`, bounded below by machine epsilon as in R.
  public func muEta(_ eta: Double) -> Double {
    let eps = Double.ulpOfOne
    switch self {
    case .logit:
      let opexp = 1 + exp(Swift.abs(eta))
      return (Swift.abs(eta) > 30) ? eps : Swift.max(exp(Swift.abs(eta)) / (opexp * opexp), eps)
    case .probit:
      return Swift.max(Normal.density(eta), eps)
    case .cloglog:
      let e = Swift.min(eta, 700)
      return Swift.max(exp(e) * exp(-exp(e)), eps)
    case .log:
      return Swift.max(exp(eta), eps)
    case .identity:
      return 1
    }
  }

  /// `d²μ/dη²` (unclamped), for the observed information of non-canonical links.
  public func muEtaDerivative(_ eta: Double) -> Double {
    switch self {
    case .logit:
      let mu = 1 / (1 + exp(-eta))
      return mu * (1 - mu) * (1 - 2 * mu)
    case .probit:
      return -eta * Normal.density(eta)
    case .cloglog:
      let e = Swift.min(eta, 700)
      return exp(e - exp(e)) * (1 - exp(e))
    case .log:
      return exp(eta)
    case .identity:
      return 0
    }
  }
}
