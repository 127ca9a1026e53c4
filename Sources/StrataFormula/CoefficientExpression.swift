import Foundation
import StrataLinalg

/// An R expression in a model's coefficients, for linear and nonlinear combinations
/// (`lincom`, `nlcom`, R `svycontrast`): its value at the estimates and its gradient.
///
///     let e = try CoefficientExpression.parse("ell / meals")
///     let (value, gradient) = try e.evaluate(names: ["(Intercept)", "ell", "meals"], values: b)
///     // gradient = [0, 1/meals, −ell/meals²]
///
/// Names are the model matrix's column names. A name that is not a plain R name is written in
/// backquotes, as in R: `` `factor(edu)2` ``, `` `(Intercept)` ``. Besides, any sub-expression whose
/// R spelling (deparsed) is a column name stands for that coefficient, so `(Intercept)`,
/// `I(age^2)`, `log(income)` and `ell:stypeH` may be written as they are printed; a column name
/// wins over the function of the same spelling.
///
/// Supported: numbers, `+ − * / ^`, unary signs, parentheses, and `exp`, `log` (natural),
/// `log10`, `sqrt`, `abs` (derivative `sign`, as R's `deriv`), `pnorm`, `dnorm`, `plogis` and
/// Stata's `invlogit`. Derivatives are analytic (forward mode), as R's `deriv()` takes them.
public struct CoefficientExpression: Sendable {
  /// The text as given (without a `label=` prefix).
  public var text: String
  /// The parsed expression.
  public var expression: FormulaExpression

  /// Parses `text`.
  ///
  /// - Throws: `FormulaError.unexpectedToken` with the position of the problem.
  public static func parse(_ text: String) throws -> CoefficientExpression {
    CoefficientExpression(text: text, expression: try Parser.parse(text) { try $0.parseStandalone() })
  }

  /// Splits `label=expression` (a label is an R name or backquoted; `==` is not a label) and
  /// parses the expression; without a label the text itself is the label.
  ///
  ///     try CoefficientExpression.labeled("ratio = ell / meals")  // ("ratio", ell / meals)
  public static func labeled(_ text: String) throws -> (label: String, expression: CoefficientExpression) {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let eq = trimmed.firstIndex(of: "=") {
      let after = trimmed.index(after: eq)
      let before = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
      let isComparison = after < trimmed.endIndex && trimmed[after] == "="
      var label = before
      if label.count >= 2, label.hasPrefix("`"), label.hasSuffix("`") { label = String(label.dropFirst().dropLast()) }
      let plainName =
        !before.isEmpty && before.first.map { $0.isLetter || $0 == "." } == true
        && before.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }
      let quoted = before.count >= 3 && before.hasPrefix("`") && before.hasSuffix("`") && !before.dropFirst().dropLast().contains("`")
      if !isComparison, plainName || quoted {
        let body = trimmed[after...].trimmingCharacters(in: .whitespaces)
        return (label, try parse(body))
      }
    }
    return (trimmed, try parse(trimmed))
  }

  /// The value at `values` (one per name) and its gradient with respect to each value.
  ///
  /// - Throws: `FormulaError.unknownCoefficient` naming a name that is no coefficient (and the
  ///   available ones), `.unsupportedFunction`, `.invalidArguments`.
  public func evaluate(names: [String], values: [Double]) throws -> (value: Double, gradient: [Double]) {
    let v = try CoefficientEvaluator(names: names, values: values, text: text).value(expression)
    return (v.value, v.gradient)
  }

  /// The weights and constant of a linear expression: `value = constant + Σ weights[j] · values[j]`.
  ///
  /// - Throws: `FormulaError.notLinear` when the expression is not linear in the coefficients
  ///   (a product or ratio of coefficients, a function of one), and the errors of `evaluate`.
  public func linear(names: [String], values: [Double]) throws -> (constant: Double, weights: [Double]) {
    let v = try CoefficientEvaluator(names: names, values: values, text: text).value(expression)
    if let reason = v.nonlinear { throw FormulaError.notLinear(expression: text, reason: reason) }
    let constant = v.value - zip(v.gradient, values).reduce(0) { $0 + $1.0 * $1.1 }
    return (constant, v.gradient)
  }
}

/// A value, its gradient, and whether it is constant or linear in the coefficients.
private struct CoefficientDual {
  var value: Double
  var gradient: [Double]
  /// No coefficient enters.
  var isConstant: Bool
  /// Why the value is not linear in the coefficients (nil: linear).
  var nonlinear: String?

  func scaled(_ a: Double) -> [Double] { gradient.map { $0 * a } }
}

private struct CoefficientEvaluator {
  var names: [String]
  var values: [Double]
  var text: String
  var index: [String: Int] = [:]

  init(names: [String], values: [Double], text: String) {
    self.names = names
    self.values = values
    self.text = text
    for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
  }

  func coefficient(_ j: Int) -> CoefficientDual {
    var g = [Double](repeating: 0, count: names.count)
    g[j] = 1
    return CoefficientDual(value: values[j], gradient: g, isConstant: false, nonlinear: nil)
  }

  func constant(_ x: Double) -> CoefficientDual {
    CoefficientDual(value: x, gradient: [Double](repeating: 0, count: names.count), isConstant: true, nonlinear: nil)
  }

  func value(_ e: FormulaExpression) throws -> CoefficientDual {
    switch e.kind {
    case .number(let x): return constant(x)
    case .integer(let x): return constant(Double(x))
    case .name(let n):
      guard let j = index[n] else {
        throw FormulaError.unknownCoefficient(name: n, expression: text, available: names)
      }
      return coefficient(j)
    default: break
    }
    // A sub-expression spelled as a column name (`(Intercept)`, `I(age^2)`, `ell:stypeH`).
    if let j = index[deparse(e)] { return coefficient(j) }
    switch e.kind {
    case .parenthesized(let inner): return try value(inner)
    case .unary(.minus, let u):
      var d = try value(u)
      d.value = -d.value
      d.gradient = d.scaled(-1)
      return d
    case .unary(.plus, let u): return try value(u)
    case .binary(let op, let l, let r): return try binary(op, try value(l), try value(r), e)
    case .call(let f, let args): return try call(f, args, e)
    case .name, .number, .integer: fatalError("handled above")
    default:
      throw FormulaError.invalidArguments(
        function: deparse(e), reason: "is not a number, a coefficient or an arithmetic expression of them")
    }
  }

  func binary(_ op: BinaryOperator, _ a: CoefficientDual, _ b: CoefficientDual, _ e: FormulaExpression) throws -> CoefficientDual {
    let both = a.isConstant && b.isConstant
    let inherited = a.nonlinear ?? b.nonlinear
    switch op {
    case .plus, .minus:
      let s = op == .plus ? 1.0 : -1.0
      return CoefficientDual(
        value: a.value + s * b.value, gradient: zip(a.gradient, b.gradient).map { $0 + s * $1 }, isConstant: both,
        nonlinear: inherited)
    case .times:
      let g = zip(a.gradient, b.gradient).map { b.value * $0 + a.value * $1 }
      let reason = inherited ?? (a.isConstant || b.isConstant ? nil : "'\(deparse(e))' multiplies coefficients")
      return CoefficientDual(value: a.value * b.value, gradient: g, isConstant: both, nonlinear: reason)
    case .divide:
      let q = a.value / b.value
      let g = zip(a.gradient, b.gradient).map { ($0 - q * $1) / b.value }
      let reason = inherited ?? (b.isConstant ? nil : "'\(deparse(e))' divides by a coefficient")
      return CoefficientDual(value: q, gradient: g, isConstant: both, nonlinear: reason)
    case .power:
      let p = pow(a.value, b.value)
      var g: [Double]
      if b.isConstant {
        let c = b.value * pow(a.value, b.value - 1)
        g = a.scaled(c)
      } else {
        let logA = log(a.value)
        g = zip(a.gradient, b.gradient).map { p * ($1 * logA + b.value * $0 / a.value) }
      }
      if a.isConstant && b.isConstant { g = a.gradient }
      let reason = inherited ?? (both ? nil : "'\(deparse(e))' raises to a power")
      return CoefficientDual(value: p, gradient: g, isConstant: both, nonlinear: reason)
    default:
      throw FormulaError.invalidArguments(
        function: op.rawValue, reason: "is not an arithmetic operator of coefficients (use + - * / ^)")
    }
  }

  static let functions = ["exp", "log", "log10", "sqrt", "abs", "pnorm", "dnorm", "plogis", "invlogit"]

  func call(_ f: String, _ args: [CallArgument], _ e: FormulaExpression) throws -> CoefficientDual {
    guard Self.functions.contains(f) else { throw FormulaError.unsupportedFunction(name: f) }
    guard args.count == 1, args[0].label == nil else {
      throw FormulaError.invalidArguments(function: f, reason: "takes one argument in a combination of coefficients")
    }
    let u = try value(args[0].value)
    let x = u.value
    let (y, dy): (Double, Double)
    switch f {
    case "exp": (y, dy) = (exp(x), exp(x))
    case "log": (y, dy) = (log(x), 1 / x)
    case "log10": (y, dy) = (log10(x), 1 / (x * log(10)))
    case "sqrt": (y, dy) = (x.squareRoot(), 0.5 / x.squareRoot())
    case "abs": (y, dy) = (abs(x), x > 0 ? 1 : (x < 0 ? -1 : 0))
    case "pnorm": (y, dy) = (Normal.cdf(x), Normal.density(x))
    case "dnorm": (y, dy) = (Normal.density(x), -x * Normal.density(x))
    default:  // plogis, invlogit
      let p = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
      (y, dy) = (p, p * (1 - p))
    }
    let reason = u.nonlinear ?? (u.isConstant ? nil : "'\(deparse(e))' is a nonlinear function of coefficients")
    return CoefficientDual(value: y, gradient: u.isConstant ? u.gradient : u.scaled(dy), isConstant: u.isConstant, nonlinear: reason)
  }
}
