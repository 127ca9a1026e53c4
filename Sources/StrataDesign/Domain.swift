/// A subpopulation (domain) of a design: the rows that belong to it.
///
/// Domain estimation keeps the full design: the estimator's influence functions are zero for
/// rows outside the domain and every stratum keeps its full-sample number of PSUs, as R's
/// `subset(design, ...)`. This is unlike dropping rows and declaring a new design, which
/// recounts PSUs and gets the standard errors wrong.
public struct Domain: Sendable {
  /// Whether each data row belongs to the domain.
  public var mask: [Bool]
  /// How the domain was defined, for output (e.g. the `--subpop` expression).
  public var label: String

  public init(mask: [Bool], label: String) {
    self.mask = mask
    self.label = label
  }

  /// The whole sample.
  public static func all(rowCount: Int) -> Domain {
    Domain(mask: Array(repeating: true, count: rowCount), label: "all rows")
  }

  /// A domain from the values of a row expression (1 = in, 0 or NA = out, as R `subset`).
  public init(indicator: [Double], label: String) {
    self.mask = indicator.map { !$0.isNaN && $0 != 0 }
    self.label = label
  }

  /// Rows (0-based) of the domain.
  public var rows: [Int] { mask.indices.filter { mask[$0] } }

  /// The rows in both this domain and `other`.
  public func intersected(with other: [Bool]) -> Domain {
    Domain(mask: zip(mask, other).map { $0 && $1 }, label: label)
  }

  /// Number of rows in the domain.
  public var count: Int { mask.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
