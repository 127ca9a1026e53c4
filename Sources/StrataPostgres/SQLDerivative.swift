import Foundation
import StrataFormula
import StrataInference

/// The derivative of a formula variable with respect to a data column, written in SQL:
/// forward-mode differentiation of the R expression (`x`, `I(x^2)`, `log(x)`, `exp()`, `sqrt()`,
/// `abs()`, `+ − × ÷`, powers), with the values of sub-expressions compiled by
/// `SQLExpressionCompiler`, as `StrataFormula`'s `DualEvaluator` differentiates them on rows in
/// memory. A division by zero (`0.5 / SQRT(x)` at x = 0) gives NULL instead of a server error,
/// so the margin's sums can report the row as non-finite (`MarginsError.nonFinite`), as the
/// in-memory margins do.
///
///     var d = SQLDerivative(schema: schema, variable: "meals", context: "term 'I(meals^2)'")
///     try d.derivative(of: expression)   // "(CAST(2 AS double precision) * POWER(…, …) * 1.0)"
struct SQLDerivative {
  let schema: SourceSchema
  /// The data column differentiated by.
  let variable: String
  /// The term, named in errors.
  let context: String

  private func value(_ e: FormulaExpression) throws -> String {
    var compiler = SQLExpressionCompiler(schema: schema, context: context)
    return try compiler.numeric(e)
  }

  private func notDifferentiable(_ reason: String) -> FormulaError {
    .notDifferentiable(variable: variable, term: context, reason: reason)
  }

  /// `num / den`, NULL where `den` is zero.
  static func quotient(_ num: String, _ den: String) -> String {
    "(CASE WHEN \(den) = 0.0 THEN NULL ELSE \(num) / \(den) END)"
  }

  /// `∂e/∂variable` as SQL, or nil where it is zero (`e` does not mention the variable).
  func derivative(of e: FormulaExpression) throws -> String? {
    guard SQLDerivative.mentions(e, variable) else { return nil }
    switch e.kind {
    case .name: return "1.0"
    case .parenthesized(let x): return try derivative(of: x)
    case .unary(.minus, let x): return try derivative(of: x).map { "(-\($0))" }
    case .unary(.plus, let x): return try derivative(of: x)
    case .unary(let op, _): throw notDifferentiable("'\(op.rawValue)' is a logical operator (a step function)")
    case .binary(let op, let l, let r): return try binary(op, l, r)
    case .call(let f, let args): return try call(f, args)
    case .number, .integer, .string, .logical, .missing: return nil
    }
  }

  private func binary(_ op: BinaryOperator, _ l: FormulaExpression, _ r: FormulaExpression) throws -> String? {
    let (da, db) = (try derivative(of: l), try derivative(of: r))
    switch op {
    case .plus, .minus:
      switch (da, db) {
      case (nil, nil): return nil
      case (let a?, nil): return a
      case (nil, let b?): return op == .plus ? b : "(-\(b))"
      case (let a?, let b?): return "(\(a) \(op.rawValue) \(b))"
      }
    case .times:
      // (ab)' = a'b + ab'
      var parts: [String] = []
      if let da { parts.append("\(da) * \(try value(r))") }
      if let db { parts.append("\(try value(l)) * \(db)") }
      return "(\(parts.joined(separator: " + ")))"
    case .divide:
      // (a/b)' = a'/b − a·b'/b²
      let b = try value(r)
      var parts: [String] = []
      if let da { parts.append(Self.quotient(da, b)) }
      if let db { parts.append("(-\(Self.quotient("\(try value(l)) * \(db)", "(\(b) * \(b))")))") }
      return "(\(parts.joined(separator: " + ")))"
    case .power:
      let (u, c) = (try value(l), try value(r))
      var parts: [String] = []
      if let da {
        // (u^c)' = c·u^(c−1)·u′ (zero for c = 0, where u^0 is the constant 1)
        var exponent: Double?
        if case .number(let k) = r.kind { exponent = k }
        if case .integer(let k) = r.kind { exponent = Double(k) }
        switch exponent {
        case 0?: break
        case 1?: parts.append(da)
        default: parts.append("\(c) * POWER(\(u), \(c) - 1.0) * \(da)")
        }
      }
      // (c^v)' = c^v·log(c)·v′
      if let db { parts.append("POWER(\(u), \(c)) * LN(\(u)) * \(db)") }
      return parts.isEmpty ? nil : "(\(parts.joined(separator: " + ")))"
    default:
      throw notDifferentiable("'\(op.rawValue)' is a comparison or step function")
    }
  }

  private func call(_ f: String, _ args: [CallArgument]) throws -> String? {
    guard args.count == 1, args[0].label == nil else { throw notDifferentiable("\(f)() with several arguments") }
    let x = args[0].value
    guard let dx = try derivative(of: x) else { return nil }
    switch f {
    case "I", "as.numeric", "as.double": return dx
    case "log": return Self.quotient(dx, try value(x))
    case "exp": return "EXP(\(try value(x))) * \(dx)"
    case "sqrt": return "\(Self.quotient("0.5", "SQRT(\(try value(x)))")) * \(dx)"
    case "abs": return "SIGN(\(try value(x))) * \(dx)"
    case "factor", "as.factor": throw FormulaError.categoricalVariable(variable: variable, term: context)
    default: throw notDifferentiable("\(f)() is not differentiated in SQL")
    }
  }

  /// Whether `e` refers to the name `variable` anywhere.
  static func mentions(_ e: FormulaExpression, _ variable: String) -> Bool { e.mentions(variable) }

  /// `e` with every reference to `variable` replaced by `value` (a literal).
  static func replacing(_ variable: String, by value: ExpressionKind, in e: FormulaExpression)
    -> FormulaExpression
  {
    var out = e
    switch e.kind {
    case .name(let n) where n == variable: out.kind = value
    case .parenthesized(let x): out.kind = .parenthesized(replacing(variable, by: value, in: x))
    case .unary(let op, let x): out.kind = .unary(op, replacing(variable, by: value, in: x))
    case .binary(let op, let l, let r):
      out.kind = .binary(op, replacing(variable, by: value, in: l), replacing(variable, by: value, in: r))
    case .call(let f, let args):
      out.kind = .call(
        function: f,
        arguments: args.map { a in
          var b = a
          b.value = replacing(variable, by: value, in: a.value)
          return b
        })
    default: break
    }
    return out
  }
}

extension SQLModel {
  /// The data columns the regressors use, in order of first appearance over the variables in
  /// terms, each with how it enters (`ModelRecipe.variables`: a categorical column, `factor()`,
  /// a comparison or logical operator make a use categorical).
  func dataVariables(schema: SourceSchema) -> [(name: String, role: ModelRecipe.Role)] {
    guard let terms else { return [] }
    var order: [String] = []
    var uses: [String: (numeric: Bool, categorical: Bool)] = [:]
    func visit(_ e: FormulaExpression, step: Bool) {
      switch e.kind {
      case .name(let n):
        guard let kind = schema.kinds[n] else { return }
        if uses[n] == nil { order.append(n) }
        var u = uses[n] ?? (false, false)
        if step || kind != .numeric { u.categorical = true } else { u.numeric = true }
        uses[n] = u
      case .number, .integer, .string, .logical, .missing: break
      case .parenthesized(let x): visit(x, step: step)
      case .unary(let op, let x): visit(x, step: step || op == .not)
      case .binary(let op, let l, let r):
        let s = step || ![.plus, .minus, .times, .divide, .power].contains(op)
        visit(l, step: s)
        visit(r, step: s)
      case .call(let f, let args):
        let s = step || f == "factor" || f == "as.factor" || f == "is.na"
        for a in args { visit(a.value, step: s) }
      }
    }
    for v in Set(terms.terms.flatMap(\.variables)).sorted() { visit(terms.variables[v], step: false) }
    return order.map { name in
      let u = uses[name] ?? (true, false)
      return (name, u.categorical ? (u.numeric ? .numericAndCategorical : .categorical) : .numeric)
    }
  }

  /// The fitted levels of the factor of data column `name` (`name` a text column or
  /// `factor(name)` in a term), as `Margins.factorLevels` finds them.
  func factorLevels(of name: String) -> [String]? {
    guard let terms else { return nil }
    let inTerms = Set(terms.terms.flatMap(\.variables))
    for (v, e) in terms.variables.enumerated() where inTerms.contains(v) {
      if case .factor? = variables[v], Self.isFactor(e, of: name), let found = levels[v] { return found }
    }
    return nil
  }

  /// Whether `e` is data column `name` or `factor(name)`.
  static func isFactor(_ e: FormulaExpression, of name: String) -> Bool {
    switch e.kind {
    case .name(let n): return n == name
    case .parenthesized(let x): return isFactor(x, of: name)
    case .call(let f, let args) where (f == "factor" || f == "as.factor") && args.count == 1:
      return isFactor(args[0].value, of: name)
    default: return false
    }
  }

  /// The value of column `j` with the factor of `name` at `level`, when the column is made of
  /// that factor's indicators alone (1 when every part is `level`'s indicator, else 0); nil when
  /// it reads anything else.
  func constantValue(ofColumn j: Int, factorOf name: String, at level: String) -> Double? {
    guard let terms, !columnParts[j].isEmpty else { return nil }
    for part in columnParts[j] {
      guard part.level != nil, case .factor? = variables[part.variable],
        Self.isFactor(terms.variables[part.variable], of: name)
      else { return nil }
    }
    return columnParts[j].allSatisfy { $0.level == level } ? 1 : 0
  }

  /// Whether the response is `log(column)` (least squares: elasticities refer to the column).
  var responseIsLog: Bool {
    guard let terms, let r = terms.responseIndex, case .call("log", let args) = terms.variables[r].kind,
      args.count == 1, args[0].label == nil, case .name = args[0].value.kind
    else { return false }
    return true
  }

  /// The SQL of a column part: a numeric variable's value, or a factor's indicator of `level`.
  private func partSQL(_ variable: Variable, level: String?) -> String {
    switch variable {
    case .numeric(let sql): return sql
    case .factor(let sql, _): return SQLModel.indicator(sql, level ?? "")
    }
  }

  /// `∂x_j/∂name` for column `j` as SQL (the product rule over its parts), or nil where zero.
  func columnDerivative(_ j: Int, withRespectTo name: String, schema: SourceSchema) throws -> String? {
    guard let terms else { return nil }
    let parts = columnParts[j]
    var sums: [String] = []
    for (k, part) in parts.enumerated() {
      guard case .numeric? = variables[part.variable] else { continue }
      let differentiator = SQLDerivative(
        schema: schema, variable: name, context: terms.variableNames[part.variable])
      guard let d = try differentiator.derivative(of: terms.variables[part.variable]) else { continue }
      let others = parts.enumerated().filter { $0.offset != k }.compactMap { o -> String? in
        variables[o.element.variable].map { partSQL($0, level: o.element.level) }
      }
      sums.append(([d] + others).joined(separator: " * "))
    }
    return sums.isEmpty ? nil : "(\(sums.joined(separator: " + ")))"
  }

  /// The SQL of the columns that depend on data column `name`, with `name` set to `value` on
  /// every row (a discrete change); the other columns are unchanged.
  func columns(setting name: String, to value: ExpressionKind, schema: SourceSchema) throws -> [Int: String] {
    guard let terms else { return [:] }
    var compiled: [Int: Variable] = [:]
    var out: [Int: String] = [:]
    for (j, parts) in columnParts.enumerated() {
      guard parts.contains(where: { SQLDerivative.mentions(terms.variables[$0.variable], name) }) else { continue }
      var factors: [String] = []
      for part in parts {
        let e = terms.variables[part.variable]
        let variable: Variable
        if let v = compiled[part.variable] {
          variable = v
        } else if SQLDerivative.mentions(e, name) {
          variable = try SQLModel.variable(
            SQLDerivative.replacing(name, by: value, in: e), name: terms.variableNames[part.variable], schema: schema
          ).variable
          compiled[part.variable] = variable
        } else {
          guard let v = variables[part.variable] else { continue }
          variable = v
        }
        factors.append(partSQL(variable, level: part.level))
      }
      out[j] = factors.joined(separator: " * ")
    }
    return out
  }
}
