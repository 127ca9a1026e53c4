// Regularized incomplete beta and gamma functions, computed so that the
// smaller of the two tails is evaluated directly (never as 1 - other), with
// prefactors x^a y^b / B(a, b) and x^a e^-x / Γ(a) formed through Stirling's
// series and log1p(e) - e, so large parameters do not lose digits to
// cancelling lgamma values.

import RealModule

// MARK: Public API

/// The regularized incomplete beta function `I_x(a, b)`.
///
/// Matches R's `pbeta(x, a, b)`. Returns `NaN` for `a ≤ 0`, `b ≤ 0` or `NaN`
/// input.
public func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
  guard !x.isNaN else { return .nan }
  return betaTails(x: x, y: 1 - x, a: a, b: b).lower
}

/// The complement `1 - I_x(a, b)`, computed directly (R's
/// `pbeta(x, a, b, lower.tail = FALSE)`).
public func regularizedIncompleteBetaComplement(_ x: Double, a: Double, b: Double) -> Double {
  guard !x.isNaN else { return .nan }
  return betaTails(x: x, y: 1 - x, a: a, b: b).upper
}

/// The regularized lower incomplete gamma function `P(a, x)` (R's
/// `pgamma(x, a)`). Returns `NaN` for `a ≤ 0` or `NaN` input.
public func regularizedGammaP(_ x: Double, a: Double) -> Double {
  gammaTails(x: x, a: a).lower
}

/// The regularized upper incomplete gamma function `Q(a, x) = 1 - P(a, x)`,
/// computed directly (R's `pgamma(x, a, lower.tail = FALSE)`).
public func regularizedGammaQ(_ x: Double, a: Double) -> Double {
  gammaTails(x: x, a: a).upper
}

// MARK: Elementary helpers

/// `log(1 + e) - e`, accurate for small `|e|`.
func log1pMinusX(_ e: Double) -> Double {
  // With r = e / (2 + e): log1p(e) = 2 atanh(r) = 2(r + r³/3 + r⁵/5 + …) and
  // e - 2r = r·e, so log1p(e) - e = -r·e + 2(r³/3 + r⁵/5 + …).
  let r = e / (2 + e)
  if Swift.abs(r) < 0.34 {
    let r2 = r * r
    var term = r * r2
    var sum = 0.0
    var k = 3.0
    while true {
      let add = term / k
      sum += add
      if Swift.abs(add) <= Swift.abs(sum) * 1e-17 { break }
      term *= r2
      k += 2
    }
    return -r * e + 2 * sum
  }
  return Double.log(onePlus: e) - e
}

/// `log(r) - (r - 1)` for the ratio `r = num / den` of positive numbers,
/// accurate both near `r = 1` (via `log1pMinusX` of `(num - den) / den`) and
/// far from it (where forming `r - 1` from a difference would lose digits).
func logRatioMinusLinear(_ num: Double, _ den: Double) -> Double {
  let diff = num - den
  if Swift.abs(diff) < 0.5 * den { return log1pMinusX(diff / den) }
  let r = num / den
  return Double.log(r) - (r - 1)
}

/// Stirling's correction `δ(z) = lnΓ(z) - ((z - ½) ln z - z + ½ ln 2π)`.
func stirlingCorrection(_ z: Double) -> Double {
  if z >= 8 {
    let zi = 1 / z
    let z2 = zi * zi
    // Coefficients B_2k / (2k (2k - 1)), k = 1…9.
    let c: [Double] = [
      1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360_360, 1.0 / 156,
      -3617.0 / 122_400, 43867.0 / 244_188,
    ]
    var s = 0.0
    for coefficient in c.reversed() { s = s * z2 + coefficient }
    return s * zi
  }
  let halfLogTwoPi = 0.918_938_533_204_672_741_78
  return Double.logGamma(z) - ((z - 0.5) * Double.log(z) - z + halfLogTwoPi)
}

/// `log Γ(big + small) - log Γ(big)` for `big ≥ 8`, without cancellation.
func logGammaRatio(big: Double, small: Double) -> Double {
  (big - 0.5) * Double.log(onePlus: small / big) + small * Double.log(big + small) - small
    + stirlingCorrection(big + small) - stirlingCorrection(big)
}

/// `log x` given the pair `(x, y = 1 - x)` with both accurate.
@inline(__always)
private func logOfPair(_ x: Double, _ y: Double) -> Double {
  x < 0.5 ? Double.log(x) : Double.log(onePlus: -y)
}

/// `log(x/x0) - (x/x0 - 1)` for the beta kernel, taking the difference
/// `x - x0` from whichever of `x`, `y` is accurate.
private func ratioTerm(_ x: Double, _ x0: Double, _ y: Double, _ y0: Double) -> Double {
  let diff = x <= 0.5 ? x - x0 : y0 - y
  if Swift.abs(diff) < 0.5 * x0 { return log1pMinusX(diff / x0) }
  let r = x / x0
  return Double.log(r) - (r - 1)
}

/// `log(x^a y^b / B(a, b))`, with `x + y = 1` and both given accurately.
func logBetaKernel(x: Double, y: Double, a: Double, b: Double) -> Double {
  let threshold = 8.0
  if a >= threshold && b >= threshold {
    let s = a + b
    let x0 = a / s
    let y0 = b / s
    let halfLogTwoPi = 0.918_938_533_204_672_741_78
    // x^a y^b s^s / (a^a b^b) = (x/x0)^a (y/y0)^b, and a(x/x0 - 1) + b(y/y0 - 1) = 0.
    return a * ratioTerm(x, x0, y, y0) + b * ratioTerm(y, y0, x, x0)
      + 0.5 * (Double.log(a) + Double.log(b) - Double.log(s)) - halfLogTwoPi
      + stirlingCorrection(s) - stirlingCorrection(a) - stirlingCorrection(b)
  }
  let logs = a * logOfPair(x, y) + b * logOfPair(y, x)
  if a < threshold && b < threshold {
    return logs + Double.logGamma(a + b) - Double.logGamma(a) - Double.logGamma(b)
  }
  let (small, big) = a < b ? (a, b) : (b, a)
  return logs + logGammaRatio(big: big, small: small) - Double.logGamma(small)
}

/// Continued fraction for `I_x(a, b)` (modified Lentz), to be multiplied by
/// `x^a y^b / (a B(a, b))`; converges fast for `x < (a + 1) / (a + b + 2)`.
///
/// Evaluated in double-double arithmetic with `x` formed as `1 - y` when
/// `x > ½`: for a large shape `a` and `x` near 1 the odd steps compute
/// `1 - x·(1 - O(1/a))`, which in plain doubles loses `log10(a)` digits.
private func betaContinuedFraction(x: Double, y: Double, a: Double, b: Double) -> Double {
  typealias DD = DoubleDouble
  let tiny = 1e-300
  let eps = 1e-16
  let one = DD(1)
  let xd = x <= 0.5 ? DD(x) : DD.twoSum(1, -y)
  let ad = DD(a)
  let bd = DD(b)
  let qab = DD.twoSum(a, b)
  let qap = DD.twoSum(a, 1)
  let qam = DD.twoSum(a, -1)
  var c = one
  var d = one - qab * xd / qap
  if Swift.abs(d.hi) < tiny { d = DD(tiny) }
  d = one / d
  var h = d
  let maxIterations = 10_000 + Int(Swift.min(1e7, 20 * (Swift.max(a, b)).squareRoot()))
  var m = 1.0
  for _ in 0..<maxIterations {
    let md = DD(m)
    let m2 = DD(2 * m)
    var aa = md * (bd - md) * xd / ((qam + m2) * (ad + m2))
    d = one + aa * d
    if Swift.abs(d.hi) < tiny { d = DD(tiny) }
    c = one + aa / c
    if Swift.abs(c.hi) < tiny { c = DD(tiny) }
    d = one / d
    h = h * d * c
    aa = -((ad + md) * (qab + md) * xd) / ((ad + m2) * (qap + m2))
    d = one + aa * d
    if Swift.abs(d.hi) < tiny { d = DD(tiny) }
    c = one + aa / c
    if Swift.abs(c.hi) < tiny { c = DD(tiny) }
    d = one / d
    let del = d * c
    h = h * del
    if Swift.abs(del.hi - 1 + del.lo) < eps { break }
    m += 1
  }
  return h.value
}

/// Both tails of the beta distribution at the pair `(x, y = 1 - x)`:
/// `(I_x(a, b), 1 - I_x(a, b))`, the one on the continued fraction's side
/// computed directly.
func betaTails(x: Double, y: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
  guard a > 0, b > 0, !x.isNaN, !y.isNaN else { return (.nan, .nan) }
  if x <= 0 { return (0, 1) }
  if y <= 0 { return (1, 0) }
  if a.isInfinite || b.isInfinite { return (.nan, .nan) }
  if x < (a + 1) / (a + b + 2) {
    let front = Double.exp(logBetaKernel(x: x, y: y, a: a, b: b) - Double.log(a))
    let lower = Swift.min(1, front * betaContinuedFraction(x: x, y: y, a: a, b: b))
    return (lower, 1 - lower)
  }
  let front = Double.exp(logBetaKernel(x: y, y: x, a: b, b: a) - Double.log(b))
  let upper = Swift.min(1, front * betaContinuedFraction(x: y, y: x, a: b, b: a))
  return (1 - upper, upper)
}

/// Log density of the beta distribution at the pair `(x, y = 1 - x)`.
func logBetaDensity(x: Double, y: Double, a: Double, b: Double) -> Double {
  logBetaKernel(x: x, y: y, a: a, b: b) - Double.log(x) - Double.log(y)
}

/// `log(x^a e^{-x} / Γ(a))`.
func logGammaKernel(x: Double, a: Double) -> Double {
  if a >= 8 {
    let halfLogTwoPi = 0.918_938_533_204_672_741_78
    return a * logRatioMinusLinear(x, a) + 0.5 * Double.log(a) - halfLogTwoPi - stirlingCorrection(a)
  }
  return a * Double.log(x) - x - Double.logGamma(a)
}

/// Both tails of the gamma distribution with shape `a`, unit scale:
/// `(P(a, x), Q(a, x))`, the smaller-side one computed directly.
func gammaTails(x: Double, a: Double) -> (lower: Double, upper: Double) {
  guard a > 0, !x.isNaN, !a.isNaN else { return (.nan, .nan) }
  if x <= 0 { return (0, 1) }
  if x.isInfinite { return (1, 0) }
  if a.isInfinite { return (0, 1) }
  let eps = 1e-17
  let maxIterations = 10_000 + Int(Swift.min(1e7, 20 * a.squareRoot()))
  if x < a + 1 {
    // Series: P = x^a e^{-x} / Γ(a + 1) · Σ x^n / ((a + 1)…(a + n)).
    var sum = 1.0
    var term = 1.0
    var ap = a
    for _ in 0..<maxIterations {
      ap += 1
      term *= x / ap
      sum += term
      if term < sum * eps { break }
    }
    let lower = Swift.min(1, Double.exp(logGammaKernel(x: x, a: a) - Double.log(a)) * sum)
    return (lower, 1 - lower)
  }
  // Continued fraction (modified Lentz) for Q.
  let tiny = 1e-300
  var bb = x + 1 - a
  var c = 1 / tiny
  var d = 1 / bb
  var h = d
  var i = 1.0
  for _ in 0..<maxIterations {
    let an = -i * (i - a)
    bb += 2
    d = an * d + bb
    if Swift.abs(d) < tiny { d = tiny }
    c = bb + an / c
    if Swift.abs(c) < tiny { c = tiny }
    d = 1 / d
    let del = d * c
    h *= del
    if Swift.abs(del - 1) < 1e-16 { break }
    i += 1
  }
  let upper = Swift.min(1, Double.exp(logGammaKernel(x: x, a: a)) * h)
  return (1 - upper, upper)
}
