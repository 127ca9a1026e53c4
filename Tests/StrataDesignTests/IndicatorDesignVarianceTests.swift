import Strata
import Testing
import _StrataTestSupport

/// The design variance's PSU totals with a factor's dummies summed per level (without reading
/// those columns) equal the totals over every column.
@Suite("Design variance with the dummies of a factor")
struct IndicatorDesignVarianceTests {
  @Test func perLevelTotalsEqualColumnTotals() throws {
    let n = 20_000
    let levels = ["a", "b", "c", "d", "e", "f", "g"]
    let g = (0..<n).map { Int32(($0 + $0 / 7) % levels.count) }
    let z = (0..<n).map { Double(($0 * 37) % 101) / 10 }
    let y = (0..<n).map { i in Double((i / 3 + Int(g[i])) % 2) }
    let stratum = (0..<n).map { Double($0 % 5) }
    let psu = (0..<n).map { Double($0 % 200) }  // 40 PSUs per stratum, nested by construction
    let w = (0..<n).map { 1 + Double($0 % 4) }
    let frame = DataFrame(
      columns: [
        Column(name: "y", storage: .numeric(NumericColumn(values: y))),
        Column(name: "z", storage: .numeric(NumericColumn(values: z))),
        Column(name: "g", storage: .factor(FactorColumn(codes: g, levels: levels))),
        Column(name: "h", storage: .numeric(NumericColumn(values: stratum))),
        Column(name: "c", storage: .numeric(NumericColumn(values: psu))),
        Column(name: "w", storage: .numeric(NumericColumn(values: w))),
      ], source: "test")
    let design = try SampleDesign(DesignSpecification(weights: "w", strata: "h", psu: ["c"]), data: frame)
    let fit = try GeneralizedLinearModel.fit(
      "y ~ z + g + I(z^2)", model: .logit, data: frame, options: ModelFrameOptions(weights: "w"))
    #expect(fit.indicatorStructure?.indicatorColumns.count == levels.count - 1)
    // The GLM kept the dummies as codes (a compact model matrix) and nothing expanded it.
    #expect(fit.$x.compact?.matrix.cols == fit.terms.count - (levels.count - 1))
    let spec = CovarianceSpec.design(DesignVariance(design: design, refit: { _ in [] }))
    let a = try covariance(of: fit, spec: spec).matrix
    #expect(!fit.$x.isExpanded)
    // The same fit with its full matrix and no structure: every column's PSU totals.
    var plain = fit
    plain.x = fit.x
    #expect(plain.indicatorStructure == nil && plain.$x.compact == nil)
    let b = try covariance(of: plain, spec: spec).matrix
    for j in 0..<a.cols {
      for i in 0..<a.rows {
        #expect(abs(a[i, j] - b[i, j]) <= 1e-10 * max(abs(b[i, j]), abs(b[j, j]).squareRoot() * abs(b[i, i]).squareRoot()), "(\(i), \(j))")
      }
    }
  }

  /// The factored design variance (PSU totals column by column, two threads) equals the variance
  /// of the formed influence matrix, with PSUs interleaved (each PSU's rows far apart) and grouped;
  /// a compact matrix and the full one with its structure give the same bits.
  @Test(arguments: [false, true])
  func factoredTotalsEqualTheInfluenceMatrix(groupedPSUs: Bool) throws {
    let n = 300_000
    let levels = 6
    let code = (0..<n).map { Int32(($0 * 7 + $0 / 13) % levels) - 1 }  // −1: the reference level
    let psu = (0..<n).map { groupedPSUs ? $0 / 500 : $0 % 600 }  // 600 PSUs
    let frame = DataFrame(
      columns: [
        Column(name: "h", storage: .numeric(NumericColumn(values: psu.map { Double($0 % 6) }))),
        Column(name: "c", storage: .numeric(NumericColumn(values: psu.map(Double.init)))),
        Column(name: "w", storage: .numeric(NumericColumn(values: (0..<n).map { 1 + Double($0 % 3) }))),
      ], source: "test")
    let sample = try SampleDesign(DesignSpecification(weights: "w", strata: "h", psu: ["c"]), data: frame)
    guard case .linearization(let design) = sample else {
      Issue.record("a linearization design")
      return
    }
    // Columns: (Intercept), a, five dummies, b.
    let p = 3 + levels - 1
    var full = Matrix(rows: n, cols: p)
    for i in 0..<n {
      full[i, 0] = 1
      full[i, 1] = Double((i * 31) % 97) / 13
      if code[i] >= 0 { full[i, 2 + Int(code[i])] = 1 }
      full[i, p - 1] = Double((i * 17) % 89) / 7 - 3
    }
    let structure = IndicatorStructure(
      indicatorColumns: Array(2..<(p - 1)), denseColumns: [0, 1, p - 1], codes: code)
    let compact = full.selectingColumns(structure.denseColumns)
    let m = (0..<n).map { Double(($0 * 13) % 29) / 29 - 0.4 }
    var b = Matrix(rows: p, cols: 3)
    for j in 0..<p { for k in 0..<3 { b[j, k] = Double((j + 2 * k) % 5) - 1.5 } }
    let rows = Array(0..<n)
    let a = try design.variance(
      multipliers: m, matrix: compact, transform: b, rows: rows, structure: structure.storing(indicators: false))
    let c = try design.variance(multipliers: m, matrix: full, transform: b, rows: rows, structure: structure)
    let d = try design.variance(multipliers: m, matrix: full, transform: b, rows: rows)
    let e = try design.variance(influence: full.scalingRows(by: m) * b, rows: rows)
    #expect(a.storage == c.storage)
    for j in 0..<3 {
      for i in 0..<3 {
        let scale = (e[i, i] * e[j, j]).squareRoot()
        #expect(abs(a[i, j] - e[i, j]) <= 1e-10 * scale, "(\(i), \(j))")
        #expect(abs(d[i, j] - e[i, j]) <= 1e-10 * scale, "(\(i), \(j))")
      }
    }
  }
}
