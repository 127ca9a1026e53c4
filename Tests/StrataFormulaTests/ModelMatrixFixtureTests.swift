import Testing
import StrataFormula

/// Model matrices compared with R `model.matrix(model.frame(..., drop.unused.levels = TRUE))`
/// (fixture: Tests/Fixtures/formula/formula.json from make_formula_fixtures.R).
@Suite struct ModelMatrixFixtureTests {
  @Test func fixtureLoads() throws {
    let f = try FormulaFixture.load()
    #expect(f.cases.count >= 30)
    #expect(f.terms.count >= 20)
  }

  @Test(arguments: FormulaFixture.shared?.cases ?? [])
  func matchesR(_ c: FormulaFixture.Case) throws {
    let data = try DatasetCache.shared.frame(c.dataset)
    let mm = try ModelMatrix.build(
      formula: c.formula, data: data, options: ModelFrameOptions(subset: c.subset, weights: c.weights))
    #expect(mm.columnNames == c.columnNames)
    #expect(mm.termLabels == c.termLabels)
    #expect(mm.assign == c.assign)
    #expect(mm.hasIntercept == c.intercept)
    #expect(mm.nobs == c.nrow)
    #expect(mm.droppedBySubset == c.droppedBySubset)
    #expect(mm.droppedMissing == c.droppedMissing)
    #expect(mm.rows.first == c.firstRowIndex)
    #expect(mm.rows.last == c.lastRowIndex)
    #expect(Double(mm.rows.reduce(0, +)) == c.rowIndexSum)
    guard mm.x.cols == c.columnNames.count, mm.nobs > 0 else { return }
    // Relative tolerance 1e-12: the values are closed-form transformations of the data; only
    // libm (pow/log/exp) and summation order differ from R.
    for j in 0..<mm.x.cols {
      let col = mm.x.column(j)
      #expect(isClose(col[0], c.firstRow[j]), "first row, \(c.columnNames[j]): \(col[0]) vs \(c.firstRow[j])")
      #expect(isClose(col[col.count - 1], c.lastRow[j]), "last row, \(c.columnNames[j])")
      #expect(isClose(col.reduce(0, +), c.columnSums[j]), "sum of \(c.columnNames[j])")
      #expect(isClose(col.reduce(0) { $0 + $1 * $1 }, c.columnSquareSums[j]), "sum of squares of \(c.columnNames[j])")
    }
    #expect(mm.responseName == c.responseName)
    if let s = c.responseSum, let f = c.responseFirst, let y = mm.response {
      #expect(isClose(y.reduce(0, +), s))
      #expect(isClose(y[0], f))
    } else {
      #expect(mm.response == nil && c.responseSum == nil)
    }
    if let s = c.weightSum, let l = c.weightLast, let w = mm.weights {
      #expect(isClose(w.reduce(0, +), s))
      #expect(isClose(w[w.count - 1], l))
    } else {
      #expect(mm.weights == nil && c.weightSum == nil)
    }
  }

  @Test(arguments: FormulaFixture.shared?.terms ?? [])
  func termLabelsMatchR(_ c: FormulaFixture.TermsCase) throws {
    let t = try Terms(formula: Formula.parse(c.formula))
    #expect(t.labels == c.termLabels)
    #expect(t.hasIntercept == c.intercept)
  }

  @Test(arguments: FormulaFixture.shared?.deparse ?? [])
  func deparseMatchesR(_ c: FormulaFixture.DeparseCase) throws {
    #expect(try RowExpression.parse(c.text).deparsed == c.deparse)
  }

  @Test(arguments: FormulaFixture.shared?.numbers ?? [])
  func numberFormattingMatchesR(_ c: FormulaFixture.NumberCase) {
    #expect(formatRNumber(c.value) == c.text)
  }
}

/// Subset and weights expressions compared with R's `eval(expr, data)` on the synthetic data.
@Suite struct RowExpressionFixtureTests {
  @Test(arguments: FormulaFixture.shared?.rowExpressions ?? [])
  func matchesR(_ c: FormulaFixture.RowExpressionCase) throws {
    let data = try DatasetCache.shared.frame("synthetic")
    let values = try RowExpression.parse(c.text).evaluate(on: data)
    #expect(values.count == c.values.count)
    for (i, (v, r)) in zip(values, c.values).enumerated() {
      if let r {
        #expect(isClose(v, r), "row \(i): \(v) vs R \(r)")
      } else {
        #expect(v.isNaN, "row \(i): \(v) vs R NA")
      }
    }
  }
}
