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
    let again = refit.fit.keptCoefficients
    guard refit.fit.kept == kept,
      zip(again, coefficients).allSatisfy({ abs($0 - $1) <= 1e-8 * max(abs($1), 1e-300) })
    else {
      throw SavedFitError.dataChanged(path: path, reason: "refitted coefficients differ from the saved ones")
    }
    var sampled = model
    sampled.sampling = (refit.fit, refit.result.covariance)
    return sampled
  }
}
