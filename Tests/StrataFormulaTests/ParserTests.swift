import Testing
@testable import StrataFormula

@Suite struct ParserTests {
  @Test func partsSeparatedByBars() throws {
    let f = try Formula.parse("y ~ x + log(z) | fe1 + fe2 | endog ~ inst1 + inst2")
    #expect(f.response.map { deparse($0) } == "y")
    #expect(f.parts.map { deparse($0) } == ["x + log(z)", "fe1 + fe2", "endog ~ inst1 + inst2"])
    guard case .binary(.tilde, let lhs, let rhs) = f.parts[2].kind else {
      Issue.record("third part is not a two-sided formula")
      return
    }
    #expect(deparse(lhs) == "endog")
    #expect(deparse(rhs) == "inst1 + inst2")
    #expect(f.description == "y ~ x + log(z) | fe1 + fe2 | endog ~ inst1 + inst2")
  }

  @Test func barInsideCallIsNotAPartSeparator() throws {
    let f = try Formula.parse("y ~ I(a | b) + x")
    #expect(f.parts.count == 1)
    #expect(try Terms(formula: f).labels == ["I(a | b)", "x"])
  }

  @Test func oneSidedFormula() throws {
    let f = try Formula.parse("~ a + b")
    #expect(f.response == nil)
    #expect(f.parts.count == 1)
  }

  @Test func sourceRanges() throws {
    let text = "y ~ x1 + log(x2) + I(age^2)"
    let f = try Formula.parse(text)
    guard case .binary(.plus, let left, let iterm) = f.parts[0].kind,
      case .binary(.plus, _, let logTerm) = left.kind
    else {
      Issue.record("unexpected tree")
      return
    }
    let chars = Array(text)
    #expect(String(chars[logTerm.range.lowerBound..<logTerm.range.upperBound]) == "log(x2)")
    #expect(String(chars[iterm.range.lowerBound..<iterm.range.upperBound]) == "I(age^2)")
    #expect(f.parts[0].range == SourceRange(4, text.count))
  }

  @Test func precedenceFollowsR() throws {
    // R: -a:b is (-a):b; -2^2 is -(2^2); !x == 1 is !(x == 1); a + b * c ^ d ^ e
    func tree(_ s: String) throws -> ExpressionKind { try RowExpression.parse(s).expression.kind }
    guard case .binary(.colon, let l, _) = try tree("-a:b"), case .unary(.minus, _) = l.kind else {
      Issue.record("-a:b")
      return
    }
    guard case .unary(.minus, let p) = try tree("-2^2"), case .binary(.power, _, _) = p.kind else {
      Issue.record("-2^2")
      return
    }
    guard case .unary(.not, let c) = try tree("!x == 1"), case .binary(.equal, _, _) = c.kind else {
      Issue.record("!x == 1")
      return
    }
    guard case .binary(.power, _, let r) = try tree("a^b^c"), case .binary(.power, _, _) = r.kind else {
      Issue.record("a^b^c is right-associative")
      return
    }
  }

  @Test func namedArgumentsAndBackquotes() throws {
    let e = try RowExpression.parse("poly(`my var`, degree = 2, raw = T)").expression
    guard case .call("poly", let args) = e.kind else {
      Issue.record("not a call")
      return
    }
    #expect(args.map(\.label) == [nil, "degree", "raw"])
    #expect(deparse(e) == "poly(`my var`, degree = 2, raw = T)")
  }

  @Test func parseErrorPointsAtToken() {
    #expect(throws: FormulaError.unexpectedToken(")", at: 8, in: "y ~ x + )")) {
      try Formula.parse("y ~ x + )")
    }
    #expect(throws: FormulaError.unexpectedToken("", at: 7, in: "y ~ x +")) {
      try Formula.parse("y ~ x +")
    }
    #expect(throws: FormulaError.unexpectedToken("$", at: 6, in: "y ~ a $ b")) {
      try Formula.parse("y ~ a $ b")
    }
    #expect(throws: FormulaError.unexpectedToken("z", at: 6, in: "y ~ x z")) {
      try Formula.parse("y ~ x z")
    }
    let message = FormulaError.unexpectedToken(")", at: 8, in: "y ~ x + )").description
    #expect(message == "unexpected ')' at column 9:\n  y ~ x + )\n          ^")
  }

  @Test func invalidModelFormulas() {
    // R: "invalid model formula in ExtractVars" / "invalid power in formula"
    #expect(throws: FormulaError.invalidFormula("a constant other than 0 or 1 is not a term", at: 8, in: "y ~ x + 2")) {
      try Terms(formula: Formula.parse("y ~ x + 2"))
    }
    #expect(throws: FormulaError.invalidFormula("invalid power in formula", at: 12, in: "y ~ (a + b)^x")) {
      try Terms(formula: Formula.parse("y ~ (a + b)^x"))
    }
  }
}
