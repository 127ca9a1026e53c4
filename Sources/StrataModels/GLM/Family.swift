import Foundation

/// A GLM family: the variance function, deviance, log-likelihood and R's starting values.
///
/// Matches R's `binomial()`, `quasibinomial()` and `poisson()` family objects.
public enum Family: String, Sendable, CaseIterable {
  /// Bernoulli outcomes (0/1), dispersion fixed at 1.
  case binomial
  /// Binomial variance with an estimated dispersion: the Papke–Wooldridge fractional response
  /// quasi-likelihood for outcomes in [0, 1].
  case quasibinomial
  /// Counts, dispersion fixed at 1 (non-integer outcomes are a Poisson QMLE).
  case poisson

  /// Whether the dispersion is estimated (Pearson χ² / residual df) rather than fixed at 1.
  public var estimatesDispersion: Bool { self == .quasibinomial }

  /// Whether the log-likelihood is a true likelihood (AIC, BIC and LR tests are defined).
  public var isLikelihood: Bool { self != .quasibinomial }

  /// The variance function `V(μ)`.
  public func variance(_ mu: Double) -> Double {
    switch self {
    case .binomial, .quasibinomial: return mu * (1 - mu)
    case .poisson: return mu
    }
  }

  /// `dV/dμ`, for the observed information.
  public func varianceDerivative(_ mu: Double) -> Double {
    switch self {
    case .binomial, .quasibinomial: return 1 - 2 * mu
    case .poisson: return 1
    }
  }

  /// R's `mustart` (the family's `initialize` expression) for a response and prior weight.
  public func startingMean(y: Double, weight: Double) -> Double {
    switch self {
    case .binomial, .quasibinomial: return (weight * y + 0.5) / (weight + 1)
    case .poisson: return y + 0.1
    }
  }

  /// One observation's deviance contribution (R's `dev.resids`).
  public func unitDeviance(y: Double, mu: Double, weight: Double) -> Double {
    switch self {
    case .binomial, .quasibinomial:
      return 2 * weight * (yLogYOverMu(y, mu) + yLogYOverMu(1 - y, 1 - mu))
    case .poisson:
      return 2 * weight * (yLogYOverMu(y, mu) - (y - mu))
    }
  }

  /// One observation's log-likelihood contribution, as R's `logLik.glm` (via the family's `aic`).
  ///
  /// Binomial (0/1 outcomes): `round(w) · [y log μ + (1 − y) log(1 − μ)]`, R's
  /// `dbinom(round(w y), round(w), μ, log = TRUE)`. Poisson: `w · (y log μ − μ − lgamma(y + 1))`
  /// (for non-integer `y`, where R gives −∞, the gamma function extends the factorial).
  /// Quasi-binomial: the Bernoulli quasi-log-likelihood `w · [y log μ + (1 − y) log(1 − μ)]`
  /// (Stata's log pseudolikelihood of `fracreg`; R reports NA).
  public func logLikelihood(y: Double, mu: Double, weight: Double) -> Double {
    switch self {
    case .binomial:
      let m = weight.rounded(.toNearestOrEven)
      if m == 0 { return 0 }
      return m * (xLogY(y, mu) + xLogY(1 - y, 1 - mu))
    case .quasibinomial:
      return weight * (xLogY(y, mu) + xLogY(1 - y, 1 - mu))
    case .poisson:
      return weight * (xLogY(y, mu) - mu - lgamma(y + 1))
    }
  }
}

/// `y log(y / μ)`, 0 when `y = 0`.
func yLogYOverMu(_ y: Double, _ mu: Double) -> Double {
  y == 0 ? 0 : y * log(y / mu)
}

/// `x log y`, 0 when `x = 0`.
func xLogY(_ x: Double, _ y: Double) -> Double {
  x == 0 ? 0 : x * log(y)
}
