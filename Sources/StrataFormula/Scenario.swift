import Foundation
import StrataData

/// A policy scenario: `;`-separated assignments `name = expression` applied to a data set in
/// order, each expression evaluated on the data as changed by the assignments before it,
/// optionally preceded by a display name and `: ` (`Lower burden: burden = burden * 0.7`).
///
///     let s = try Scenario.parse("burden = burden * 0.8; info = info + 1; region = \"north\"")
///
/// The name is the text before the first colon that is followed by a blank and comes before
/// any `=`; a colon inside the assignments (after the `=`) or one not followed by a blank
/// (`a:b`) never starts a name.
///     let counterfactual = try s.apply(to: data)
///
/// A numeric column takes the expression's value on every row (a `RowExpression`: arithmetic,
/// functions, comparisons as 0/1; NaN marks a missing value). A categorical column can only be
/// set to one level for every row, written as a string (`region = "north"`) or a number whose
/// label is a level (`kids = 2` when `kids` is a text column with level `2`). The result keeps
/// every column's levels dictionary, so a fitted `ModelRecipe` codes it as it coded the fit.
public struct Scenario: Sendable {
  /// One `name = expression` assignment.
  public struct Assignment: Sendable {
    /// The column assigned to.
    public var variable: String
    /// The value expression.
    public var expression: RowExpression
    /// Where the assignment is written in the scenario text.
    public var range: SourceRange
  }

  /// The scenario as written (with its name, if any).
  public var text: String
  /// The display name written before `: `, if any.
  public var name: String?
  /// The assignments, in order.
  public var assignments: [Assignment]

  /// The assignments as written (the text after the name).
  public var definition: String {
    guard name != nil, let colon = Scenario.nameColon(Array(text)) else { return text }
    return String(text[text.index(text.startIndex, offsetBy: colon + 1)...]).trimmingCharacters(in: .whitespaces)
  }

  /// The label to show: the name, else the scenario as written.
  public var label: String { name ?? text }

  /// The offset of the colon that ends a name: the first `:` followed by a blank, with no `=`
  /// before it and a non-blank name before it.
  private static func nameColon(_ chars: [Character]) -> Int? {
    for i in chars.indices {
      if chars[i] == "=" { return nil }
      if chars[i] == ":", i + 1 < chars.count, chars[i + 1].isWhitespace {
        return chars[..<i].allSatisfy(\.isWhitespace) ? nil : i
      }
    }
    return nil
  }

  /// Parses `text`.
  ///
  /// - Throws: `FormulaError.invalidScenario` (no `=`, an empty or non-name left side, no
  ///   assignments) or `FormulaError.unexpectedToken` in an expression, with the offset in `text`.
  public static func parse(_ text: String) throws -> Scenario {
    let chars = Array(text)
    var assignments: [Assignment] = []
    let colon = nameColon(chars)
    let name = colon.map { String(chars[..<$0]).trimmingCharacters(in: .whitespaces) }
    for piece in splitTopLevel(chars, in: (colon.map { $0 + 1 } ?? 0)..<chars.count, at: ";") {
      if chars[piece].allSatisfy(\.isWhitespace) { continue }
      guard let eq = assignmentOperator(chars, in: piece) else {
        throw FormulaError.invalidScenario(
          "expected 'name = expression'", at: firstNonSpace(chars, in: piece), in: text)
      }
      let lhsText = String(chars[piece.lowerBound..<eq])
      let rhsText = String(chars[(eq + 1)..<piece.upperBound])
      let lhsStart = firstNonSpace(chars, in: piece.lowerBound..<eq)
      let lhs: RowExpression
      do {
        lhs = try RowExpression.parse(lhsText)
      } catch {
        throw FormulaError.invalidScenario("expected a column name before '='", at: lhsStart, in: text)
      }
      guard case .name(let name) = lhs.expression.kind else {
        throw FormulaError.invalidScenario("expected a column name before '='", at: lhsStart, in: text)
      }
      let rhs: RowExpression
      do {
        rhs = try RowExpression.parse(rhsText)
      } catch FormulaError.unexpectedToken(let token, let at, _) {
        throw FormulaError.unexpectedToken(token, at: at + eq + 1, in: text)
      } catch FormulaError.tooDeep(let limit, let at, _) {
        throw FormulaError.tooDeep(limit: limit, at: at + eq + 1, in: text)
      }
      assignments.append(
        Assignment(variable: name, expression: rhs, range: SourceRange(piece.lowerBound, piece.upperBound)))
    }
    guard !assignments.isEmpty else {
      throw FormulaError.invalidScenario("no assignments", at: colon.map { $0 + 1 } ?? 0, in: text)
    }
    return Scenario(text: text, name: name, assignments: assignments)
  }

  /// The data with every assignment applied in order.
  ///
  /// - Throws: `FormulaError.unknownVariable` for a column `data` lacks (a scenario never
  ///   creates columns); `DataError.unknownLevel` for a label that is not a level;
  ///   `FormulaError.invalidScenario` for a non-constant value of a categorical column or a
  ///   label given to a numeric column; errors of evaluating the expression.
  /// - Complexity: O(rows × assignments × expression size).
  public func apply(to data: DataFrame) throws -> DataFrame {
    var current = data
    for a in assignments {
      guard let i = current.index(of: a.variable) else {
        throw FormulaError.unknownVariable(name: a.variable, suggestions: current.suggestions(for: a.variable))
      }
      let constant = Scenario.label(of: a.expression.expression)
      if current.columns[i].isNumeric {
        if case .string(let s) = a.expression.expression.kind {
          throw FormulaError.invalidScenario(
            "'\(a.variable)' is numeric and cannot be set to the label \"\(s)\"", at: a.range.lowerBound, in: text)
        }
        current = try current.replacing(a.variable, with: a.expression.evaluate(on: current))
      } else {
        guard let label = constant else {
          throw FormulaError.invalidScenario(
            "'\(a.variable)' is categorical: set it to one level, as \(a.variable) = \"level\"",
            at: a.range.lowerBound, in: text)
        }
        current = try current.replacing(a.variable, withLevel: label)
      }
    }
    return current
  }

  /// The level label a constant expression names (`"b"`, `2`, `TRUE`), if it is one.
  private static func label(of e: FormulaExpression) -> String? {
    switch e.kind {
    case .string(let s): return s
    case .number(let v): return formatRNumber(v)
    case .integer(let v): return String(v)
    case .logical(let b): return b ? "TRUE" : "FALSE"
    case .unary(.minus, let x):
      if case .number(let v) = x.kind { return formatRNumber(-v) }
      if case .integer(let v) = x.kind { return String(-v) }
      return nil
    case .parenthesized(let x): return label(of: x)
    default: return nil
    }
  }
}

/// The offsets in `range` that lie outside quotes, backquotes and brackets, in order.
private func topLevelOffsets(_ chars: [Character], in range: Range<Int>) -> [Int] {
  var offsets: [Int] = []
  var depth = 0
  var quote: Character?
  var i = range.lowerBound
  while i < range.upperBound {
    let c = chars[i]
    if let q = quote {
      if c == "\\" {
        i += 1
      } else if c == q {
        quote = nil
      }
    } else if c == "\"" || c == "'" || c == "`" {
      quote = c
    } else if c == "(" || c == "[" {
      depth += 1
    } else if c == ")" || c == "]" {
      depth -= 1
    } else if depth == 0 {
      offsets.append(i)
    }
    i += 1
  }
  return offsets
}

/// The ranges of `range` between top-level `separator`s (outside quotes, backquotes and brackets).
private func splitTopLevel(_ chars: [Character], in range: Range<Int>, at separator: Character) -> [Range<Int>] {
  var pieces: [Range<Int>] = []
  var start = range.lowerBound
  for i in topLevelOffsets(chars, in: range) where chars[i] == separator {
    pieces.append(start..<i)
    start = i + 1
  }
  pieces.append(start..<range.upperBound)
  return pieces
}

/// The offset of the assignment `=` in `range` (top level, not part of `==`, `<=`, `>=`, `!=`).
private func assignmentOperator(_ chars: [Character], in range: Range<Int>) -> Int? {
  topLevelOffsets(chars, in: range).first { i in
    guard chars[i] == "=" else { return false }
    let before = i > range.lowerBound ? chars[i - 1] : " "
    let after = i + 1 < range.upperBound ? chars[i + 1] : " "
    return after != "=" && before != "=" && !"<>!".contains(before)
  }
}

/// The first non-blank offset in `range` (its start if all blank).
private func firstNonSpace(_ chars: [Character], in range: Range<Int>) -> Int {
  range.first { !chars[$0].isWhitespace } ?? range.lowerBound
}
