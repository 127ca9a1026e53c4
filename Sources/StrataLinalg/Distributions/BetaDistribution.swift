/// The beta distribution with shapes `a` and `b` (R's `pbeta`/`qbeta`).
///
///     BetaDistribution(a: 2, b: 3).quantile(0.025)  // R qbeta(0.025, 2, 3)
///
/// The quantile is found by bisection on `regularizedIncompleteBeta`, run until the bracket
/// cannot shrink (the two ends are adjacent doubles), so it is exact to the last bit the
/// distribution function resolves, small quantiles included. A shape of 0 puts the whole mass
/// at 0 (`a = 0`) or 1 (`b = 0`), as R.
public struct BetaDistribution: Sendable {
  public let a: Double
  public let b: Double

  public init(a: Double, b: Double) {
    self.a = a
    self.b = b
  }

  /// `P(X ≤ x)` (R's `pbeta(x, a, b)`).
  public func cdf(_ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    return regularizedIncompleteBeta(x, a: a, b: b)
  }

  /// The quantile `x` with `P(X ≤ x) = p` (R's `qbeta(p, a, b)`); NaN for invalid input.
  public func quantile(_ p: Double) -> Double {
    guard !(a.isNaN || b.isNaN || p.isNaN), a >= 0, b >= 0, p >= 0, p <= 1, a + b > 0 else { return .nan }
    if a == 0 { return 0 }
    if b == 0 { return 1 }
    if p == 0 { return 0 }
    if p == 1 { return 1 }
    // For p above one half, bisect on the upper tail for accuracy near 1.
    let upper = p > 0.5
    let target = upper ? 1 - p : p
    func f(_ x: Double) -> Double {
      upper ? regularizedIncompleteBetaComplement(x, a: a, b: b) : regularizedIncompleteBeta(x, a: a, b: b)
    }
    var lo = 0.0
    var hi = 1.0
    for _ in 0..<4_000 {
      // The geometric mean splits small brackets by scale, the midpoint large ones.
      let mid = lo > 0 && hi / lo > 4 ? (lo * hi).squareRoot() : 0.5 * (lo + hi)
      if mid <= lo || mid >= hi { break }
      let v = f(mid)
      if upper ? (v > target) : (v < target) { lo = mid } else { hi = mid }
    }
    if lo == 0 { return hi }
    // The end whose probability is nearer the target.
    return Swift.abs(f(lo) - target) <= Swift.abs(f(hi) - target) ? lo : hi
  }
}
