import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import Testing

/// The recipe's captured structure, counterfactual-data helpers and the scenario parser.
@Suite("ModelRecipe capture, DataFrame replacement and scenarios")
struct RecipeScenarioTests {
  func wage1() throws -> DataFrame { try DatasetCache.shared.frame("wage1") }

  // MARK: Capture

  @Test func capturesVariablesRolesAndCodings() throws {
    let mm = try ModelMatrix.build(
      formula: "lwage ~ exper + I(exper^2) + factor(numdep) + educ:female", data: try wage1())
    let r = mm.recipe
    #expect(r.variables.map(\.name) == ["exper", "numdep", "educ", "female"])
    #expect(r.variables.map(\.role) == [.numeric, .categorical, .numeric, .numeric])
    #expect(r.modelVariables.map(\.name) == ["lwage", "exper", "I(exper^2)", "factor(numdep)", "educ", "female"])
    #expect(r.modelVariables[3].encoding == .factor(levels: ["0", "1", "2", "3", "4", "5", "6"], isLogical: false))
    #expect(r.modelVariables[2].encoding == .numeric)
    #expect(r.codings[2] == [3: .contrasts])  // factor(numdep) is term 3 (index 2)
    #expect(r.columnNames == mm.columnNames && r.assign == mm.assign && r.hasIntercept)
    #expect(r.responseName == "lwage" && r.responseTransformation == .identity)
    #expect(r.responseVariables == ["lwage"])
  }

  @Test func capturesResponseTransformationAndIndicatorCoding() throws {
    let data = try wage1()
    let logged = try ModelMatrix.build(formula: "log(wage) ~ 0 + factor(female) + poly(exper, 2, raw = TRUE)", data: data)
    #expect(logged.recipe.responseTransformation == .log)
    #expect(logged.recipe.responseVariables == ["wage"])
    #expect(logged.recipe.codings[0] == [1: .indicators])  // no intercept: all levels
    #expect(logged.recipe.modelVariables[2].encoding == .matrix(columnSuffixes: ["1", "2"]))
    let scaled = try ModelMatrix.build(formula: "I(wage/1000) ~ educ", data: data)
    #expect(scaled.recipe.responseTransformation == .other)
    let oneSided = try ModelMatrix.build(formula: "~ educ + I(educ > 12)", data: data)
    #expect(oneSided.recipe.response == nil && oneSided.recipe.responseTransformation == nil)
    #expect(oneSided.recipe.role(of: "educ") == .numericAndCategorical)
    #expect(oneSided.recipe.factorLevels.isEmpty)  // logicals are left out, as R's xlevels
  }

  // MARK: DataFrame replacement

  @Test func numericChangesKeepMissingValues() throws {
    let column = Column(name: "x", label: "an x", storage: .numeric(NumericColumn(values: [1, .nan, 3], missing: [false, true, false])))
    let other = Column(name: "g", storage: .factor(FactorColumn(codes: [0, 1, -1], levels: ["a", "b", "c"])))
    let data = DataFrame(columns: [column, other], source: "t.csv")
    let added = try data.replacing("x", by: .add(1)).numericValues(of: "x")
    #expect(added.values[0] == 2 && added.values[2] == 4 && added.missing == [false, true, false])
    let scaled = try data.replacing("x", by: .multiply(by: 0.5)).numericValues(of: "x")
    #expect(scaled.values[0] == 0.5 && scaled.missing == [false, true, false])
    let set = try data.replacing("x", by: .set(to: 7))
    #expect(try set.numericValues(of: "x").values == [7, 7, 7])
    #expect(try set.numericValues(of: "x").missing == [false, false, false])
    #expect(set.columns[0].label == "an x")
    #expect(throws: DataError.notNumeric(name: "g", source: "t.csv", levels: ["a", "b", "c"])) {
      try data.replacing("g", by: .add(1))
    }
    #expect(throws: DataError.unknownColumn(name: "z", source: "t.csv", suggestions: ["x", "g"])) {
      try data.replacing("z", by: .add(1))
    }
  }

  @Test func levelReplacementKeepsTheLevelsDictionary() throws {
    let g = Column(name: "g", storage: .factor(FactorColumn(codes: [0, 1, -1], levels: ["a", "b", "c"])))
    let k = Column(name: "k", storage: .numeric(NumericColumn(values: [0, 1, 2])))
    let data = DataFrame(columns: [g, k], source: "t.csv")
    let allC = try data.replacing("g", withLevel: "c")
    guard case .factor(let f) = allC.columns[0].storage else {
      Issue.record("g is no longer categorical")
      return
    }
    #expect(f.codes == [2, 2, 2] && f.levels == ["a", "b", "c"])
    #expect(throws: DataError.unknownLevel(name: "g", source: "t.csv", level: "z", levels: ["a", "b", "c"])) {
      try data.replacing("g", withLevel: "z")
    }
    #expect(try data.replacing("k", withLevel: "2").numericValues(of: "k").values == [2, 2, 2])
    #expect(throws: DataError.unknownLevel(name: "k", source: "t.csv", level: "two", levels: [])) {
      try data.replacing("k", withLevel: "two")
    }
  }

  // MARK: Scenarios

  @Test func parsesAssignments() throws {
    let s = try Scenario.parse("burden = burden * 0.8; info = info + 1;")
    #expect(s.assignments.map(\.variable) == ["burden", "info"])
    #expect(s.assignments.map(\.expression.deparsed) == ["burden * 0.8", "info + 1"])
    let c = try Scenario.parse("a = (x == 1) + (y >= 2); b = log(x, base = 10); g = \"x;y\"")
    #expect(c.assignments.map(\.variable) == ["a", "b", "g"])
    #expect(c.assignments.map(\.expression.deparsed) == ["(x == 1) + (y >= 2)", "log(x, base = 10)", "\"x;y\""])
  }

  @Test func namedScenarios() throws {
    let s = try Scenario.parse("Lower burden: burden = burden * 0.7; info = info + 1")
    #expect(s.name == "Lower burden" && s.label == "Lower burden")
    #expect(s.definition == "burden = burden * 0.7; info = info + 1")
    #expect(s.assignments.map(\.variable) == ["burden", "info"])
    #expect(s.text == "Lower burden: burden = burden * 0.7; info = info + 1")
    // No name: a colon after the '=' or one not followed by a blank never starts a name.
    let plain = try Scenario.parse("g = \"a: b\"")
    #expect(plain.name == nil && plain.label == plain.text && plain.definition == plain.text)
    #expect(plain.assignments.map(\.variable) == ["g"])
    let tight = try Scenario.parse("x = a:b")
    #expect(tight.name == nil)
    // A name may hold colons not followed by a blank; the first ': ' ends it.
    let timed = try Scenario.parse("Plan 2:1 split: copay = 1")
    #expect(timed.name == "Plan 2:1 split" && timed.definition == "copay = 1")
    // Errors point into the text as written, after the name.
    #expect(throws: FormulaError.invalidScenario("expected 'name = expression'", at: 7, in: "Named: burden")) {
      try Scenario.parse("Named: burden")
    }
    #expect(throws: FormulaError.invalidScenario("no assignments", at: 6, in: "Named:  ; ")) {
      try Scenario.parse("Named:  ; ")
    }
  }

  @Test func scenarioErrorsPointAtTheText() throws {
    #expect(throws: FormulaError.invalidScenario("expected 'name = expression'", at: 13, in: "exper = 1;   exper + 1")) {
      try Scenario.parse("exper = 1;   exper + 1")
    }
    #expect(throws: FormulaError.invalidScenario("expected a column name before '='", at: 0, in: "log(x) = 2")) {
      try Scenario.parse("log(x) = 2")
    }
    #expect(throws: FormulaError.invalidScenario("no assignments", at: 0, in: " ; ")) {
      try Scenario.parse(" ; ")
    }
    // The offset of a syntax error is in the whole scenario, not the piece.
    #expect(throws: FormulaError.unexpectedToken("", at: 17, in: "educ = 1; exper =")) {
      try Scenario.parse("educ = 1; exper =")
    }
  }

  @Test func appliesAssignmentsInOrder() throws {
    let data = try wage1()
    let s = try Scenario.parse("exper = exper + 1; educ = exper * 2; female = female == 0")
    let out = try s.apply(to: data)
    let exper = try data.numericValues(of: "exper").values
    let female = try data.numericValues(of: "female").values
    #expect(try out.numericValues(of: "exper").values == exper.map { $0 + 1 })
    #expect(try out.numericValues(of: "educ").values == exper.map { ($0 + 1) * 2 })  // sees the new exper
    #expect(try out.numericValues(of: "female").values == female.map { $0 == 0 ? 1 : 0 })
    #expect(try data.numericValues(of: "exper").values == exper)  // the input is unchanged
  }

  @Test func scenarioOnCategoricalColumns() throws {
    let data = try DatasetCache.shared.frame("synthetic")
    let out = try Scenario.parse("g = \"b\"; h = \"M\"").apply(to: data)
    guard case .factor(let g) = try out.column(named: "g").storage else {
      Issue.record("g is no longer categorical")
      return
    }
    #expect(g.levels == ["a", "b", "c", "d"] && g.codes.allSatisfy { $0 == 1 })
    #expect(throws: FormulaError.invalidScenario(
      "'g' is categorical: set it to one level, as g = \"level\"", at: 0, in: "g = h")) {
      try Scenario.parse("g = h").apply(to: data)
    }
    #expect(throws: FormulaError.invalidScenario(
      "'x' is numeric and cannot be set to the label \"b\"", at: 0, in: "x = \"b\"")) {
      try Scenario.parse("x = \"b\"").apply(to: data)
    }
    #expect(throws: DataError.unknownLevel(name: "g", source: "synthetic.csv", level: "z", levels: ["a", "b", "c", "d"])) {
      try Scenario.parse("g = \"z\"").apply(to: data)
    }
    #expect(throws: FormulaError.unknownVariable(name: "nope", suggestions: [])) {
      try Scenario.parse("nope = 1").apply(to: data)
    }
  }
}

/// A recipe saved as JSON (with a fit) and read back builds the same matrices.
@Suite("ModelRecipe JSON round trip")
struct RecipeCodableTests {
  @Test(arguments: RecipeFixture.shared?.cases ?? [])
  func roundTripRebuildsTheSameMatrices(_ c: RecipeFixture.Case) throws {
    let (mm, data) = try buildCase(c)
    let json = try JSONEncoder().encode(mm.recipe)
    let decoded = try JSONDecoder().decode(ModelRecipe.self, from: json)
    #expect(decoded.columnNames == mm.recipe.columnNames)
    #expect(decoded.factorLevels == mm.recipe.factorLevels)
    #expect(decoded.variables == mm.recipe.variables)
    #expect(decoded.responseName == mm.recipe.responseName)
    let scenario = try Scenario.parse(c.scenario).apply(to: data)
    // Exact: the same recipe contents drive the same arithmetic.
    #expect(try decoded.matrix(for: scenario, rows: c.rows).storage == mm.recipe.matrix(for: scenario, rows: c.rows).storage)
    for d in c.derivatives {
      let a = try decoded.derivative(withRespectTo: d.variable, data: data, rows: c.rows)
      let b = try mm.recipe.derivative(withRespectTo: d.variable, data: data, rows: c.rows)
      #expect(a.storage == b.storage)
    }
  }

  @Test func mismatchedFormulaIsRejected() throws {
    let data = try DatasetCache.shared.frame("wage1")
    let mm = try ModelMatrix.build(formula: "lwage ~ educ + exper", data: data)
    var object = try #require(
      JSONSerialization.jsonObject(with: JSONEncoder().encode(mm.recipe)) as? [String: Any])
    object["formula"] = "lwage ~ educ + tenure"
    let tampered = try JSONSerialization.data(withJSONObject: object)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModelRecipe.self, from: tampered) }
  }
}
