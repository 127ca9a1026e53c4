import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import Testing

/// The fixture written by `Tests/Fixtures/recipe/make_recipe_fixtures.R`.
struct RecipeFixture: Decodable {
  struct Derivative: Decodable {
    var variable: String
    /// ∂X/∂variable on the original data at `rows` (row-major).
    var base: [[Double]]
    /// ∂X/∂variable on the scenario data at `rows` (row-major).
    var scenario: [[Double]]
  }
  struct Case: Decodable, CustomTestStringConvertible {
    var dataset: String
    var formula: String
    var subset: String?
    var scenario: String
    /// 0-based data rows (a spread of the estimation sample).
    var rows: [Int]
    var columnNames: [String]
    /// R's `fit$xlevels`.
    var xlevels: [String: [String]]
    /// R's `all.vars(delete.response(terms(fit)))`.
    var variables: [String]
    /// R's model matrix on the scenario data at `rows` (row-major).
    var matrix: [[Double]]
    var derivatives: [Derivative]

    var testDescription: String { "\(dataset): \(formula) [\(scenario)]" }
  }
  var cases: [Case]

  static let url = FixturePaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/recipe/recipe.json")

  /// The fixture, or nil when it cannot be read (`recipeFixtureLoads` then fails with the reason).
  static let shared: RecipeFixture? = try? JSONDecoder().decode(
    RecipeFixture.self, from: Data(contentsOf: url))
}

/// Builds the case's model matrix on its data set.
func buildCase(_ c: RecipeFixture.Case) throws -> (ModelMatrix, DataFrame) {
  let data = try DatasetCache.shared.frame(c.dataset)
  let mm = try ModelMatrix.build(formula: c.formula, data: data, options: .init(subset: c.subset))
  return (mm, data)
}

/// Row `i` of a column-major matrix.
func row(_ m: Matrix, _ i: Int) -> [Double] { (0..<m.cols).map { m[i, $0] } }

/// Compares a matrix with R's row-major values, entry by entry, and reports the first mismatch.
///
/// Tolerance 1e-10 relative (exact equality for zeros): both sides are closed-form arithmetic on the
/// same doubles (products, powers, libm `log`/`exp`/`sqrt`); only the order of floating-point
/// operations differs (R's symbolic `2 * x` vs Strata's `2·x`, `(a/b)′` written as `a′/b − a·b′/b²`
/// in both but evaluated in different association), which costs a few ulps, far below 1e-10.
func expectMatches(_ m: Matrix, _ reference: [[Double]], _ what: String, rtol: Double = 1e-10) {
  #expect(m.rows == reference.count, "\(what): rows")
  guard m.rows == reference.count else { return }
  for (i, r) in reference.enumerated() {
    #expect(m.cols == r.count, "\(what): columns")
    guard m.cols == r.count else { return }
    for j in 0..<m.cols where !isClose(m[i, j], r[j], rtol: rtol) {
      Issue.record("\(what): [\(i), \(j)] Strata \(m[i, j]) vs R \(r[j])")
      return
    }
  }
}

@Suite("ModelRecipe vs R predict/model.matrix and symbolic derivatives")
struct RecipeFixtureTests {
  @Test func recipeFixtureLoads() throws {
    let f = try JSONDecoder().decode(RecipeFixture.self, from: Data(contentsOf: RecipeFixture.url))
    #expect(f.cases.count >= 10)
  }

  @Test(arguments: RecipeFixture.shared?.cases ?? [])
  func recipeCaptures(_ c: RecipeFixture.Case) throws {
    let (mm, _) = try buildCase(c)
    #expect(mm.recipe.columnNames == c.columnNames)
    #expect(mm.columnNames == c.columnNames)
    #expect(mm.recipe.factorLevels == c.xlevels)
    #expect(mm.recipe.variables.map(\.name) == c.variables)
  }

  @Test(arguments: RecipeFixture.shared?.cases ?? [])
  func matrixOnScenarioDataMatchesR(_ c: RecipeFixture.Case) throws {
    let (mm, data) = try buildCase(c)
    let scenario = try Scenario.parse(c.scenario).apply(to: data)
    let x = try mm.recipe.matrix(for: scenario, rows: c.rows)
    expectMatches(x, c.matrix, "matrix")
  }

  @Test(arguments: RecipeFixture.shared?.cases ?? [])
  func derivativesMatchR(_ c: RecipeFixture.Case) throws {
    let (mm, data) = try buildCase(c)
    let scenario = try Scenario.parse(c.scenario).apply(to: data)
    for d in c.derivatives {
      let base = try mm.recipe.derivative(withRespectTo: d.variable, data: data, rows: c.rows)
      expectMatches(base, d.base, "d/d\(d.variable) on the data")
      let atScenario = try mm.recipe.derivative(withRespectTo: d.variable, data: scenario, rows: c.rows)
      expectMatches(atScenario, d.scenario, "d/d\(d.variable) on the scenario")
    }
  }

  /// Cross path: the recipe rebuilds every formula fixture's matrix on its own estimation rows
  /// bit for bit (same evaluator, same multiplication order), for all 41 formulas of
  /// `formula.json` (subsets, weights, NAs, unused levels, no-intercept codings, `%in%`, logicals).
  @Test(arguments: FormulaFixture.shared?.cases ?? [])
  func recipeReproducesFitMatrixExactly(_ c: FormulaFixture.Case) throws {
    let data = try DatasetCache.shared.frame(c.dataset)
    let mm = try ModelMatrix.build(
      formula: c.formula, data: data, options: .init(subset: c.subset, weights: c.weights))
    let x = try mm.recipe.matrix(for: data, rows: mm.rows)
    #expect(x.rows == mm.x.rows && x.cols == mm.x.cols)
    #expect(x.storage == mm.x.storage)
  }
}
