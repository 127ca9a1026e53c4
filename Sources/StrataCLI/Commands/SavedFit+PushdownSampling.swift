import Foundation
import Strata

extension SavedFit {
  /// `model` with what margins with the covariates sampled need of a saved pushed-down fit (its
  /// bread and its variance's design): the fit pushed down again on its table, as a streamed fit is
  /// streamed again (`streamedSampling`). The variance is checked first (no refit when it has no
  /// unconditional form).
  ///
  /// - Throws: `SavedFitError.dataChanged` when the refitted coefficients differ from the saved
  ///   ones (1e-8 relative, as in memory); `MarginsError` for variances without the form.
  func pushedDownSampling(
    _ model: AggregateMargins.FittedModel, plan: AggregatePlan, source: PostgresSource, partitionKey: String?
  ) throws -> AggregateMargins.FittedModel {
    let refit = try translatingAnalysisErrors {
      try AggregateMargins.checkUnconditional(plan.variance, specification: plan.specification)
      return try Pushdown.fit(
        plan.specification, variance: plan.variance, source: source, partitionKey: partitionKey,
        control: plan.control, information: plan.information
      ).result.result
    }
    return try sampling(model, refit: refit.fit, covariance: refit.covariance)
  }
}
