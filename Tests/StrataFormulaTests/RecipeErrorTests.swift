import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import Testing

/// Bad input to prediction and differentiation: each error names the variable, level or row.
@Suite("ModelRecipe errors")
struct RecipeErrorTests {
  func wage1() throws -> DataFrame { try DatasetCache.shared.frame("wage1") }
  func synthetic() throws -> DataFrame { try DatasetCache.shared.frame("synthetic") }

  @Test func unseenNumericFactorLevel() throws {
    let mroz = try DatasetCache.shared.frame("mroz")
    let mm = try ModelMatrix.build(formula: "hours ~ educ * factor(kidslt6)", data: mroz)
    let levels = ["0", "1", "2", "3"]
    #expect(mm.recipe.factorLevels == ["factor(kidslt6)": levels])
    let five = try mroz.replacing("kidslt6", by: .set(to: 5))
    #expect(throws: FormulaError.unseenLevel(variable: "factor(kidslt6)", level: "5", fittedLevels: levels)) {
      try mm.matrix(for: five, rows: [0, 1])
    }
    let error = FormulaError.unseenLevel(variable: "factor(kidslt6)", level: "5", fittedLevels: levels)
    #expect(error.description.contains("'factor(kidslt6)'") && error.description.contains("'5'"))
  }

  /// Synthetic rows 5 and 17 (1-based) have g = "d", outside the `x < 9.5` estimation sample.
  @Test func unseenStringLevel() throws {
    let data = try synthetic()
    let mm = try ModelMatrix.build(formula: "y ~ x * g", data: data, options: .init(subset: "x < 9.5"))
    #expect(mm.recipe.factorLevels == ["g": ["a", "b", "c"]])
    #expect(throws: FormulaError.unseenLevel(variable: "g", level: "d", fittedLevels: ["a", "b", "c"])) {
      try mm.matrix(for: data, rows: [0, 4])
    }
    // A level of the column's dictionary absent from the chosen rows is fine: it gets zeros.
    let allB = try data.replacing("g", withLevel: "b")
    let x = try mm.matrix(for: allB, rows: [0, 4])
    #expect(x.cols == mm.columnNames.count)
    #expect(mm.columnNames.firstIndex(of: "gb").map { x[1, $0] } == 1)
    #expect(mm.columnNames.firstIndex(of: "gc").map { x[1, $0] } == 0)
  }

  /// Synthetic row 8 (1-based) has x = NA, row 12 has g = NA.
  @Test func missingValuesNameVariableAndRow() throws {
    let data = try synthetic()
    let mm = try ModelMatrix.build(formula: "y ~ x + g", data: data)
    #expect(throws: FormulaError.missingValue(variable: "x", row: 8)) {
      try mm.matrix(for: data, rows: Array(0..<12))
    }
    #expect(throws: FormulaError.missingValue(variable: "g", row: 12)) {
      try mm.matrix(for: data, rows: [11])
    }
    #expect(throws: FormulaError.missingValue(variable: "x", row: 8)) {
      try mm.derivative(withRespectTo: "x", data: data, rows: [7])
    }
  }

  @Test func nanFromTransformationNamesTheVariable() throws {
    let data = try wage1()
    let tenure = try data.numericValues(of: "tenure").values
    let mm = try ModelMatrix.build(formula: "lwage ~ log(tenure - 0.5)", data: data)
    let zero = try #require(tenure.firstIndex(of: 0))
    #expect(throws: FormulaError.missingValue(variable: "log(tenure - 0.5)", row: zero + 1)) {
      try mm.matrix(for: data)
    }
  }

  @Test func infiniteColumnNamesTermAndRow() throws {
    let data = try wage1()
    let mm = try ModelMatrix.build(formula: "lwage ~ log(tenure)", data: data, options: .init(subset: "tenure > 0"))
    let zero = try #require(try data.numericValues(of: "tenure").values.firstIndex(of: 0))
    #expect(throws: FormulaError.nonFiniteValue(term: "log(tenure)", row: zero + 1)) {
      try mm.matrix(for: data)
    }
  }

  @Test func infiniteDerivativeNamesTermAndRow() throws {
    let data = try wage1()
    let mm = try ModelMatrix.build(formula: "lwage ~ sqrt(tenure)", data: data)
    let zero = try #require(try data.numericValues(of: "tenure").values.firstIndex(of: 0))
    #expect(throws: FormulaError.nonFiniteDerivative(variable: "tenure", term: "sqrt(tenure)", row: zero + 1)) {
      try mm.derivative(withRespectTo: "tenure", data: data)
    }
  }

  @Test func variableNotInModel() throws {
    let data = try wage1()
    let mm = try ModelMatrix.build(formula: "lwage ~ educ + exper", data: data)
    #expect(throws: FormulaError.notInModel(variable: "tenure", modelVariables: ["educ", "exper"])) {
      try mm.derivative(withRespectTo: "tenure", data: data)
    }
    // The response is not a regressor either.
    #expect(throws: FormulaError.notInModel(variable: "lwage", modelVariables: ["educ", "exper"])) {
      try mm.derivative(withRespectTo: "lwage", data: data)
    }
  }

  @Test func categoricalVariableHasNoDerivative() throws {
    let mroz = try DatasetCache.shared.frame("mroz")
    let mm = try ModelMatrix.build(formula: "hours ~ educ * factor(kidslt6)", data: mroz)
    #expect(mm.recipe.role(of: "kidslt6") == .categorical)
    #expect(throws: FormulaError.categoricalVariable(variable: "kidslt6", term: "factor(kidslt6)")) {
      try mm.derivative(withRespectTo: "kidslt6", data: mroz)
    }
    let data = try synthetic()
    let syn = try ModelMatrix.build(formula: "y ~ x * g", data: data)
    #expect(syn.recipe.role(of: "g") == .categorical)
    #expect(throws: FormulaError.categoricalVariable(variable: "g", term: "g")) {
      try syn.derivative(withRespectTo: "g", data: data, rows: syn.rows)
    }
  }

  @Test func stepFunctionIsNotDifferentiable() throws {
    let data = try wage1()
    let mm = try ModelMatrix.build(formula: "lwage ~ educ + I(educ > 12)", data: data)
    #expect(mm.recipe.role(of: "educ") == .numericAndCategorical)
    #expect(throws: FormulaError.notDifferentiable(
      variable: "educ", term: "I(educ > 12)", reason: "it is a comparison or logical value (a step function)")) {
      try mm.derivative(withRespectTo: "educ", data: data)
    }
    let integerDivision = try ModelMatrix.build(formula: "lwage ~ I(exper %/% 10)", data: data)
    #expect(throws: FormulaError.notDifferentiable(
      variable: "exper", term: "I(exper%/%10)", reason: "'%/%' is a comparison or step function")) {
      try integerDivision.derivative(withRespectTo: "exper", data: data)
    }
  }

  @Test func typeMismatchAndUnknownColumn() throws {
    let data = try synthetic()
    let mm = try ModelMatrix.build(formula: "y ~ x + g", data: data)
    var numericG = data
    if let i = numericG.index(of: "g") {
      numericG.columns[i].storage = .numeric(NumericColumn(values: Array(repeating: 1, count: data.rowCount)))
    }
    #expect(throws: FormulaError.typeMismatch(variable: "g", fitted: "categorical", supplied: "numeric")) {
      try mm.matrix(for: numericG, rows: [0])
    }
    let withoutX = DataFrame(columns: data.columns.filter { $0.name != "x" }, source: "new.csv")
    #expect(throws: FormulaError.unknownVariable(name: "x", suggestions: withoutX.suggestions(for: "x"))) {
      try mm.matrix(for: withoutX, rows: [0])
    }
  }
}
