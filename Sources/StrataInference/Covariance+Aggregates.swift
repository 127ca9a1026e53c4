import StrataDesign
import StrataLinalg
import StrataModels

/// What a data source that keeps its rows returns instead of per-row scores `uᵢ`: the sums each
/// variance needs (a file streamed in passes, a database that sums its rows: `StrataScale`).
public enum ScoreTotals: Sendable {
  /// No scores: the classical (model-based) covariance.
  case none
  /// `Σ uᵢuᵢᵀ` (HC0, HC1, Stata's robust).
  case crossProduct(Matrix)
  /// Score totals by cell (cells × p): a cell is a combination of the clustering variables'
  /// values, and each variable gives every cell's group (`codes` over the cells). One variable's
  /// cells are its clusters.
  case clusters(Matrix, variables: [ClusterVariable])
  /// Linearization design: the totals of the scores by sampling unit (units × p, `units`' order),
  /// the design as declared, and its counts for output (`summary.df` is set here).
  case units(UnitTotals, Matrix, specification: DesignSpecification, summary: DesignSummary)
  /// Replicate design: the kept coefficients refitted under each replicate's weights (R
  /// `withReplicates`), the design's `scale`, `rscales` and `mse`, its degrees of freedom over the
  /// estimation rows, and its counts for output.
  case replicates(
    [[Double]], type: ReplicateType, scale: Double, rscales: [Double], mse: Bool, df: Int, summary: DesignSummary)
}

/// The covariance of a fit made from sums (`Fit(aggregateOf:...)`), by the same machinery as
/// `covariance(of:spec:information:)`: the classical covariance from the bread and dispersion;
/// sandwiches through `VarianceEngine.meat` / `VarianceEngine.sandwich` and `SandwichRule`'s
/// small-sample factors (the cluster meat is the engine's, run over the cells' totals); the
/// design's linearization variance through `LinearizationDesign.variance(of:totals:specification:)`
/// on the unit totals of the influence functions; the replicate variance by `replicateVariance`
/// (R `svrVar`) on the refitted coefficients. Degrees of freedom and titles are those of the row path.
///
/// - Parameters:
///   - spec: `.classical`, `.hc(.hc0)`, `.hc(.hc1)`, `.robust`, `.cluster` (its variables are those
///     of `totals`) or `.design` (its `convention` is read; the design is described by `totals`).
/// - Throws: `InferenceError.unsupportedForModel` for HC2/HC3 and OIM (they need rows) or totals
///   that do not match the spec; `DesignError` from the linearization engine.
/// - Parameter information: the bread's information for the sandwiches of a GLM (as
///   `covariance(of:spec:information:)`); a fit from sums has the expected information only, so
///   `.observed` (and `.oim`) is accepted for canonical links, where the two are equal.
public func covariance(
  of fit: Fit, spec: CovarianceSpec, totals: ScoreTotals, information: InformationMatrix = .expected
) throws -> CovarianceEstimate {
  let k = fit.rank
  let usedInformation: InformationMatrix
  switch spec {
  case .oim: usedInformation = .observed
  case .classical: usedInformation = .expected
  default: usedInformation = fit.glm != nil ? information : .expected
  }
  if usedInformation == .observed, let glm = fit.glm,
    !((glm.family != .poisson && glm.link == .logit) || (glm.family == .poisson && glm.link == .log))
  {
    throw InferenceError.unsupportedForModel(model: fit.kind.rawValue + " (fitted from sums)", variance: "observed information")
  }
  let bread = fit.bread
  let robustDF = fit.testDistribution == .normal ? Double.infinity : Double(fit.dfResidual)
  var estimate: CovarianceEstimate
  switch (spec, totals) {
  case (.classical, _), (.oim, _):
    estimate = CovarianceEstimate(
      matrix: VarianceEngine.classical(bread: bread, dispersion: fit.dispersion), spec: spec,
      degreesOfFreedom: fit.dispersionIsEstimated ? Double(fit.dfResidual) : .infinity, clusterCounts: [])

  case (.hc(.hc0), .crossProduct(let meat)), (.hc(.hc1), .crossProduct(let meat)), (.robust, .crossProduct(let meat)):
    let rule = try SandwichRule(fit: fit, spec: spec, parameters: k)
    estimate = CovarianceEstimate(
      matrix: VarianceEngine.sandwich(bread: bread, meat: meat) * rule.factor, spec: spec,
      degreesOfFreedom: robustDF, clusterCounts: [])

  case (.cluster(let variables), .clusters(let cellTotals, _)):
    let rule = try SandwichRule(fit: fit, spec: spec, parameters: k)
    let meat = try VarianceEngine.meat(scores: Scores(dense: cellTotals), kind: rule.kind)
    let counts = variables.map(\.count)
    let df = fit.testDistribution == .normal ? Double.infinity : Double((counts.min() ?? 2) - 1)
    estimate = CovarianceEstimate(
      matrix: VarianceEngine.sandwich(bread: bread, meat: meat) * rule.factor, spec: spec, degreesOfFreedom: df,
      clusterCounts: counts)

  case (.design(let request), .units(let units, let scoreTotals, let specification, var summary)):
    // The influence functions' totals by unit are the score totals times the bread (symmetric).
    let influence = scoreTotals * bread
    let (matrix, estimationDF) = try LinearizationDesign.variance(
      of: units, totals: influence, specification: specification)
    var all = units
    all.inEstimation = nil
    let designDF = request.convention == .r
      ? estimationDF : try LinearizationDesign.variance(
        of: all, totals: Matrix(rows: units.count, cols: 1), specification: specification
      ).df
    summary.df = designDF
    estimate = designEstimate(matrix, spec: spec, convention: request.convention, designDF: designDF, k: k, summary: summary)

  case (.design(let request), .replicates(let thetas, _, let scale, let rscales, let mse, let df, var summary)):
    let matrix = replicateVariance(thetas, estimate: fit.keptCoefficients, scale: scale, rscales: rscales, mse: mse)
    summary.df = df
    estimate = designEstimate(matrix, spec: spec, convention: request.convention, designDF: df, k: k, summary: summary)

  default:
    throw InferenceError.unsupportedForModel(model: fit.kind.rawValue + " (fitted from sums)", variance: spec.title)
  }
  estimate.information = usedInformation
  estimate.title = covarianceTitle(spec: spec, fit: fit, information: usedInformation)
  return estimate
}

/// The design estimate of `designCovariance`: R's df is the design df over the estimation rows
/// less the slopes; Stata's the full design's df.
private func designEstimate(
  _ matrix: Matrix, spec: CovarianceSpec, convention: DesignDFConvention, designDF: Int, k: Int, summary: DesignSummary
) -> CovarianceEstimate {
  let df = convention == .r ? designDF - (k - 1) : designDF
  var estimate = CovarianceEstimate(matrix: matrix, spec: spec, degreesOfFreedom: Double(max(df, 1)), clusterCounts: [])
  estimate.design = summary
  estimate.designDegreesOfFreedom = designDF
  return estimate
}
