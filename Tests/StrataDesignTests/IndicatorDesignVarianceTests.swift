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
}
