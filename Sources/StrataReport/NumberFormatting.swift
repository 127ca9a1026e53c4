import Foundation

/// Number formats shared by the text renderers.
public enum NumberFormat {
  /// Formats a column of numbers with one number of decimals chosen so that the smallest
  /// non-zero magnitude keeps `significant` digits (at most 8 decimals); very large or
  /// very small magnitudes switch to scientific notation. `nil` becomes `NA`.
  public static func column(_ values: [Double?], significant: Int = 5) -> [String] {
    let finite = values.compactMap { $0 }.filter { $0.isFinite && $0 != 0 }.map(abs)
    guard let smallest = finite.min(), let largest = finite.max() else {
      return values.map { v in v.map { $0.isFinite ? "0" : "\($0)" } ?? "NA" }
    }
    let scientific = smallest < 1e-6 || largest >= 1e9
    let magnitude = Int(floor(log10(smallest)))
    let decimals = min(8, max(0, significant - 1 - magnitude))
    return values.map { v in
      guard let v else { return "NA" }
      if !v.isFinite { return v.isNaN ? "NaN" : (v > 0 ? "Inf" : "-Inf") }
      if scientific { return String(format: "%.\(significant - 1)e", v) }
      return String(format: "%.\(decimals)f", v)
    }
  }

  /// A p-value as R prints it: `<2e-16` below machine precision, scientific below 1e-4.
  public static func pValue(_ p: Double?) -> String {
    guard let p else { return "NA" }
    if p < 2.2e-16 { return "<2e-16" }
    if p < 1e-4 { return String(format: "%.2e", p) }
    return String(format: "%.4f", p)
  }

  /// Significance stars as R's `summary` prints them.
  public static func stars(_ p: Double?) -> String {
    guard let p else { return "" }
    if p < 0.001 { return "***" }
    if p < 0.01 { return "**" }
    if p < 0.05 { return "*" }
    if p < 0.1 { return "." }
    return ""
  }

  /// A single number with `significant` significant digits (R's `format(x, digits =)`).
  public static func significant(_ x: Double, _ digits: Int = 4) -> String {
    if !x.isFinite { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
    return String(format: "%.\(digits)g", x)
  }

  /// A count or population size with thousands separators, rounded to a whole number
  /// (`276,536,446`); below 1,000 or beyond 10^15, `significant(x, 6)`.
  public static func grouped(_ x: Double) -> String {
    guard x.isFinite, abs(x) >= 1000, abs(x) < 1e15 else { return significant(x, 6) }
    let digits = String(Int64(abs(x).rounded()))
    var out = ""
    for (i, ch) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(ch)
    }
    return (x < 0 ? "-" : "") + out
  }
}
