import StrataData

extension ModelRecipe {
  /// Whether the formula has offsets (`offset(log(exposure))`).
  public var hasOffset: Bool { !terms.offsets.isEmpty }

  /// The data columns the offsets use (`Holders` for `offset(log(Holders))`), in order of
  /// appearance: predictions read them as the regressors' columns are read.
  public var offsetVariables: [String] {
    var names: [String] = []
    for k in terms.offsets {
      for name in offsetColumnNames(in: terms.variables[k]) where !names.contains(name) { names.append(name) }
    }
    return names
  }

  /// The sum of the formula's offsets on `data` at `rows` (nil = every row), nil when the
  /// formula has none: R's `model.offset(model.frame(terms(fit), newdata))`, which `predict`
  /// adds to `Xβ`. On the fit's own data and rows it is `ModelMatrix.offset`.
  ///
  /// - Throws: `FormulaError.unknownVariable` for a column `data` lacks, `.missingValue` naming
  ///   the offset and the 1-based row for a missing or undefined value (`log` of a negative
  ///   number), `.nonFiniteValue` for ±Inf (`log(0)`).
  public func offset(for data: DataFrame, rows: [Int]? = nil) throws -> [Double]? {
    guard hasOffset else { return nil }
    for name in offsetVariables where data.index(of: name) == nil {
      throw FormulaError.unknownVariable(name: name, suggestions: data.suggestions(for: name))
    }
    let rowIDs = rows ?? Array(0..<data.rowCount)
    var total = [Double](repeating: 0, count: rowIDs.count)
    for k in terms.offsets {
      guard case .call(_, let args) = terms.variables[k].kind, args.count == 1 else { continue }
      let name = terms.variableNames[k]
      let values: [Double]
      switch try Evaluator(data: data, context: name).evaluate(args[0].value) {
      case .numeric(let x): values = rowIDs.map { x[$0] }
      case .scalar(let x): values = Array(repeating: x, count: rowIDs.count)
      default: throw FormulaError.nonNumeric(variable: deparse(args[0].value), term: name)
      }
      for (i, v) in values.enumerated() {
        if v.isNaN { throw FormulaError.missingValue(variable: name, row: rowIDs[i] + 1) }
        if !v.isFinite { throw FormulaError.nonFiniteValue(term: name, row: rowIDs[i] + 1) }
        total[i] += v
      }
    }
    return total
  }
}

/// The data column names an expression reads, in order of appearance.
private func offsetColumnNames(in e: FormulaExpression) -> [String] {
  var out: [String] = []
  func walk(_ e: FormulaExpression) {
    switch e.kind {
    case .name(let n): if !out.contains(n) { out.append(n) }
    case .call(_, let args): args.forEach { walk($0.value) }
    case .unary(_, let x), .parenthesized(let x): walk(x)
    case .binary(_, let l, let r):
      walk(l)
      walk(r)
    default: break
    }
  }
  walk(e)
  return out
}
