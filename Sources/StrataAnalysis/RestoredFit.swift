import Foundation
import StrataData
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels

/// The estimates kept from a fit (a saved fit's coefficients and covariance), to be paired again
/// with the model rebuilt on its data: `FittedEstimates` (read through: `estimates.terms`) and the
/// observations.
@dynamicMemberLookup
public struct SavedEstimates: Sendable {
  /// Columns, kept coefficients, covariance, degrees of freedom, variance title.
  public var fitted: FittedEstimates
  /// Observations in the estimation sample.
  public var nobs: Int

  public init(
    terms: [String], kept: [Int], coefficients: [Double], covariance: Matrix, degreesOfFreedom: Double,
    varianceTitle: String, nobs: Int
  ) {
    fitted = FittedEstimates(
      terms: terms, kept: kept, coefficients: coefficients, covariance: covariance, degreesOfFreedom: degreesOfFreedom,
      varianceTitle: varianceTitle)
    self.nobs = nobs
  }

  public subscript<T>(dynamicMember path: WritableKeyPath<FittedEstimates, T>) -> T {
    get { fitted[keyPath: path] }
    set { fitted[keyPath: path] = newValue }
  }
}

/// A fit restored from saved estimates and its rebuilt model (no refit): what margins,
/// elasticities and scenarios of a saved fit use.
///
///     let setup = try Model.setup(spec, data: data)
///     let restored = try setup.restore(estimates)
///     let ame = try restored.margins(MarginsOptions(kinds: [.dydx]))
public struct RestoredFit: Sendable {
  /// The rebuilt model (data, design, model matrix).
  public let setup: ModelSetup
  /// The saved estimates.
  public let estimates: SavedEstimates
  /// The prediction model over the estimation sample with the saved coefficients.
  public let predictionModel: PredictionModel

  /// The delta-method engine: covariates fixed, or sampled (`unconditional`: refits the model
  /// for its scores and checks that the coefficients agree with the saved ones, 1e-8 relative).
  ///
  /// - Throws: `AnalysisError.refittedCoefficientsDiffer` when the data no longer give the fit.
  public func deltaMethod(unconditional: Bool = false) throws -> DeltaMethod {
    DeltaMethod(covariance: estimates.covariance, unconditional: unconditional ? try influenceVariance() : nil)
  }

  /// The covariate-sampling engine of the refitted model.
  ///
  /// - Throws: `MarginsError.unconditionalReplicates` or `.unconditionalNeedsRobust` before
  ///   any refit when the fit's variance has no covariate-sampling form;
  ///   `AnalysisError.refittedCoefficientsDiffer`.
  public func influenceVariance() throws -> InfluenceVariance {
    try setup.checkUnconditionalMargins()
    let fit = try setup.fit()
    let again = fit.fit.keptCoefficients
    for (a, b) in zip(again, estimates.coefficients) where abs(a - b) > 1e-8 * max(abs(b), 1e-300) {
      throw AnalysisError.refittedCoefficientsDiffer
    }
    return try InfluenceVariance.matching(fit: fit.fit, covariance: fit.covariance)
  }

  /// Margins of the saved fit.
  public func margins(_ options: MarginsOptions, unconditional: Bool = false) throws -> MarginsResult {
    try Margins.estimate(
      predictionModel, options: options, variance: try deltaMethod(unconditional: unconditional),
      degreesOfFreedom: estimates.degreesOfFreedom, varianceTitle: estimates.varianceTitle)
  }
}

extension ModelSetup {
  /// Pairs saved estimates with this rebuilt model: checks that the model matrix has the saved
  /// columns and the estimation sample (rows with positive weight) the saved observations.
  ///
  /// - Throws: `AnalysisError.restoredColumnsDiffer`, `.restoredObservationsDiffer`.
  public func restore(_ estimates: SavedEstimates) throws -> RestoredFit {
    let mm = modelMatrix
    guard mm.columnNames == estimates.terms else { throw AnalysisError.restoredColumnsDiffer(columns: mm.columnNames) }
    // The estimation sample: the model frame's rows with positive weight (fits drop zero weights).
    var rows = mm.rows
    var weights = mm.weights
    if let w = mm.weights {
      let positive = w.indices.filter { w[$0] > 0 }
      rows = positive.map { mm.rows[$0] }
      weights = positive.map { w[$0] }
    }
    guard rows.count == estimates.nobs else {
      throw AnalysisError.restoredObservationsDiffer(found: rows.count, saved: estimates.nobs)
    }
    let model = PredictionModel(
      recipe: mm.recipe, data: data, rows: rows, coefficients: estimates.coefficients, kept: estimates.kept,
      link: link, weights: weights)
    return RestoredFit(setup: self, estimates: estimates, predictionModel: model)
  }
}
