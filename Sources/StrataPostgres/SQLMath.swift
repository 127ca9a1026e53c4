import Foundation
import StrataLinalg

/// Functions PostgreSQL 15, Citus, Greenplum and Redshift lack, written as plain SQL arithmetic
/// (`CASE`, `+ - * /`, `EXP`, `LN`, `SQRT`, `ABS`, `TRUNC`), accurate to double precision: the
/// standard normal distribution function Φ (W. J. Cody's rational Chebyshev approximations,
/// the algorithm of R's `pnorm`), its density φ, its quantile Φ⁻¹ (Wichura's AS 241, R's
/// `qnorm`), and `expm1`/`log1p` (Kahan's forms). No user-defined function and no function of
/// PostgreSQL 16 (`erf`, `erfc`) is used, so the same text runs on every engine.
///
/// Each function takes SQL text that names a column (or a short expression) and repeats it;
/// the callers pass column aliases. PostgreSQL raises an error on a double that underflows or
/// overflows (`EXP(-1000)`, `1e-200 * 1e-200`), so every branch is guarded to stay in range.
enum SQLMath {
  /// `1/√(2π)`.
  static let inverseSqrtTwoPi = 0.398942280401432677939946059934

  /// Horner's rule as R's C loops write it: `((c[n]·x + c[n−1])·x + …)·x + c[0]`, coefficients
  /// lowest order first.
  static func horner(_ coefficients: [Double], _ x: String) -> String {
    var s = SQL.number(coefficients[coefficients.count - 1])
    for c in coefficients.dropLast().reversed() { s = "(\(s) * \(x) + \(SQL.number(c)))" }
    return s
  }

  /// Cody's ratio: `xnum = top·x; xden = x; for i: xnum = (xnum + num[i])·x, xden = (xden +
  /// den[i])·x; (xnum + num[n]) / (xden + den[n])`, with `top` the numerator's last coefficient
  /// (R's `pnorm_both`).
  static func codyRatio(numerator: [Double], denominator: [Double], _ x: String) -> String {
    let n = denominator.count - 1
    var xnum = "\(SQL.number(numerator[numerator.count - 1])) * \(x)"
    var xden = x
    for i in 0..<n {
      xnum = "((\(xnum) + \(SQL.number(numerator[i]))) * \(x))"
      xden = "((\(xden) + \(SQL.number(denominator[i]))) * \(x))"
    }
    return "((\(xnum) + \(SQL.number(numerator[n]))) / (\(xden) + \(SQL.number(denominator[n]))))"
  }

  /// `Φ(x)` (R's `pnorm(x)`), for |x| up to 37 (the probit link clamps at 8.13). Three ranges
  /// as in Cody's algorithm: |x| ≤ 0.674 a ratio in x²; |x| ≤ √32 a ratio in |x| times
  /// `exp(−x²/2)` (split as `exp(−s²/2)·exp(−(|x|−s)(|x|+s)/2)`, s = |x| truncated to 1/16,
  /// so the tail keeps its relative accuracy); beyond, an asymptotic ratio in 1/x². Upper
  /// tails are `1 − ` the lower tail computed directly.
  static func normalCDF(_ x: String) -> String {
    let y = "ABS(\(x))"
    let s = "(TRUNC(\(y) * 16.0) / 16.0)"
    let split = "EXP(-\(s) * \(s) * 0.5) * EXP(-(\(y) - \(s)) * (\(y) + \(s)) * 0.5)"
    let small = "(0.5 + \(x) * \(codyRatio(numerator: codyA, denominator: codyB, "(\(x) * \(x))")))"
    let tiny = "(0.5 + \(x) * \(SQL.number(codyA[3])) / \(SQL.number(codyB[3])))"
    let middle = "(\(split) * \(codyRatio(numerator: codyC, denominator: codyD, y)))"
    let xsq = "(1.0 / (\(x) * \(x)))"
    let far =
      "(\(split) * ((\(SQL.number(inverseSqrtTwoPi)) - \(xsq) * \(codyRatio(numerator: codyP, denominator: codyQ, xsq))) / \(y)))"
    let tail = "(CASE WHEN \(y) <= \(SQL.number(32.0.squareRoot())) THEN \(middle) ELSE \(far) END)"
    return
      "(CASE WHEN \(y) <= \(SQL.number(Double.ulpOfOne / 2)) THEN \(tiny) WHEN \(y) <= 0.67448975 THEN \(small) WHEN \(x) > 0.0 THEN 1.0 - \(tail) ELSE \(tail) END)"
  }

  /// `φ(x)` (R's `dnorm(x)`), 0 for |x| > 37 (where `EXP` would underflow) and `1/√(2π)` for
  /// |x| < 1e-150 (where `x * x` would).
  static func normalDensity(_ x: String) -> String {
    let top = SQL.number(inverseSqrtTwoPi)
    return
      "(CASE WHEN ABS(\(x)) > 37.0 THEN 0.0 WHEN ABS(\(x)) < 1e-150 THEN \(top) ELSE \(top) * EXP(-0.5 * \(x) * \(x)) END)"
  }

  /// `Φ⁻¹(p)` for 0 < p < 1 (R's `qnorm(p)`, AS 241 `PPND16`, as `Normal.quantile`).
  static func normalQuantile(_ p: String) -> String {
    let q = "(\(p) - 0.5)"
    let central = "(\(q) * \(horner(as241A, "(0.180625 - \(q) * \(q))")) / \(horner(as241B, "(0.180625 - \(q) * \(q))")))"
    let r = "SQRT(-LN(CASE WHEN \(q) < 0.0 THEN \(p) ELSE 1.0 - \(p) END))"
    let near = "(\(horner(as241C, "(\(r) - 1.6)")) / \(horner(as241D, "(\(r) - 1.6)")))"
    let far = "(\(horner(as241E, "(\(r) - 5.0)")) / \(horner(as241F, "(\(r) - 5.0)")))"
    let tail = "(CASE WHEN \(r) <= 5.0 THEN \(near) ELSE \(far) END)"
    return "(CASE WHEN ABS(\(q)) <= 0.425 THEN \(central) WHEN \(q) < 0.0 THEN -\(tail) ELSE \(tail) END)"
  }

  /// `exp(x) − 1` accurate near 0 (Kahan: with u = exp(x), `(u − 1)·x / ln u`), for x ≤ 700.
  static func expm1(_ x: String) -> String {
    let u = "EXP(\(x))"
    return "(CASE WHEN \(u) = 1.0 THEN \(x) WHEN \(u) - 1.0 = -1.0 THEN -1.0 ELSE (\(u) - 1.0) * \(x) / LN(\(u)) END)"
  }

  /// `ln(1 + x)` accurate near 0 (Kahan: with u = 1 + x, `ln(u)·x / (u − 1)`), for x > −1.
  static func log1p(_ x: String) -> String {
    let u = "(1.0 + \(x))"
    return "(CASE WHEN \(u) = 1.0 THEN \(x) ELSE LN(\(u)) * \(x) / (\(u) - 1.0) END)"
  }

  // Cody's coefficients (ACM TOMS 715, ANORM; R's pnorm.c).
  static let codyA: [Double] = [
    2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249,
    0.065682337918207449113,
  ]
  static let codyB: [Double] = [
    47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956,
  ]
  static let codyC: [Double] = [
    0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
    2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218,
    1.0765576773720192317e-8,
  ]
  static let codyD: [Double] = [
    22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
    18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
  ]
  static let codyP: [Double] = [
    0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466,
    2.9112874951168792e-5, 0.02307344176494017303,
  ]
  static let codyQ: [Double] = [
    1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
    7.29751555083966205e-5,
  ]

  // AS 241 coefficients (Wichura 1988, Applied Statistics 37, 477–484), lowest order first.
  static let as241A: [Double] = [
    3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
    4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3,
  ]
  static let as241B: [Double] = [
    1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3, 2.1213794301586595867e4,
    3.9307895800092710610e4, 2.8729085735721942674e4, 5.2264952788528545610e3,
  ]
  static let as241C: [Double] = [
    1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
    1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4,
  ]
  static let as241D: [Double] = [
    1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9,
  ]
  static let as241E: [Double] = [
    6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
    2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
  ]
  static let as241F: [Double] = [
    1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15,
  ]
}

/// The links of the binomial models in SQL (`StrataModels.Link`, clamped as R clamps them).
extension SQLMath {
  static let eps = Double.ulpOfOne
  /// R's probit clamp: η beyond ±(−Φ⁻¹(ε)) gives μ = Φ(±that).
  static let probitThreshold = -Normal.quantile(Double.ulpOfOne)

  /// `Φ(η)` with η clamped to ±`probitThreshold` (`Link.probit.inverse`).
  static func probitMean(_ eta: String) -> String {
    let t = SQL.number(probitThreshold)
    let clamped = "(CASE WHEN \(eta) < -\(t) THEN -\(t) WHEN \(eta) > \(t) THEN \(t) ELSE \(eta) END)"
    return normalCDF(clamped)
  }

  /// `max(φ(η), ε)` (`Link.probit.muEta`).
  static func probitMuEta(_ eta: String) -> String {
    "GREATEST(\(normalDensity(eta)), \(SQL.number(eps)))"
  }

  /// `clamp(1 − exp(−exp(η)), ε, 1 − ε)` (`Link.cloglog.inverse`, R's `-expm1(-exp(η))`);
  /// beyond η = −700 or 6.5 the value is past the clamp (and `EXP` would leave the range).
  static func cloglogMean(_ eta: String) -> String {
    let (e, one) = (SQL.number(eps), SQL.number(1 - eps))
    return
      "(CASE WHEN \(eta) < -700.0 THEN \(e) WHEN \(eta) > 6.5 THEN \(one) ELSE GREATEST(LEAST(-\(expm1("(-EXP(\(eta)))")), \(one)), \(e)) END)"
  }

  /// `max(exp(η)·exp(−exp(η)), ε)` (`Link.cloglog.muEta`); ε beyond η = −700 or 6.5.
  static func cloglogMuEta(_ eta: String) -> String {
    let e = SQL.number(eps)
    return
      "(CASE WHEN \(eta) < -700.0 OR \(eta) > 6.5 THEN \(e) ELSE GREATEST(EXP(\(eta)) * EXP(-EXP(\(eta))), \(e)) END)"
  }

  /// `ln(−ln(1 − μ))` (`Link.cloglog.link`, R's `log(-log1p(-μ))`), for 0 < μ < 1.
  static func cloglogLink(_ mu: String) -> String {
    "LN(-\(log1p("(-\(mu))")))"
  }
}

/// `dμ/dη` and `d²μ/dη²` of every pushed-down model in SQL, for margins (`Link.muEta` and
/// `Link.muEtaDerivative`, clamped as they are). Rows whose η is far in a tail (|η| > 30 for the
/// binomial links, where μ is at its clamp) get `d²μ/dη² = 0` instead of a number below 1e-13, so
/// that no product underflows (PostgreSQL raises an error on a double that does).
extension SQLMath {
  /// `dμ/dη` at the linear predictor `eta` (a column alias).
  static func meanDerivative(_ family: PushdownFamily, _ eta: String) -> String {
    let e = SQL.number(eps)
    switch family {
    case .gaussian: return "1.0"
    case .logit:
      let t = "EXP(-ABS(\(eta)))"
      return "(CASE WHEN ABS(\(eta)) > 30.0 THEN \(e) ELSE GREATEST(\(t) / ((1.0 + \(t)) * (1.0 + \(t))), \(e)) END)"
    case .probit: return probitMuEta(eta)
    case .cloglog: return cloglogMuEta(eta)
    case .poisson: return "GREATEST(EXP(\(eta)), \(e))"
    }
  }

  /// `d²μ/dη²` at the linear predictor `eta`, with `mu` the mean's column alias.
  static func meanSecondDerivative(_ family: PushdownFamily, _ eta: String, mu: String) -> String {
    switch family {
    case .gaussian: return "0.0"
    case .logit: return "(CASE WHEN ABS(\(eta)) > 30.0 THEN 0.0 ELSE \(mu) * (1.0 - \(mu)) * (1.0 - 2.0 * \(mu)) END)"
    case .probit: return "(CASE WHEN ABS(\(eta)) > 30.0 THEN 0.0 ELSE -\(eta) * \(normalDensity(eta)) END)"
    case .cloglog:
      return "(CASE WHEN \(eta) < -700.0 OR \(eta) > 6.5 THEN 0.0 ELSE EXP(\(eta) - EXP(\(eta))) * (1.0 - EXP(\(eta))) END)"
    case .poisson: return "EXP(\(eta))"
    }
  }
}
