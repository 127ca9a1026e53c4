import Foundation
import StrataData
import StrataLinalg

extension ModelRecipe {
  /// The derivative of the design matrix with respect to a data variable: entry (i, j) is
  /// ∂xᵢⱼ/∂`variable` at row i, holding every other data column fixed.
  ///
  ///     // lwage ~ educ + exper + I(exper^2) + exper:female
  ///     let dX = try recipe.derivative(withRespectTo: "exper", data: d, rows: mm.rows)
  ///     // columns: 0, 0, 1, 2·exper, female
  ///
  /// This is what marginal effects need: for a linear index η = Xβ, ∂η/∂x = (∂X/∂x)β, and an
  /// elasticity needs nothing more than these values and derivatives. The derivative is taken
  /// through every expression the formula layer evaluates, by forward-mode differentiation
  /// (dual numbers) over the expression tree, vectorized over rows:
  /// `+ − * / ^` (constant integer or real powers, and `u^v` with both varying),
  /// `log` (with or without `base`), `log1p`, `log2`, `log10`, `exp`, `sqrt`, `abs`, `I()`,
  /// `as.numeric()`, `poly(x, k, raw = TRUE)` (column p is `p·x^(p−1)`), and products across
  /// the variables of an interaction (`x:z`, `x:factor(g)`, `x*factor(g)`) by the product rule.
  /// Factor indicators do not depend on a numeric variable, so their derivative is zero.
  ///
  /// `abs(u)` has no derivative at u = 0; Strata uses `sign(u)·u′` with `sign(0) = 0`, the rule
  /// of R's `D()`/`deriv()` (which differentiate `abs` as `sign`), so the result at 0 is 0.
  /// Other non-finite derivatives (`sqrt(x)` or `log(x)` at 0) are errors naming the row.
  ///
  /// - Parameters:
  ///   - variable: a data column the regressors use with role `.numeric` (see `variables`).
  ///   - data: the data to evaluate at (the estimation data, or a counterfactual copy).
  ///   - rows: 0-based rows of `data` (nil = all), as in `matrix(for:rows:)`.
  /// - Returns: `rows.count × columnNames.count`, in the column order of the fit.
  /// - Throws: `FormulaError.notInModel` for a variable the regressors do not use;
  ///   `.categoricalVariable` when it enters as a category (a categorical column, `factor(x)`);
  ///   `.notDifferentiable` when it enters through a step function (`I(x > 5)`, `%/%`);
  ///   `.nonFiniteDerivative` naming the term and row; and the errors of `matrix(for:rows:)`.
  /// - Complexity: O(rows × (columns + size of the expressions that mention `variable`)).
  public func derivative(withRespectTo variable: String, data: DataFrame, rows: [Int]? = nil) throws
    -> Matrix
  {
    guard variables.contains(where: { $0.name == variable }) else {
      throw FormulaError.notInModel(variable: variable, modelVariables: variables.map(\.name))
    }
    return try derivative(withRespectTo: variable, frame: try evaluateFrame(on: data, rows: rows))
  }

  /// The design matrix and the nonzero columns of its derivatives with respect to several data
  /// variables, evaluating the regressors once.
  ///
  ///     let (x, d) = try recipe.matrixAndDerivatives(withRespectTo: ["x1", "x2"], data: block)
  ///     // x == matrix(for: block); column k of d[0].values is column d[0].columns[k] of
  ///     // derivative(withRespectTo: "x1", data: block); its other columns are zero
  ///
  /// Margins of many variables over one block of rows need all of these; evaluating the
  /// formula's variables (missing-value checks, factor recoding, transformations) once instead of
  /// once per variable, and not filling the columns that cannot depend on a variable, is most of
  /// their cost.
  ///
  /// - Parameters: as `derivative(withRespectTo:data:rows:)`, with one entry of `variables` per
  ///   derivative wanted.
  /// - Returns: the matrix of `matrix(for:rows:)` and, in the order of `variables`, the columns
  ///   of the design that mention the variable (ascending) with their derivative values.
  /// - Throws: the errors of those two functions.
  public func matrixAndDerivatives(withRespectTo variables: [String], data: DataFrame, rows: [Int]? = nil)
    throws -> (matrix: Matrix, derivatives: [(columns: [Int], values: Matrix)])
  {
    for variable in variables where !self.variables.contains(where: { $0.name == variable }) {
      throw FormulaError.notInModel(variable: variable, modelVariables: self.variables.map(\.name))
    }
    let frame = try evaluateFrame(on: data, rows: rows)
    let x = try assemble(frame, derivatives: [:], variable: nil)
    return (x, try variables.map { try derivative(withRespectTo: $0, frame: frame, onlyNonzero: true) })
  }

  /// The derivative matrix from regressors already evaluated on the chosen rows.
  func derivative(withRespectTo variable: String, frame: PredictionFrame) throws -> Matrix {
    try derivative(withRespectTo: variable, frame: frame, onlyNonzero: false).values
  }

  /// The derivative matrix from regressors already evaluated on the chosen rows.
  func derivative(withRespectTo variable: String, frame: PredictionFrame, onlyNonzero: Bool) throws
    -> (columns: [Int], values: Matrix)
  {
    var derivatives: [Int: [[Double]]] = [:]
    for (k, mv) in modelVariables.enumerated() where mv.isInTerms && mentions(mv.expression, variable) {
      let evaluator = DualEvaluator(data: frame.data, variable: variable, term: mv.name)
      switch mv.encoding {
      case .factor:
        if let i = frame.data.index(of: variable), !frame.data.columns[i].isNumeric {
          throw FormulaError.categoricalVariable(variable: variable, term: mv.name)
        }
        if case .call(let f, _) = mv.expression.kind, f == "factor" || f == "as.factor" {
          throw FormulaError.categoricalVariable(variable: variable, term: mv.name)
        }
        throw FormulaError.notDifferentiable(
          variable: variable, term: mv.name, reason: "it is a comparison or logical value (a step function)")
      case .numeric:
        derivatives[k] = [try evaluator.derivative(of: mv.expression)]
      case .matrix(let suffixes):
        derivatives[k] = try evaluator.polyDerivatives(of: mv.expression, degree: suffixes.count)
      }
    }
    let (columns, values) = try assembleColumns(
      frame, derivatives: derivatives, variable: variable, onlyNonzero: onlyNonzero)
    return (columns, values)
  }
}

/// A per-row quantity that may be one value for every row.
enum Lane {
  case scalar(Double)
  case vector([Double])

  func map(_ f: (Double) -> Double) -> Lane {
    switch self {
    case .scalar(let x): return .scalar(f(x))
    case .vector(let x): return .vector(x.map(f))
    }
  }

  static func zip(_ a: Lane, _ b: Lane, _ f: (Double, Double) -> Double) -> Lane {
    switch (a, b) {
    case (.scalar(let x), .scalar(let y)): return .scalar(f(x, y))
    case (.vector(let x), .scalar(let y)): return .vector(x.map { f($0, y) })
    case (.scalar(let x), .vector(let y)): return .vector(y.map { f(x, $0) })
    case (.vector(let x), .vector(let y)): return .vector(Swift.zip(x, y).map(f))
    }
  }

  static func zip3(_ a: Lane, _ b: Lane, _ c: Lane, _ f: (Double, Double, Double) -> Double) -> Lane {
    switch (a, b, c) {
    case (.scalar(let x), .scalar(let y), .scalar(let z)): return .scalar(f(x, y, z))
    default:
      let n = [a, b, c].compactMap { if case .vector(let v) = $0 { return v.count } else { return nil } }.min() ?? 0
      return .vector((0..<n).map { f(a[$0], b[$0], c[$0]) })
    }
  }

  subscript(i: Int) -> Double {
    switch self {
    case .scalar(let x): return x
    case .vector(let x): return x[i]
    }
  }

  /// The values for `count` rows.
  func expanded(_ count: Int) -> [Double] {
    switch self {
    case .scalar(let x): return Array(repeating: x, count: count)
    case .vector(let x): return x
    }
  }
}

/// A value and its derivative with respect to one variable; `derivative == nil` means zero.
struct Dual {
  var value: Lane
  var derivative: Lane?
}

/// Forward-mode differentiation of a numeric formula expression with respect to one data column,
/// evaluated on every row of `data` at once.
///
/// Sub-expressions that do not mention the variable are evaluated by the ordinary `Evaluator`
/// (so values agree with the model matrix) and carry a zero derivative.
struct DualEvaluator {
  let data: DataFrame
  let variable: String
  /// The formula variable being differentiated, for messages.
  let term: String

  /// ∂e/∂variable on every row.
  func derivative(of e: FormulaExpression) throws -> [Double] {
    let d = try evaluate(e)
    return (d.derivative ?? .scalar(0)).expanded(data.rowCount)
  }

  /// The derivative columns of `poly(x, degree, raw = TRUE)`: column p is `p·x^(p−1)·x′`.
  func polyDerivatives(of e: FormulaExpression, degree: Int) throws -> [[Double]] {
    guard case .call("poly", let args) = e.kind,
      let x = args.first(where: { $0.label == nil || $0.label == "x" })?.value
    else {
      throw FormulaError.notDifferentiable(variable: variable, term: term, reason: "unsupported matrix variable")
    }
    let d = try evaluate(x)
    let dx = d.derivative ?? .scalar(0)
    return (1...max(degree, 1)).map { p in
      let c = Double(p)
      if p == 1 { return dx.expanded(data.rowCount) }
      return Lane.zip(d.value, dx) { v, dv in c * rPower(v, c - 1) * dv }.expanded(data.rowCount)
    }
  }

  /// The value and derivative of `e`. The recursion runs through this function only, whose
  /// frame is small (each node's work is in non-recursive helpers), so that the deepest tree the
  /// parser accepts fits a 512 KiB stack.
  func evaluate(_ e: FormulaExpression) throws -> Dual {
    guard mentions(e, variable) else { return try constant(e) }
    switch e.kind {
    case .parenthesized(let x): return try evaluate(x)
    case .unary(.minus, let x): return try negatedNode(x)
    case .unary(.plus, let x): return try evaluate(x)
    case .binary(let op, let l, let r): return try binaryNode(op, l, r)
    case .call(let f, let args): return try callNode(f, args, e)
    default: return try otherNode(e)
    }
  }

  private func negatedNode(_ x: FormulaExpression) throws -> Dual {
    negated(try evaluate(x))
  }

  private func binaryNode(_ op: BinaryOperator, _ l: FormulaExpression, _ r: FormulaExpression) throws -> Dual {
    try checkSmooth(op)
    let a = try evaluate(l)
    let b = try evaluate(r)
    return binary(op, a, b)
  }

  /// `I()`, `as.numeric()` and the one-argument functions with a chain rule recurse here; other
  /// calls go to `call`.
  private func callNode(_ f: String, _ args: [CallArgument], _ e: FormulaExpression) throws -> Dual {
    guard args.count == 1, args[0].label == nil, f != "poly" else { return try call(f, args, e) }
    if f == "I" || f == "as.numeric" || f == "as.double" { return try evaluate(args[0].value) }
    if f == "log" { return logarithm(try evaluate(args[0].value)) }
    guard let rule = chainRule(f) else { return try call(f, args, e) }
    return applyChain(rule, try evaluate(args[0].value))
  }

  private func constant(_ e: FormulaExpression) throws -> Dual {
    Dual(value: try plainValue(e), derivative: nil)
  }

  private func negated(_ a: Dual) -> Dual {
    Dual(value: a.value.map { -$0 }, derivative: a.derivative?.map { -$0 })
  }

  private func checkSmooth(_ op: BinaryOperator) throws {
    guard !isStepOperator(op) else {
      throw FormulaError.notDifferentiable(
        variable: variable, term: term, reason: "'\(op.rawValue)' is a comparison or step function")
    }
  }

  /// The value and derivative functions of a one-argument function with a chain rule.
  private func chainRule(_ f: String) -> (g: (Double) -> Double, dg: (Double) -> Double)? {
    switch f {
    case "log1p": return ({ Foundation.log1p($0) }, { 1 / (1 + $0) })
    case "log10": return ({ Foundation.log10($0) }, { 1 / ($0 * Foundation.log(10)) })
    case "log2": return ({ Foundation.log2($0) }, { 1 / ($0 * Foundation.log(2)) })
    case "exp": return ({ Foundation.exp($0) }, { Foundation.exp($0) })
    case "sqrt": return ({ $0.squareRoot() }, { 0.5 / $0.squareRoot() })
    case "abs": return ({ Swift.abs($0) }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0 == 0 ? 0 : .nan)) })
    default: return nil
    }
  }

  /// `log(u)`: value log u, derivative u′/u.
  private func logarithm(_ a: Dual) -> Dual {
    Dual(value: a.value.map { Foundation.log($0) }, derivative: a.derivative.map { Lane.zip(a.value, $0) { $1 / $0 } })
  }

  private func applyChain(_ rule: (g: (Double) -> Double, dg: (Double) -> Double), _ a: Dual) -> Dual {
    Dual(value: a.value.map(rule.g), derivative: a.derivative.map { Lane.zip(a.value, $0) { rule.dg($0) * $1 } })
  }

  /// The nodes that do not recurse here: names, constants, other calls, logical operators.
  private func otherNode(_ e: FormulaExpression) throws -> Dual {
    switch e.kind {
    case .name:
      return Dual(value: try plainValue(e), derivative: .scalar(1))
    case .unary(let op, _):
      throw FormulaError.notDifferentiable(
        variable: variable, term: term, reason: "'\(op.rawValue)' is a logical operator (a step function)")
    case .call(let f, let args):
      return try call(f, args, e)
    case .number, .integer, .string, .logical, .missing:
      return Dual(value: try plainValue(e), derivative: nil)
    case .parenthesized, .binary:  // handled by `evaluate`
      return try evaluate(e)
    }
  }

  /// The value of a numeric sub-expression, through the ordinary evaluator.
  private func plainValue(_ e: FormulaExpression) throws -> Lane {
    switch try Evaluator(data: data, context: term).evaluate(e) {
    case .numeric(let x), .logical(let x): return .vector(x)
    case .scalar(let x), .logicalScalar(let x): return .scalar(x)
    case .matrix(let cols, _) where cols.count == 1: return .vector(cols[0])
    default: throw FormulaError.nonNumeric(variable: deparse(e), term: term)
    }
  }

  private func binary(_ op: BinaryOperator, _ a: Dual, _ b: Dual) -> Dual {
    switch op {
    case .plus:
      return Dual(value: Lane.zip(a.value, b.value, +), derivative: sum(a.derivative, b.derivative, 1))
    case .minus:
      return Dual(value: Lane.zip(a.value, b.value, -), derivative: sum(a.derivative, b.derivative, -1))
    case .times:
      // (ab)' = a'b + ab'
      let left = a.derivative.map { Lane.zip($0, b.value, *) }
      let right = b.derivative.map { Lane.zip(a.value, $0, *) }
      return Dual(value: Lane.zip(a.value, b.value, *), derivative: sum(left, right, 1))
    case .divide:
      // (a/b)' = a'/b − a·b'/b²
      let left = a.derivative.map { Lane.zip($0, b.value, /) }
      let right = b.derivative.map { db in Lane.zip3(a.value, db, b.value) { x, dy, y in x * dy / (y * y) } }
      return Dual(value: Lane.zip(a.value, b.value, /), derivative: sum(left, right, -1))
    default:  // .power
      let value = Lane.zip(a.value, b.value, rPower)
      var derivative: Lane?
      if let da = a.derivative {
        // (u^c)' = c·u^(c−1)·u′ (zero for c = 0, where R's u^0 is the constant 1)
        derivative = Lane.zip3(a.value, b.value, da) { u, c, du in c == 0 ? 0 : c * rPower(u, c - 1) * du }
      }
      if let db = b.derivative {
        // (c^v)' = c^v·log(c)·v′
        let term = Lane.zip3(value, a.value, db) { w, u, dv in w * Foundation.log(u) * dv }
        derivative = sum(derivative, term, 1)
      }
      return Dual(value: value, derivative: derivative)
    }
  }

  /// `a + sign·b` for optional (zero) derivatives.
  private func sum(_ a: Lane?, _ b: Lane?, _ sign: Double) -> Lane? {
    switch (a, b) {
    case (nil, nil): return nil
    case (let x?, nil): return x
    case (nil, let y?): return sign == 1 ? y : y.map { sign * $0 }
    case (let x?, let y?): return Lane.zip(x, y) { $0 + sign * $1 }
    }
  }

  /// `ifelse(test, yes, no)`: the derivative of the branch each row takes (the test is held at
  /// its value, so a row exactly on the test's boundary takes its branch's one-sided derivative);
  /// NA where the test is NA.
  private func conditional(_ args: [CallArgument], _ e: FormulaExpression) throws -> Dual {
    let unnamed = args.filter { $0.label == nil }.map(\.value)
    var bound: [String: FormulaExpression] = [:]
    for a in args { if let l = a.label { bound[l] = a.value } }
    var rest = unnamed.makeIterator()
    for name in ["test", "yes", "no"] where bound[name] == nil { bound[name] = rest.next() }
    guard let test = bound["test"], let yes = bound["yes"], let no = bound["no"] else {
      throw FormulaError.invalidArguments(function: "ifelse", reason: "expected ifelse(test, yes, no)")
    }
    let value = try plainValue(e)
    let t = try plainValue(test)
    let a = try evaluate(yes)
    let b = try evaluate(no)
    if a.derivative == nil && b.derivative == nil { return Dual(value: value, derivative: nil) }
    let da = a.derivative ?? .scalar(0)
    let db = b.derivative ?? .scalar(0)
    return Dual(value: value, derivative: Lane.zip3(t, da, db) { c, x, y in c.isNaN ? .nan : (c != 0 ? x : y) })
  }

  private func call(_ f: String, _ args: [CallArgument], _ e: FormulaExpression) throws -> Dual {
    func one() throws -> Dual {
      guard args.count == 1 else {
        throw FormulaError.invalidArguments(function: f, reason: "expected exactly one argument")
      }
      return try evaluate(args[0].value)
    }
    /// The chain rule for a one-argument function with value `g` and derivative `dg`.
    func chain(_ g: (Double) -> Double, _ dg: (Double) -> Double) throws -> Dual {
      let a = try one()
      return Dual(value: a.value.map(g), derivative: a.derivative.map { Lane.zip(a.value, $0) { dg($0) * $1 } })
    }
    switch f {
    case "I", "as.numeric", "as.double":
      return try one()
    case "log":
      guard let x = args.first(where: { $0.label == nil || $0.label == "x" })?.value else {
        throw FormulaError.invalidArguments(function: f, reason: "expected log(x) or log(x, base)")
      }
      let a = try evaluate(x)
      var scale = 1.0
      if args.count == 2 {
        let unnamed = args.filter { $0.label == nil }
        guard let baseArg = args.first(where: { $0.label == "base" })?.value ?? (unnamed.count > 1 ? unnamed[1].value : nil),
          !mentions(baseArg, variable), case .scalar(let base) = try plainValue(baseArg)
        else {
          throw FormulaError.notDifferentiable(variable: variable, term: term, reason: "the base of log() must be a constant")
        }
        scale = Foundation.log(base)
      }
      let value = try plainValue(e)
      return Dual(value: value, derivative: a.derivative.map { Lane.zip(a.value, $0) { $1 / ($0 * scale) } })
    case "log1p": return try chain({ Foundation.log1p($0) }, { 1 / (1 + $0) })
    case "log10": return try chain({ Foundation.log10($0) }, { 1 / ($0 * Foundation.log(10)) })
    case "log2": return try chain({ Foundation.log2($0) }, { 1 / ($0 * Foundation.log(2)) })
    case "exp": return try chain({ Foundation.exp($0) }, { Foundation.exp($0) })
    case "sqrt": return try chain({ $0.squareRoot() }, { 0.5 / $0.squareRoot() })
    case "abs": return try chain({ Swift.abs($0) }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0 == 0 ? 0 : .nan)) })
    case "factor", "as.factor":
      throw FormulaError.categoricalVariable(variable: variable, term: term)
    case "is.na":
      // Whether a value is missing does not change with the value: derivative zero.
      return Dual(value: try plainValue(e), derivative: nil)
    case "ifelse":
      return try conditional(args, e)
    case "poly":
      throw FormulaError.notDifferentiable(
        variable: variable, term: term, reason: "poly() is only differentiated as a whole model variable")
    default:
      throw FormulaError.unsupportedFunction(name: f)
    }
  }
}
