import StrataDesign
import StrataLinalg
import StrataModels

/// A coefficient covariance matrix with the degrees of freedom its tests use.
public struct CovarianceEstimate: Sendable {
  /// Covariance of the kept (non-aliased) coefficients, in `Fit.kept` order.
  public var matrix: Matrix
  /// How it was estimated.
  public var spec: CovarianceSpec
  /// Denominator degrees of freedom for t and F tests: n − rank, or G − 1 with clusters
  /// (the smallest G for multiway clustering), as Stata; `.infinity` for z tests (GLMs).
  public var degreesOfFreedom: Double
  /// Number of groups of each cluster variable (empty unless clustered).
  public var clusterCounts: [Int]
  /// The information matrix in the bread (expected unless asked for; always observed for `.oim`).
  public var information: InformationMatrix = .expected
  /// A description of the variance for output, e.g. `heteroskedasticity-robust (HC1)` or
  /// `classical: inverse expected information`.
  public var title: String = ""
  /// The design's counts (strata, PSUs, population size, df) for design-based covariances.
  public var design: DesignSummary?
  /// The design degrees of freedom (#PSUs − #strata, or the replicate rank − 1) of the sample.
  public var designDegreesOfFreedom: Int?

  /// Standard errors of the kept coefficients.
  public var standardErrors: [Double] { matrix.diagonal.map { $0.squareRoot() } }
  /// Whether tests use the normal distribution (z statistics).
  public var usesNormal: Bool { degreesOfFreedom.isInfinite }
}

/// Estimates the covariance of a fit's coefficients.
///
/// The one variance machinery every estimator shares: it needs only the fit's bread `A⁻¹`,
/// its per-row scores `uᵢ = mᵢ xᵢ`, leverages and dispersion.
/// - classical: `φ̂ A⁻¹` (R `vcov(lm)`, `vcov(glm)`); `oim`: the inverse observed information.
/// - `hc(t)`: `A⁻¹ (Σ ũᵢ ũᵢᵀ) A⁻¹` with HC0–HC3 adjustments (R `sandwich::vcovHC(type =)`; for GLMs
///   the leverages use the working weights); `robust`: HC0 × n/(n−1) (Stata's ML `vce(robust)`).
/// - `cluster(vars)`: `A⁻¹ (Σ_g U_g U_gᵀ) A⁻¹ · G/(G−1)`, times (n−1)/(n−k) when the fit asks for
///   it (least squares), and for several variables the inclusion–exclusion sum over their
///   intersections, each with its own G (R `sandwich::vcovCL`).
///
/// Tests: least squares use t with n − k (or G − 1 when clustered) degrees of freedom; GLMs use z,
/// except the classical variance of a quasi-likelihood fit, which uses t with n − k (`summary.glm`).
///
/// - Parameter information: the bread of the sandwiches of a GLM: the expected information (R's
///   `sandwich`) or the observed one (Stata). Ignored for least squares, where they coincide.
/// - Throws: `InferenceError` for a single cluster, a mismatched cluster vector or leverage 1;
///   `EstimationError.observedInformationSingular` when the observed information is not invertible.
public func covariance(
  of fit: Fit, spec: CovarianceSpec, information: InformationMatrix = .expected
) throws -> CovarianceEstimate {
  if fit.kind == .ivprobit {
    switch spec {
    case .classical, .oim: break
    default:
      // Newey's two-step estimator has no per-observation scores here: only its own covariance.
      throw InferenceError.unsupportedForModel(model: "ivprobit (Newey two-step)", variance: spec.title)
    }
  }
  let n = fit.nobs
  // With absorbed fixed effects, k counts their parameters (as lm with dummies).
  let k = fit.rank + (fit.fixedEffects?.parameters ?? 0)
  let isGLM = fit.glm != nil
  let usedInformation: InformationMatrix
  switch spec {
  case .oim: usedInformation = .observed
  case .classical: usedInformation = .expected
  default: usedInformation = isGLM ? information : .expected
  }
  if usedInformation == .observed, let glm = fit.glm, !glm.hasObservedInformation {
    // Non-canonical links with absorbed fixed effects keep only the expected information.
    throw InferenceError.observedInformationWithFixedEffects(link: "\(glm.link)")
  }
  let bread = usedInformation == .observed ? try fit.observedBread() : fit.bread
  let residualDF = Double(fit.dfResidual)
  let robustDF = fit.testDistribution == .normal ? Double.infinity : residualDF
  let modelDF = fit.dispersionIsEstimated ? residualDF : Double.infinity
  var estimate: CovarianceEstimate
  switch spec {
  case .classical, .oim:
    estimate = CovarianceEstimate(
      matrix: bread * fit.dispersion, spec: spec, degreesOfFreedom: modelDF, clusterCounts: [])

  case .hc(let type):
    var adjustment = [Double](repeating: 1, count: n)
    if (type == .hc2 || type == .hc3) && fit.fixedEffects != nil {
      throw InferenceError.unsupportedWithFixedEffects(type.rawValue.uppercased())
    }
    if type == .hc2 || type == .hc3 {
      let leverage = try fit.hatValues()
      for i in 0..<n {
        let oneMinusH = 1 - leverage[i]
        if oneMinusH <= 1e-12 { throw InferenceError.leverageOne(type: type.rawValue, observation: fit.rows[i] + 1) }
        adjustment[i] = type == .hc2 ? 1 / oneMinusH : 1 / (oneMinusH * oneMinusH)
      }
    }
    let meat = scoreCrossProduct(fit, rowWeights: adjustment)
    var v = sandwich(bread: bread, meat: meat)
    if type == .hc1 { v = v * (Double(n) / Double(n - k)) }
    estimate = CovarianceEstimate(matrix: v, spec: spec, degreesOfFreedom: robustDF, clusterCounts: [])

  case .robust:
    let meat = scoreCrossProduct(fit, rowWeights: [Double](repeating: 1, count: n))
    let v = sandwich(bread: bread, meat: meat) * (Double(n) / Double(n - 1))
    estimate = CovarianceEstimate(matrix: v, spec: spec, degreesOfFreedom: robustDF, clusterCounts: [])

  case .cluster(let variables):
    for v in variables {
      if v.codes.count != n {
        throw InferenceError.clusterLengthMismatch(variable: v.name, expected: n, found: v.codes.count)
      }
      if v.count < 2 { throw InferenceError.singleCluster(variable: v.name) }
    }
    var meat = Matrix(rows: fit.rank, cols: fit.rank)
    // Inclusion–exclusion over the non-empty subsets of the clustering variables.
    for mask in 1..<(1 << variables.count) {
      let members = variables.indices.filter { mask & (1 << $0) != 0 }
      let groups = intersect(members.map { variables[$0] })
      let sums = groupedScoreSums(fit, codes: groups.codes, groupCount: groups.count)
      let g = Double(groups.count)
      let sign: Double = members.count % 2 == 1 ? 1 : -1
      meat = meat + sums.crossProduct() * (sign * g / (g - 1))
    }
    var v = sandwich(bread: bread, meat: meat)
    if fit.clusterAdjustment == .groupsAndObservations {
      // Fixed effects nested in a cluster variable are not counted (fixest's fixef.K = "nested").
      let kc = fit.fixedEffects.map { fit.rank + $0.parameters(nestedIn: variables.map { ($0.codes, $0.count) }) } ?? k
      v = v * (Double(n - 1) / Double(n - kc))
    }
    let counts = variables.map(\.count)
    let df = fit.testDistribution == .normal ? Double.infinity : Double((counts.min() ?? 2) - 1)
    estimate = CovarianceEstimate(matrix: v, spec: spec, degreesOfFreedom: df, clusterCounts: counts)

  case .design(let request):
    estimate = try designCovariance(of: fit, bread: bread, request: request, spec: spec)
  }
  estimate.information = usedInformation
  estimate.title = covarianceTitle(spec: spec, fit: fit, information: usedInformation)
  return estimate
}

/// The output description of a covariance: the spec's title, made precise for GLMs.
func covarianceTitle(spec: CovarianceSpec, fit: Fit, information: InformationMatrix) -> String {
  if fit.categorical != nil {
    switch spec {
    case .classical, .oim: return "inverse observed information (analytic Hessian)"
    default: return spec.title
    }
  }
  guard fit.glm != nil else { return spec.title }
  switch spec {
  case .classical:
    return fit.dispersionIsEstimated
      ? "classical: dispersion x inverse expected information (R vcov)"
      : "classical: inverse expected information (R vcov)"
  case .oim:
    return fit.dispersionIsEstimated
      ? "dispersion x inverse observed information (OIM)" : "inverse observed information (OIM, Stata default)"
  case .design:
    return spec.title
  case .hc, .robust, .cluster:
    let base: String
    switch spec {
    case .cluster(let v):
      let names = v.map { "\($0.name) (\($0.count) clusters)" }.joined(separator: ", ")
      base = "cluster-robust by \(names), G/(G-1)"
    default: base = spec.title
    }
    return information == .observed ? base + ", observed-information bread" : base
  }
}

/// `B M B` for symmetric `B` and `M`, symmetrized against rounding.
func sandwich(bread: Matrix, meat: Matrix) -> Matrix {
  (bread * meat * bread).symmetrized()
}

/// `Σ aᵢ uᵢ uᵢᵀ` over the fit's scores `uᵢ` (`mᵢ xᵢ`, or the rows of `Fit.scoreMatrix`).
func scoreCrossProduct(_ fit: Fit, rowWeights a: [Double]) -> Matrix {
  if let s = fit.scoreMatrix { return s.crossProduct(rowWeights: a) }
  return fit.x.crossProduct(rowWeights: zip(fit.scoreMultipliers, a).map { $0 * $0 * $1 })
}

/// The G × k matrix of per-group sums of the fit's scores.
func groupedScoreSums(_ fit: Fit, codes: [Int], groupCount: Int) -> Matrix {
  let n = fit.nobs
  var sums = Matrix(rows: groupCount, cols: fit.rank)
  if let s = fit.scoreMatrix {
    for j in 0..<fit.rank {
      for i in 0..<n { sums[codes[i], j] += s[i, j] }
    }
    return sums
  }
  let (x, m) = (fit.x, fit.scoreMultipliers)  // read once (a compact matrix expands on the first read)
  for j in 0..<fit.rank {
    for i in 0..<n {
      sums[codes[i], j] += m[i] * x[i, j]
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
