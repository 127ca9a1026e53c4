import RealModule

/// The standard normal distribution.
///
///     Normal.sf(1.96)          // 0.0249978951482204…
///     Normal.quantile(0.975)   // 1.959963984540054
///
/// `cdf` and `sf` are computed directly in their own tails (relative accuracy
/// about 1e-15 down to 1e-300), matching R's `pnorm`; `quantile` is Wichura's
/// AS 241 (`PPND16`), the algorithm of R's `qnorm`.
public enum Normal {
  /// `1/√2` rounded to double, and the rounding error `1/√2 - that`.
  private static let invSqrt2 = 0.7071067811865476
  private static let invSqrt2Low = -4.833646656726457e-17
  private static let twoOverSqrtPi = 1.1283791670955126

  /// Upper tail `P(Z > x) = ½ erfc(x/√2)`, with the rounding error of
  /// `x/√2` corrected to first order (it would otherwise cost `x²` ulps in
  /// the far tail).
  private static func upperTail(_ x: Double) -> Double {
    if x.isNaN { return .nan }
    if x == .infinity { return 0 }
    if x == -.infinity { return 1 }
    let z = x * invSqrt2
    let dz = (-z).addingProduct(x, invSqrt2) + x * invSqrt2Low
    let e = Double.erfc(z)
    return 0.5 * (e - dz * twoOverSqrtPi * Double.exp(-z * z))
  }

  /// `P(Z ≤ x)` (R's `pnorm(x)`).
  public static func cdf(_ x: Double) -> Double { upperTail(-x) }

  /// `P(Z > x)`, computed directly (R's `pnorm(x, lower.tail = FALSE)`).
  public static func sf(_ x: Double) -> Double { upperTail(x) }

  /// The density `φ(x)` (R's `dnorm(x)`), with `x²` split exactly so the
  /// far tail keeps full relative accuracy.
  public static func density(_ x: Double) -> Double {
    let hi = x * x
    let lo = (-hi).addingProduct(x, x)
    return 0.398_942_280_401_432_677_94 * Double.exp(-0.5 * hi) * Double.exp(-0.5 * lo)
  }

  /// The quantile `z` with `P(Z ≤ z) = p` (R's `qnorm(p)`, AS 241).
  ///
  /// Returns `-∞` at 0, `+∞` at 1 and `NaN` outside `[0, 1]`.
  public static func quantile(_ p: Double) -> Double {
    if p.isNaN || p < 0 || p > 1 { return .nan }
    if p == 0 { return -.infinity }
    if p == 1 { return .infinity }
    let q = p - 0.5
    if Swift.abs(q) <= 0.425 {
      let r = 0.180625 - q * q
      return q * poly(a, r) / poly(b, r)
    }
    return tailQuantile(q < 0 ? p : 1 - p, negative: q < 0)
  }

  /// The quantile `z` with `P(Z > z) = q`, accurate for tiny `q`.
  public static func quantile(upperTail q: Double) -> Double {
    if q.isNaN || q < 0 || q > 1 { return .nan }
    if q > 0.075 { return -quantile(q) }  // |0.5 - q| ≤ 0.425 branch is symmetric
    if q == 0 { return .infinity }
    return tailQuantile(q, negative: false)
  }

  /// AS 241 tail branches for the smaller tail probability `t`.
  private static func tailQuantile(_ t: Double, negative: Bool) -> Double {
    var r = (-Double.log(t)).squareRoot()
    let v: Double
    if r <= 5 {
      r -= 1.6
      v = poly(c, r) / poly(d, r)
    } else {
      r -= 5
      v = poly(e, r) / poly(f, r)
    }
    return negative ? -v : v
  }

  @inline(__always)
  private static func poly(_ coefficients: [Double], _ x: Double) -> Double {
    var s = 0.0
    for k in coefficients.reversed() { s = s * x + k }
    return s
  }

  // AS 241 coefficients (Wichura 1988, Applied Statistics 37, 477–484),
  // lowest order first.
  private static let a: [Double] = [
    3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
    1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
    3.3430575583588128105e4, 2.5090809287301226727e3,
  ]
  private static let b: [Double] = [
    1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
    2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
    5.2264952788528545610e3,
  ]
  private static let c: [Double] = [
    1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
    3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
    2.27238449892691845833e-2, 7.74545014278341407640e-4,
  ]
  private static let d: [Double] = [
    1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
    1.05075007164441684324e-9,
  ]
  private static let e: [Double] = [
    6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
    2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
    2.71155556874348757815e-5, 2.01033439929228813265e-7,
  ]
  private static let f: [Double] = [
    1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
    2.04426310338993978564e-15,
  ]
}
