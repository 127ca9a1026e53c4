import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import Testing

/// Property: the analytic derivative agrees with a central finite difference of `matrix(for:)`.
@Suite("ModelRecipe derivative vs finite differences")
struct RecipePropertyTests {
  /// Central difference (X(x + h) − X(x − h)) / 2h with a per-row step hᵢ = 1e-5·max(1, |xᵢ|).
  ///
  /// Tolerance: 1e-6 relative to max(|analytic|, |numeric|), plus the round-off floor of the
  /// difference quotient, 4·ε·max(|X(x ± h)|)/h (cancellation in the numerator; a column whose
  /// derivative is 0 at a point, as (age − 25)² at 25, has no relative scale of its own). The
  /// truncation error h²·X‴/6 is below 1e-9 relative for every formula here.
  func checkFiniteDifference(
    _ recipe: ModelRecipe, data: DataFrame, rows: [Int], variable: String, label: String
  ) throws {
    let x = try data.numericValues(of: variable).values
    let h = x.map { 1e-5 * max(1, abs($0)) }
    let up = try recipe.matrix(for: data.replacing(variable, with: zip(x, h).map { $0 + $1 }), rows: rows)
    let down = try recipe.matrix(for: data.replacing(variable, with: zip(x, h).map { $0 - $1 }), rows: rows)
    let d = try recipe.derivative(withRespectTo: variable, data: data, rows: rows)
    for (i, r) in rows.enumerated() {
      for j in 0..<d.cols {
        let numeric = (up[i, j] - down[i, j]) / (2 * h[r])
        let analytic = d[i, j]
        let floor = 4 * Double.ulpOfOne * max(abs(up[i, j]), abs(down[i, j])) / h[r]
        if abs(numeric - analytic) > 1e-6 * max(abs(numeric), abs(analytic)) + floor {
          Issue.record(
            "\(label) d/d\(variable) row \(r) column \(recipe.columnNames[j]): analytic \(analytic), numeric \(numeric)")
          return
        }
      }
    }
  }

  @Test(arguments: RecipeFixture.shared?.cases ?? [])
  func derivativeMatchesCentralDifference(_ c: RecipeFixture.Case) throws {
    let (mm, data) = try buildCase(c)
    let scenario = try Scenario.parse(c.scenario).apply(to: data)
    for d in c.derivatives {
      try checkFiniteDifference(mm.recipe, data: data, rows: c.rows, variable: d.variable, label: "data")
      try checkFiniteDifference(mm.recipe, data: scenario, rows: c.rows, variable: d.variable, label: "scenario")
    }
  }

  /// Every numeric variable of every formula fixture (interactions, `%in%`, no-intercept codings,
  /// `log(x, base)`, `abs`, `poly`), on all estimation rows, where a derivative exists.
  @Test(arguments: FormulaFixture.shared?.cases ?? [])
  func derivativeMatchesCentralDifferenceOnFormulaFixtures(_ c: FormulaFixture.Case) throws {
    let data = try DatasetCache.shared.frame(c.dataset)
    let mm = try ModelMatrix.build(
      formula: c.formula, data: data, options: .init(subset: c.subset, weights: c.weights))
    for v in mm.recipe.variables where v.role == .numeric {
      do {
        _ = try mm.recipe.derivative(withRespectTo: v.name, data: data, rows: mm.rows)
      } catch FormulaError.nonFiniteDerivative {
        continue  // sqrt(tenure) at tenure = 0: no finite derivative to compare
      }
      try checkFiniteDifference(mm.recipe, data: data, rows: mm.rows, variable: v.name, label: c.formula)
    }
  }

  /// A derivative of a linear term is its coefficient pattern: d/dx of `x + x:z` is (1, z).
  @Test func linearTermsHaveConstantDerivatives() throws {
    let data = try DatasetCache.shared.frame("wage1")
    let mm = try ModelMatrix.build(formula: "lwage ~ educ + educ:exper + tenure", data: data)
    let d = try mm.derivative(withRespectTo: "educ", data: data, rows: mm.rows)
    let exper = try data.numericValues(of: "exper").values
    #expect(mm.columnNames == ["(Intercept)", "educ", "tenure", "educ:exper"])
    for (i, r) in mm.rows.enumerated() {
      #expect(d[i, 0] == 0 && d[i, 1] == 1 && d[i, 2] == 0)  // exact: no arithmetic involved
      #expect(d[i, 3] == exper[r])  // exact: 1 × exper
    }
  }
}
