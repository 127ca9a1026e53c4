import Foundation

/// A Pratt parser for R expressions and model formulas, following R's operator precedence
/// (`?Syntax`): `~` < `| ||` < `& &&` < `!` < comparisons < `+ -` < `* /` < `%op%` < `:` <
/// unary `+ -` < `^` (right-associative).
///
/// The parser and every later pass over the tree (evaluation, terms, derivatives, deparsing)
/// recurse on it, so the parser refuses text longer than `FormulaLimits.maximumLength` and trees
/// deeper than `FormulaLimits.maximumDepth` (a left-associative chain `a + b + c` is a tree as
/// deep as it has operators) with `FormulaError.tooDeep`; the check itself is a counter, not a
/// recursion, and the parser's own recursion stops at the same depth.
struct Parser {
  private let tokens: [Token]
  private var position = 0
  private let source: String
  /// How many `parseExpression` calls are active (the parser's own recursion depth).
  private var nesting = 0

  private static let notPrecedence = 4
  private static let unaryPrecedence = 10

  /// Parses with `body` on the calling thread when the text has few tokens (a tree is never
  /// deeper than its token count), else on a thread of its own with a 16 MiB stack: the parser's
  /// recursion costs several kilobytes per level in a debug build, more than a 512 KiB secondary
  /// thread holds at the depth limit. The limit is checked either way.
  static func parse<T: Sendable>(_ text: String, _ body: @escaping @Sendable (inout Parser) throws -> T) throws -> T {
    var parser = try Parser(text: text)
    guard parser.tokens.count > 96 else { return try body(&parser) }
    let box = ParseResult<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { [parser] in
      var p = parser
      box.result = Result { try body(&p) }
      done.signal()
    }
    thread.stackSize = 16 << 20
    thread.start()
    done.wait()
    guard let result = box.result else { throw FormulaError.tooLong(length: text.count, limit: FormulaLimits.maximumLength) }
    return try result.get()
  }

  init(text: String) throws {
    self.source = text
    let length = text.count
    guard length <= FormulaLimits.maximumLength else {
      throw FormulaError.tooLong(length: length, limit: FormulaLimits.maximumLength)
    }
    self.tokens = try Lexer(text).tokenize()
  }

  /// An error for a tree deeper than the limit, at the token that made it so.
  private func tooDeep(_ at: Int) -> FormulaError {
    .tooDeep(limit: FormulaLimits.maximumDepth, at: at, in: source)
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
      response = try parseExpression(minPrecedence: 2).node
    }
    _ = try expect(.tilde)
    var parts: [FormulaExpression] = []
    while true {
      let first = try parseExpression(minPrecedence: 3)
      var part = first.node
      if current.kind == .tilde {
        let tilde = advance()
        let rhs = try parseExpression(minPrecedence: 3)
        guard max(first.depth, rhs.depth) < FormulaLimits.maximumDepth else {
          throw tooDeep(tilde.range.lowerBound)
        }
        part = FormulaExpression(.binary(.tilde, part, rhs.node), range: part.range.union(rhs.node.range))
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
    let e = try parseExpression(minPrecedence: 2).node
    guard current.kind == .end else { throw unexpected(current) }
    return e
  }

  /// A parsed node and the depth of the tree it heads (a leaf has depth 1).
  private typealias Parsed = (node: FormulaExpression, depth: Int)

  private mutating func parseExpression(minPrecedence: Int) throws -> Parsed {
    // Every recursion of the parser passes here: bound it before it can exhaust the stack.
    nesting += 1
    defer { nesting -= 1 }
    guard nesting <= FormulaLimits.maximumDepth else { throw tooDeep(current.range.lowerBound) }
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
      let opToken = advance()
      let rhs = try parseExpression(minPrecedence: op.isRightAssociative ? p : p + 1)
      // A left-associative chain deepens the tree without recursing here: count it too.
      let depth = max(lhs.depth, rhs.depth) + 1
      guard depth <= FormulaLimits.maximumDepth else { throw tooDeep(opToken.range.lowerBound) }
      lhs = (FormulaExpression(.binary(op, lhs.node, rhs.node), range: lhs.node.range.union(rhs.node.range)), depth)
    }
  }

  private mutating func parsePrefix() throws -> Parsed {
    let t = advance()
    switch t.kind {
    case .minus, .plus, .not:
      let op: UnaryOperator = t.kind == .minus ? .minus : (t.kind == .plus ? .plus : .not)
      let operand = try parseExpression(
        minPrecedence: op == .not ? Self.notPrecedence : Self.unaryPrecedence)
      return try wrap(.unary(op, operand.node), range: t.range.union(operand.node.range), operand.depth, t)
    case .number(let v):
      return (FormulaExpression(.number(v), range: t.range), 1)
    case .integer(let v):
      return (FormulaExpression(.integer(v), range: t.range), 1)
    case .string(let s):
      return (FormulaExpression(.string(s), range: t.range), 1)
    case .leftParen:
      let inner = try parseExpression(minPrecedence: 2)
      let close = try expect(.rightParen)
      return try wrap(.parenthesized(inner.node), range: t.range.union(close.range), inner.depth, t)
    case .name(let n):
      if current.kind == .leftParen {
        return try parseCall(name: n, nameToken: t)
      }
      // Backquoted names are never constants.
      if !t.text.hasPrefix("`") {
        switch n {
        case "TRUE": return (FormulaExpression(.logical(true), range: t.range), 1)
        case "FALSE": return (FormulaExpression(.logical(false), range: t.range), 1)
        case "NA": return (FormulaExpression(.missing, range: t.range), 1)
        case "Inf": return (FormulaExpression(.number(.infinity), range: t.range), 1)
        case "NaN": return (FormulaExpression(.number(.nan), range: t.range), 1)
        default: break
        }
      }
      return (FormulaExpression(.name(n), range: t.range), 1)
    default:
      throw unexpected(t)
    }
  }

  /// A node one level above a child of depth `depth`, refused beyond the limit.
  private func wrap(_ kind: ExpressionKind, range: SourceRange, _ depth: Int, _ at: Token) throws -> Parsed {
    guard depth < FormulaLimits.maximumDepth else { throw tooDeep(at.range.lowerBound) }
    return (FormulaExpression(kind, range: range), depth + 1)
  }

  private mutating func parseCall(name: String, nameToken: Token) throws -> Parsed {
    _ = try expect(.leftParen)
    var args: [CallArgument] = []
    var depth = 0
    if current.kind != .rightParen {
      while true {
        var label: String?
        if case .name(let n) = current.kind, tokens[position + 1].kind == .assign {
          label = n
          _ = advance()
          _ = advance()
        }
        let value = try parseExpression(minPrecedence: 2)
        depth = max(depth, value.depth)
        args.append(CallArgument(label: label, value: value.node))
        if current.kind == .comma {
          _ = advance()
          continue
        }
        break
      }
    }
    let close = try expect(.rightParen)
    return try wrap(
      .call(function: name, arguments: args), range: nameToken.range.union(close.range), depth, nameToken)
  }
}

/// The outcome of a parse on its own thread.
private final class ParseResult<T>: @unchecked Sendable {
  var result: Result<T, Error>?
}
