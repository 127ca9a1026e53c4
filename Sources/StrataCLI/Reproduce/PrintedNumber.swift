import Foundation

/// A number as a source printed it: its value and the unit of its last printed digit.
///
///     PrintedNumber(parsing: "-.0005352")   // value -0.0005352, unit 1e-7
///     PrintedNumber(parsing: "3687178")     // unit 1
///     PrintedNumber(parsing: "3.74e-09")    // unit 1e-11
///
/// A computed value matches when it lies within half a unit of the last printed digit
/// (`|computed - printed| <= unit / 2`), the rule for any correctly rounded table.
struct PrintedNumber: Sendable {
  var text: String
  var value: Double
  /// Decimal places of the mantissa, less the exponent: the last digit is worth 10^-decimals.
  var decimals: Int

  /// The value of one unit in the last printed digit.
  var unit: Double { pow(10, Double(-decimals)) }

  /// Parses `[-+]digits[.digits][e[-+]digits]` (a leading `.` as Stata prints is fine); nil otherwise.
  init?(parsing raw: String) {
    let text = raw.trimmingCharacters(in: .whitespaces)
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      guard let x = Int(text[text.index(after: e)...]) else { return nil }
      exponent = x
      mantissa = text[..<e]
    }
    var sign = ""
    var body = mantissa
    if let first = body.first, first == "-" || first == "+" {
      sign = String(first)
      body = body.dropFirst()
    }
    let pieces = body.split(separator: ".", omittingEmptySubsequences: false)
    guard pieces.count <= 2, pieces.contains(where: { !$0.isEmpty }),
      pieces.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
    else { return nil }
    // Stata prints ".0571419"; write the implied leading zero before converting.
    let normalized = sign + (body.hasPrefix(".") ? "0" : "") + body + "e\(exponent)"
    guard let value = Double(normalized) else { return nil }
    self.text = text
    self.value = value
    self.decimals = (pieces.count == 2 ? pieces[1].count : 0) - exponent
  }

  /// Half a unit of the `digits`-th significant digit of the printed value.
  func halfUnit(significantDigits digits: Int) -> Double {
    guard value != 0 else { return unit / 2 }
    let leading = Int(floor(log10(abs(value))))
    return 0.5 * pow(10, Double(leading - digits + 1))
  }
}

/// How close a computed number must be to a printed one, and why.
enum MatchRule: Sendable {
  /// Half a unit of the last printed digit (the default).
  case halfUnit
  /// `units` of the last printed digit (an exception stated in the case).
  case units(Double)
  /// Half a unit of this significant digit (the source rounded to fewer digits than it printed).
  case significantDigits(Int)
  /// Relative to the printed value (a case whose source is not a rounded table).
  case relative(Double)

  /// The largest allowed |computed − printed|.
  func allowance(for printed: PrintedNumber) -> Double {
    switch self {
    case .halfUnit: return printed.unit / 2
    case .units(let k): return k * printed.unit
    case .significantDigits(let d): return printed.halfUnit(significantDigits: d)
    case .relative(let r): return r * Swift.max(abs(printed.value), Double.leastNormalMagnitude)
    }
  }

  /// Whether `computed` matches `printed` under this rule. A relative slack of 1e-12 absorbs the
  /// binary representation of decimal boundaries (printed 0.5 units away exactly).
  func matches(_ computed: Double, _ printed: PrintedNumber) -> Bool {
    guard computed.isFinite else { return false }
    let allowed = allowance(for: printed)
    return abs(computed - printed.value) <= allowed + 1e-12 * Swift.max(abs(printed.value), allowed)
  }

  /// How the report names the rule.
  var label: String {
    switch self {
    case .halfUnit: return "±½ unit"
    case .units(let k): return "±\(PrintedNumber.short(k)) unit\(k == 1 ? "" : "s")"
    case .significantDigits(let d): return "±½ unit, \(d) sig. digits"
    case .relative(let r): return "rel. \(PrintedNumber.short(r))"
    }
  }
}

extension PrintedNumber {
  /// Compact text of a small constant (`1`, `0.5`, `1e-08`).
  static func short(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e6 { return String(Int(x)) }
    return String(format: "%g", x)
  }

  /// A computed value shown with two more digits than the printed one, so a reader sees how it rounds.
  func showing(_ computed: Double) -> String {
    guard computed.isFinite else { return String(describing: computed) }
    let places = decimals + 2
    if decimals <= 0 && computed == computed.rounded() && abs(computed) < 1e15 { return String(format: "%.0f", computed) }
    if places > 15 { return "\(computed)" }  // an unrounded reference: show the double in full
    if places >= 0 && abs(computed) < 1e15 { return String(format: "%.\(places)f", computed) }
    return String(format: "%.0f", computed)
  }
}
