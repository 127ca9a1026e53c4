/// An unevaluated sum `hi + lo` of two doubles (about 32 significant digits),
/// used where a continued fraction would otherwise lose digits to
/// cancellation (the incomplete beta near `x = 1` with a large shape).
struct DoubleDouble {
  var hi: Double
  var lo: Double

  init(_ hi: Double, _ lo: Double = 0) {
    self.hi = hi
    self.lo = lo
  }

  /// `a + b` exactly, as a normalized pair.
  static func twoSum(_ a: Double, _ b: Double) -> DoubleDouble {
    let s = a + b
    let bb = s - a
    let err = (a - (s - bb)) + (b - bb)
    return DoubleDouble(s, err)
  }

  private static func quickTwoSum(_ a: Double, _ b: Double) -> DoubleDouble {
    let s = a + b
    return DoubleDouble(s, b - (s - a))
  }

  static func + (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
    var s = twoSum(x.hi, y.hi)
    s.lo += x.lo + y.lo
    return quickTwoSum(s.hi, s.lo)
  }

  static prefix func - (x: DoubleDouble) -> DoubleDouble { DoubleDouble(-x.hi, -x.lo) }

  static func - (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble { x + (-y) }

  static func * (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
    let p = x.hi * y.hi
    var e = (-p).addingProduct(x.hi, y.hi)
    e += x.hi * y.lo + x.lo * y.hi
    return quickTwoSum(p, e)
  }

  static func / (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
    let q1 = x.hi / y.hi
    let r1 = x - y * DoubleDouble(q1)
    let q2 = r1.hi / y.hi
    let r2 = r1 - y * DoubleDouble(q2)
    let q3 = r2.hi / y.hi
    return quickTwoSum(q1, q2) + DoubleDouble(q3)
  }

  var value: Double { hi + lo }
}
