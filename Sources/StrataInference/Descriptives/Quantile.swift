import StrataDesign
import StrataLinalg

#if arch(x86_64) && !os(Windows)
  /// R's `LDOUBLE` accumulator on this platform.
  typealias ExtendedSum = Float80
#else
  typealias ExtendedSum = Double
#endif

/// R's `qrule_math` (survey 4.1-1): the smallest value whose weighted distribution function
/// reaches `p`, after dropping zero weights.
func mathQuantile(_ y: [Double], _ w: [Double], _ p: Double) -> Double {
  let idx = y.indices.filter { w[$0] != 0 }.sorted { y[$0] < y[$1] || (y[$0] == y[$1] && $0 < $1) }
  guard !idx.isEmpty else { return .nan }
  // R accumulates `sum()` and `cumsum()` in long double; ties between p·Σw and a cumulative
  // weight (equal weights) depend on that rounding.
  var cum: ExtendedSum = 0
  var cumw: [Double] = []
  for i in idx {
    cum += ExtendedSum(w[i])
    cumw.append(Double(cum))
  }
  let total = Double(cum)
  var pos = 0  // R's last(): 1 (index 0 here) when no cumulative weight is ≤ p·Σw
  for k in cumw.indices where cumw[k] <= p * total { pos = k }
  let next = pos == idx.count - 1 ? pos : pos + 1
  let wlow = p - cumw[pos] / total
  return wlow == 0 ? y[idx[pos]] : y[idx[next]]
}

extension Context {
  /// A quantile with Woodruff's interval (R `svyquantile(interval.type = "mean")`): the
  /// interval of the design-based mean of `y ≤ q̂` mapped back through the quantile function,
  /// and SE = interval width / (2 t).
  func quantile(_ p: Double, y: [Double], rows: [Int], variable: String, by: [(String, String)]) throws
    -> DescriptiveEstimate
  {
    if rows.isEmpty { throw DesignError.emptyDomain(variable: variable) }
    let w = rows.map { design.weights[$0] }
    let q = mathQuantile(y, w, p)
    let below = y.map { $0 <= q ? 1.0 : 0.0 }
    let (m, v) = try design.covariance(
      rows: rows,
      estimate: { w in [zip(below, w).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)] },
      influence: { w in
        let sw = w.reduce(0, +)
        let mean = zip(below, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
        return Matrix(rows: rows.count, cols: 1, columnMajor: zip(below, w).map { $1 * ($0 - mean) / sw })
      })
    let (crit, df) = critical(quantileRows: rows)
    let se = v[0, 0].squareRoot()
    let lo = m[0] - crit * se
    let hi = m[0] + crit * se
    let lower = lo.isNaN || lo < 0 ? Double.nan : mathQuantile(y, w, lo)
    let upper = hi.isNaN || hi > 1 ? Double.nan : mathQuantile(y, w, hi)
    let qse = (upper - lower) / (2 * crit)
    return DescriptiveEstimate(
      variable: variable, level: nil, quantile: p, by: by, estimate: q, stdError: qse, confLow: lower,
      confHigh: upper, deff: nil, cv: qse / q, observations: rows.count, df: df)
  }
}
