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
/// its per-row scores `uᵢ = mᵢ xᵢ` (`Scores(fit)`), leverages and dispersion, and hands the
/// scores to `VarianceEngine` for the meat and the sandwich.
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
      matrix: VarianceEngine.classical(bread: bread, dispersion: fit.dispersion), spec: spec,
      degreesOfFreedom: modelDF, clusterCounts: [])

  case .hc, .robust, .cluster:
    let rule = try SandwichRule(fit: fit, spec: spec, parameters: k)
    let meat = try VarianceEngine.meat(scores: Scores(fit), kind: rule.kind)
    let v = VarianceEngine.sandwich(bread: bread, meat: meat) * rule.factor
    var df = robustDF
    var counts: [Int] = []
    if case .cluster(let variables) = spec {
      counts = variables.map(\.count)
      df = fit.testDistribution == .normal ? Double.infinity : Double((counts.min() ?? 2) - 1)
    }
    estimate = CovarianceEstimate(matrix: v, spec: spec, degreesOfFreedom: df, clusterCounts: counts)

  case .design(let request):
    estimate = try designCovariance(of: fit, bread: bread, request: request, spec: spec)
  }
  estimate.information = usedInformation
  estimate.title = covarianceTitle(spec: spec, fit: fit, information: usedInformation)
  return estimate
}

/// The meat and the small-sample factor a sandwich covariance spec applies to scores: shared by
/// the coefficient covariance and the unconditional variance of margins (whose influence
/// functions take the scores' place with an identity bread), so both apply one rule.
struct SandwichRule {
  var kind: VarianceEngine.MeatKind
  var factor: Double

  /// - Parameter parameters: k of the n/(n − k) and (n − 1)/(n − k) factors (the rank, plus the
  ///   absorbed fixed effects for a fit's own covariance).
  /// - Throws: `InferenceError` for HC2/HC3 after absorbed fixed effects or at leverage 1;
  ///   `EstimationError` when leverages are undefined; `InferenceError.unsupportedForModel` for
  ///   specs that are not sandwiches.
  init(fit: Fit, spec: CovarianceSpec, parameters k: Int) throws {
    let n = fit.nobs
    switch spec {
    case .hc(let type):
      if (type == .hc2 || type == .hc3) && fit.fixedEffects != nil {
        throw InferenceError.unsupportedWithFixedEffects(type.rawValue.uppercased())
      }
      var adjustment: [Double]?
      if type == .hc2 || type == .hc3 {
        let leverage = try fit.hatValues()
        var a = [Double](repeating: 1, count: n)
        for i in 0..<n {
          let oneMinusH = 1 - leverage[i]
          if oneMinusH <= 1e-12 { throw InferenceError.leverageOne(type: type.rawValue, observation: fit.rows[i] + 1) }
          a[i] = type == .hc2 ? 1 / oneMinusH : 1 / (oneMinusH * oneMinusH)
        }
        adjustment = a
      }
      kind = .heteroskedastic(rowWeights: adjustment)
      factor = type == .hc1 ? Double(n) / Double(n - k) : 1
    case .robust:
      kind = .heteroskedastic(rowWeights: nil)
      factor = Double(n) / Double(n - 1)
    case .cluster(let variables):
      kind = .cluster(variables, groupAdjustment: true)
      if fit.clusterAdjustment == .groupsAndObservations {
        // Fixed effects nested in a cluster variable are not counted (fixest's fixef.K = "nested").
        let kc = fit.fixedEffects.map { fit.rank + $0.parameters(nestedIn: variables.map { ($0.codes, $0.count) }) } ?? k
        factor = Double(n - 1) / Double(n - kc)
      } else {
        factor = 1
      }
    case .classical, .oim, .design:
      throw InferenceError.unsupportedForModel(model: fit.kind.rawValue, variance: spec.title)
    }
  }
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
