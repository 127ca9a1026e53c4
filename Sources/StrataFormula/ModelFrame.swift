/// One evaluated variable of the model frame.
enum FrameVariable {
  /// Numbers, NaN for missing.
  case numeric([Double])
  /// A numeric matrix (from `poly`), with column names.
  case matrix([[Double]], names: [String])
  /// Categories; `isLogical` marks a logical variable (levels always `FALSE`, `TRUE`,
  /// never dropped, as R's `contrasts<-` makes `factor(x, levels = c(FALSE, TRUE))`).
  case factor(codes: [Int32], levels: [String], isLogical: Bool)

  /// Converts an evaluated value, broadcasting constants to `rowCount` rows.
  init(_ v: EvaluatedValue, rowCount: Int, name: String) throws {
    switch v {
    case .numeric(let x): self = .numeric(x)
    case .scalar(let x): self = .numeric(Array(repeating: x, count: rowCount))
    case .logical(let x):
      self = .factor(codes: x.map { $0.isNaN ? -1 : ($0 != 0 ? 1 : 0) }, levels: ["FALSE", "TRUE"], isLogical: true)
    case .logicalScalar(let x):
      let c: Int32 = x.isNaN ? -1 : (x != 0 ? 1 : 0)
      self = .factor(codes: Array(repeating: c, count: rowCount), levels: ["FALSE", "TRUE"], isLogical: true)
    case .factor(let codes, let levels): self = .factor(codes: codes, levels: levels, isLogical: false)
    case .matrix(let cols, let names): self = .matrix(cols, names: names)
    case .string, .strings, .numbers:
      throw FormulaError.nonNumeric(variable: name, term: name)
    }
  }

  /// Sets `mask[i]` where row `i` is missing (NaN or code -1).
  func markMissing(_ mask: inout [Bool]) {
    var m = mask.mutableSpan
    switch self {
    case .numeric(let x):
      let p = x.span
      for i in 0..<Swift.min(p.count, m.count) where p[i].isNaN { m[i] = true }
    case .matrix(let cols, _):
      for c in cols {
        let p = c.span
        for i in 0..<Swift.min(p.count, m.count) where p[i].isNaN { m[i] = true }
      }
    case .factor(let codes, _, _):
      let p = codes.span
      for i in 0..<Swift.min(p.count, m.count) where p[i] < 0 { m[i] = true }
    }
  }

  /// A new mask of the missing rows.
  func missingMask() throws -> [Bool] {
    var m = [Bool](repeating: false, count: count)
    markMissing(&m)
    return m
  }

  var count: Int {
    switch self {
    case .numeric(let x): return x.count
    case .matrix(let c, _): return c.first?.count ?? 0
    case .factor(let c, _, _): return c.count
    }
  }

  /// The rows `rows` (nil = all), with unused factor levels dropped (R's
  /// `drop.unused.levels = TRUE`), except for logicals.
  func gathered(_ rows: [Int]?) -> FrameVariable {
    func pick<T>(_ x: [T]) -> [T] {
      guard let rows else { return x }
      let p = x.span
      return rows.map { p[$0] }
    }
    switch self {
    case .numeric(let x): return .numeric(pick(x))
    case .matrix(let cols, let names): return .matrix(cols.map(pick), names: names)
    case .factor(let codes, let levels, let isLogical):
      var c = pick(codes)
      if isLogical { return .factor(codes: c, levels: levels, isLogical: true) }
      var used = [Bool](repeating: false, count: levels.count)
      for k in c where k >= 0 { used[Int(k)] = true }
      if used.allSatisfy({ $0 }) { return .factor(codes: c, levels: levels, isLogical: false) }
      var remap = [Int32](repeating: -1, count: levels.count)
      var kept: [String] = []
      for (i, u) in used.enumerated() where u {
        remap[i] = Int32(kept.count)
        kept.append(levels[i])
      }
      var p = c.mutableSpan
      for i in p.indices where p[i] >= 0 { p[i] = remap[Int(p[i])] }
      return .factor(codes: c, levels: kept, isLogical: false)
    }
  }

  /// Whether row `i` is NaN (a number or any column of a matrix) or a missing category.
  func isNaN(at i: Int) -> Bool {
    switch self {
    case .numeric(let x): return i < x.count && x[i].isNaN
    case .matrix(let cols, _): return cols.contains { i < $0.count && $0[i].isNaN }
    case .factor(let codes, _, _): return i < codes.count && codes[i] < 0
    }
  }

  var isFactor: Bool {
    if case .factor = self { return true }
    return false
  }
}
