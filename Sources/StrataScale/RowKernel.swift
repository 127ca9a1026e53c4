import Foundation
import StrataLinalg
import StrataModels

/// The per-row arithmetic of every aggregate pass: what a source sums, row by row. A Swift source
/// calls it; a database source writes the same expressions in SQL. It is the in-memory GLM's
/// (`IRLS.kernel` and R's starting values in `IRLS.runNormalized`), so the sums agree to rounding.
public enum RowKernel {
  /// One row at a linear predictor: the mean, the IRLS working weight `w = p μ'(η)²/V(μ)`, the
  /// score multiplier `m = p (y − μ) μ'(η)/V(μ)` and the unit deviance (least squares: μ = η,
  /// w = p, m = p (y − η), d = p (y − η)²). `p` is the prior weight (already divided by the
  /// weight set's scale).
  @inline(__always)
  public static func evaluate(model: AggregateModel, y: Double, eta: Double, prior p: Double)
    -> (mu: Double, weight: Double, multiplier: Double, deviance: Double)
  {
    switch model {
    case .leastSquares:
      let e = y - eta
      return (eta, p, p * e, p * e * e)
    case .glm(let m):
      let family = m.family
      let (v, d) = m.link.inverseAndDerivative(eta)
      let variance = family.variance(v)
      return (v, p * d * d / variance, p * (y - v) * d / variance, family.unitDeviance(y: y, mu: v, weight: p))
    }
  }

  /// One row at R's starting values (`glm.fit`'s `mustart`, `eval(family$initialize)`): the
  /// working weight, the working response `z = η + (y − μ)/μ'(η)` and the unit deviance there.
  /// Least squares starts at η = 0 with z = y.
  @inline(__always)
  public static func start(model: AggregateModel, y: Double, prior p: Double)
    -> (weight: Double, response: Double, deviance: Double)
  {
    switch model {
    case .leastSquares:
      return (p, y, p * y * y)
    case .glm(let m):
      let family = m.family
      let mu = family.startingMean(y: y, weight: p)
      let e = m.link.link(mu)
      let d = m.link.muEta(e)
      return (p * d * d / family.variance(mu), e + (y - mu) / d, family.unitDeviance(y: y, mu: mu, weight: p))
    }
  }

  /// The row's contributions to the fit statistics at the estimate (prior weight on its own
  /// scale): Pearson, log-likelihood, null deviance and log-likelihood at `nullMean` (GLMs);
  /// least squares: `w e²`, `w (ŷ − nullMean)²`, `log w`.
  @inline(__always)
  public static func statistics(
    model: AggregateModel, y: Double, eta: Double, prior p: Double, nullMean: Double, into s: inout FitSums
  ) {
    switch model {
    case .leastSquares:
      let e = y - eta
      let f = eta - nullMean
      s.rss += p * e * e
      s.mss += p * f * f
      s.sumLogW += log(p)
    case .glm(let m):
      let family = m.family
      let mu = m.link.inverse(eta)
      let e = y - mu
      s.deviance += family.unitDeviance(y: y, mu: mu, weight: p)
      s.pearson += p * e * e / family.variance(mu)
      s.logLik += family.logLikelihood(y: y, mu: mu, weight: p)
      s.nullDeviance += family.unitDeviance(y: y, mu: nullMean, weight: p)
      s.nullLogLik += family.logLikelihood(y: y, mu: nullMean, weight: p)
    }
  }

  /// Checks a response value for the model, as `GeneralizedLinearModel.validateResponse` does.
  ///
  /// - Parameter row: the 1-based data row, for the message.
  public static func validate(model: AggregateModel, y: Double, name: String, row: Int) throws {
    guard case .glm(let m) = model else { return }
    switch m.family {
    case .binomial:
      if y != 0 && y != 1 { throw EstimationError.responseNotBinary(name: name, value: y, row: row) }
    case .quasibinomial:
      if y < 0 || y > 1 { throw EstimationError.responseOutOfRange(name: name, value: y, row: row) }
    case .poisson:
      if y < 0 { throw EstimationError.negativeCount(name: name, value: y, row: row) }
    }
  }
}
