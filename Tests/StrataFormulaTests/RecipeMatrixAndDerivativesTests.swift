import StrataData
import StrataFormula
import StrataLinalg
import Testing

/// `matrixAndDerivatives` (regressors evaluated once, nonzero derivative columns only) against
/// `matrix(for:rows:)` and `derivative(withRespectTo:data:rows:)`: the same arithmetic, so equal
/// bit for bit.
@Suite("ModelRecipe matrix and derivatives together")
struct RecipeMatrixAndDerivativesTests {
  @Test func equalsSeparateCalls() throws {
    let data = try DatasetCache.shared.frame("wage1")
    let mm = try ModelMatrix.build(
      formula: "lwage ~ educ + exper + I(exper^2) + exper:female + tenure", data: data)
    let rows = Array(stride(from: 0, to: data.rowCount, by: 3))
    let names = ["exper", "educ", "tenure"]
    let (x, derivatives) = try mm.recipe.matrixAndDerivatives(withRespectTo: names, data: data, rows: rows)
    #expect(x.storage == (try mm.recipe.matrix(for: data, rows: rows)).storage)
    for (name, d) in zip(names, derivatives) {
      let full = try mm.recipe.derivative(withRespectTo: name, data: data, rows: rows)
      let nonzero = (0..<full.cols).filter { j in (0..<full.rows).contains { full[$0, j] != 0 } }
      #expect(Set(nonzero).isSubset(of: Set(d.columns)), "\(name)")
      for j in 0..<full.cols {
        let column = d.columns.firstIndex(of: j).map { d.values.column($0) }
        #expect(full.column(j) == (column ?? [Double](repeating: 0, count: rows.count)), "\(name) column \(j)")
      }
    }
    // exper enters three columns (exper, I(exper^2), exper:female); educ and tenure one each.
    #expect(derivatives.map(\.columns.count) == [3, 1, 1])
  }

  @Test func unknownVariableIsReported() throws {
    let data = try DatasetCache.shared.frame("wage1")
    let mm = try ModelMatrix.build(formula: "lwage ~ educ", data: data)
    #expect(throws: FormulaError.self) {
      try mm.recipe.matrixAndDerivatives(withRespectTo: ["educ", "nosuch"], data: data)
    }
  }
}
