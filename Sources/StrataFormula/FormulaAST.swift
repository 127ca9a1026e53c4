/// A half-open range of character offsets (0-based) into the formula or expression text.
public struct SourceRange: Sendable, Hashable {
  /// Offset of the first character.
  public var lowerBound: Int
  /// Offset one past the last character.
  public var upperBound: Int

  /// The range `lowerBound..<upperBound`.
  public init(_ lowerBound: Int, _ upperBound: Int) {
    self.lowerBound = lowerBound
    self.upperBound = upperBound
  }

  /// The smallest range covering both.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(Swift.min(lowerBound, other.lowerBound), Swift.max(upperBound, other.upperBound))
  }
}

/// A binary operator of R's expression grammar.
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
  case tilde = "~"
  case or = "|", orOr = "||", and = "&", andAnd = "&&"
  case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
  case plus = "+", minus = "-", times = "*", divide = "/"
  case power = "^", colon = ":"
  case `in` = "%in%", modulo = "%%", integerDivide = "%/%"

  /// Binding power for the Pratt parser (higher binds tighter); R's `?Syntax` order.
  var precedence: Int {
    switch self {
    case .tilde: return 1
    case .or, .orOr: return 2
    case .and, .andAnd: return 3
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return 5
    case .plus, .minus: return 6
    case .times, .divide: return 7
    case .in, .modulo, .integerDivide: return 8
    case .colon: return 9
    case .power: return 11
    }
  }

  var isRightAssociative: Bool { self == .power }
}

/// A prefix operator of R's expression grammar.
public enum UnaryOperator: String, Sendable, Hashable {
  case minus = "-", plus = "+", not = "!", tilde = "~"
}

/// One argument of a function call, optionally named (`raw = TRUE`).
public struct CallArgument: Sendable, Hashable {
  /// The argument name, if given as `name = value`.
  public var label: String?
  /// The argument value.
  public var value: FormulaExpression

  /// An argument, named when `label` is non-nil.
  public init(label: String?, value: FormulaExpression) {
    self.label = label
    self.value = value
  }
}

/// A node of a parsed R expression, with the source range it came from.
///
/// Parentheses are kept as `.parenthesized` nodes, as R's parser keeps `(` calls,
/// so deparsing reproduces R's variable names (`I((age - 25)^2)`).
public indirect enum ExpressionKind: Sendable, Hashable {
  /// A variable name (backquotes removed).
  case name(String)
  /// A double constant.
  case number(Double)
  /// An integer constant written with the `L` suffix.
  case integer(Int)
  /// A string constant.
  case string(String)
  /// `TRUE` / `FALSE`.
  case logical(Bool)
  /// `NA`.
  case missing
  /// A function call `f(a, b = c)`.
  case call(function: String, arguments: [CallArgument])
  /// A prefix operator.
  case unary(UnaryOperator, FormulaExpression)
  /// A binary operator.
  case binary(BinaryOperator, FormulaExpression, FormulaExpression)
  /// An explicitly parenthesized expression.
  case parenthesized(FormulaExpression)
}

/// A parsed R expression with its source range.
public struct FormulaExpression: Sendable {
  /// What the node is.
  public var kind: ExpressionKind
  /// Where it was written.
  public var range: SourceRange

  /// A node of `kind` written at `range`.
  public init(_ kind: ExpressionKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

// Structural equality ignores source ranges, as R's `MatchVar` does.
extension FormulaExpression: Hashable {
  public static func == (lhs: FormulaExpression, rhs: FormulaExpression) -> Bool {
    lhs.kind == rhs.kind
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(kind)
  }
}

/// A parsed model formula `response ~ part0 | part1 | ...`.
///
///     let f = try Formula.parse("log(wage) ~ educ + factor(female) | state")
///     f.parts.count  // 2
public struct Formula: Sendable {
  /// The formula as written.
  public var text: String
  /// The left-hand side, nil for a one-sided formula (`~ x`).
  public var response: FormulaExpression?
  /// The right-hand side parts separated by top-level `|`. Part 0 holds the regressors;
  /// a part may itself be a two-sided `endog ~ inst` expression.
  public var parts: [FormulaExpression]

  /// A formula from its parsed pieces.
  public init(text: String, response: FormulaExpression?, parts: [FormulaExpression]) {
    self.text = text
    self.response = response
    self.parts = parts
  }

  /// Parses R formula syntax.
  ///
  /// - Throws: `FormulaError.unexpectedToken` with the offending position.
  public static func parse(_ text: String) throws -> Formula {
    let formula = try Parser.parse(text) { try $0.parseFormula() }
    try formula.refuseDotWithParts()
    return formula
  }
}

extension Formula: CustomStringConvertible {
  /// The formula deparsed as R would print it.
  public var description: String {
    var s = response.map { deparse($0) + " ~ " } ?? "~"
    s += parts.map { deparse($0) }.joined(separator: " | ")
    return s
  }
}
