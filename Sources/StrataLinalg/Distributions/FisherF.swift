import RealModule

/// The F distribution with `df1` and `df2` degrees of freedom (non-integer
/// allowed; `df2 = .infinity` gives `χ²(df1)/df1`).
///
/// Matches R's `pf`/`qf`; `sf` is computed directly for accurate small
/// p-values. Invalid degrees of freedom give `NaN`.
public struct FisherF: Sendable {
  /// Numerator degrees of freedom.
  public let df1: Double
  /// Denominator degrees of freedom.
  public let df2: Double

  /// An F distribution with `df1` and `df2` degrees of freedom.
  public init(df1: Double, df2: Double) {
    self.df1 = df1
    self.df2 = df2
  }

  private var isValid: Bool { df1 > 0 && df2 > 0 && !df1.isNaN && !df2.isNaN && df1.isFinite }

  /// Both tails at `f`.
  private func tails(_ f: Double) -> (lower: Double, upper: Double) {
    guard isValid, !f.isNaN else { return (.nan, .nan) }
    if f <= 0 { return (0, 1) }
    if f.isInfinite { return (1, 0) }
    if df2.isInfinite {
      let chi = ChiSquared(df: df1)
      return (chi.cdf(f * df1), chi.sf(f * df1))
    }
    // X = df1 f / (df1 f + df2) ~ Beta(df1/2, df2/2); form x and 1 - x
    // from a ratio ≤ 1 so that both are accurate.
    let u = df1 * f
    let x: Double
    let y: Double
    if u > df2 {
      let r = df2 / u
      x = 1 / (1 + r)
      y = r / (1 + r)
    } else {
      let r = u / df2
      x = r / (1 + r)
      y = 1 / (1 + r)
    }
    return betaTails(x: x, y: y, a: df1 / 2, b: df2 / 2)
  }

  /// `P(F ≤ f)` (R's `pf(f, df1, df2)`).
  public func cdf(_ f: Double) -> Double { tails(f).lower }

  /// `P(F > f)`, computed directly (R's `pf(f, df1, df2, lower.tail = FALSE)`).
  public func sf(_ f: Double) -> Double { tails(f).upper }

  /// The density (R's `df(f, df1, df2)`).
  public func density(_ f: Double) -> Double {
    guard isValid, !f.isNaN else { return .nan }
    if f <= 0 { return 0 }
    if df2.isInfinite { return df1 * ChiSquared(df: df1).density(f * df1) }
    let u = df1 * f
    let s = u + df2
    let x = u / s
    let y = df2 / s
    // dx/df = df1 df2 / (df1 f + df2)².
    return Double.exp(
      logBetaDensity(x: x, y: y, a: df1 / 2, b: df2 / 2) + Double.log(df1) + Double.log(df2)
        - 2 * Double.log(s))
  }

  /// The quantile `f` with `P(F ≤ f) = p` (R's `qf(p, df1, df2)`).
  public func quantile(_ p: Double) -> Double {
    guard isValid, !p.isNaN, p >= 0, p <= 1 else { return .nan }
    if p == 0 { return 0 }
    if p == 1 { return .infinity }
    if p > 0.5 { return quantile(upperTail: 1 - p) }
    if df2.isInfinite { return ChiSquared(df: df1).quantile(p) / df1 }
    return solvePositiveQuantile(
      target: p, initial: 1, increasing: true, tail: { cdf($0) }, density: { density($0) })
  }

  /// The quantile `f` with `P(F > f) = q`, accurate for tiny `q` (R's
  /// `qf(q, df1, df2, lower.tail = FALSE)`).
  public func quantile(upperTail q: Double) -> Double {
    guard isValid, !q.isNaN, q >= 0, q <= 1 else { return .nan }
    if q == 0 { return .infinity }
    if q == 1 { return 0 }
    if q > 0.5 { return quantile(1 - q) }
    if df2.isInfinite { return ChiSquared(df: df1).quantile(upperTail: q) / df1 }
    return solvePositiveQuantile(
      target: q, initial: 1, increasing: false, tail: { sf($0) }, density: { density($0) })
  }
}
