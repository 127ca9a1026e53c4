import Foundation
import StrataData
import StrataFormula
import Testing

/// `is.na`, `!is.na`, `ifelse` and `%in%` with R's NA semantics, in row expressions (subsets,
/// subpopulations, scenarios) and model matrices (R's column names, checked with R 4.2.2:
/// `colnames(model.matrix(~ is.na(a) + ifelse(a > 1, 1, 0) + ..., d))`).
@Suite("is.na, ifelse and %in% with R's NA semantics")
struct MissingAndConditionalTests {
  /// a = 0.5, 1.5, NA, 2, 3, 0; g = a, b, c, a, NA, b; y = 1…6.
  static func frame() -> DataFrame {
    DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: [1, 2, 3, 4, 5, 6]))),
      Column(
        name: "a",
        storage: .numeric(NumericColumn(values: [0.5, 1.5, .nan, 2, 3, 0], missing: [false, false, true, false, false, false]))),
      Column(name: "g", storage: .factor(FactorColumn(codes: [0, 1, 2, 0, -1, 1], levels: ["a", "b", "c"]))),
    ])
  }

  /// The values of a row expression, NA written as nil.
  func values(_ text: String) throws -> [Double?] {
    try RowExpression.parse(text).evaluate(on: Self.frame()).map { $0.isNaN ? nil : $0 }
  }

  @Test func isNaIsNeverMissing() throws {
    #expect(try values("is.na(a)") == [0, 0, 1, 0, 0, 0])
    #expect(try values("!is.na(a)") == [1, 1, 0, 1, 1, 1])
    #expect(try values("is.na(g)") == [0, 0, 0, 0, 1, 0])
    #expect(try values("is.na(a) | is.na(g)") == [0, 0, 1, 0, 1, 0])
    #expect(try values("is.na(NA)") == [1, 1, 1, 1, 1, 1])
  }

  @Test func ifelseTakesBranchesAndKeepsMissingTests() throws {
    // R: ifelse(c(0.5, 1.5, NA, 2, 3, 0) > 1, 1, 0) is 0 1 NA 1 1 0.
    #expect(try values("ifelse(a > 1, 1, 0)") == [0, 1, nil, 1, 1, 0])
    #expect(try values("ifelse(is.na(a), 0, a)") == [0.5, 1.5, 0, 2, 3, 0])
    #expect(try values("ifelse(test = a > 1, no = -y, yes = y)") == [-1, 2, nil, 4, 5, -6])
    #expect(try values("ifelse(g == \"a\", 1, 2)") == [1, 2, 2, 1, nil, 2])
    #expect(try values("ifelse(TRUE, 3, 4)") == [3, 3, 3, 3, 3, 3])
  }

  @Test func inIsFalseForMissingValues() throws {
    // R: NA %in% c("a", "b") is FALSE; NA %in% c(1, NA) is TRUE.
    #expect(try values("g %in% c(\"a\", \"b\")") == [1, 1, 0, 1, 0, 1])
    #expect(try values("a %in% c(2, 3)") == [0, 0, 0, 1, 1, 0])
    #expect(try values("a %in% c(2, NA)") == [0, 0, 1, 1, 0, 0])
    #expect(try values("!(g %in% c(\"c\"))") == [1, 1, 0, 1, 1, 1])
    // R: factor(c("a", NA)) %in% c("a", NA) is TRUE TRUE.
    #expect(try values("g %in% c(\"c\", NA)") == [0, 0, 1, 0, 1, 0])
    #expect(try values("g %in% NA") == [0, 0, 0, 0, 1, 0])
  }

  @Test func ifelseRefusesACategoricalBranch() {
    #expect(throws: FormulaError.self) { try values("ifelse(a > 1, g, \"z\")") }
    #expect(throws: FormulaError.self) { try values("ifelse(a > 1, 1)") }
    #expect(throws: FormulaError.self) { try values("is.na(a, g)") }
  }

  /// R keeps rows whose only NA is under is.na() (the term itself is never NA), names logical
  /// terms with a TRUE suffix and text ifelse() results as factors.
  @Test func modelMatrixColumnNamesAreR() throws {
    let mm = try ModelMatrix.build(formula: "y ~ is.na(a)", data: Self.frame())
    #expect(mm.columnNames == ["(Intercept)", "is.na(a)TRUE"])
    #expect(mm.rows.count == 6)
    let more = try ModelMatrix.build(
      formula: "y ~ ifelse(a > 1, 1, 0) + I(ifelse(a > 1, 1, 0)) + I(g %in% c(\"a\", \"b\")) + factor(g %in% c(\"a\", \"b\")) + !is.na(a)",
      data: Self.frame())
    #expect(
      more.columnNames == [
        "(Intercept)", "ifelse(a > 1, 1, 0)", "I(ifelse(a > 1, 1, 0))", "I(g %in% c(\"a\", \"b\"))TRUE",
        "factor(g %in% c(\"a\", \"b\"))TRUE", "!is.na(a)TRUE",
      ])
    // The row with a = NA has ifelse(...) = NA and is dropped; g = NA is FALSE under %in%.
    #expect(more.rows.count == 5)
    let text = try ModelMatrix.build(formula: "y ~ ifelse(a > 1, \"hi\", \"lo\")", data: Self.frame())
    #expect(text.columnNames == ["(Intercept)", "ifelse(a > 1, \"hi\", \"lo\")lo"])
  }

  /// The derivative through ifelse is the taken branch's; is.na's is zero.
  @Test func derivativeThroughIfelse() throws {
    let data = DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: [1, 2, 3, 4]))),
      Column(name: "x", storage: .numeric(NumericColumn(values: [0.5, 1.5, 2.5, 3.5]))),
    ])
    let mm = try ModelMatrix.build(formula: "y ~ I(ifelse(x > 2, x^2, 3 * x))", data: data)
    let d = try mm.derivative(withRespectTo: "x", data: data)
    #expect((0..<4).map { d[$0, 1] } == [3, 3, 5, 7])
  }

  /// Scenarios evaluate the same expressions.
  @Test func scenarioWithIfelse() throws {
    let s = try Scenario.parse("a = ifelse(is.na(a), 0, a)")
    let changed = try s.apply(to: Self.frame())
    #expect(try RowExpression.parse("a").evaluate(on: changed) == [0.5, 1.5, 0, 2, 3, 0])
  }
}
