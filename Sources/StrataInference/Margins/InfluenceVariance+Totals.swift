import StrataDesign
import StrataLinalg
import StrataModels

extension InfluenceVariance {
  /// The title of the design-based (Taylor linearization) unconditional variance.
  static let designTitle = "design-based (Taylor linearization)"

  /// Checks that margins with covariates sampled (Stata `vce(unconditional)`) exist for a fit
  /// whose covariance is `spec`: HC0, HC1, Stata's robust, cluster or a linearization design.
  ///
  /// - Throws: `MarginsError.unconditionalReplicates` for a replicate-weight design,
  ///   `.unconditionalNeedsRobust` for classical, OIM, HC2 and HC3.
  public static func checkUnconditional(_ spec: CovarianceSpec) throws {
    switch spec {
    case .hc(.hc0), .hc(.hc1), .robust, .cluster:
      return
    case .design(let request):
      if case .replicate = request.design { throw MarginsError.unconditionalReplicates }
    default:
      throw MarginsError.unconditionalNeedsRobust(vce: spec.name)
    }
  }

  /// The title of the unconditional variance of a fit whose covariance is `spec` (as
  /// `matching(fit:covariance:)` titles it).
  public static func title(_ spec: CovarianceSpec) -> String {
    if case .design = spec { return designTitle }
    return spec.title
  }

  /// The covariance of influence functions ψ given by their totals instead of their rows (a fit
  /// made from sums, whose rows are streamed in parts): the rules of the table above, by the
  /// same engine calls. `totals` is `ψᵀψ` for HC0, HC1 and robust (`.crossProduct`), ψ's totals
  /// by cell of the clustering columns (`.clusters`), or by sampling unit of the design
  /// (`.units`, R `svyrecvar` on them); its columns are the estimates.
  ///
  /// - Parameters:
  ///   - fit: the fitted model (its n and rank give the small-sample factors).
  ///   - spec: the fit's covariance specification (a cluster spec's variables are replaced by
  ///     those of `totals`).
  /// - Throws: as `checkUnconditional`; `InferenceError.unsupportedForModel` when `totals` do
  ///   not match `spec`; errors of the variance engine.
  public static func covariance(ofTotals totals: ScoreTotals, fit: Fit, spec: CovarianceSpec) throws -> Matrix {
    try checkUnconditional(spec)
    switch (spec, totals) {
    case (.hc, .crossProduct(let meat)), (.robust, .crossProduct(let meat)):
      return meat * (try SandwichRule(fit: fit, spec: spec, parameters: fit.rank)).factor
    case (.cluster, .clusters(let cells, let variables)):
      let rule = try SandwichRule(fit: fit, spec: .cluster(variables), parameters: fit.rank)
      return try VarianceEngine.meat(scores: Scores(dense: cells), kind: rule.kind) * rule.factor
    case (.design, .units(let units, let unitTotals, let specification, _)):
      return try LinearizationDesign.variance(of: units, totals: unitTotals, specification: specification).covariance
    default:
      throw InferenceError.unsupportedForModel(model: fit.kind.rawValue + " (fitted from sums)", variance: spec.title)
    }
  }
}
