import Foundation

/// The digamma function ψ(x) = d/dx log Γ(x), for x > 0.
///
/// The recurrence ψ(x) = ψ(x + 1) − 1/x brings x to at least 10, then the asymptotic series
/// `log x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ)` (seven terms) gives about 1e-16 relative accuracy.
/// Non-positive or NaN arguments give NaN (the negative branch is not needed here).
public func digamma(_ x: Double) -> Double {
  guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
  var x = x
  var shift = 0.0
  while x < 10 {
    shift -= 1 / x
    x += 1
  }
  let r = 1 / (x * x)
  let series =
    r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r / 12))))))
  return shift + log(x) - 0.5 / x - series
}

/// The trigamma function ψ′(x), for x > 0: the recurrence ψ′(x) = ψ′(x + 1) + 1/x² to x ≥ 10,
/// then `1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹` (eight terms).
public func trigamma(_ x: Double) -> Double {
  guard x > 0, x.isFinite else { return x == .infinity ? 0 : .nan }
  var x = x
  var shift = 0.0
  while x < 10 {
    shift += 1 / (x * x)
    x += 1
  }
  let r = 1 / (x * x)
  let series =
    1 / x + 0.5 * r
    + (r / x)
    * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * (691.0 / 2730 - r * 7.0 / 6))))))
  return shift + series
}
