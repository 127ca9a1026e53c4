import StrataData
import StrataLinalg

extension ModelRecipe {
  /// The fitted model's design matrix on new or modified data, with the fit's coding.
  ///
  ///     let base = try recipe.matrix(for: data, rows: mm.rows)          // == mm.x
  ///     let kids2 = try recipe.matrix(for: data.replacing("kids", withLevel: "2"), rows: mm.rows)
  ///
  /// Matches R `model.matrix(delete.response(terms(fit)), model.frame(delete.response(terms(fit)),
  /// newdata, xlev = fit$xlevels))`: the same columns as the fit (aliased ones included) in the
  /// same order, factor levels matched by label against the levels kept in the estimation sample
  /// (a level absent from the requested rows still gets its column of zeros). Variables removed
  /// with `-` are not needed (R evaluates them).
  ///
  /// - Parameters:
  ///   - data: the data, with the columns the regressors use (other columns are ignored).
  ///   - rows: 0-based rows of `data` to use, in the given order (nil = every row). Missing
  ///     values are not dropped: the caller chooses rows (e.g. the fit's `rows`).
  /// - Returns: `rows.count × columnNames.count`.
  /// - Throws: `FormulaError.unknownVariable` for a column `data` lacks;
  ///   `.missingValue(variable:row:)` naming the column (or the transformed variable, for a NaN
  ///   from `log` of a negative number) and the 1-based row; `.unseenLevel` naming the variable
  ///   and the label; `.typeMismatch` when a fitted factor arrives as numbers or vice versa;
  ///   `.nonFiniteValue` for ±Inf in a column (as `log(0)`).
  /// - Precondition: every row index is in `0..<data.rowCount`.
  /// - Complexity: O(rows × columns).
  public func matrix(for data: DataFrame, rows: [Int]? = nil) throws -> Matrix {
    let frame = try evaluateFrame(on: data, rows: rows)
    return try assemble(frame, derivatives: [:], variable: nil)
  }

  /// The regressor variables evaluated on the chosen rows, coded with the fitted levels.
  func evaluateFrame(on data: DataFrame, rows: [Int]?) throws -> PredictionFrame {
    let n = data.rowCount
    let rowIDs = rows ?? Array(0..<n)
    precondition(rowIDs.allSatisfy { $0 >= 0 && $0 < n }, "row index out of range")

    // Missing values in the data columns used, named by column and 1-based row.
    var used: [Column] = []
    for v in variables {
      guard let i = data.index(of: v.name) else {
        throw FormulaError.unknownVariable(name: v.name, suggestions: data.suggestions(for: v.name))
      }
      let column = data.columns[i]
      if let r = rowIDs.first(where: { column.isMissing($0) }) {
        throw FormulaError.missingValue(variable: v.name, row: r + 1)
      }
      used.append(column)
    }
    var subset = DataFrame(columns: used, source: data.source)
    if rows != nil && !used.isEmpty { subset = subset.rows(rowIDs) }
    let m = rowIDs.count

    var values: [Int: FrameVariable] = [:]
    for (k, mv) in modelVariables.enumerated() where mv.isInTerms {
      let raw = try FrameVariable(
        Evaluator(data: subset, context: mv.name).evaluate(mv.expression), rowCount: m, name: mv.name)
      values[k] = try conform(raw, to: mv, rowIDs: rowIDs)
    }
    return PredictionFrame(data: subset, rowIDs: rowIDs, values: values)
  }

  /// Checks an evaluated variable against its fitted encoding and recodes factors to the
  /// fitted levels by label.
  private func conform(_ v: FrameVariable, to mv: ModelVariable, rowIDs: [Int]) throws -> FrameVariable {
    func firstNaN(_ x: [Double]) -> Int? { x.firstIndex { $0.isNaN } }
    switch (mv.encoding, v) {
    case (.numeric, .numeric(let x)):
      if let i = firstNaN(x) { throw FormulaError.missingValue(variable: mv.name, row: rowIDs[i] + 1) }
      return v
    case (.numeric, .matrix(let cols, _)) where cols.count == 1:
      if let i = firstNaN(cols[0]) { throw FormulaError.missingValue(variable: mv.name, row: rowIDs[i] + 1) }
      return .numeric(cols[0])
    case (.matrix(let suffixes), .matrix(let cols, _)) where cols.count == suffixes.count:
      for c in cols {
        if let i = firstNaN(c) { throw FormulaError.missingValue(variable: mv.name, row: rowIDs[i] + 1) }
      }
      return v
    case (.factor(let fitted, let isLogical), .factor(let codes, let levels, _)):
      var index: [String: Int32] = [:]
      for (i, l) in fitted.enumerated() { index[l] = Int32(i) }
      let map = levels.map { index[$0] ?? -1 }
      var out = [Int32](repeating: 0, count: codes.count)
      for (i, c) in codes.enumerated() {
        if c < 0 { throw FormulaError.missingValue(variable: mv.name, row: rowIDs[i] + 1) }
        let mapped = map[Int(c)]
        if mapped < 0 {
          throw FormulaError.unseenLevel(variable: mv.name, level: levels[Int(c)], fittedLevels: fitted)
        }
        out[i] = mapped
      }
      return .factor(codes: out, levels: fitted, isLogical: isLogical)
    default:
      throw FormulaError.typeMismatch(
        variable: mv.name, fitted: mv.encoding.kindDescription, supplied: v.kindDescription)
    }
  }

  /// Builds the design matrix (`variable == nil`) or its derivative from evaluated variables.
  ///
  /// Each column is a product of pieces, one per variable of its term, the first variable
  /// varying fastest (R's model.c). Values multiply the pieces in order, exactly as
  /// `ModelMatrix.build` does, so the fit's own rows reproduce `ModelMatrix.x` bit for bit.
  /// Derivatives use the product rule, `Σₖ ∂pieceₖ · ∏_{j≠k} pieceⱼ`, where `derivatives[k]`
  /// holds `∂(variable k)/∂variable` per column of variable k (factors have none: they are
  /// constant in a numeric variable).
  func assemble(
    _ frame: PredictionFrame, derivatives: [Int: [[Double]]], variable: String?
  ) throws -> Matrix {
    try assembleColumns(frame, derivatives: derivatives, variable: variable, onlyNonzero: false).matrix
  }

  /// `assemble`, optionally (`onlyNonzero`, derivatives only) keeping just the columns with a
  /// piece that depends on `variable`: the others are identically zero. Returns the kept
  /// columns' indices (all of them when not `onlyNonzero`) and their values.
  func assembleColumns(
    _ frame: PredictionFrame, derivatives: [Int: [[Double]]], variable: String?, onlyNonzero: Bool
  ) throws -> (columns: [Int], matrix: Matrix) {
    let m = frame.rowIDs.count
    var plans: [(label: String, lists: [[Piece]])] = []
    for (j, term) in terms.terms.enumerated() {
      var lists: [[Piece]] = []
      for v in term.variables {
        let d = derivatives[v]
        switch frame.values[v] {
        case .numeric(let x):
          lists.append([Piece(source: .values(x), derivative: d?.first)])
        case .matrix(let cols, _):
          lists.append(cols.indices.map { Piece(source: .values(cols[$0]), derivative: d?[$0]) })
        case .factor(let codes, let levels, _):
          let coding: FactorCoding = codings[j][v] == .indicators ? .indicators : .contrasts
          lists.append(
            codedLevels(coding, levelCount: levels.count).map {
              Piece(source: .indicator(codes, Int32($0)), derivative: nil)
            })
        case nil:
          lists.append([])
        }
      }
      plans.append((terms.labels[j], lists))
    }
    let p = columnNames.count
    // The columns to fill: every column, or those with a piece that has a derivative.
    var slot = Array(0..<p)
    var columns = Array(0..<p)
    if onlyNonzero && variable != nil {
      columns = []
      slot = [Int](repeating: -1, count: p)
      var col = hasIntercept ? 1 : 0
      for (_, lists) in plans {
        let count = lists.reduce(1) { $0 * $1.count }
        for c in 0..<count {
          var rem = c
          var depends = false
          for list in lists {
            if list[rem % list.count].derivative != nil { depends = true }
            rem /= list.count
          }
          if depends && col < p {
            slot[col] = columns.count
            columns.append(col)
          }
          col += 1
        }
      }
    }
    // The design matrix assigns every element (the intercept's ones, each column's first piece),
    // so its storage is not zeroed first; derivative columns add to zeros.
    var storage =
      variable == nil
      ? [Double](unsafeUninitializedCapacity: m * columns.count) { _, count in count = m * columns.count }
      : [Double](repeating: 0, count: m * columns.count)
    var bad: (term: String, row: Int)?
    do {
      var buffer = storage.mutableSpan
      var col = 0
      if hasIntercept {
        if variable == nil { for i in 0..<m { buffer[i] = 1 } }
        col = 1
      }
      terms: for (label, lists) in plans {
        let count = lists.reduce(1) { $0 * $1.count }
        for c in 0..<count {
          var rem = c
          var pieces: [Piece] = []
          for list in lists {
            pieces.append(list[rem % list.count])
            rem /= list.count
          }
          guard col < p else { break terms }
          let target = slot[col]
          if target < 0 {
            col += 1
            continue
          }
          let range = (target * m)..<((target + 1) * m)
          if variable == nil {
            if pieces.isEmpty {  // an empty product
              for i in range { buffer[i] = 1 }
            }
            multiply(into: &buffer, range, pieces, skipping: nil, first: true)
          } else {
            for (k, piece) in pieces.enumerated() {
              guard var scratch = piece.derivative else { continue }
              var s = scratch.mutableSpan
              multiply(into: &s, 0..<m, pieces, skipping: k, first: false)
              for i in 0..<m { buffer[range.lowerBound + i] += s[i] }
            }
          }
          // Products of level indicators are 0 or 1: only columns with numeric values need the check.
          let numeric = variable != nil || pieces.contains { if case .values = $0.source { true } else { false } }
          if bad == nil, numeric, let i = (0..<m).first(where: { !buffer[range.lowerBound + $0].isFinite }) {
            bad = (label, frame.rowIDs[i] + 1)
          }
          col += 1
        }
      }
    }
    if let bad {
      if let variable {
        throw FormulaError.nonFiniteDerivative(variable: variable, term: bad.term, row: bad.row)
      }
      throw FormulaError.nonFiniteValue(term: bad.term, row: bad.row)
    }
    return (columns, Matrix(rows: m, cols: columns.count, columnMajor: storage))
  }
}

/// The regressor variables evaluated on the chosen rows.
struct PredictionFrame {
  /// The used columns restricted to the chosen rows (in their order).
  var data: DataFrame
  /// 0-based data rows, for error messages.
  var rowIDs: [Int]
  /// Evaluated variables in terms, by index into `ModelRecipe.modelVariables`, factors coded
  /// with the fitted levels.
  var values: [Int: FrameVariable]
}

/// One factor of a column: numeric values or a level indicator, with its derivative.
private struct Piece {
  enum Source {
    case values([Double])
    case indicator([Int32], Int32)
  }
  var source: Source
  /// ∂values/∂variable; nil when identically zero.
  var derivative: [Double]?
}

/// Multiplies `out` by every piece except `skipping`, in order; with `first`, the first piece
/// assigns instead (as `ModelMatrix.build` fills columns).
private func multiply(
  into out: inout MutableSpan<Double>, _ range: Range<Int>, _ pieces: [Piece], skipping: Int?, first: Bool
) {
  let base = range.lowerBound
  var assign = first
  for (k, piece) in pieces.enumerated() where k != skipping {
    switch piece.source {
    case .values(let x):
      let p = x.span
      if assign {
        for i in 0..<range.count { out[base + i] = p[i] }
      } else {
        for i in 0..<range.count { out[base + i] *= p[i] }
      }
    case .indicator(let codes, let level):
      let p = codes.span
      if assign {
        for i in 0..<range.count { out[base + i] = p[i] == level ? 1 : 0 }
      } else {
        for i in 0..<range.count { out[base + i] *= p[i] == level ? 1 : 0 }
      }
    }
    assign = false
  }
}

extension ModelRecipe.Encoding {
  /// "numeric", "a matrix" or "categorical", for messages.
  var kindDescription: String {
    switch self {
    case .numeric: return "numeric"
    case .matrix(let s): return "a matrix of \(s.count) columns"
    case .factor: return "categorical"
    }
  }
}

extension FrameVariable {
  /// "numeric", "a matrix" or "categorical", for messages.
  var kindDescription: String {
    switch self {
    case .numeric: return "numeric"
    case .matrix(let c, _): return "a matrix of \(c.count) columns"
    case .factor: return "categorical"
    }
  }
}
