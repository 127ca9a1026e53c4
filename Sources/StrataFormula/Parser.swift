/// A Pratt parser for R expressions and model formulas, following R's operator precedence
/// (`?Syntax`): `~` < `| ||` < `& &&` < `!` < comparisons < `+ -` < `* /` < `%op%` < `:` <
/// unary `+ -` < `^` (right-associative).
struct Parser {
  private let tokens: [Token]
  private var position = 0
  private let source: String

  private static let notPrecedence = 4
  private static let unaryPrecedence = 10

  init(text: String) throws {
    self.source = text
    self.tokens = try Lexer(text).tokenize()
  }

  private var current: Token { tokens[position] }

  private mutating func advance() -> Token {
    let t = tokens[position]
    if position < tokens.count - 1 { position += 1 }
    return t
  }

  private func unexpected(_ t: Token) -> FormulaError {
    .unexpectedToken(t.text, at: t.range.lowerBound, in: source)
  }

  private mutating func expect(_ kind: TokenKind) throws -> Token {
    guard current.kind == kind else { throw unexpected(current) }
    return advance()
  }

  /// `[lhs] ~ part (| part)*` where a part may be `a ~ b`.
  mutating func parseFormula() throws -> Formula {
    var response: FormulaExpression?
    if current.kind != .tilde {
      response = try parseExpression(minPrecedence: 2)
    }
    _ = try expect(.tilde)
    var parts: [FormulaExpression] = []
    while true {
      var part = try parseExpression(minPrecedence: 3)
      if current.kind == .tilde {
        _ = advance()
        let rhs = try parseExpression(minPrecedence: 3)
        part = FormulaExpression(.binary(.tilde, part, rhs), range: part.range.union(rhs.range))
      }
      parts.append(part)
      if current.kind == .binary(.or) {
        _ = advance()
        continue
      }
      break
    }
    guard current.kind == .end else { throw unexpected(current) }
    return Formula(text: source, response: response, parts: parts)
  }

  /// A whole expression without `~` (subset and weights expressions).
  mutating func parseStandalone() throws -> FormulaExpression {
    let e = try parseExpression(minPrecedence: 2)
    guard current.kind == .end else { throw unexpected(current) }
    return e
  }

  private mutating func parseExpression(minPrecedence: Int) throws -> FormulaExpression {
    var lhs = try parsePrefix()
    while true {
      let op: BinaryOperator
      switch current.kind {
      case .binary(let b): op = b
      case .plus: op = .plus
      case .minus: op = .minus
      default: return lhs
      }
      let p = op.precedence
      if p < minPrecedence { return lhs }
      _ = advance()
      let rhs = try parseExpression(minPrecedence: op.isRightAssociative ? p : p + 1)
      lhs = FormulaExpression(.binary(op, lhs, rhs), range: lhs.range.union(rhs.range))
    }
  }

  private mutating func parsePrefix() throws -> FormulaExpression {
    let t = advance()
    switch t.kind {
    case .minus, .plus, .not:
      let op: UnaryOperator = t.kind == .minus ? .minus : (t.kind == .plus ? .plus : .not)
      let operand = try parseExpression(
        minPrecedence: op == .not ? Self.notPrecedence : Self.unaryPrecedence)
      return FormulaExpression(.unary(op, operand), range: t.range.union(operand.range))
    case .number(let v):
      return FormulaExpression(.number(v), range: t.range)
    case .integer(let v):
      return FormulaExpression(.integer(v), range: t.range)
    case .string(let s):
      return FormulaExpression(.string(s), range: t.range)
    case .leftParen:
      let inner = try parseExpression(minPrecedence: 2)
      let close = try expect(.rightParen)
      return FormulaExpression(.parenthesized(inner), range: t.range.union(close.range))
    case .name(let n):
      if current.kind == .leftParen {
        return try parseCall(name: n, nameToken: t)
      }
      // Backquoted names are never constants.
      if !t.text.hasPrefix("`") {
        switch n {
        case "TRUE": return FormulaExpression(.logical(true), range: t.range)
        case "FALSE": return FormulaExpression(.logical(false), range: t.range)
        case "NA": return FormulaExpression(.missing, range: t.range)
        case "Inf": return FormulaExpression(.number(.infinity), range: t.range)
        case "NaN": return FormulaExpression(.number(.nan), range: t.range)
        default: break
        }
      }
      return FormulaExpression(.name(n), range: t.range)
    default:
      throw unexpected(t)
    }
  }

  private mutating func parseCall(name: String, nameToken: Token) throws -> FormulaExpression {
    _ = try expect(.leftParen)
    var args: [CallArgument] = []
    if current.kind != .rightParen {
      while true {
        var label: String?
        if case .name(let n) = current.kind, tokens[position + 1].kind == .assign {
          label = n
          _ = advance()
          _ = advance()
        }
        let value = try parseExpression(minPrecedence: 2)
        args.append(CallArgument(label: label, value: value))
        if current.kind == .comma {
          _ = advance()
          continue
        }
        break
      }
    }
    let close = try expect(.rightParen)
    return FormulaExpression(
      .call(function: name, arguments: args), range: nameToken.range.union(close.range))
  }
}
