/// A numeric column: contiguous values plus a missing mask.
///
/// `values[i]` is meaningless where `missing[i]` is `true` (readers store `.nan` there).
public struct NumericColumn: Sendable {
  public var values: [Double]
  public var missing: [Bool]

  public init(values: [Double], missing: [Bool]? = nil) {
    self.values = values
    self.missing = missing ?? Array(repeating: false, count: values.count)
    precondition(self.missing.count == values.count, "mask length differs from values")
  }

  public var count: Int { values.count }
  public var missingCount: Int { missing.reduce(0) { $0 + ($1 ? 1 : 0) } }

  /// Whether no cell is missing or NaN: the values can be used as they are. One pass over each
  /// array in blocks with no branch per element, so it runs at memory speed.
  public var isComplete: Bool {
    let (v, m) = (values.span, missing.span)
    let n = Swift.min(v.count, m.count)  // both bounds known: the checks leave the loop
    var start = 0
    while start < n {
      let end = Swift.min(start + 4096, n)
      var flags: UInt8 = 0
      for i in start..<end {
        flags |= (v[i] != v[i] ? 1 : 0) | (m[i] ? 1 : 0)
      }
      if flags != 0 { return false }
      start = end
    }
    return true
  }
}

/// A categorical column: integer codes into a level dictionary.
///
/// `codes[i] == -1` marks a missing value. `levels` are in the order R would use:
/// C-locale byte order for strings read from text, value order for labelled
/// Stata/SPSS values. Levels may be unused; model building drops unused levels.
public struct FactorColumn: Sendable {
  public var codes: [Int32]
  public var levels: [String]

  public init(codes: [Int32], levels: [String]) {
    self.codes = codes
    self.levels = levels
  }

  public var count: Int { codes.count }
  public var missingCount: Int { codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }
}

/// The storage of a column.
public enum ColumnStorage: Sendable {
  case numeric(NumericColumn)
  case factor(FactorColumn)
}

/// A named column with its metadata.
public struct Column: Sendable {
  /// Variable name (header in CSV, variable name in Stata/SPSS).
  public var name: String
  /// Variable label (Stata/SPSS), carried to output.
  public var label: String?
  /// Value labels of a numeric column that kept its numbers (value → label).
  public var valueLabels: [Double: String]
  public var storage: ColumnStorage
  /// For a text column whose values are mostly numbers, or all numbers some of which are written
  /// with thousands separators (`1,000`): where the first non-numeric value is. Numeric use of
  /// such a column is an error naming that cell (see `StrayText`).
  public var strayText: StrayText?

  public init(
    name: String, label: String? = nil, valueLabels: [Double: String] = [:],
    storage: ColumnStorage
  ) {
    self.name = name
    self.label = label
    self.valueLabels = valueLabels
    self.storage = storage
  }

  public var count: Int {
    switch storage {
    case .numeric(let c): return c.count
    case .factor(let f): return f.count
    }
  }

  /// Whether row `i` is missing.
  @inlinable
  public func isMissing(_ i: Int) -> Bool {
    switch storage {
    case .numeric(let c): return c.missing[i]
    case .factor(let f): return f.codes[i] < 0
    }
  }

  public var isNumeric: Bool {
    if case .numeric = storage { return true }
    return false
  }
}

/// The first non-numeric cell of a text column whose other values are numbers, as read from a
/// delimited file: almost always a data-entry error in a numeric variable, or numbers written
/// with thousands separators.
public struct StrayText: Sendable, Equatable {
  /// 1-based physical line of the record.
  public var line: Int
  /// 1-based field number.
  public var field: Int
  /// The offending text.
  public var text: String
  /// How many non-missing values of the column parse as numbers.
  public var numericCount: Int
  /// How many do not.
  public var textCount: Int

  public init(line: Int, field: Int, text: String, numericCount: Int, textCount: Int) {
    self.line = line
    self.field = field
    self.text = text
    self.numericCount = numericCount
    self.textCount = textCount
  }
}
