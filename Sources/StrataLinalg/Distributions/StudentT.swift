import RealModule

/// Student's t distribution with `df` degrees of freedom (non-integer and
/// infinite `df` allowed; `df = .infinity` is the standard normal).
///
///     let t = StudentT(df: 10)
///     2 * t.sf(abs(stat))      // two-sided p-value
///
/// Matches R's `pt`/`qt` (for `df > 1e10` through the Abramowitz & Stegun
/// 26.7.8 normal approximation, whose error there is below 1e-14). Tails
/// are computed directly, so p-values like `1e-30` keep full relative
/// accuracy. Invalid `df` (≤ 0 or NaN) gives
/// `NaN` results.
public struct StudentT: Sendable {
  /// Degrees of freedom.
  public let df: Double

  /// A t distribution with `df` degrees of freedom.
  public init(df: Double) { self.df = df }

  private var isValid: Bool { df > 0 && !df.isNaN }

  /// `P(T ≤ t)` (R's `pt(t, df)`).
  public func cdf(_ t: Double) -> Double { sf(-t) }

  /// `P(T > t)`, computed directly (R's `pt(t, df, lower.tail = FALSE)`).
  public func sf(_ t: Double) -> Double {
    guard isValid, !t.isNaN else { return .nan }
    if df.isInfinite { return Normal.sf(t) }
    if df > 1e10 {
      // Abramowitz & Stegun 26.7.8; its O(t⁴/df²) error is below 1e-14 here,
      // and the continued fraction would need ~√df iterations.
      let v = 1 / (4 * df)
      return Normal.sf(t * (1 - v) / (1 + t * t * 2 * v).squareRoot())
    }
    if t.isInfinite { return t > 0 ? 0 : 1 }
    // Two-sided tail P(|T| > |t|) = I_x(df/2, 1/2), x = df / (df + t²).
    let at = Swift.abs(t)
    let half = df / 2
    if at > 1e50 * df.squareRoot() {
      // x = df/(df + t²) < 1e-100: I_x(df/2, ½) = x^{df/2} / ((df/2) B(df/2, ½))
      // to double precision (R's pt uses the same leading term here).
      let logX = Double.log(df) - 2 * Double.log(at)
      let logBeta =
        half >= 8
        ? 0.572_364_942_924_700_087_07 - logGammaRatio(big: half, small: 0.5)
        : Double.logGamma(half) + 0.572_364_942_924_700_087_07 - Double.logGamma(half + 0.5)
      let twoSided = Double.exp(half * logX - Double.log(half) - logBeta)
      return t > 0 ? 0.5 * twoSided : 1 - 0.5 * twoSided
    }
    let x: Double
    let y: Double
    if at * at > df {
      let r = (df / at) / at
      x = r / (1 + r)
      y = 1 / (1 + r)
    } else {
      let r = (at / df) * at
      x = 1 / (1 + r)
      y = r / (1 + r)
    }
    let tails = betaTails(x: x, y: y, a: half, b: 0.5)
    return t > 0 ? 0.5 * tails.lower : 1 - 0.5 * tails.lower
  }

  /// The density (R's `dt(t, df)`).
  public func density(_ t: Double) -> Double {
    guard isValid, !t.isNaN else { return .nan }
    if df.isInfinite { return Normal.density(t) }
    let half = df / 2
    let logNormalizer: Double
    if half >= 8 {
      logNormalizer = logGammaRatio(big: half, small: 0.5)
    } else {
      logNormalizer = Double.logGamma(half + 0.5) - Double.logGamma(half)
    }
    let logPi = 1.144_729_885_849_400_174_14
    return Double.exp(
      logNormalizer - 0.5 * (Double.log(df) + logPi) - (half + 0.5) * Double.log(onePlus: t * t / df))
  }

  /// The quantile `t` with `P(T ≤ t) = p` (R's `qt(p, df)`).
  public func quantile(_ p: Double) -> Double {
    guard isValid, !p.isNaN, p >= 0, p <= 1 else { return .nan }
    if p == 0.5 { return 0 }
    return p < 0.5 ? -upperQuantile(p) : upperQuantile(1 - p)
  }

  /// The quantile `t` with `P(T > t) = q`, accurate for tiny `q` (R's
  /// `qt(q, df, lower.tail = FALSE)`).
  public func quantile(upperTail q: Double) -> Double {
    guard isValid, !q.isNaN, q >= 0, q <= 1 else { return .nan }
    if q == 0.5 { return 0 }
    return q < 0.5 ? upperQuantile(q) : -upperQuantile(1 - q)
  }

  /// `s > 0` with `P(T > s) = q`, `0 ≤ q < 0.5`.
  private func upperQuantile(_ q: Double) -> Double {
    if q == 0 { return .infinity }
    if df.isInfinite { return Normal.quantile(upperTail: q) }
    let z = Normal.quantile(upperTail: q)
    let guess = z + (z * z * z + z) / (4 * df)
    return solvePositiveQuantile(
      target: q, initial: guess > 0 ? guess : 1, increasing: false,
      tail: { sf($0) }, density: { density($0) })
  }
}
