/// Summary statistics of one variable, as printed by `strata describe`.
public struct VariableSummary: Sendable {
  /// What kind of variable this is.
  public enum Kind: Sendable, Equatable {
    /// Plain numbers.
    case numeric
    /// A factor (text or fully labelled values).
    case factor
    /// Numbers that carry value labels for some values.
    case labelledNumeric
  }

  /// Variable name.
  public var name: String
  /// Variable label, if the file has one.
  public var label: String?
  /// The variable's kind.
  public var kind: Kind
  /// Number of non-missing rows.
  public var nonMissing: Int
  /// Number of missing rows.
  public var missing: Int
  /// Mean of the non-missing values (numeric kinds with at least one value), as R's `mean`.
  public var mean: Double?
  /// Standard deviation with denominator n − 1 (numeric kinds with at least two values), as R's `sd`.
  public var sd: Double?
  /// Smallest non-missing value (numeric kinds).
  public var min: Double?
  /// Largest non-missing value (numeric kinds).
  public var max: Double?
  /// For factors: every level in order with its count (as R's `table`). For labelled numbers:
  /// every labelled value in value order with its count.
  public var levels: [(level: String, count: Int)]

  /// Creates a summary.
  public init(
    name: String, label: String?, kind: Kind, nonMissing: Int, missing: Int, mean: Double?,
    sd: Double?, min: Double?, max: Double?, levels: [(level: String, count: Int)]
  ) {
    self.name = name
    self.label = label
    self.kind = kind
    self.nonMissing = nonMissing
    self.missing = missing
    self.mean = mean
    self.sd = sd
    self.min = min
    self.max = max
    self.levels = levels
  }
}

/// Summarizes every column of `data`, in column order.
///
/// Means and standard deviations follow R's algorithms (`mean.default` and `cov.c`): a sum
/// in extended precision, divided by n, then corrected by the mean of the residuals; the
/// variance accumulates squared deviations in extended precision. On x86-64 that is
/// `Float80`, as in R, so results agree with R to the last bit or two.
///
/// - Complexity: O(rows × columns).
public func describe(_ data: DataFrame) -> [VariableSummary] {
  data.columns.map(summarize)
}

private func summarize(_ column: Column) -> VariableSummary {
  switch column.storage {
  case .factor(let f):
    var counts = [Int](repeating: 0, count: f.levels.count)
    var missing = 0
    for c in f.codes {
      if c < 0 { missing += 1 } else { counts[Int(c)] += 1 }
    }
    return VariableSummary(
      name: column.name, label: column.label, kind: .factor, nonMissing: f.count - missing,
      missing: missing, mean: nil, sd: nil, min: nil, max: nil,
      levels: zip(f.levels, counts).map { (level: $0, count: $1) })
  case .numeric(let c):
    var present: [Double] = []
    present.reserveCapacity(c.count)
    for i in 0..<c.count where !c.missing[i] { present.append(c.values[i]) }
    var levels: [(level: String, count: Int)] = []
    if !column.valueLabels.isEmpty {
      var counts: [Double: Int] = [:]
      for v in present { counts[v, default: 0] += 1 }
      levels = column.valueLabels.keys.sorted().map { key in
        (level: column.valueLabels[key] ?? "", count: counts[key] ?? 0)
      }
    }
    return VariableSummary(
      name: column.name, label: column.label,
      kind: column.valueLabels.isEmpty ? .numeric : .labelledNumeric,
      nonMissing: present.count, missing: c.count - present.count,
      mean: present.isEmpty ? nil : rMean(present),
      sd: present.count < 2 ? nil : rVariance(present).squareRoot(),
      min: present.min(), max: present.max(), levels: levels)
  }
}

#if arch(x86_64) || arch(i386)
  /// R's `LDOUBLE` on this platform.
  typealias LongDouble = Float80
#else
  typealias LongDouble = Double
#endif

/// The mean as R's `mean.default` computes it.
func rMean(_ x: [Double]) -> Double {
  let n = LongDouble(x.count)
  var s: LongDouble = 0
  for v in x { s += LongDouble(v) }
  s /= n
  if Double(s).isFinite {
    var t: LongDouble = 0
    for v in x { t += LongDouble(v) - s }
    s += t / n
  }
  return Double(s)
}

/// The sample variance (n − 1) as R's `var` computes it (`cov.c`, `cov_complete1`).
func rVariance(_ x: [Double]) -> Double {
  let n = LongDouble(x.count)
  var sum: LongDouble = 0
  for v in x { sum += LongDouble(v) }
  var mean = sum / n
  if Double(mean).isFinite {
    sum = 0
    for v in x { sum += LongDouble(v) - mean }
    mean += sum / n
  }
  // R stores the mean as a double, then forms deviations and squares in long double.
  let m = LongDouble(Double(mean))
  var ss: LongDouble = 0
  for v in x {
    let d = LongDouble(v) - m
    ss += d * d
  }
  return Double(ss / (n - 1))
}
