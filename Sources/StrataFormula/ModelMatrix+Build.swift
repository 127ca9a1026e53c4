import StrataData
import StrataLinalg

extension ModelMatrix {
  /// Builds the design matrix of part 0 of `formula` on `data`, as R's
  /// `model.matrix(lm(formula, data, subset =, weights =, na.action = na.omit))`.
  ///
  ///     let mm = try ModelMatrix.build(formula: "lwage ~ educ + factor(female) + I(exper^2)", data: wage1)
  ///     mm.columnNames  // ["(Intercept)", "educ", "factor(female)1", "I(exper^2)"]
  ///
  /// Rows: the subset is applied first (NA counts as FALSE), then rows with a missing value in any
  /// formula variable, the weights or `options.extraVariables` are dropped (NaN from a
  /// transformation counts as missing). Factors keep only the levels present in the estimation
  /// sample; the first present level is the reference of treatment contrasts. Whether a factor in
  /// a term gets contrasts or one indicator per level follows R's `TermCode` rule.
  ///
  /// - Throws: `FormulaError` for unknown variables, categorical variables in arithmetic, ±Inf in a
  ///   column, the response or the weights, single-level factors, an empty model or no rows left.
  /// - Complexity: O(rows × columns), evaluated column-wise.
  public static func build(
    formula: Formula, data: DataFrame, options: ModelFrameOptions = .init()
  ) throws -> ModelMatrix {
    let (formula, terms, frame, weightValues, keep, missing, rows, droppedMissing, droppedBySubset) =
      try estimationFrame(formula: formula, data: data, options: options)
    let n = data.rowCount
    let undefined =
      droppedMissing == 0
      ? []
      : undefinedValues(
        frame: frame, terms: terms, weights: weightValues.map { (options.weights ?? "", $0) },
        keep: keep, missing: missing, extraVariables: options.extraVariables, data: data)
    guard !rows.isEmpty else {
      throw FormulaError.noRowsLeft(droppedMissing: droppedMissing, droppedBySubset: droppedBySubset)
    }
    let selection: [Int]? = rows.count == n ? nil : rows
    let vars = frame.map { $0.gathered(selection) }
    let nr = rows.count

    // Factors in terms need two levels (R's `contrasts<-`).
    let inTerms = Set(terms.terms.flatMap(\.variables))
    for v in inTerms.sorted() {
      if case .factor(_, let levels, _) = vars[v], levels.count < 2 {
        throw FormulaError.singleLevelFactor(variable: terms.variableNames[v], levels: levels)
      }
    }
    let codings = factorCodings(
      terms: terms.terms, hasIntercept: terms.hasIntercept, isFactor: { vars[$0].isFactor })

    // The columns of each term: the first variable varies fastest (R's model.c).
    var plans: [[[ColumnPiece]]] = []
    var p = terms.hasIntercept ? 1 : 0
    for (j, term) in terms.terms.enumerated() {
      let lists: [[ColumnPiece]] = term.variables.map { v in
        let name = terms.variableNames[v]
        switch vars[v] {
        case .numeric(let x):
          return [ColumnPiece(name: name, source: .values(x))]
        case .matrix(let cols, let names):
          return cols.indices.map { ColumnPiece(name: name + names[$0], source: .values(cols[$0])) }
        case .factor(let codes, let levels, _):
          return codedLevels(codings[j][v] ?? .contrasts, levelCount: levels.count).map {
            ColumnPiece(name: name + levels[$0], source: .indicator(codes, Int32($0)))
          }
        }
      }
      plans.append(lists)
      // Saturating: an interaction of large factors must not overflow before the size check.
      let columns = lists.reduce(1) { product, list in
        let (v, overflow) = product.multipliedReportingOverflow(by: list.count)
        return overflow ? Int.max : v
      }
      let (sum, overflow) = p.addingReportingOverflow(columns)
      p = overflow ? Int.max : sum
    }
    guard p > 0 else { throw FormulaError.emptyModel }
    try checkModelSize(rows: nr, columns: p, plans: plans, terms: terms, compactFactor: options.compactFactor)

    var names: [String] = []
    var assign: [Int] = []
    names.reserveCapacity(p)
    // One entry per column: its term (nil for the intercept) and the pieces whose product it is.
    var columnPlans: [(term: Int?, pieces: [ColumnPiece])] = []
    var factorTerm: (start: Int, pieces: [ColumnPiece])?
    if terms.hasIntercept {
      names.append("(Intercept)")
      assign.append(0)
      columnPlans.append((nil, []))
    }
    for (j, lists) in plans.enumerated() {
      let count = lists.reduce(1) { $0 * $1.count }
      if lists.count == 1, count > (factorTerm?.pieces.count ?? 3),
        lists[0].allSatisfy({ if case .indicator = $0.source { return true } else { return false } })
      {
        factorTerm = (columnPlans.count, lists[0])
      }
      for c in 0..<count {
        var rem = c
        var pieces: [ColumnPiece] = []
        for list in lists {
          pieces.append(list[rem % list.count])
          rem /= list.count
        }
        names.append(pieces.map(\.name).joined(separator: ":"))
        assign.append(j + 1)
        columnPlans.append((j, pieces))
      }
    }
    // Columns are written once, on both cores for large data; each reports whether it is finite.
    // A compact matrix leaves out the largest factor term's dummies (the structure's codes).
    let structure = factorTerm.flatMap { nr >= 1 << 14 ? indicatorStructure(of: $0, columns: p, rows: nr) : nil }
    let compact = options.compactFactor ? structure : nil
    let fixedPlans = compact.map { s in s.denseColumns.map { columnPlans[$0] } } ?? columnPlans
    let (matrix, finite) = Matrix.fillingColumns(rows: nr, cols: fixedPlans.count) { j, column in
      let plan = fixedPlans[j]
      guard plan.term != nil else {
        for i in column.indices { column[i] = 1 }
        return true
      }
      fill(&column, 0..<nr, with: plan.pieces)
      // Products of level indicators are 0 or 1: only columns with numeric values need the check.
      let numeric = plan.pieces.contains { if case .values = $0.source { return true } else { return false } }
      return !numeric || column.indices.allSatisfy { column[$0].isFinite }
    }
    let nonFiniteTerm = zip(fixedPlans, finite).first { !$1 }.flatMap { $0.0.term.map { terms.labels[$0] } }
    if let nonFiniteTerm { throw FormulaError.nonFinite(term: nonFiniteTerm) }

    // Offsets: their sum, added to the linear predictor (R's model.offset).
    let offset = try offsetValues(vars: vars, terms: terms)

    // Response.
    var response: [Double]?
    var grouped: GroupedBinomialCounts?
    var responseName: String?
    var responseLevels: [String]?
    if let r = terms.responseIndex {
      let name = terms.variableNames[r]
      responseName = name
      switch vars[r] {
      case .matrix(let cols, _) where cols.count == 2 && isCbindCall(terms.variables[r]):
        // cbind(successes, failures): the proportion of successes, with the trials beside it
        // (R's binomial()$initialize: y = s / (s + f), 0 where there are no trials).
        let names = cbindArgumentNames(terms.variables[r])
        grouped = GroupedBinomialCounts(
          successes: cols[0], failures: cols[1], successesName: names[0], failuresName: names[1])
        response = zip(cols[0], cols[1]).map { s, f in s + f == 0 ? 0 : s / (s + f) }
      case .numeric(let y): response = y
      case .matrix(let cols, _) where cols.count == 1: response = cols[0]
      case .factor(let codes, _, true): response = codes.map(Double.init)
      case .factor(let codes, let levels, false) where options.allowsCategoricalResponse:
        response = codes.map(Double.init)
        responseLevels = levels
      default: throw FormulaError.nonNumeric(variable: name, term: name)
      }
      if response?.contains(where: { !$0.isFinite }) ?? false {
        throw FormulaError.nonFinite(term: name)
      }
    }
    let weights = weightValues.map { w in selection.map { s in s.map { w[$0] } } ?? w }
    if let weights, weights.contains(where: { !$0.isFinite }), let expr = options.weights {
      // R: lm.wfit multiplies x by sqrt(w) and fails with "NA/NaN/Inf in 'x'".
      throw FormulaError.nonFinite(term: expr)
    }

    var built = ModelMatrix(
      x: matrix, columnNames: names, assign: assign,
      termLabels: terms.labels, hasIntercept: terms.hasIntercept, response: response,
      responseName: responseName, weights: weights, rows: rows, droppedMissing: droppedMissing,
      droppedBySubset: droppedBySubset,
      recipe: ModelRecipe(
        formula: formula, terms: terms, frame: vars, codings: codings, columnNames: names,
        assign: assign, data: data))
    built.responseLevels = responseLevels
    built.offset = offset
    built.groupedCounts = grouped
    built.undefinedValues = undefined
    if let compact {
      built.$x = LazilyExpanded(compact: matrix, structure: compact.storing(indicators: false))
    }
    built.indicatorStructure = structure
    return built
  }

  /// The model frame's rows: the formula (dot expanded) and its terms, every variable evaluated on
  /// every row, the weights, the subset's and the missing values' masks, and the rows kept.
  private static func estimationFrame(formula: Formula, data: DataFrame, options: ModelFrameOptions) throws -> (
    formula: Formula, terms: Terms, frame: [FrameVariable], weights: [Double]?, keep: [Bool], missing: [Bool],
    rows: [Int], droppedMissing: Int, droppedBySubset: Int
  ) {
    // `y ~ .` stands for every other column of the data, as in R.
    let formula = try formula.expandingDot(columns: data.names)
    let terms = try Terms(formula: formula)
    let n = data.rowCount

    // Subset: NA and FALSE drop the row.
    var keep = [Bool](repeating: true, count: n)
    var droppedBySubset = 0
    if let subset = options.subset {
      let s = try RowExpression.parse(subset).evaluate(on: data)
      for i in 0..<n where s[i].isNaN || s[i] == 0 {
        keep[i] = false
        droppedBySubset += 1
      }
    }

    // Evaluate every variable of the formula on all rows.
    var frame: [FrameVariable] = []
    frame.reserveCapacity(terms.variables.count)
    for (k, e) in terms.variables.enumerated() {
      let name = terms.variableNames[k]
      frame.append(try frameVariable(e, name: name, isResponse: k == terms.responseIndex, data: data))
    }
    var weightValues: [Double]?
    if let w = options.weights {
      let expr = try RowExpression.parse(w)
      weightValues = try expr.evaluate(on: data)
    }

    // Missing values in any variable used.
    var missing = [Bool](repeating: false, count: n)
    for f in frame { f.markMissing(&missing) }
    if let weightValues { FrameVariable.numeric(weightValues).markMissing(&missing) }
    for extra in options.extraVariables {
      let m = try RowExpression.parse(extra).missingMask(on: data)
      for i in 0..<n where m[i] { missing[i] = true }
    }
    var rows: [Int] = []
    rows.reserveCapacity(n)
    var droppedMissing = 0
    for i in 0..<n where keep[i] {
      if missing[i] { droppedMissing += 1 } else { rows.append(i) }
    }
    return (formula, terms, frame, weightValues, keep, missing, rows, droppedMissing, droppedBySubset)
  }

  /// The estimation rows of `data` (subset, complete cases of every variable, the weights and
  /// `options.extraVariables`), as `build(formula:data:options:)` selects them, without building
  /// the matrix; no row left is not an error here.
  public static func estimationRows(formula: Formula, data: DataFrame, options: ModelFrameOptions) throws -> (
    rows: [Int], droppedMissing: Int, droppedBySubset: Int
  ) {
    let f = try estimationFrame(formula: formula, data: data, options: options)
    return (f.rows, f.droppedMissing, f.droppedBySubset)
  }

  /// The model matrix of `data` with a fitted model's coding, as predictions on new data have it
  /// (R `model.frame(..., xlev = fit$xlevels)`): the estimation rows (subset, complete cases) and
  /// weights as `build(formula:data:options:)` finds them, the columns of `recipe` (its names,
  /// order and factor levels, whatever levels `data` holds), and the response, a factor response
  /// coded by its position in `responseLevels`. No row left is not an error here (a chunk of a
  /// larger file may have none): the matrix is then empty.
  ///
  /// Used to build a large file's model matrix chunk by chunk (`StrataScale`), every chunk with
  /// the coding of the whole estimation sample.
  ///
  /// - Throws: `FormulaError` as `build` and `ModelRecipe.matrix(for:rows:)` do (`unseenLevel` for
  ///   a level the recipe does not have); `.nonNumeric` for a response neither numeric nor one of
  ///   `responseLevels`.
  public static func build(
    formula: Formula, data: DataFrame, options: ModelFrameOptions, recipe: ModelRecipe, responseLevels: [String]?
  ) throws -> ModelMatrix {
    let (formula, terms, frame, weightValues, _, _, rows, droppedMissing, droppedBySubset) =
      try estimationFrame(formula: formula, data: data, options: options)
    let x = rows.isEmpty ? Matrix(rows: 0, cols: recipe.columnNames.count) : try recipe.matrix(for: data, rows: rows)
    var response: [Double]?
    var responseName: String?
    if let r = terms.responseIndex {
      let name = terms.variableNames[r]
      responseName = name
      switch frame[r].gathered(rows) {
      case .numeric(let y): response = y
      case .matrix(let cols, _) where cols.count == 1 && !isCbindCall(terms.variables[r]): response = cols[0]
      case .factor(let codes, _, true): response = codes.map(Double.init)
      case .factor(let codes, let levels, false):
        guard let global = responseLevels else { throw FormulaError.nonNumeric(variable: name, term: name) }
        var position: [Int32: Double] = [:]
        for (k, level) in levels.enumerated() {
          guard let g = global.firstIndex(of: level) else { throw FormulaError.nonNumeric(variable: name, term: name) }
          position[Int32(k)] = Double(g)
        }
        response = codes.map { position[$0] ?? .nan }
      default: throw FormulaError.nonNumeric(variable: name, term: name)
      }
      if response?.contains(where: { !$0.isFinite }) ?? false { throw FormulaError.nonFinite(term: name) }
    }
    let weights = weightValues.map { w in rows.map { w[$0] } }
    if let weights, weights.contains(where: { !$0.isFinite }), let expr = options.weights {
      throw FormulaError.nonFinite(term: expr)
    }
    var built = ModelMatrix(
      x: x, columnNames: recipe.columnNames, assign: recipe.assign, termLabels: terms.labels,
      hasIntercept: terms.hasIntercept, response: response, responseName: responseName, weights: weights, rows: rows,
      droppedMissing: droppedMissing, droppedBySubset: droppedBySubset, recipe: recipe)
    built.responseLevels = responseLevels
    _ = formula
    return built
  }

  /// The indicator structure of a factor main-effect term's columns from its codes: each row's
  /// position among the term's columns (−1 for the reference level).
  private static func indicatorStructure(
    of term: (start: Int, pieces: [ColumnPiece]), columns p: Int, rows nr: Int
  ) -> IndicatorStructure? {
    guard case .indicator(let codes, _) = term.pieces.first?.source, codes.count == nr else { return nil }
    var position: [Int32] = []
    for (k, piece) in term.pieces.enumerated() {
      guard case .indicator(let c, let level) = piece.source, c.count == nr, level >= 0 else { return nil }
      if position.count <= Int(level) { position += Array(repeating: -1, count: Int(level) + 1 - position.count) }
      position[Int(level)] = Int32(k)
    }
    let rowCodes = codes.map { $0 >= 0 && Int($0) < position.count ? position[Int($0)] : -1 }
    let indicators = Array(term.start..<(term.start + term.pieces.count))
    let dense = (0..<p).filter { $0 < term.start || $0 >= term.start + term.pieces.count }
    return IndicatorStructure(indicatorColumns: indicators, denseColumns: dense, codes: rowCodes)
  }

  /// A formula variable on every row of `data`. An offset, `offset(expr)`, is the value of
  /// `expr`; a two-column response `cbind(successes, failures)` is a two-column matrix.
  private static func frameVariable(_ e: FormulaExpression, name: String, isResponse: Bool, data: DataFrame)
    throws -> FrameVariable
  {
    let n = data.rowCount
    if isOffsetCall(e) {
      guard case .call(_, let args) = e.kind, args.count == 1, args[0].label == nil else {
        throw FormulaError.invalidArguments(function: "offset", reason: "expected exactly one argument")
      }
      let v = try Evaluator(data: data, context: name).evaluate(args[0].value)
      switch v {
      case .numeric(let x): return .numeric(x)
      case .scalar(let x): return .numeric(Array(repeating: x, count: n))
      default: throw FormulaError.nonNumeric(variable: deparse(args[0].value), term: name)
      }
    }
    if isResponse, case .call("cbind", let args) = e.kind {
      guard args.count == 2, args.allSatisfy({ $0.label == nil }) else {
        throw FormulaError.invalidArguments(
          function: "cbind", reason: "a grouped binomial response is cbind(successes, failures)")
      }
      let columns = try args.map { a -> [Double] in
        let v = try Evaluator(data: data, context: name).evaluate(a.value)
        switch v {
        case .numeric(let x): return x
        case .scalar(let x): return Array(repeating: x, count: n)
        default: throw FormulaError.nonNumeric(variable: deparse(a.value), term: name)
        }
      }
      return .matrix(columns, names: ["", ""])
    }
    return try FrameVariable(Evaluator(data: data, context: name).evaluate(e), rowCount: n, name: name)
  }

  /// The sum of the offsets on the estimation sample (nil without offsets).
  ///
  /// - Throws: `FormulaError.nonFinite` naming the offset when a value is ±Inf (`log(0)`).
  private static func offsetValues(vars: [FrameVariable], terms: Terms) throws -> [Double]? {
    guard !terms.offsets.isEmpty else { return nil }
    var total: [Double]?
    for k in terms.offsets {
      guard case .numeric(let x) = vars[k] else {
        throw FormulaError.nonNumeric(variable: terms.variableNames[k], term: terms.variableNames[k])
      }
      if x.contains(where: { !$0.isFinite }) { throw FormulaError.nonFinite(term: terms.variableNames[k]) }
      total = total.map { zip($0, x).map { $0 + $1 } } ?? x
    }
    return total
  }

  /// Parses `formula` and builds its design matrix; see `build(formula:data:options:)`.
  public static func build(
    formula: String, data: DataFrame, options: ModelFrameOptions = .init()
  ) throws -> ModelMatrix {
    try build(formula: Formula.parse(formula), data: data, options: options)
  }
}

/// One factor of a model-matrix column: a numeric variable or a level indicator.
private struct ColumnPiece {
  enum Source {
    case values([Double])
    case indicator([Int32], Int32)
  }
  var name: String
  var source: Source
}

/// Writes the product of `pieces` into `out`.
private func fill(_ out: inout MutableSpan<Double>, _ range: Range<Int>, with pieces: [ColumnPiece]) {
  let base = range.lowerBound
  if pieces.isEmpty {  // an empty product (every element is assigned: the matrix storage is not initialized)
    for i in range { out[i] = 1 }
  }
  for (k, piece) in pieces.enumerated() {
    switch piece.source {
    case .values(let x):
      let p = x.span
      if k == 0 {
        for i in 0..<range.count { out[base + i] = p[i] }
      } else {
        for i in 0..<range.count { out[base + i] *= p[i] }
      }
    case .indicator(let codes, let level):
      let p = codes.span
      if k == 0 {
        for i in 0..<range.count { out[base + i] = p[i] == level ? 1 : 0 }
      } else {
        for i in 0..<range.count { out[base + i] *= p[i] == level ? 1 : 0 }
      }
    }
  }
}

extension ModelMatrix {
  /// Refuses a model whose matrix and cross-product would not fit in memory, before allocating
  /// either, naming the term with the most columns (and, for a factor, how to absorb it).
  /// With `compactFactor`, the dummies of the largest factor term (chosen as `build` chooses
  /// them) are not written, so they do not count toward the matrix.
  fileprivate static func checkModelSize(
    rows: Int, columns: Int, plans: [[[ColumnPiece]]], terms: Terms, compactFactor: Bool
  ) throws {
    let p = Double(columns)
    var written = p
    if compactFactor && rows >= 1 << 14 {
      var largestFactor = 3
      for lists in plans where lists.count == 1 && lists[0].count > largestFactor {
        if lists[0].allSatisfy({ if case .indicator = $0.source { return true } else { return false } }) {
          largestFactor = lists[0].count
        }
      }
      if largestFactor > 3 { written -= Double(largestFactor) }
    }
    let bytes = 8 * (Double(rows) * written + p * p)
    let limit = FormulaLimits.maximumModelBytes
    guard bytes > limit else { return }
    var largest = (term: "", columns: 0.0, levels: 0)
    for (j, lists) in plans.enumerated() {
      let count = lists.reduce(1.0) { $0 * Double($1.count) }
      guard count > largest.columns else { continue }
      var levels = 0
      if lists.count == 1, let first = lists[0].first, case .indicator = first.source {
        levels = lists[0].count + (terms.hasIntercept || j > 0 ? 1 : 0)
      }
      largest = (terms.labels[j], count, levels)
    }
    throw FormulaError.modelMatrixTooLarge(
      rows: rows, columns: columns, bytes: bytes, limit: limit, largestTerm: largest.term, levels: largest.levels)
  }

  /// The counts of rows dropped because a formula variable or the weights evaluated to NaN while
  /// every data column they use was present (R's "NaNs produced", as `log()` of a negative
  /// number), each attributed to the first such variable; rows with a missing data value count as
  /// missing, not here.
  fileprivate static func undefinedValues(
    frame: [FrameVariable], terms: Terms, weights: (String, [Double])?, keep: [Bool], missing: [Bool],
    extraVariables: [String], data: DataFrame
  ) -> [UndefinedValues] {
    let n = keep.count
    // Rows with a missing value in a data column the model uses.
    var dataMissing = [Bool](repeating: false, count: n)
    var used = Set<String>(extraVariables)
    for e in terms.variables { for u in dataUses(of: e, data: data) { used.insert(u.name) } }
    if let (text, _) = weights, let w = try? RowExpression.parse(text) {
      for u in dataUses(of: w.expression, data: data) { used.insert(u.name) }
    }
    for name in used {
      guard let c = data.index(of: name) else { continue }
      let column = data.columns[c]
      for i in 0..<Swift.min(n, column.count) where column.isMissing(i) { dataMissing[i] = true }
    }
    var variables: [(name: String, values: FrameVariable)] = zip(terms.variableNames, frame).map { ($0, $1) }
    if let (text, w) = weights { variables.append((text, .numeric(w))) }
    var counts = [Int](repeating: 0, count: variables.count)
    for i in 0..<n where keep[i] && missing[i] && !dataMissing[i] {
      for (k, v) in variables.enumerated() where v.values.isNaN(at: i) {
        counts[k] += 1
        break
      }
    }
    return variables.indices.filter { counts[$0] > 0 }.map {
      UndefinedValues(variable: variables[$0].name, count: counts[$0])
    }
  }
}
