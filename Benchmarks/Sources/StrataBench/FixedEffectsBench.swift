import Foundation
import Strata

/// `strata-bench fe-ols [--rows N]`: OLS with two absorbed fixed effects (10,000 and 100 levels)
/// and standard errors clustered by the first, on seeded synthetic data built in memory.
func fixedEffectsOLS(rows n: Int) {
  var rng = SplitMix64(state: 20240609)
  var x1 = [Double](repeating: 0, count: n)
  var x2 = [Double](repeating: 0, count: n)
  var y = [Double](repeating: 0, count: n)
  var id = [Double](repeating: 0, count: n)
  var year = [Double](repeating: 0, count: n)
  let a = (0..<10_000).map { _ in rng.normal() }
  let b = (0..<100).map { _ in rng.normal() }
  for i in 0..<n {
    let g = Int(rng.next() % 10_000)
    let t = Int(rng.next() % 100)
    id[i] = Double(g)
    year[i] = Double(t)
    x1[i] = rng.normal() + 0.5 * a[g]
    x2[i] = rng.normal() + 0.3 * b[t]
    y[i] = 0.7 * x1[i] - 0.4 * x2[i] + a[g] + b[t] + rng.normal()
  }
  func col(_ name: String, _ v: [Double]) -> Column {
    Column(name: name, storage: .numeric(NumericColumn(values: v)))
  }
  let frame = DataFrame(columns: [col("y", y), col("x1", x1), col("x2", x2), col("id", id), col("year", year)])
  do {
    var fit: Fit?
    let fitTime = try seconds {
      fit = try FixedEffectsModel.fit("y ~ x1 + x2 | id + year", model: .leastSquares, data: frame)
    }
    guard let fit else { exit(1) }
    var v: CovarianceEstimate?
    let se = try seconds {
      let g = try frame.groupCodes(of: "id", rows: fit.rows)
      v = try covariance(of: fit, spec: .cluster([ClusterVariable(name: "id", codes: g.codes, count: g.count)]))
    }
    let fe = fit.fixedEffects
    print("rows \(fit.nobs)  fixed effects \(fe?.dimensions.map(\.count) ?? [])  sweeps \(fe?.sweeps ?? 0)")
    print(String(format: "fit (model frame + demeaning + QR) %.3f s   cluster SE %.3f s   total %.3f s", fitTime, se, fitTime + se))
    if let v { print("check: x1 \(fit.coefficients[0]) (se \(v.standardErrors[0]))  x2 \(fit.coefficients[1]) (se \(v.standardErrors[1]))") }
  } catch {
    FileHandle.standardError.write(Data("strata-bench: \(error)\n".utf8))
    exit(1)
  }
}
