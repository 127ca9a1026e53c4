import Foundation
import StrataFormula
import Testing
import _StrataTestSupport

/// Expressions in coefficient names (`lincom`, `nlcom`): values, analytic gradients (checked
/// against central differences), linearity, labels and the names that need backquotes.
@Suite("Coefficient expressions")
struct CoefficientExpressionTests {
  static let names = ["(Intercept)", "x", "z", "factor(g)2", "I(x^2)", "x:z"]
  static let values = [1.5, 0.4, -0.7, 2.0, 0.3, 0.9]

  static func centralDifference(_ e: CoefficientExpression, _ j: Int) throws -> Double {
    let h = 1e-6 * max(abs(values[j]), 1)
    var up = values
    var down = values
    up[j] += h
    down[j] -= h
    return (try e.evaluate(names: names, values: up).value - e.evaluate(names: names, values: down).value) / (2 * h)
  }

  @Test(arguments: [
    "x / z", "exp(x) * z", "log(`factor(g)2`)", "sqrt(`factor(g)2`) - x^2", "x^z + 1", "pnorm(x) / dnorm(z)",
    "plogis(x + z)", "invlogit(2 * x)", "abs(z) + log10(`factor(g)2`)", "`(Intercept)` + 20 * x + `x:z`",
    "(Intercept) * I(x^2)", "-x / (1 + z^2)", "2^x",
  ])
  func gradientMatchesCentralDifferences(_ text: String) throws {
    let e = try CoefficientExpression.parse(text)
    let (_, g) = try e.evaluate(names: Self.names, values: Self.values)
    #expect(g.count == Self.names.count)
    for j in Self.names.indices {
      let numeric = try Self.centralDifference(e, j)
      #expect(abs(g[j] - numeric) <= 1e-6 * max(abs(numeric), 1), "\(text): d/d\(Self.names[j]) = \(g[j]), numeric \(numeric)")
    }
  }

  @Test func valuesAreThoseOfTheFormula() throws {
    let v = { (t: String) in try CoefficientExpression.parse(t).evaluate(names: Self.names, values: Self.values).value }
    #expect(try v("x / z") == 0.4 / -0.7)
    #expect(try v("exp(x) * z") == exp(0.4) * -0.7)
    #expect(try v("`(Intercept)` + 20 * x + `x:z`") == 1.5 + 20 * 0.4 + 0.9)
    // Spelled as printed: `(Intercept)`, `I(x^2)` and `x:z` are the coefficients, not arithmetic.
    #expect(try v("(Intercept)") == 1.5)
    #expect(try v("I(x^2)") == 0.3)
    #expect(try v("x:z") == 0.9)
  }

  @Test func linearExpressionsGiveWeightsAndConstant() throws {
    let e = try CoefficientExpression.parse("2*x - z/4 + 3 - (x + `factor(g)2`)/2")
    let (constant, w) = try e.linear(names: Self.names, values: Self.values)
    #expect(abs(constant - 3) < 1e-15)
    #expect(w == [0, 1.5, -0.25, -0.5, 0, 0])
    for text in ["x * z", "x / z", "exp(x)", "x^2", "2^x", "1 / (x - z)"] {
      #expect(throws: FormulaError.self, "\(text)") {
        try CoefficientExpression.parse(text).linear(names: Self.names, values: Self.values)
      }
    }
    // Constants may be combined freely.
    let c = try CoefficientExpression.parse("exp(0) * x + 2^3 * z")
    #expect(try c.linear(names: Self.names, values: Self.values).weights == [0, 1, 8, 0, 0, 0])
  }

  @Test func labelsAndComparisons() throws {
    let (l1, e1) = try CoefficientExpression.labeled("ratio = x / z")
    #expect(l1 == "ratio")
    #expect(e1.text == "x / z")
    let (l2, _) = try CoefficientExpression.labeled("`my diff`=x - z")
    #expect(l2 == "my diff")
    let (l3, e3) = try CoefficientExpression.labeled(" x - z ")
    #expect(l3 == "x - z")
    #expect(e3.text == "x - z")
    // `==` is no label (and is not arithmetic of coefficients).
    #expect(throws: FormulaError.self) {
      try CoefficientExpression.labeled("x == z").expression.evaluate(names: Self.names, values: Self.values)
    }
  }

  @Test func unknownNamesAndFunctionsAreErrors() throws {
    #expect(throws: FormulaError.unknownCoefficient(name: "w", expression: "x - w", available: Self.names)) {
      try CoefficientExpression.parse("x - w").evaluate(names: Self.names, values: Self.values)
    }
    #expect(throws: FormulaError.unsupportedFunction(name: "gamma")) {
      try CoefficientExpression.parse("gamma(x)").evaluate(names: Self.names, values: Self.values)
    }
    #expect(throws: FormulaError.self) {
      try CoefficientExpression.parse("log(x, 2)").evaluate(names: Self.names, values: Self.values)
    }
    #expect(throws: FormulaError.self) { try CoefficientExpression.parse("x -") }
    // A name that is not R syntax needs its backquotes.
    #expect(throws: FormulaError.self) { try CoefficientExpression.parse("log(factor(g)2)") }
  }
}
