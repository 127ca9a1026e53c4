import Foundation
import Strata

extension SavedFit {
  /// `model` with what margins with the covariates sampled need (the fit's bread and its
  /// variance's design): the saved streamed fit streamed again on its data, as in memory a saved
  /// fit is refitted for its scores. The variance is checked first (no refit when it has no
  /// unconditional form).
  ///
  /// - Throws: `SavedFitError.dataChanged` when the refitted coefficients differ from the saved
  ///   ones (1e-8 relative, as in memory); `MarginsError` for variances without the form.
  func streamedSampling(_ model: AggregateMargins.FittedModel) throws -> AggregateMargins.FittedModel {
    let (spec, dataPath) = try resolvedSpecification()
    let refit = try translatingAnalysisErrors {
      let plan = try Model.aggregatePlan(spec)
      try AggregateMargins.checkUnconditional(plan.variance, specification: plan.specification)
      return try Model.fitStreaming(spec, path: dataPath, memory: Int(ProcessInfo.processInfo.physicalMemory / 2))
    }
    return try sampling(model, refit: refit.fit, covariance: refit.result.covariance)
  }

  /// `model` with the refit's bread and variance design, once its coefficients are the saved ones.
  ///
  /// - Throws: `SavedFitError.dataChanged` when the refitted coefficients differ from the saved
  ///   ones (1e-8 relative, as in memory).
  func sampling(_ model: AggregateMargins.FittedModel, refit: StrataModels.Fit, covariance: CovarianceEstimate) throws
    -> AggregateMargins.FittedModel
  {
    guard refit.kept == kept,
      zip(refit.keptCoefficients, coefficients).allSatisfy({ abs($0 - $1) <= 1e-8 * max(abs($1), 1e-300) })
    else {
      throw SavedFitError.dataChanged(path: path, reason: "refitted coefficients differ from the saved ones")
    }
    var sampled = model
    sampled.sampling = (refit, covariance)
    return sampled
  }
}
