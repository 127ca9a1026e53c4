import RealModule

/// The chi-squared distribution with `df` degrees of freedom (non-integer
/// allowed).
///
/// Matches R's `pchisq`/`qchisq`; `sf` is computed directly, so tiny upper
/// tails keep full relative accuracy. Invalid `df` (≤ 0 or NaN) gives `NaN`.
public struct ChiSquared: Sendable {
  /// Degrees of freedom.
  public let df: Double

  /// A chi-squared distribution with `df` degrees of freedom.
  public init(df: Double) { self.df = df }

  private var isValid: Bool { df > 0 && df.isFinite }

  /// `P(X ≤ x)` (R's `pchisq(x, df)`).
  public func cdf(_ x: Double) -> Double {
    guard isValid, !x.isNaN else { return .nan }
    return gammaTails(x: x / 2, a: df / 2).lower
  }

  /// `P(X > x)`, computed directly (R's `pchisq(x, df, lower.tail = FALSE)`).
  public func sf(_ x: Double) -> Double {
    guard isValid, !x.isNaN else { return .nan }
    return gammaTails(x: x / 2, a: df / 2).upper
  }

  /// The density (R's `dchisq(x, df)`).
  public func density(_ x: Double) -> Double {
    guard isValid, !x.isNaN else { return .nan }
    if x <= 0 { return x == 0 && df == 2 ? 0.5 : 0 }
    return 0.5 * Double.exp(logGammaKernel(x: x / 2, a: df / 2) - Double.log(x / 2))
  }

  /// The quantile `x` with `P(X ≤ x) = p` (R's `qchisq(p, df)`).
  public func quantile(_ p: Double) -> Double {
    guard isValid, !p.isNaN, p >= 0, p <= 1 else { return .nan }
    if p == 0 { return 0 }
    if p == 1 { return .infinity }
    if p <= 0.5 {
      return solvePositiveQuantile(
        target: p, initial: initialGuess(lowerTail: p, upperTail: 1 - p), increasing: true,
        tail: { cdf($0) }, density: { density($0) })
    }
    return quantile(upperTail: 1 - p)
  }

  /// The quantile `x` with `P(X > x) = q`, accurate for tiny `q` (R's
  /// `qchisq(q, df, lower.tail = FALSE)`).
  public func quantile(upperTail q: Double) -> Double {
    guard isValid, !q.isNaN, q >= 0, q <= 1 else { return .nan }
    if q == 0 { return .infinity }
    if q == 1 { return 0 }
    if q > 0.5 { return quantile(1 - q) }
    return solvePositiveQuantile(
      target: q, initial: initialGuess(lowerTail: 1 - q, upperTail: q), increasing: false,
      tail: { sf($0) }, density: { density($0) })
  }

  /// Wilson–Hilferty start, or the small-x series start in the far left tail.
  private func initialGuess(lowerTail p: Double, upperTail q: Double) -> Double {
    let z = p < 0.5 ? Normal.quantile(p) : Normal.quantile(upperTail: q)
    let c = 2 / (9 * df)
    let w = 1 - c + z * c.squareRoot()
    if w > 0.1 { return df * w * w * w }
    let a = df / 2
    // P(a, x/2) ≈ (x/2)^a / Γ(a + 1).
    return 2 * Double.exp((Double.log(p) + Double.logGamma(a + 1)) / a)
  }
}
