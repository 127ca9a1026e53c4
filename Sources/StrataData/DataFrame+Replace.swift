/// A change applied to every row of a numeric column (counterfactual data for margins and scenarios).
public enum NumericChange: Sendable, Hashable {
  /// Every row (missing ones included) becomes `value`, as R's `newdata$x <- value`.
  case set(to: Double)
  /// `x + amount`; missing rows stay missing.
  case add(Double)
  /// `x * factor`; missing rows stay missing.
  case multiply(by: Double)
}

extension DataFrame {
  /// A copy with the numeric column `name` replaced by `values` (NaN marks a missing value).
  ///
  ///     let shifted = try data.replacing("burden", with: burden.map { $0 * 0.8 })
  ///
  /// The column keeps its name, position, variable label and value labels; other columns are
  /// shared unchanged.
  ///
  /// - Throws: `DataError.unknownColumn`, or `DataError.notNumeric` when `name` is categorical.
  /// - Precondition: `values.count == rowCount`.
  /// - Complexity: O(rows).
  public func replacing(_ name: String, with values: [Double]) throws -> DataFrame {
    precondition(values.count == rowCount, "replacement values differ in length from the data")
    let i = try numericColumnIndex(name)
    var out = self
    out.columns[i].storage = .numeric(NumericColumn(values: values, missing: values.map(\.isNaN)))
    return out
  }

  /// A copy with the numeric column `name` set, shifted or scaled on every row.
  ///
  ///     let atTen = try data.replacing("exper", by: .set(to: 10))
  ///     let plusOne = try data.replacing("info", by: .add(1))
  ///
  /// - Throws: `DataError.unknownColumn`, or `DataError.notNumeric` when `name` is categorical.
  /// - Complexity: O(rows).
  public func replacing(_ name: String, by change: NumericChange) throws -> DataFrame {
    let i = try numericColumnIndex(name)
    guard case .numeric(let c) = columns[i].storage else { return self }
    let values: [Double]
    let missing: [Bool]
    switch change {
    case .set(let v):
      values = Array(repeating: v, count: c.count)
      missing = Array(repeating: v.isNaN, count: c.count)
    case .add(let a):
      values = zip(c.values, c.missing).map { $1 ? .nan : $0 + a }
      missing = values.map(\.isNaN)
    case .multiply(let m):
      values = zip(c.values, c.missing).map { $1 ? .nan : $0 * m }
      missing = values.map(\.isNaN)
    }
    var out = self
    out.columns[i].storage = .numeric(NumericColumn(values: values, missing: missing))
    return out
  }

  /// A copy with every row of column `name` set to the level labelled `label`.
  ///
  ///     let allRural = try data.replacing("region", withLevel: "rural")
  ///     let twoKids = try data.replacing("kidslt6", withLevel: "2")  // numeric column used as factor(kidslt6)
  ///
  /// A categorical column keeps its levels dictionary (unused levels included), so the codes
  /// still refer to the same labels. A numeric column (one a formula turns into `factor(x)`)
  /// takes the label as a number, since `factor(x)` labels numbers as R's `as.character`.
  ///
  /// - Throws: `DataError.unknownColumn`; `DataError.unknownLevel` when `label` is not a level of a
  ///   categorical column, or is not a number for a numeric column.
  /// - Complexity: O(rows).
  public func replacing(_ name: String, withLevel label: String) throws -> DataFrame {
    let column = try self.column(named: name)
    guard let i = index(of: name) else { return self }
    var out = self
    switch column.storage {
    case .factor(let f):
      guard let code = f.levels.firstIndex(of: label) else {
        throw DataError.unknownLevel(name: name, source: source, level: label, levels: f.levels)
      }
      out.columns[i].storage = .factor(
        FactorColumn(codes: Array(repeating: Int32(code), count: f.count), levels: f.levels))
    case .numeric(let c):
      guard let value = Double(label), value.isFinite else {
        throw DataError.unknownLevel(name: name, source: source, level: label, levels: [])
      }
      out.columns[i].storage = .numeric(
        NumericColumn(values: Array(repeating: value, count: c.count), missing: nil))
    }
    return out
  }

  /// The index of the numeric column `name`.
  private func numericColumnIndex(_ name: String) throws -> Int {
    let column = try self.column(named: name)
    guard case .numeric = column.storage, let i = index(of: name) else {
      if case .factor(let f) = column.storage {
        throw DataError.notNumeric(name: name, source: source, levels: f.levels)
      }
      throw DataError.unknownColumn(name: name, source: source, suggestions: suggestions(for: name))
    }
    return i
  }
}
