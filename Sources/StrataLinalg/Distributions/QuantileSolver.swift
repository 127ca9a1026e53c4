import RealModule

/// Solves `tail(s) = target` for `s > 0` where `tail` is a monotone tail
/// probability, by Newton's method on `log tail` in the variable `log s`,
/// safeguarded by bisection inside a bracket.
///
/// Working in logs keeps the iteration well scaled from `1e-300` tails to
/// the median, and makes power-law tails (Cauchy-like) linear.
///
/// - Parameters:
///   - target: the tail probability to hit, in `(0, 1)`.
///   - initial: a starting guess (`> 0`).
///   - increasing: whether `tail` increases with `s` (a lower tail).
///   - tail: the tail probability at `s`.
///   - density: the density at `s` (the derivative of the lower tail).
func solvePositiveQuantile(
  target: Double, initial: Double, increasing: Bool,
  tail: (Double) -> Double, density: (Double) -> Double
) -> Double {
  let logTarget = Double.log(target)
  // g(v) = log tail(e^v) - log target; sign convention: g increasing in v.
  func g(_ v: Double) -> Double {
    let t = Double.log(tail(Double.exp(v))) - logTarget
    return increasing ? t : -t
  }
  let vMin = -745.0
  let vMax = 709.0
  var v = Double.log(initial.isFinite && initial > 0 ? initial : 1)
  v = Swift.min(Swift.max(v, vMin), vMax)
  var gv = g(v)
  if gv == 0 { return Double.exp(v) }
  // Bracket [lo, hi] with g(lo) < 0 < g(hi).
  var lo = v
  var hi = v
  var step = 1.0
  if gv < 0 {
    repeat {
      lo = hi
      hi = Swift.min(vMax, hi + step)
      step *= 2
      gv = g(hi)
    } while gv < 0 && hi < vMax
    if gv < 0 { return .infinity }
    v = hi
  } else {
    repeat {
      hi = lo
      lo = Swift.max(vMin, lo - step)
      step *= 2
      gv = g(lo)
    } while gv > 0 && lo > vMin
    if gv > 0 { return 0 }
    v = lo
  }
  if gv == 0 { return Double.exp(v) }
  for _ in 0..<300 {
    let s = Double.exp(v)
    let t = tail(s)
    let gCurrent = increasing ? Double.log(t) - logTarget : logTarget - Double.log(t)
    if gCurrent == 0 { return s }
    if gCurrent < 0 { lo = v } else { hi = v }
    // dg/dv = s · density / tail (sign already folded into g).
    let slope = s * density(s) / t
    var next = v - gCurrent / slope
    if !(next > lo && next < hi) || !next.isFinite {
      next = 0.5 * (lo + hi)
    }
    let change = Swift.abs(next - v)
    v = next
    if change <= 2e-16 * Swift.max(1, Swift.abs(v)) || hi - lo <= 4e-16 * Swift.max(1, Swift.abs(v)) {
      break
    }
  }
  return Double.exp(v)
}
