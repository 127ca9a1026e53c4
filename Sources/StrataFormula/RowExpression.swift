import StrataData

/// An R expression evaluated once per row of a data frame, as `lm(subset=, weights=)` does.
///
///     let s = try RowExpression.parse("educ >= 12 & region %in% c(\"N\", \"S\")")
///     let keep = try s.evaluate(on: data)  // 1 = TRUE, 0 = FALSE, NaN = NA
///
/// Supports `== != < <= > >= & | ! && ||`, `%in% c(...)`, `+ - * / ^ %% %/%`, parentheses,
/// numbers, strings (compared with factor columns by label), `TRUE`/`FALSE`/`NA` and the
/// formula functions (`log`, `exp`, `sqrt`, `abs`, `I`, ...).
public struct RowExpression: Sendable {
  /// The text as given.
  public var text: String
  /// The parsed expression.
  public var expression: FormulaExpression

  /// Parses `text`.
  ///
  /// - Throws: `FormulaError.unexpectedToken` with the position of the problem.
  public static func parse(_ text: String) throws -> RowExpression {
    RowExpression(text: text, expression: try Parser.parse(text) { try $0.parseStandalone() })
  }

  /// The expression deparsed as R would print it.
  public var deparsed: String { deparse(expression) }

  /// The value for every row: numbers as they are, logicals as 0/1, NaN for NA.
  ///
  /// - Throws: `FormulaError.unknownVariable` for a name not in `data`,
  ///   `FormulaError.nonNumeric` when the result is categorical.
  /// - Complexity: O(rows × operations), vectorised.
  public func evaluate(on data: DataFrame) throws -> [Double] {
    let v = try Evaluator(data: data, context: deparsed).evaluate(expression)
    switch v {
    case .numeric(let x), .logical(let x): return x
    case .scalar(let x), .logicalScalar(let x): return Array(repeating: x, count: data.rowCount)
    case .matrix(let cols, _) where cols.count == 1: return cols[0]
    default: throw FormulaError.nonNumeric(variable: deparsed, term: deparsed)
    }
  }

  /// Whether each row has a missing value in the expression's result (factors allowed).
  func missingMask(on data: DataFrame) throws -> [Bool] {
    let v = try Evaluator(data: data, context: deparsed).evaluate(expression)
    return try FrameVariable(v, rowCount: data.rowCount, name: deparsed).missingMask()
  }
}
