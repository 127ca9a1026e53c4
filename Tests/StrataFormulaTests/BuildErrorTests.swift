import Testing
import StrataData
@testable import StrataFormula

/// Errors of `ModelMatrix.build`; where R also fails, the R message is quoted.
@Suite struct BuildErrorTests {
  private func wage1() throws -> DataFrame { try DatasetCache.shared.frame("wage1") }
  private func synthetic() throws -> DataFrame { try DatasetCache.shared.frame("synthetic") }

  @Test func unknownVariableSuggestsColumn() throws {
    let data = try wage1()
    #expect(throws: FormulaError.unknownVariable(name: "eduk", suggestions: ["educ"])) {
      try ModelMatrix.build(formula: "lwage ~ eduk + exper", data: data)
    }
    #expect(throws: FormulaError.unknownVariable(name: "tenur", suggestions: ["tenure", "tenursq"])) {
      try ModelMatrix.build(formula: "lwage ~ educ", data: data, options: .init(subset: "tenur > 2"))
    }
    let message = FormulaError.unknownVariable(name: "eduk", suggestions: ["educ"]).description
    #expect(message == "unknown variable 'eduk' (did you mean 'educ'?)")
  }

  @Test func categoricalInArithmetic() throws {
    // R: log(g) on a character column fails ("non-numeric argument to mathematical function").
    let data = try synthetic()
    #expect(throws: FormulaError.nonNumeric(variable: "g", term: "log(g)")) {
      try ModelMatrix.build(formula: "y ~ log(g)", data: data)
    }
    #expect(throws: FormulaError.nonNumeric(variable: "h", term: "I(x * h)")) {
      try ModelMatrix.build(formula: "y ~ I(x * h)", data: data)
    }
    #expect(throws: FormulaError.nonNumeric(variable: "g", term: "g")) {
      try ModelMatrix.build(formula: "g ~ x", data: data)
    }
  }

  @Test func infiniteValuesNameTheTerm() throws {
    // R: lm(lwage ~ log(tenure), wage1) -> "NA/NaN/Inf in 'x'" (tenure has zeros);
    //    lm(log(tenure) ~ educ, wage1) -> "NA/NaN/Inf in 'y'".
    let data = try wage1()
    #expect(throws: FormulaError.nonFinite(term: "log(tenure)")) {
      try ModelMatrix.build(formula: "lwage ~ educ + log(tenure)", data: data)
    }
    #expect(throws: FormulaError.nonFinite(term: "educ:I(1/tenure)")) {
      try ModelMatrix.build(formula: "lwage ~ educ:I(1/tenure)", data: data)
    }
    #expect(throws: FormulaError.nonFinite(term: "log(tenure)")) {
      try ModelMatrix.build(formula: "log(tenure) ~ educ", data: data)
    }
    #expect(throws: FormulaError.nonFinite(term: "1/(tenure - tenure)")) {
      try ModelMatrix.build(formula: "lwage ~ educ", data: data, options: .init(weights: "1/(tenure - tenure)"))
    }
    // Restricting the sample removes the problem.
    let mm = try ModelMatrix.build(
      formula: "lwage ~ educ + log(tenure)", data: data, options: .init(subset: "tenure > 0"))
    #expect(mm.droppedBySubset > 0)
  }

  @Test func singleLevelFactor() throws {
    // R: "contrasts can be applied only to factors with 2 or more levels"
    let data = try synthetic()
    #expect(throws: FormulaError.singleLevelFactor(variable: "g", levels: ["a"])) {
      try ModelMatrix.build(formula: "y ~ g + x", data: data, options: .init(subset: "g == \"a\""))
    }
  }

  @Test func emptyModelAndNoRows() throws {
    let data = try synthetic()
    #expect(throws: FormulaError.emptyModel) {
      try ModelMatrix.build(formula: "y ~ 0", data: data)
    }
    #expect(throws: FormulaError.emptyModel) {
      try ModelMatrix.build(formula: "y ~ x - x - 1", data: data)
    }
    #expect(throws: FormulaError.noRowsLeft(droppedMissing: 0, droppedBySubset: 40)) {
      try ModelMatrix.build(formula: "y ~ x", data: data, options: .init(subset: "x > 100"))
    }
  }

  @Test func unsupportedFunctions() throws {
    let data = try synthetic()
    #expect(throws: FormulaError.unsupportedFunction(name: "scale")) {
      try ModelMatrix.build(formula: "y ~ scale(x)", data: data)
    }
    #expect(throws: FormulaError.invalidArguments(
      function: "poly", reason: "orthogonal polynomials are not supported yet; use poly(x, 2, raw = TRUE)")) {
      try ModelMatrix.build(formula: "y ~ poly(x, 2)", data: data)
    }
  }

  @Test func interceptOnlyModel() throws {
    let mm = try ModelMatrix.build(formula: "y ~ 1", data: try synthetic())
    #expect(mm.columnNames == ["(Intercept)"])
    #expect(mm.assign == [0])
    #expect(mm.termLabels.isEmpty)
    #expect(mm.nobs == 39)  // y has one NA
  }

  @Test func extraVariablesDropMissingRows() throws {
    // Same sample as R's model.frame(y ~ g + x): 37 rows (NA in y, x and g).
    let data = try synthetic()
    let mm = try ModelMatrix.build(formula: "y ~ x", data: data, options: .init(extraVariables: ["g"]))
    #expect(mm.nobs == 37)
    #expect(mm.droppedMissing == 3)
    #expect(mm.columnNames == ["(Intercept)", "x"])
  }

  @Test func rowExpressionRejectsFactorResult() throws {
    let data = try synthetic()
    #expect(throws: FormulaError.nonNumeric(variable: "g", term: "g")) {
      try RowExpression.parse("g").evaluate(on: data)
    }
  }

  @Test func errorDescriptionsAreActionable() {
    #expect(FormulaError.nonFinite(term: "log(tenure)").description.contains("log(tenure)"))
    #expect(FormulaError.noRowsLeft(droppedMissing: 3, droppedBySubset: 5).description
      == "no observations left: 5 dropped by the subset, 3 dropped for missing values")
    #expect(FormulaError.singleLevelFactor(variable: "g", levels: ["a"]).description.contains("'g'"))
  }
}
