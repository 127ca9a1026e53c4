import StrataLinalg
import StrataModels

/// A coefficient covariance matrix with the degrees of freedom its tests use.
public struct CovarianceEstimate: Sendable {
  /// Covariance of the kept (non-aliased) coefficients, in `Fit.kept` order.
  public var matrix: Matrix
  /// How it was estimated.
  public var spec: CovarianceSpec
  /// Denominator degrees of freedom for t and F tests: n − rank, or G − 1 with clusters
  /// (the smallest G for multiway clustering), as Stata.
  public var degreesOfFreedom: Double
  /// Number of groups of each cluster variable (empty unless clustered).
  public var clusterCounts: [Int]

  /// Standard errors of the kept coefficients.
  public var standardErrors: [Double] { matrix.diagonal.map { $0.squareRoot() } }
}

/// Estimates the covariance of a fit's coefficients.
///
/// The one variance machinery every estimator shares: it needs only the fit's bread `A⁻¹`,
/// its per-row scores `uᵢ = mᵢ xᵢ`, leverages and dispersion.
/// - classical: `σ̂² A⁻¹` (R `vcov(lm)`).
/// - `hc(t)`: `A⁻¹ (Σ ũᵢ ũᵢᵀ) A⁻¹` with HC0–HC3 adjustments (R `sandwich::vcovHC(type =)`).
/// - `cluster(vars)`: `A⁻¹ (Σ_g U_g U_gᵀ) A⁻¹ · G/(G−1) · (n−1)/(n−k)`, and for several variables the
///   inclusion–exclusion sum over their intersections, each with its own G (R `sandwich::vcovCL`).
///
/// - Throws: `InferenceError` for a single cluster, a mismatched cluster vector or leverage 1.
public func covariance(of fit: Fit, spec: CovarianceSpec) throws -> CovarianceEstimate {
  let n = fit.nobs
  let k = fit.rank
  let bread = fit.bread
  switch spec {
  case .classical:
    return CovarianceEstimate(
      matrix: bread * fit.dispersion, spec: spec, degreesOfFreedom: Double(fit.dfResidual),
      clusterCounts: [])

  case .hc(let type):
    var squared = [Double](repeating: 0, count: n)
    let leverage = type == .hc2 || type == .hc3 ? try fit.hatValues() : []
    for i in 0..<n {
      let m = fit.scoreMultipliers[i]
      switch type {
      case .hc0, .hc1:
        squared[i] = m * m
      case .hc2, .hc3:
        let oneMinusH = 1 - leverage[i]
        if oneMinusH <= 1e-12 { throw InferenceError.leverageOne(type: type.rawValue, observation: fit.rows[i] + 1) }
        squared[i] = type == .hc2 ? m * m / oneMinusH : m * m / (oneMinusH * oneMinusH)
      }
    }
    let meat = fit.x.crossProduct(rowWeights: squared)
    var v = sandwich(bread: bread, meat: meat)
    if type == .hc1 { v = v * (Double(n) / Double(n - k)) }
    return CovarianceEstimate(
      matrix: v, spec: spec, degreesOfFreedom: Double(fit.dfResidual), clusterCounts: [])

  case .cluster(let variables):
    for v in variables {
      if v.codes.count != n {
        throw InferenceError.clusterLengthMismatch(variable: v.name, expected: n, found: v.codes.count)
      }
      if v.count < 2 { throw InferenceError.singleCluster(variable: v.name) }
    }
    var meat = Matrix(rows: k, cols: k)
    // Inclusion–exclusion over the non-empty subsets of the clustering variables.
    for mask in 1..<(1 << variables.count) {
      let members = variables.indices.filter { mask & (1 << $0) != 0 }
      let groups = intersect(members.map { variables[$0] })
      let sums = groupedScoreSums(fit, codes: groups.codes, groupCount: groups.count)
      let g = Double(groups.count)
      let sign: Double = members.count % 2 == 1 ? 1 : -1
      meat = meat + sums.crossProduct() * (sign * g / (g - 1))
    }
    let v = sandwich(bread: bread, meat: meat) * (Double(n - 1) / Double(n - k))
    let counts = variables.map(\.count)
    return CovarianceEstimate(
      matrix: v, spec: spec, degreesOfFreedom: Double((counts.min() ?? 2) - 1), clusterCounts: counts)
  }
}

/// `B M B` for symmetric `B` and `M`, symmetrized against rounding.
func sandwich(bread: Matrix, meat: Matrix) -> Matrix {
  (bread * meat * bread).symmetrized()
}

/// The G × k matrix of per-group sums of the fit's scores.
func groupedScoreSums(_ fit: Fit, codes: [Int], groupCount: Int) -> Matrix {
  let n = fit.nobs
  var sums = Matrix(rows: groupCount, cols: fit.rank)
  for j in 0..<fit.rank {
    for i in 0..<n {
      sums[codes[i], j] += fit.scoreMultipliers[i] * fit.x[i, j]
    }
  }
  return sums
}

/// Dense codes of the intersection of several groupings (a single grouping is returned as is).
func intersect(_ variables: [ClusterVariable]) -> (codes: [Int], count: Int) {
  guard let first = variables.first else { return ([], 0) }
  if variables.count == 1 { return (first.codes, first.count) }
  var map: [[Int]: Int] = [:]
  var codes = [Int](repeating: 0, count: first.codes.count)
  for i in codes.indices {
    let key = variables.map { $0.codes[i] }
    if let c = map[key] {
      codes[i] = c
    } else {
      let c = map.count
      map[key] = c
      codes[i] = c
    }
  }
  return (codes, map.count)
}
