/// The terms of one formula part, computed as R's `terms.formula` does (`keep.order = FALSE`).
///
/// Variables are the distinct sub-expressions the formula operators (`+ - * / : ^ %in% ( )`)
/// apply to, numbered in order of first appearance with the response first. A term is a set
/// of variables; its label lists them in variable order (`b:a` after `a` appeared is `a:b`).
/// Terms are ordered by interaction order, stably.
///
///     let t = try Terms(formula: Formula.parse("y ~ (a + b + c)^2 - a:b"))
///     t.labels  // ["a", "b", "c", "a:c", "b:c"]
public struct Terms: Sendable {
  /// A model term: the ascending indices into `variables` of the variables it multiplies.
  public struct Term: Sendable, Hashable {
    /// Ascending variable indices.
    public var variables: [Int]

    /// The term multiplying `variables` (deduplicated and sorted).
    public init(variables: [Int]) {
      self.variables = Array(Set(variables)).sorted()
    }

    /// The term with `other`'s variables added (R's `OrBits`).
    func union(_ other: Term) -> Term { Term(variables: variables + other.variables) }

    /// Whether every variable of `self` is in `other`.
    func isSubset(of other: Term) -> Bool { variables.allSatisfy { other.variables.contains($0) } }

    /// The interaction order.
    public var order: Int { variables.count }
  }

  /// The variables as expressions (R's `attr(terms, "variables")`), response first.
  public var variables: [FormulaExpression]
  /// The deparsed variable names (`log(wage)`, `factor(edu)`, `I(age^2)`).
  public var variableNames: [String]
  /// The index of the response in `variables`, if the formula has one.
  public var responseIndex: Int?
  /// The terms, main effects first, then two-way interactions, ...
  public var terms: [Term]
  /// Labels of `terms`, as R's `attr(terms, "term.labels")`.
  public var labels: [String]
  /// Whether the model has an intercept (R's `attr(terms, "intercept")`).
  public var hasIntercept: Bool
  /// Indices into `variables` of the offsets, `offset(expr)` (R's `attr(terms, "offset")`): an
  /// offset is evaluated and added to the linear predictor, it is not a column, and every term
  /// that contains one is dropped from `terms`, as R's `terms.formula` drops it.
  public var offsets: [Int] = []

  /// The terms of part `part` (default 0) of `formula`, with the formula's response.
  ///
  /// - Throws: `FormulaError.invalidFormula` for constructs R rejects (`y ~ x + 2`, `a^x`).
  public init(formula: Formula, part: Int = 0) throws {
    guard formula.parts.indices.contains(part) else {
      throw FormulaError.invalidFormula("no part \(part)", at: 0, in: formula.text)
    }
    try self.init(response: formula.response, rhs: formula.parts[part], text: formula.text)
  }

  /// The terms of `rhs`, with an optional response; `text` is used in error messages.
  public init(response: FormulaExpression?, rhs: FormulaExpression, text: String) throws {
    var builder = TermsBuilder(text: text)
    if let response {
      builder.install(response)
    }
    try builder.extract(rhs)
    var encoded = try builder.encode(rhs)
    let offsetVariables = builder.variables.indices.filter { k in
      k != (response == nil ? -1 : 0) && isOffsetCall(builder.variables[k])
    }
    if !offsetVariables.isEmpty {
      encoded.removeAll { t in t.variables.contains { offsetVariables.contains($0) } }
    }
    // Stable sort by order (R's SortTerms).
    let sorted = encoded.enumerated().sorted { a, b in
      a.element.order != b.element.order ? a.element.order < b.element.order : a.offset < b.offset
    }.map(\.element)
    variables = builder.variables
    variableNames = builder.variables.map { deparse($0) }
    responseIndex = response == nil ? nil : 0
    terms = sorted
    hasIntercept = builder.intercept
    offsets = offsetVariables
    let names = variableNames
    labels = sorted.map { t in t.variables.map { names[$0] }.joined(separator: ":") }
  }
}

/// Whether `e` is a call `offset(...)` (R marks offsets by the variable name's `offset(` prefix).
func isOffsetCall(_ e: FormulaExpression) -> Bool {
  if case .call("offset", _) = e.kind { return true }
  return false
}

/// The state of R's `termsform` (model.c): variable list, intercept and +/- parity.
private struct TermsBuilder {
  let text: String
  var variables: [FormulaExpression] = []
  var index: [FormulaExpression: Int] = [:]
  var intercept = true
  var parity = true

  init(text: String) { self.text = text }

  @discardableResult
  mutating func install(_ e: FormulaExpression) -> Int {
    if let i = index[e] { return i }
    variables.append(e)
    index[e] = variables.count - 1
    return variables.count - 1
  }

  private func invalid(_ reason: String, _ e: FormulaExpression) -> FormulaError {
    .invalidFormula(reason, at: e.range.lowerBound, in: text)
  }

  /// R's `ExtractVars`: installs variables in order of appearance.
  mutating func extract(_ e: FormulaExpression) throws {
    switch e.kind {
    case .number(let v):
      if v != 0 && v != 1 { throw invalid("a constant other than 0 or 1 is not a term", e) }
    case .integer(let v):
      if v != 0 && v != 1 { throw invalid("a constant other than 0 or 1 is not a term", e) }
    case .logical:
      break
    case .parenthesized(let x), .unary(.minus, let x), .unary(.plus, let x):
      try extract(x)
    case .binary(let op, let l, let r):
      switch op {
      case .plus, .minus, .times, .divide, .colon, .in:
        try extract(l)
        try extract(r)
      case .power:
        try extract(l)
      case .tilde:
        throw invalid("'~' inside a formula part", e)
      default:
        install(e)
      }
    default:
      install(e)
    }
  }

  /// R's `EncodeVars`. The recursion runs through this small function (and `encodeOperator`,
  /// `delete`), so that the deepest tree the parser accepts fits a small stack; each node's
  /// combination happens in `combine`.
  mutating func encode(_ e: FormulaExpression) throws -> [Terms.Term] {
    switch e.kind {
    case .parenthesized(let x), .unary(.plus, let x):
      return try encode(x)
    case .unary(.minus, let x):
      return try delete([], x)
    case .binary(let op, let l, let r):
      switch op {
      case .plus, .colon, .times, .in, .divide: return try encodeOperator(op, l, r, e)
      case .minus: return try delete(try encode(l), r)
      case .power: return try expandPower(try encode(l), r, e)
      case .tilde: return try encodeNode(e)
      default: return [Terms.Term(variables: [install(e)])]
      }
    default:
      return try encodeNode(e)
    }
  }

  private mutating func encodeOperator(
    _ op: BinaryOperator, _ l: FormulaExpression, _ r: FormulaExpression, _ e: FormulaExpression
  ) throws -> [Terms.Term] {
    let a = try encode(l)
    let b = try encode(r)
    return try combine(op, a, b, e)
  }

  /// The terms of `a op b` from the terms of each side.
  private func combine(_ op: BinaryOperator, _ a: [Terms.Term], _ b: [Terms.Term], _ e: FormulaExpression) throws
    -> [Terms.Term]
  {
    switch op {
    case .plus:
      return trimRepeats(a + b)
    case .colon:
      try checkProduct(a.count, b.count, e)
      return trimRepeats(a.flatMap { x in b.map { x.union($0) } })
    case .times:
      try checkProduct(a.count, b.count, e)
      return trimRepeats(a + b + a.flatMap { x in b.map { x.union($0) } })
    case .in:
      let all = b.reduce(Terms.Term(variables: [])) { $0.union($1) }
      return trimRepeats(a.map { $0.union(all) })
    default:  // .divide
      let all = a.reduce(Terms.Term(variables: [])) { $0.union($1) }
      return trimRepeats(a + b.map { all.union($0) })
    }
  }

  /// The nodes `encode` does not dispatch itself: constants, `~`, variables.
  private mutating func encodeNode(_ e: FormulaExpression) throws -> [Terms.Term] {
    switch e.kind {
    case .number(let v):
      guard v == 0 || v == 1 else { throw invalid("a constant other than 0 or 1 is not a term", e) }
      intercept = (v == 1) == parity
      return []
    case .integer(let v):
      guard v == 0 || v == 1 else { throw invalid("a constant other than 0 or 1 is not a term", e) }
      intercept = (v == 1) == parity
      return []
    case .logical(let b):
      intercept = b == parity
      return []
    case .binary(.tilde, _, _):
      throw invalid("'~' inside a formula part", e)
    default:
      return [Terms.Term(variables: [install(e)])]
    }
  }

  /// `left^r`: the interactions of `left`'s terms up to order r (R's asInteger of r, at least 2).
  private func expandPower(_ left: [Terms.Term], _ r: FormulaExpression, _ e: FormulaExpression) throws
    -> [Terms.Term]
  {
    // R's asInteger: a whole number of the int range (fractions truncated), at least 2.
    let value: Double
    switch r.kind {
    case .number(let v): value = v
    case .integer(let v): value = Double(v)
    default: throw invalid("invalid power in formula", r)
    }
    guard value.isFinite, value.rounded(.towardZero) >= 2, value < 2_147_483_648 else {
      throw FormulaError.invalidInteger(
        value: formatRNumber(value), term: deparse(e),
        expected: "a whole power of the terms from 2 to 2147483647, as (a + b)^2")
    }
    let power = Int(value.rounded(.towardZero))
    var right = left
    // Each round adds the next order of interactions; once none are new the set is final,
    // so a power beyond the number of terms costs no more than that number.
    for _ in 1..<power {
      try checkProduct(left.count, right.count, e)
      let next = trimRepeats(left.flatMap { x in right.map { x.union($0) } })
      if next.count == right.count { break }
      right = next
    }
    return right
  }

  /// Refuses an interaction whose expansion would pair more than `FormulaLimits.maximumTerms`
  /// terms (`x1 * x2 * ... * x40` has 2⁴⁰), before building it.
  private func checkProduct(_ a: Int, _ b: Int, _ e: FormulaExpression) throws {
    let (pairs, overflow) = a.multipliedReportingOverflow(by: b)
    guard overflow || pairs > FormulaLimits.maximumTerms else { return }
    throw invalid("the interaction expands to more than \(FormulaLimits.maximumTerms) terms", e)
  }

  /// R's `DeleteTerms`: removes the terms of `right` (encoded with flipped parity).
  private mutating func delete(_ left: [Terms.Term], _ right: FormulaExpression) throws -> [Terms.Term] {
    parity.toggle()
    let r = try encode(right)
    parity.toggle()
    return left.filter { !r.contains($0) }
  }

  /// R's `TrimRepeats`: drops empty and repeated terms, keeping first occurrences.
  private func trimRepeats(_ list: [Terms.Term]) -> [Terms.Term] {
    var seen = Set<Terms.Term>()
    var out: [Terms.Term] = []
    for t in list where !t.variables.isEmpty && seen.insert(t).inserted {
      out.append(t)
    }
    return out
  }
}
