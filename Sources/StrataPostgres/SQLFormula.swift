import Foundation
import StrataFormula

/// What a column of the source holds, from the type the server reports for it.
enum SQLColumnKind: Equatable {
  case numeric, text, boolean
}

/// The columns of a source (a table or a query), in order, with their kinds.
struct SourceSchema {
  var names: [String]
  var kinds: [String: SQLColumnKind]
  /// Where the rows come from, for messages ("table public.api" or "the query").
  var label: String
  /// Columns read as other SQL (a scenario's assignments; `SQLModel.compile(formula:schema:replacing:levels:)`).
  var substitutions: [String: SQLValue] = [:]

  func kind(of name: String, in context: String) throws -> SQLColumnKind {
    guard let k = kinds[name] else {
      throw PostgresError.data("column '\(name)' (in \(context)) is not a column of \(label)")
    }
    return k
  }
}

/// A value compiled to SQL: its text and its kind.
struct SQLValue {
  var sql: String
  var kind: SQLColumnKind
}

/// Compiles R expressions (parsed by StrataFormula) into portable SQL: column references,
/// numbers and strings, `+ - * / ^`, comparisons, `& | !`, `%in% c(...)`, `log`/`exp`/`sqrt`/`abs`
/// and `I()`. Anything else is an error naming the expression.
struct SQLExpressionCompiler {
  let schema: SourceSchema
  /// The term or option being compiled (named in errors).
  let context: String
  /// The columns read, in order of first use.
  private(set) var used: [String] = []

  init(schema: SourceSchema, context: String) {
    self.schema = schema
    self.context = context
  }

  private func unsupported(_ e: FormulaExpression) -> PostgresError {
    .unsupported("'\(deparse(e))' in \(context): the SQL pushdown compiles columns, numbers, + - * / ^, comparisons, & | !, %in% c(...), log(), exp(), sqrt(), abs() and I()")
  }

  mutating func numeric(_ e: FormulaExpression) throws -> String {
    let v = try value(e)
    switch v.kind {
    case .numeric: return v.sql
    case .boolean: return "CASE WHEN \(v.sql) THEN 1.0 ELSE 0.0 END"
    case .text: throw PostgresError.data("'\(deparse(e))' in \(context) is text, not a number")
    }
  }

  /// The SQL condition of an R row condition given as text (`--subpop`, `--subset`), named
  /// `option '…'` in its errors.
  static func condition(parsing text: String, option: String, schema: SourceSchema) throws -> String {
    let expression: RowExpression
    do { expression = try RowExpression.parse(text) } catch {
      throw PostgresError.data("\(option) '\(text)': \(error)")
    }
    var compiler = SQLExpressionCompiler(schema: schema, context: "\(option) '\(text)'")
    return try compiler.condition(expression.expression)
  }

  mutating func condition(_ e: FormulaExpression) throws -> String {
    let v = try value(e)
    switch v.kind {
    case .boolean: return v.sql
    case .numeric: return "(\(v.sql) <> 0.0)"
    case .text: throw PostgresError.data("'\(deparse(e))' in \(context) is text, not a condition")
    }
  }

  mutating func value(_ e: FormulaExpression) throws -> SQLValue {
    switch e.kind {
    case .name(let n):
      if let replaced = schema.substitutions[n] { return replaced }
      let kind = try schema.kind(of: n, in: context)
      if !used.contains(n) { used.append(n) }
      switch kind {
      case .numeric: return SQLValue(sql: "CAST(\(SQL.identifier(n)) AS double precision)", kind: .numeric)
      case .text: return SQLValue(sql: "CAST(\(SQL.identifier(n)) AS varchar)", kind: .text)
      case .boolean: return SQLValue(sql: SQL.identifier(n), kind: .boolean)
      }
    case .number(let x): return SQLValue(sql: SQL.number(x), kind: .numeric)
    case .integer(let i): return SQLValue(sql: SQL.number(Double(i)), kind: .numeric)
    case .string(let s): return SQLValue(sql: SQL.literal(s), kind: .text)
    case .logical(let b): return SQLValue(sql: b ? "(1 = 1)" : "(1 = 0)", kind: .boolean)
    case .missing: throw unsupported(e)
    case .parenthesized(let inner):
      let v = try value(inner)
      return SQLValue(sql: "(\(v.sql))", kind: v.kind)
    case .unary(let op, let inner):
      switch op {
      case .minus: return SQLValue(sql: "(-\(try numeric(inner)))", kind: .numeric)
      case .plus: return SQLValue(sql: try numeric(inner), kind: .numeric)
      case .not: return SQLValue(sql: "(NOT \(try condition(inner)))", kind: .boolean)
      case .tilde: throw unsupported(e)
      }
    case .binary(let op, let a, let b):
      switch op {
      case .plus, .minus, .times, .divide:
        return SQLValue(sql: "(\(try numeric(a)) \(op.rawValue) \(try numeric(b)))", kind: .numeric)
      case .power:
        return SQLValue(sql: "POWER(\(try numeric(a)), \(try numeric(b)))", kind: .numeric)
      case .and, .andAnd:
        return SQLValue(sql: "(\(try condition(a)) AND \(try condition(b)))", kind: .boolean)
      case .or, .orOr:
        return SQLValue(sql: "(\(try condition(a)) OR \(try condition(b)))", kind: .boolean)
      case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
        let x = try value(a), y = try value(b)
        guard (x.kind == .text) == (y.kind == .text) else {
          throw PostgresError.data("'\(deparse(e))' in \(context) compares text with a number")
        }
        let sqlOp = op == .equal ? "=" : op == .notEqual ? "<>" : op.rawValue
        let lhs = x.kind == .boolean ? "CASE WHEN \(x.sql) THEN 1.0 ELSE 0.0 END" : x.sql
        let rhs = y.kind == .boolean ? "CASE WHEN \(y.sql) THEN 1.0 ELSE 0.0 END" : y.sql
        return SQLValue(sql: "(\(lhs) \(sqlOp) \(rhs))", kind: .boolean)
      case .in:
        guard case .call("c", let items) = b.kind, !items.isEmpty else { throw unsupported(e) }
        let x = try value(a)
        var list: [String] = []
        for item in items {
          let v = try value(item.value)
          guard (v.kind == .text) == (x.kind == .text), v.kind != .boolean else {
            throw PostgresError.data("'\(deparse(e))' in \(context) compares text with a number")
          }
          list.append(v.sql)
        }
        return SQLValue(sql: "(\(x.sql) IN (\(list.joined(separator: ", "))))", kind: .boolean)
      default: throw unsupported(e)
      }
    case .call(let function, let arguments):
      guard arguments.count == 1, arguments[0].label == nil else { throw unsupported(e) }
      let functions = ["log": "LN", "exp": "EXP", "sqrt": "SQRT", "abs": "ABS"]
      if function == "I" { return SQLValue(sql: try numeric(arguments[0].value), kind: .numeric) }
      guard let f = functions[function] else { throw unsupported(e) }
      return SQLValue(sql: "\(f)(\(try numeric(arguments[0].value)))", kind: .numeric)
    }
  }
}

/// One model-matrix column: its R name and its SQL expression.
struct PushdownColumn {
  var name: String
  var sql: String
}

/// The model matrix of a formula as SQL columns, in R's `model.matrix` order and names: the
/// terms from StrataFormula's `Terms` (R's `terms.formula`), factors coded by treatment contrasts
/// or one indicator per level as R's `TermCode` rule says, interactions as products.
struct SQLModel {
  var columns: [PushdownColumn]
  /// The response as a number (a two-level text response is 1 for its second level).
  var response: String
  var responseName: String
  /// Every source column read by the response and the terms.
  var used: [String]
  /// Whether the model has an intercept.
  var hasIntercept = true
  /// The main-effect factor terms: the SQL of the factor's labels and its columns (index in
  /// `columns`, level). A row has 1 in at most one of them, so sums can be grouped by the labels.
  var factorTerms: [(labels: String, columns: [(index: Int, level: String)])] = []
  /// The formula's terms (R's `terms.formula`): the variables' expressions (margins
  /// differentiate them and set their columns, `SQLDerivative`).
  var terms: Terms? = nil
  /// Each formula variable as compiled (nil: the response).
  var variables: [Variable?] = []
  /// The sorted levels of each factor variable (by index in `terms.variables`).
  var levels: [Int: [String]] = [:]
  /// How each column is made: the product of its parts, a numeric variable (level nil) or a
  /// factor variable's indicator of `level`; the intercept has no part.
  var columnParts: [[(variable: Int, level: String?)]] = []

  /// A variable of the formula before its levels are known.
  enum Variable {
    case numeric(String)
    /// A factor: the SQL of its labels (text) and whether they sort as numbers.
    case factor(sql: String, numericLevels: Bool)
  }

  /// The source columns `formula` reads (response and terms), before any level is looked up.
  static func columnsRead(formula text: String, schema: SourceSchema) throws -> [String] {
    let terms: Terms
    do { terms = try Terms(formula: try Formula.parse(text)) } catch {
      throw PostgresError.data("formula '\(text)': \(error)")
    }
    var used: [String] = []
    for (v, e) in terms.variables.enumerated() {
      var compiler = SQLExpressionCompiler(schema: schema, context: "term '\(terms.variableNames[v])'")
      if case .call("factor", let args) = e.kind, args.count == 1 {
        _ = try compiler.value(args[0].value)
      } else {
        _ = try compiler.value(e)
      }
      for n in compiler.used where !used.contains(n) { used.append(n) }
    }
    return used
  }

  /// Compiles `formula`; `levels` returns the sorted levels of a factor's label SQL (one
  /// `SELECT DISTINCT`).
  static func compile(
    formula text: String, schema: SourceSchema, levels: (String) throws -> [String]
  ) throws -> SQLModel {
    let formula: Formula
    let terms: Terms
    do {
      formula = try Formula.parse(text)
      terms = try Terms(formula: formula)
    } catch {
      throw PostgresError.data("formula '\(text)': \(error)")
    }
    guard formula.parts.count == 1 else {
      throw PostgresError.unsupported("formula '\(text)' has several parts (|); one part only")
    }
    guard terms.offsets.isEmpty else {
      throw PostgresError.unsupported("offset() in '\(text)'")
    }
    guard let responseIndex = terms.responseIndex else {
      throw PostgresError.data("formula '\(text)' has no response")
    }
    var used: [String] = []
    func note(_ names: [String]) { for n in names where !used.contains(n) { used.append(n) } }

    // Variables: factor(column), a text column, or a numeric expression.
    var variables: [Variable?] = Array(repeating: nil, count: terms.variables.count)
    for (v, e) in terms.variables.enumerated() where v != responseIndex {
      let compiled = try variable(e, name: terms.variableNames[v], schema: schema)
      note(compiled.used)
      variables[v] = compiled.variable
    }

    // Response.
    let responseName = terms.variableNames[responseIndex]
    var responseCompiler = SQLExpressionCompiler(schema: schema, context: "the response '\(responseName)'")
    let responseValue = try responseCompiler.value(terms.variables[responseIndex])
    note(responseCompiler.used)
    let response: String
    switch responseValue.kind {
    case .numeric: response = responseValue.sql
    case .boolean: response = "CASE WHEN \(responseValue.sql) THEN 1.0 ELSE 0.0 END"
    case .text:
      let found = try levels(responseValue.sql)
      guard found.count == 2 else {
        throw PostgresError.data(
          "the response '\(responseName)' is text with \(found.count) level(s) (\(found.prefix(5).joined(separator: ", "))); a text response needs two")
      }
      response = "CASE WHEN \(responseValue.sql) = \(SQL.literal(found[1])) THEN 1.0 ELSE 0.0 END"
    }

    // Levels, once per factor.
    var factorLevels: [Int: [String]] = [:]
    for (v, variable) in variables.enumerated() {
      guard case .factor(let sql, let numericLevels)? = variable else { continue }
      var found = try levels(sql)
      if numericLevels {
        found.sort { (Double($0) ?? .nan) < (Double($1) ?? .nan) }
      }
      guard found.count >= 2 else {
        throw PostgresError.data(
          "factor '\(terms.variableNames[v])' has \(found.count) level(s) in the rows used; a factor needs two")
      }
      factorLevels[v] = found
    }

    // Columns: R's TermCode rule decides contrasts or full indicators for each factor in a term.
    var columns: [PushdownColumn] = terms.hasIntercept ? [PushdownColumn(name: "(Intercept)", sql: "1.0")] : []
    var columnParts: [[(variable: Int, level: String?)]] = terms.hasIntercept ? [[]] : []
    let termSets = terms.terms.map { Set($0.variables) }
    var factorTerms: [(labels: String, columns: [(index: Int, level: String)])] = []
    for (t, term) in terms.terms.enumerated() {
      if term.variables.count == 1, case .factor(let sql, _)? = variables[term.variables[0]] {
        let all = factorLevels[term.variables[0]] ?? []
        let levels = terms.hasIntercept ? Array(all.dropFirst()) : all
        factorTerms.append((sql, levels.enumerated().map { (columns.count + $0, $1) }))
      }
      var parts: [[PushdownColumn]] = []
      var partSources: [[(variable: Int, level: String?)]] = []
      for v in term.variables {
        let name = terms.variableNames[v]
        switch variables[v] {
        case .numeric(let sql)?:
          parts.append([PushdownColumn(name: name, sql: sql)])
          partSources.append([(v, nil)])
        case .factor(let sql, _)?:
          let rest = Set(term.variables).subtracting([v])
          let contrasts = rest.isEmpty ? terms.hasIntercept : termSets[..<t].contains(rest)
          let all = factorLevels[v] ?? []
          let kept = contrasts ? Array(all.dropFirst()) : all
          parts.append(kept.map { PushdownColumn(name: name + $0, sql: SQLModel.indicator(sql, $0)) })
          partSources.append(kept.map { (v, $0) })
        case nil: throw PostgresError.data("term '\(terms.labels[t])' uses the response")
        }
      }
      // The first variable varies fastest, as in R.
      var product: [PushdownColumn] = [PushdownColumn(name: "", sql: "")]
      var productSources: [[(variable: Int, level: String?)]] = [[]]
      for (part, sources) in zip(parts, partSources) {
        var next: [PushdownColumn] = []
        var nextSources: [[(variable: Int, level: String?)]] = []
        for (right, source) in zip(part, sources) {
          for (left, leftSources) in zip(product, productSources) {
            next.append(
              PushdownColumn(
                name: left.name.isEmpty ? right.name : left.name + ":" + right.name,
                sql: left.sql.isEmpty ? right.sql : "\(left.sql) * \(right.sql)"))
            nextSources.append(leftSources + [source])
          }
        }
        product = next
        productSources = nextSources
      }
      columns += product
      columnParts += productSources
    }
    guard !columns.isEmpty else { throw PostgresError.data("formula '\(text)' has no terms") }
    return SQLModel(
      columns: columns, response: response, responseName: responseName, used: used, hasIntercept: terms.hasIntercept,
      factorTerms: factorTerms, terms: terms, variables: variables, levels: factorLevels, columnParts: columnParts)
  }

  /// One formula variable compiled: `factor(column)` or a text column (a factor, by its labels'
  /// SQL), or a numeric expression; the source columns it reads.
  static func variable(_ e: FormulaExpression, name: String, schema: SourceSchema) throws
    -> (variable: Variable, used: [String])
  {
    var compiler = SQLExpressionCompiler(schema: schema, context: "term '\(name)'")
    if case .call("factor", let args) = e.kind {
      guard args.count == 1, args[0].label == nil else {
        throw PostgresError.unsupported("term '\(name)': factor() of one column or expression")
      }
      let inner = try compiler.value(args[0].value)
      switch inner.kind {
      case .text: return (.factor(sql: inner.sql, numericLevels: false), compiler.used)
      case .numeric: return (.factor(sql: "CAST(\(inner.sql) AS varchar)", numericLevels: true), compiler.used)
      case .boolean:
        throw PostgresError.unsupported("term '\(name)': factor() of a logical value")
      }
    }
    let value = try compiler.value(e)
    switch value.kind {
    case .numeric: return (.numeric(value.sql), compiler.used)
    case .text: return (.factor(sql: value.sql, numericLevels: false), compiler.used)
    case .boolean:
      throw PostgresError.unsupported("term '\(name)': a logical column or condition (write I(1 * (…)))")
    }
  }

  /// The indicator of `level` of a factor whose labels are `labels` (SQL text).
  static func indicator(_ labels: String, _ level: String) -> String {
    "CASE WHEN \(labels) = \(SQL.literal(level)) THEN 1.0 ELSE 0.0 END"
  }
}

// MARK: The formula with columns replaced (scenarios)

extension SQLModel {
  /// Compiles `formula` as `compile(formula:schema:levels:)` does, with the source columns in
  /// `replacing` read as the given SQL values: a scenario's assignments (`x = x * 0.7` replaces
  /// `x` by `(CAST("x" AS double precision) * …)`, `stype = "H"` replaces `stype` by a text
  /// constant). The factors keep the fitted model's levels: `levels` lists them in the order
  /// `compile` asks for them (the response's first when it is text, then each factor's).
  ///
  /// - Throws: `PostgresError.data` when the formula asks for more factors than `levels` holds.
  static func compile(
    formula text: String, schema: SourceSchema, replacing: [String: SQLValue], levels: [[String]]
  ) throws -> SQLModel {
    var replaced = schema
    replaced.substitutions = replacing
    var next = levels.makeIterator()
    return try compile(formula: text, schema: replaced) { _ in
      guard let found = next.next() else {
        throw PostgresError.data("formula '\(text)' has more factors than the fitted model")
      }
      return found
    }
  }
}
