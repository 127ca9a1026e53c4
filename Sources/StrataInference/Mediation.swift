import Foundation
import StrataDesign
import StrataLinalg
import StrataModels

/// Bootstrap distribution of a mediation effect.
public struct MediationBootstrap: Sendable {
  /// Replicates requested and those whose refits succeeded.
  public var reps: Int
  public var successful: Int
  public var seed: UInt64
  /// Whether PSUs were resampled within strata (Rao–Wu) rather than rows.
  public var designBased: Bool
  /// Standard deviation of the replicate estimates.
  public var standardError: Double
  /// Percentile interval.
  public var percentile: (low: Double, high: Double)
  /// Bias-corrected percentile interval (nil when every replicate falls on one side).
  public var biasCorrected: (low: Double, high: Double)?
  /// The replicate estimates, in replicate order.
  public var replicates: [Double]
}

/// A treatment → mediator → outcome analysis (Baron–Kenny steps, product of coefficients).
///
/// Three equations on one estimation sample: the total effect `Y ~ T + X` (coefficient c), the
/// mediator `M ~ T + X` (a, least squares) and the outcome `Y ~ T + M + X` (direct effect c′,
/// mediator effect b). The indirect effect is `a·b`; with a linear outcome `c = c′ + a·b`
/// exactly, with a logit/probit outcome `a·b` is on the latent-index scale. The Sobel test uses
/// `se(ab) = √(b² se(a)² + a² se(b)²)` from each equation's covariance (whatever variance was
/// chosen: classical, robust, cluster or design-based).
public struct MediationResult: Sendable {
  public var treatment: String
  public var mediator: String
  /// The equations: total, mediator, outcome.
  public var total: RegressionResult
  public var mediatorEquation: RegressionResult
  public var outcomeEquation: RegressionResult
  public var a: Double
  public var b: Double
  public var indirect: Double
  public var direct: Double
  public var totalEffect: Double
  /// `a·b / (a·b + c′)`.
  public var proportionMediated: Double
  public var sobelStandardError: Double
  public var sobelStatistic: Double
  public var sobelPValue: Double
  /// Normal-theory interval `a·b ± z · se(ab)`.
  public var sobelInterval: (low: Double, high: Double)
  public var level: Double
  public var bootstrap: MediationBootstrap?

  /// Combines the three fitted equations.
  ///
  /// - Throws: `InferenceError.mediationTermMissing` for a missing treatment or mediator
  ///   coefficient.
  public init(
    treatment: String, mediator: String, total: RegressionResult, mediatorEquation: RegressionResult,
    outcomeEquation: RegressionResult, level: Double = 95
  ) throws {
    func coefficient(_ r: RegressionResult, _ term: String) throws -> (Double, Double) {
      guard let c = r.coefficients.first(where: { $0.term == term }), let b = c.estimate, let s = c.stdError else {
        throw InferenceError.mediationTermMissing(term: term, equation: r.fit.formula)
      }
      return (b, s)
    }
    self.treatment = treatment
    self.mediator = mediator
    self.total = total
    self.mediatorEquation = mediatorEquation
    self.outcomeEquation = outcomeEquation
    self.level = level
    let (a, sa) = try coefficient(mediatorEquation, treatment)
    let (b, sb) = try coefficient(outcomeEquation, mediator)
    self.a = a
    self.b = b
    indirect = a * b
    direct = try coefficient(outcomeEquation, treatment).0
    totalEffect = try coefficient(total, treatment).0
    proportionMediated = indirect / (indirect + direct)
    sobelStandardError = (b * b * sa * sa + a * a * sb * sb).squareRoot()
    sobelStatistic = indirect / sobelStandardError
    sobelPValue = 2 * Normal.sf(abs(sobelStatistic))
    let q = Normal.quantile(0.5 + level / 200)
    sobelInterval = (indirect - q * sobelStandardError, indirect + q * sobelStandardError)
  }

  /// Bootstraps the indirect effect `a·b`.
  ///
  /// - Parameters:
  ///   - reps: number of replicates.
  ///   - resampler: the seeded scheme (rows, or PSUs within strata).
  ///   - rows: the data rows of the estimation sample (multipliers are given over them).
  ///   - estimate: refits the mediator and outcome equations with the case weights multiplied by
  ///     the given multipliers and returns `a·b`; a replicate whose refit throws is skipped.
  ///   - progress: called after each replicate with (done, reps).
  public mutating func bootstrap(
    reps: Int, seed: UInt64, resampler: BootstrapResampler, rows: [Int],
    estimate: ([Double]) throws -> Double, progress: ((Int, Int) -> Void)? = nil
  ) {
    var resampler = resampler
    var values: [Double] = []
    values.reserveCapacity(reps)
    for r in 0..<reps {
      let m = resampler.nextMultipliers(rows: rows)
      if let v = try? estimate(m), v.isFinite { values.append(v) }
      progress?(r + 1, reps)
    }
    let alpha = 1 - level / 100
    let sorted = values.sorted()
    let mean = values.reduce(0, +) / Double(max(values.count, 1))
    let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))).squareRoot()
    let below = Double(values.filter { $0 < indirect }.count) / Double(max(values.count, 1))
    var bc: (Double, Double)?
    if below > 0 && below < 1 {
      let z0 = Normal.quantile(below)
      let lo = Normal.cdf(2 * z0 + Normal.quantile(alpha / 2))
      let hi = Normal.cdf(2 * z0 + Normal.quantile(1 - alpha / 2))
      bc = (quantile7(sorted, lo), quantile7(sorted, hi))
    }
    bootstrap = MediationBootstrap(
      reps: reps, successful: values.count, seed: seed,
      designBased: { if case .design = resampler.scheme { return true } else { return false } }(),
      standardError: sd, percentile: (quantile7(sorted, alpha / 2), quantile7(sorted, 1 - alpha / 2)),
      biasCorrected: bc, replicates: values)
  }
}

/// R's default (type 7) sample quantile of sorted values.
func quantile7(_ sorted: [Double], _ p: Double) -> Double {
  guard !sorted.isEmpty else { return .nan }
  let h = Double(sorted.count - 1) * p
  let lo = Int(h.rounded(.down))
  let hi = min(lo + 1, sorted.count - 1)
  return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}
