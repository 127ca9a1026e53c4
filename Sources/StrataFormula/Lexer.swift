/// A lexical token of R's expression syntax.
enum TokenKind: Equatable {
  case name(String)
  case number(Double)
  case integer(Int)
  case string(String)
  case binary(BinaryOperator)
  case minus, plus, not, tilde
  case leftParen, rightParen, comma, assign
  case end
}

/// A token with its source range.
struct Token {
  var kind: TokenKind
  var range: SourceRange
  /// The characters the token was made of (for error messages).
  var text: String
}

/// Splits R expression text into tokens.
///
/// Names may be backquoted (`` `my var` ``); numbers follow R (`1e-4`, `.5`, `2L`, `0x1F`);
/// strings take single or double quotes with backslash escapes.
struct Lexer {
  let chars: [Character]
  let source: String

  init(_ source: String) {
    self.source = source
    self.chars = Array(source)
  }

  /// All tokens, ending with `.end`.
  func tokenize() throws -> [Token] {
    var tokens: [Token] = []
    var i = 0
    func tok(_ kind: TokenKind, _ start: Int, _ end: Int) {
      tokens.append(Token(kind: kind, range: SourceRange(start, end), text: String(chars[start..<end])))
    }
    while i < chars.count {
      let c = chars[i]
      if c.isWhitespace {
        i += 1
        continue
      }
      let start = i
      if c.isLetter || (c == "." && !(i + 1 < chars.count && chars[i + 1].isNumber)) {
        while i < chars.count, isNameChar(chars[i]) { i += 1 }
        tok(.name(String(chars[start..<i])), start, i)
        continue
      }
      if c.isASCII && c.isNumber || c == "." {
        i = try lexNumber(from: start, into: &tokens)
        continue
      }
      switch c {
      case "`":
        i += 1
        while i < chars.count, chars[i] != "`" { i += 1 }
        guard i < chars.count else { throw FormulaError.unexpectedToken("`", at: start, in: source) }
        i += 1
        tok(.name(String(chars[(start + 1)..<(i - 1)])), start, i)
      case "\"", "'":
        i += 1
        var s = ""
        var closed = false
        while i < chars.count {
          let d = chars[i]
          if d == c {
            closed = true
            i += 1
            break
          }
          if d == "\\", i + 1 < chars.count {
            let e = chars[i + 1]
            switch e {
            case "n": s.append("\n")
            case "t": s.append("\t")
            case "r": s.append("\r")
            case "0": s.append("\0")
            default: s.append(e)
            }
            i += 2
            continue
          }
          s.append(d)
          i += 1
        }
        guard closed else { throw FormulaError.unexpectedToken(String(c), at: start, in: source) }
        tok(.string(s), start, i)
      case "%":
        i += 1
        while i < chars.count, chars[i] != "%" { i += 1 }
        guard i < chars.count else { throw FormulaError.unexpectedToken("%", at: start, in: source) }
        i += 1
        let op = String(chars[start..<i])
        guard let b = BinaryOperator(rawValue: op) else {
          throw FormulaError.unexpectedToken(op, at: start, in: source)
        }
        tok(.binary(b), start, i)
      case "(": i += 1; tok(.leftParen, start, i)
      case ")": i += 1; tok(.rightParen, start, i)
      case ",": i += 1; tok(.comma, start, i)
      case "~": i += 1; tok(.tilde, start, i)
      case "+": i += 1; tok(.plus, start, i)
      case "-": i += 1; tok(.minus, start, i)
      case "/": i += 1; tok(.binary(.divide), start, i)
      case "^": i += 1; tok(.binary(.power), start, i)
      case ":": i += 1; tok(.binary(.colon), start, i)
      case "*":
        if peek(i + 1) == "*" {
          i += 2
          tok(.binary(.power), start, i)
        } else {
          i += 1
          tok(.binary(.times), start, i)
        }
      case "=":
        if peek(i + 1) == "=" {
          i += 2
          tok(.binary(.equal), start, i)
        } else {
          i += 1
          tok(.assign, start, i)
        }
      case "!":
        if peek(i + 1) == "=" {
          i += 2
          tok(.binary(.notEqual), start, i)
        } else {
          i += 1
          tok(.not, start, i)
        }
      case "<", ">":
        let eq = peek(i + 1) == "="
        i += eq ? 2 : 1
        let op: BinaryOperator = c == "<" ? (eq ? .lessEqual : .less) : (eq ? .greaterEqual : .greater)
        tok(.binary(op), start, i)
      case "&", "|":
        let double = peek(i + 1) == c
        i += double ? 2 : 1
        let op: BinaryOperator = c == "&" ? (double ? .andAnd : .and) : (double ? .orOr : .or)
        tok(.binary(op), start, i)
      default:
        throw FormulaError.unexpectedToken(String(c), at: start, in: source)
      }
    }
    tokens.append(Token(kind: .end, range: SourceRange(chars.count, chars.count), text: ""))
    return tokens
  }

  private func peek(_ i: Int) -> Character? { i < chars.count ? chars[i] : nil }

  private func isNameChar(_ c: Character) -> Bool {
    c.isLetter || c.isNumber || c == "." || c == "_"
  }

  private func lexNumber(from start: Int, into tokens: inout [Token]) throws -> Int {
    var i = start
    func digits() { while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 } }
    if chars[i] == "0", let x = peek(i + 1), x == "x" || x == "X" {
      i += 2
      let hexStart = i
      while i < chars.count, chars[i].isHexDigit { i += 1 }
      guard i > hexStart else {
        throw FormulaError.unexpectedToken(String(chars[start..<i]), at: start, in: source)
      }
      // As a double (R reads 0x10000000000000000 as 1.8e19); an integer only in R's int range.
      var v = 0.0
      for c in chars[hexStart..<i] { v = v * 16 + Double(c.hexDigitValue ?? 0) }
      if peek(i) == "L", v < 2_147_483_648 {
        i += 1
        tokens.append(Token(kind: .integer(Int(v)), range: SourceRange(start, i), text: String(chars[start..<i])))
      } else {
        tokens.append(Token(kind: .number(v), range: SourceRange(start, i), text: String(chars[start..<i])))
      }
      return i
    }
    digits()
    if peek(i) == "." {
      i += 1
      digits()
    }
    if let e = peek(i), e == "e" || e == "E" {
      var j = i + 1
      if let s = peek(j), s == "+" || s == "-" { j += 1 }
      if let d = peek(j), d.isASCII, d.isNumber {
        i = j
        digits()
      } else {
        throw FormulaError.unexpectedToken(String(chars[start..<(j)]), at: start, in: source)
      }
    }
    let text = String(chars[start..<i])
    guard let value = Double(text) else {
      throw FormulaError.unexpectedToken(text, at: start, in: source)
    }
    if peek(i) == "L", value == value.rounded(), abs(value) < 2_147_483_648 {
      i += 1
      tokens.append(Token(kind: .integer(Int(value)), range: SourceRange(start, i), text: text + "L"))
      return i
    }
    if let c = peek(i), c.isLetter || c == "_" {
      throw FormulaError.unexpectedToken(String(c), at: i, in: source)
    }
    tokens.append(Token(kind: .number(value), range: SourceRange(start, i), text: text))
    return i
  }
}
