import StrataDesign
import StrataLinalg
import StrataModels
import StrataSupport

/// Which program's degrees of freedom design-based model tests use.
public enum DesignDFConvention: String, Sendable, CaseIterable {
  /// R `summary.svyglm`: design df − p + 1 (`degf(design) + 1 − length(coef)`).
  case r
  /// Stata `svy:`: the design df, #PSUs − #strata.
  case stata
}

/// A design-based covariance request: the design, the df convention, and (for replicate
/// designs) how to re-estimate the coefficients under other weights.
public struct DesignVariance: Sendable {
  public var design: SampleDesign
  public var convention: DesignDFConvention
  /// Re-estimates the kept coefficients with case weights given over the fit's rows (called once
  /// per replicate; linearization designs never call it).
  public var refit: @Sendable ([Double]) throws -> [Double]
  /// Re-estimates the kept coefficients for several weight vectors at once (one result per
  /// vector, in order), when that is cheaper than `refit` one at a time (GLMs:
  /// `GLMReplicateRefit`); `nil` calls `refit` per replicate. Must give `refit`'s values.
  public var refitBatch: (@Sendable ([[Double]]) throws -> [[Double]])?
  /// Told how many replicates have been refitted (replicate designs only); it does not change results.
  public var progress: ProgressHandler?

  public init(
    design: SampleDesign, convention: DesignDFConvention = .r,
    refit: @escaping @Sendable ([Double]) throws -> [Double],
    refitBatch: (@Sendable ([[Double]]) throws -> [[Double]])? = nil,
    progress: ProgressHandler? = nil
  ) {
    self.design = design
    self.convention = convention
    self.refit = refit
    self.refitBatch = refitBatch
    self.progress = progress
  }
}

/// Design-based covariance of a fit: the influence functions `scores · A⁻¹` through the design's
/// one linearization engine (R `svy.varcoef` → `svyrecvar`), or the replicate engine on refitted
/// coefficients (R `svrVar`). Rows outside the estimation sample are a domain of the full design,
/// as R's `subset(design, ...)`.
///
/// The fit's rows must be rows of the design and its weights the design's sampling weights over
/// them, up to one common factor (then the coefficients equal `svyglm`'s): `VarianceEngine` checks
/// both and throws `InferenceError.designMismatch` otherwise. Tests use t with the convention's
/// degrees of freedom.
func designCovariance(of fit: Fit, bread: Matrix, request: DesignVariance, spec: CovarianceSpec) throws
  -> CovarianceEstimate
{
  let k = fit.rank
  let matrix: Matrix
  let scores = Scores(fit)
  switch request.design {
  case .linearization(let d):
    // svyrecvar of the influence functions scores · A⁻¹ = A⁻¹ svyrecvar(scores) A⁻¹; factored
    // scores (a GLM's compact model matrix, factor dummies as codes) are read as they are.
    let meat = try VarianceEngine.meat(scores: scores, kind: .linearization(d))
    matrix = VarianceEngine.sandwich(bread: bread, meat: meat)
  case .replicate(let d):
    matrix = try VarianceEngine.replicateCovariance(
      scores: scores, design: d, progress: request.progress, refit: request.refit, refitBatch: request.refitBatch)
  }
  // R: degf() of the design restricted to the estimation rows (svyglm's subset design), less
  // p − 1. Stata: the full design's df, as `svy, subpop()` (and as the descriptive commands).
  let designDF = request.convention == .r
    ? request.design.degreesOfFreedom(rows: fit.rows)
    : request.design.degreesOfFreedom(rows: Array(0..<request.design.rowCount))
  // R convention: the design df less the estimated slopes besides the intercept(s): svyglm's
  // degf − p + 1, and svyolr's degf − (number of slopes), its cut points playing the intercept.
  let ordered = fit.categorical.map { $0.base == nil } ?? false
  let slopes = ordered ? categoricalSlopePositions(fit).count : k - 1
  let df = request.convention == .r ? designDF - slopes : designDF
  var estimate = CovarianceEstimate(
    matrix: matrix, spec: spec, degreesOfFreedom: Double(max(df, 1)), clusterCounts: [])
  var summary = request.design.summary
  summary.df = designDF
  estimate.design = summary
  estimate.designDegreesOfFreedom = designDF
  return estimate
}
