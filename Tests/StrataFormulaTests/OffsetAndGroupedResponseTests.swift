import Foundation
import StrataData
import StrataFormula
import Testing

/// `offset(expr)` terms (R's `attr(terms, "offset")`, `model.offset`) and the grouped binomial
/// response `cbind(successes, failures)` in the formula layer.
@Suite("Offsets and cbind responses in formulas")
struct OffsetAndGroupedResponseTests {
  static func frame() -> DataFrame {
    DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: [1, 3, 2, 5, 4]))),
      Column(name: "f", storage: .numeric(NumericColumn(values: [2, 0, 1, 1, 3]))),
      Column(name: "x", storage: .numeric(NumericColumn(values: [0.5, 1.5, 2, 3, 4]))),
      Column(name: "t", storage: .numeric(NumericColumn(values: [10, 20, 30, 40, .nan], missing: [false, false, false, false, true]))),
    ])
  }

  /// An offset is a variable but not a term; every term containing it is dropped (R's terms.formula).
  @Test func offsetIsNotATerm() throws {
    let t = try Terms(formula: Formula.parse("y ~ x + offset(log(t)) + x:offset(log(t))"))
    #expect(t.labels == ["x"])
    #expect(t.offsets == [2])
    #expect(t.variableNames == ["y", "x", "offset(log(t))"])
    let none = try Terms(formula: Formula.parse("y ~ x"))
    #expect(none.offsets.isEmpty)
  }

  /// The offset is summed over offset terms, evaluated on the estimation sample (a missing
  /// exposure drops the row, as na.omit), and not a column of X.
  @Test func modelMatrixCarriesTheOffset() throws {
    let mm = try ModelMatrix.build(formula: "y ~ x + offset(log(t)) + offset(x)", data: Self.frame())
    #expect(mm.columnNames == ["(Intercept)", "x"])
    #expect(mm.rows == [0, 1, 2, 3])
    let exposures: [Double] = [10, 20, 30, 40]
    let xs: [Double] = [0.5, 1.5, 2, 3]
    let expected: [Double] = zip(exposures, xs).map { log($0) + $1 }
    #expect(mm.offset == expected)
    #expect(try mm.recipe.offset(for: Self.frame(), rows: mm.rows) == expected)
    #expect(mm.recipe.offsetVariables == ["t", "x"])
    // On new data: a missing or infinite value is an error naming the offset and the row.
    #expect(throws: FormulaError.missingValue(variable: "offset(log(t))", row: 5)) {
      try mm.recipe.offset(for: Self.frame(), rows: [0, 4])
    }
    let zero = try Self.frame().replacing("t", with: [10, 0, 30, 40, 50])
    #expect(throws: FormulaError.nonFiniteValue(term: "offset(log(t))", row: 2)) {
      try mm.recipe.offset(for: zero, rows: [0, 1])
    }
    // In the fit itself log(0) is an error naming the offset (R: NA/NaN/Inf in 'x').
    #expect(throws: FormulaError.nonFinite(term: "offset(log(t))")) {
      try ModelMatrix.build(formula: "y ~ x + offset(log(t))", data: zero)
    }
    #expect(try ModelMatrix.build(formula: "y ~ x", data: Self.frame()).offset == nil)
  }

  /// `cbind(s, f)`: the response is the proportion s / (s + f), the counts are kept beside it.
  @Test func cbindResponse() throws {
    let mm = try ModelMatrix.build(formula: "cbind(y, f) ~ x", data: Self.frame())
    let g = try #require(mm.groupedCounts)
    #expect(g.successes == [1, 3, 2, 5, 4])
    #expect(g.failures == [2, 0, 1, 1, 3])
    #expect(g.trials == [3, 3, 3, 6, 7])
    #expect(g.successesName == "y" && g.failuresName == "f")
    let proportions: [Double] = [1.0 / 3, 1, 2.0 / 3, 5.0 / 6, 4.0 / 7]
    #expect(mm.response == proportions)
    #expect(mm.responseName == "cbind(y, f)")
    let expression = try ModelMatrix.build(formula: "cbind(y, y + f - y) ~ x", data: Self.frame())
    #expect(expression.groupedCounts?.failuresName == "y + f - y")
    #expect(throws: FormulaError.self) { try ModelMatrix.build(formula: "cbind(y, f, x) ~ x", data: Self.frame()) }
  }
}
