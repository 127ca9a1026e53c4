extension Formula {
  /// Whether a part of the formula uses `.` as a term (R's "all other columns").
  public var hasDot: Bool {
    parts.contains { dotRanges(in: $0).count > 0 }
  }

  /// The formula with every `.` term replaced by the data columns, as R's `terms.formula(x, data =)`
  /// expands it: every column of `columns`, in order, except the response when the response is a
  /// column name (R's `MatchVar` against the left side: `log(y) ~ .` keeps `y` among the terms).
  ///
  ///     try Formula.parse("y ~ .").expandingDot(columns: ["y", "x", "g"]).description  // "y ~ x + g"
  ///     try Formula.parse("y ~ .^2 - g").expandingDot(columns: ["y", "x", "g"]).description
  ///     // "y ~ (x + g)^2 - g"
  ///
  /// The result's `text` is the expanded formula, so that a recipe re-parses the same terms.
  /// A `.` inside a function call (`log(.)`) is not a term and is an error, as is a `.` that
  /// leaves no columns.
  ///
  /// - Throws: `FormulaError.invalidDot` naming the column of the `.`.
  public func expandingDot(columns: [String]) throws -> Formula {
    guard hasDot || containsDotAnywhere else { return self }
    var responseName: String?
    if let response, case .name(let n) = response.kind { responseName = n }
    let names = columns.filter { $0 != responseName }
    let dotOffset = parts.lazy.flatMap { dotRanges(in: $0) }.first?.lowerBound ?? 0
    if let call = parts.lazy.compactMap({ dotInsideCall($0) }).first {
      throw FormulaError.invalidDot(
        "'.' stands for all other columns only as a term, not inside a function call", at: call.lowerBound,
        in: text)
    }
    guard !names.isEmpty else {
      throw FormulaError.invalidDot("the data have no column besides the response", at: dotOffset, in: text)
    }
    // The expansion is a chain of `+`, as deep as it has names; the limit applies to it too.
    guard names.count < FormulaLimits.maximumDepth - 8 else {
      throw FormulaError.invalidDot(
        "the data have \(names.count) columns, more than a formula can hold (\(FormulaLimits.maximumDepth - 9)); "
          + "name the regressors, or absorb grouping columns with '| g'", at: dotOffset, in: text)
    }
    let leaves = names.map { FormulaExpression(.name($0), range: SourceRange(dotOffset, dotOffset + 1)) }
    var chain = leaves[0]
    for leaf in leaves.dropFirst() {
      chain = FormulaExpression(.binary(.plus, chain, leaf), range: chain.range)
    }
    let expanded = parts.map { replaceDot(in: $0, with: chain, context: .whole) }
    var result = Formula(text: text, response: response, parts: expanded)
    result.text = result.description
    return result
  }

  /// A formula with fixed-effect or instrument parts (`y ~ . | g`) cannot use `.`: which columns
  /// it should leave out (the groups, the instruments) is not R's rule, so the regressors must
  /// be named.
  func refuseDotWithParts() throws {
    guard parts.count > 1, let at = parts.lazy.compactMap({ self.firstDot(in: $0) }).first else { return }
    throw FormulaError.invalidDot(
      "'.' (all other columns) is expanded only in a one-part formula such as y ~ .; with fixed effects "
        + "or instruments after '|', name the regressors", at: at, in: text)
  }

  /// The offset of the first `.` name anywhere in `e`.
  private func firstDot(in e: FormulaExpression) -> Int? {
    switch e.kind {
    case .name("."): return e.range.lowerBound
    case .parenthesized(let x), .unary(_, let x): return firstDot(in: x)
    case .binary(_, let l, let r): return firstDot(in: l) ?? firstDot(in: r)
    case .call(_, let args): return args.lazy.compactMap { self.firstDot(in: $0.value) }.first
    default: return nil
    }
  }

  /// Where `.` is a term in `e` (reached only through formula operators).
  private func dotRanges(in e: FormulaExpression) -> [SourceRange] {
    switch e.kind {
    case .name("."): return [e.range]
    case .parenthesized(let x), .unary(_, let x): return dotRanges(in: x)
    case .binary(let op, let l, let r):
      switch op {
      case .plus, .minus, .times, .divide, .colon, .in, .tilde: return dotRanges(in: l) + dotRanges(in: r)
      case .power: return dotRanges(in: l)
      default: return []
      }
    default: return []
    }
  }

  /// Whether `.` appears anywhere in a part, term or not.
  private var containsDotAnywhere: Bool { parts.contains { mentions($0, ".") } }

  /// The range of a call that has `.` among its arguments, if there is one.
  private func dotInsideCall(_ e: FormulaExpression) -> SourceRange? {
    switch e.kind {
    case .call(_, let args):
      return args.contains { mentions($0.value, ".") } ? e.range : nil
    case .parenthesized(let x), .unary(_, let x): return dotInsideCall(x)
    case .binary(_, let l, let r): return dotInsideCall(l) ?? dotInsideCall(r)
    default: return nil
    }
  }

  private enum DotContext { case whole, sum, other }

  /// `e` with each `.` term replaced by `chain`, parenthesized unless it is the whole part or an
  /// operand of `+` (so that the deparsed text parses back to the same terms).
  private func replaceDot(in e: FormulaExpression, with chain: FormulaExpression, context: DotContext)
    -> FormulaExpression
  {
    switch e.kind {
    case .name("."):
      return context == .other ? FormulaExpression(.parenthesized(chain), range: e.range) : chain
    case .parenthesized(let x):
      return FormulaExpression(.parenthesized(replaceDot(in: x, with: chain, context: .whole)), range: e.range)
    case .unary(let op, let x):
      return FormulaExpression(.unary(op, replaceDot(in: x, with: chain, context: .other)), range: e.range)
    case .binary(let op, let l, let r):
      switch op {
      case .plus, .minus, .times, .divide, .colon, .in, .tilde, .power:
        let left: DotContext = op == .plus || op == .minus ? .sum : (op == .tilde ? .whole : .other)
        let right: DotContext = op == .plus ? .sum : (op == .tilde ? .whole : .other)
        let r2 = op == .power ? r : replaceDot(in: r, with: chain, context: right)
        return FormulaExpression(.binary(op, replaceDot(in: l, with: chain, context: left), r2), range: e.range)
      default:
        return e
      }
    default:
      return e
    }
  }
}
