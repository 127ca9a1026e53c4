import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels

/// A fitted model with its covariance: what `Model.fit` and `SurveyDesign.fit` return.
///
///     let fit = try design.fit(.logit, "sch.wide ~ ell + meals + mobility")
///     for c in fit.coefficients { print(c.term, c.estimate ?? .nan, c.stdError ?? .nan) }
///     let ame = try fit.margins(.dydx)
public struct ModelFit: Sendable {
  let prepared: PreparedModel
  /// The estimator's fit: coefficients, bread, scores, rows.
  public let fit: Fit
  /// The covariance the result uses.
  public let covarianceSpec: CovarianceSpec
  /// Coefficients with standard errors, tests and intervals, and fit statistics.
  public let result: RegressionResult
  /// The two-step details of an `ivprobit` fit (nil otherwise).
  public let ivProbit: IVProbitTwoStep?

  init(prepared: PreparedModel, fit: Fit, covarianceSpec: CovarianceSpec, result: RegressionResult, ivProbit: IVProbitTwoStep?) {
    self.prepared = prepared
    self.fit = fit
    self.covarianceSpec = covarianceSpec
    self.result = result
    self.ivProbit = ivProbit
  }

  /// What was fitted.
  public var specification: FitSpecification { prepared.specification }
  /// The data the model was fitted on (with a design: plus the column of the design's weights).
  public var data: DataFrame { prepared.frame }
  /// The model matrix over the model frame's rows (nil for `ivprobit`).
  public var modelMatrix: ModelMatrix? { prepared.mm }
  /// The survey design (nil for a model-based fit).
  public var design: SampleDesign? { prepared.sampleDesign }
  /// The coefficient table.
  public var coefficients: [CoefficientEstimate] { result.coefficients }
  /// The coefficients' covariance.
  public var covariance: CovarianceEstimate { result.covariance }

  /// The model of predictions margins and scenarios need.
  public func predictionModel() throws -> PredictionModel { try PredictionModel(fit: fit, data: prepared.frame) }

  /// The delta-method engine of margins: covariates held fixed (Stata's default) or sampled
  /// (`unconditional`, Stata `vce(unconditional)`), through the fit's own variance.
  public func deltaMethod(unconditional: Bool = false) throws -> DeltaMethod {
    DeltaMethod(
      covariance: covariance.matrix,
      unconditional: unconditional ? try InfluenceVariance.matching(fit: fit, covariance: covariance) : nil)
  }

  /// The title of the variance in reports.
  public var varianceTitle: String { covariance.title.isEmpty ? covariance.spec.title : covariance.title }

  /// Marginal effects and elasticities (average over the estimation sample, weighted by the
  /// fit's weights; with a design, design-based).
  ///
  ///     let ame = try fit.margins(.dydx)
  ///     let el = try fit.margins(.eyex, .dydx, variables: ["ell"])
  ///
  /// - Throws: `AnalysisError.marginsAfterFixedEffects`; `MarginsError` for bad variables.
  public func margins(_ kinds: MarginKind..., variables: [String] = [], unconditional: Bool = false) throws
    -> MarginsResult
  {
    try margins(
      MarginsOptions(variables: variables, kinds: kinds.isEmpty ? [.dydx] : kinds, level: specification.level),
      unconditional: unconditional)
  }

  /// Margins with every option (at means, at values, over groups, discrete changes).
  public func margins(_ options: MarginsOptions, unconditional: Bool = false) throws -> MarginsResult {
    if fit.fixedEffects != nil { throw AnalysisError.marginsAfterFixedEffects }
    return try Margins.estimate(
      try predictionModel(), options: options, variance: try deltaMethod(unconditional: unconditional),
      degreesOfFreedom: covariance.degreesOfFreedom, varianceTitle: varianceTitle)
  }

  /// Per-outcome margins of an ordered or multinomial fit (covariates held fixed).
  public func outcomeMargins(_ options: MarginsOptions) throws -> MarginsResult {
    try OutcomeMargins.estimate(of: fit, data: prepared.frame, covariance: covariance, options: options)
  }

  /// Per-outcome average marginal effects of an ordered or multinomial fit.
  public func outcomeAverageMarginalEffects(variables: [String]) throws -> OutcomeMarginsResult {
    try OutcomeMargins.averageMarginalEffects(
      of: fit, data: prepared.frame, covariance: covariance, variables: variables, level: specification.level)
  }

  /// The coefficients refitted with each data row's weight multiplied by `multipliers[row]`
  /// (rows absent from the dictionary get weight 0): one bootstrap or replicate refit.
  public func refitted(multipliers: [Int: Double]) throws -> Fit {
    guard var m = prepared.mm else { throw AnalysisError.optionNotAvailable(model: specification.model, option: "refits") }
    let base = m.weights ?? [Double](repeating: 1, count: m.rows.count)
    m.weights = m.rows.indices.map { base[$0] * (multipliers[m.rows[$0]] ?? 0) }
    return try prepared.refit(m)
  }

  /// The covariance of this fit's coefficients under `design`, checking that the design was
  /// built on the fit's data and carries the fit's weights (an error otherwise, never a silent SE).
  ///
  ///     let v = try fit.covariance(under: design)
  ///
  /// - Throws: `AnalysisError.designRowMismatch`, `.designWeightsMismatch`.
  public func covariance(under design: SurveyDesign) throws -> CovarianceEstimate {
    try design.checkPairing(with: self)
    return try covarianceEstimate(design.sampleDesign)
  }

  func covarianceEstimate(_ design: SampleDesign) throws -> CovarianceEstimate {
    guard let mm = prepared.mm else {
      throw AnalysisError.varianceNotAvailable(model: specification.model, variance: .design)
    }
    var position: [Int: Int] = [:]
    for (i, row) in fit.rows.enumerated() { position[row] = i }
    let fitIndex = mm.rows.map { position[$0] }
    let (fit, refit) = (self.fit, prepared.refit)
    let spec = CovarianceSpec.design(
      DesignVariance(
        design: design, convention: specification.convention.designDF,
        refit: { replicateWeights in
          var m = mm
          m.weights = fitIndex.map { $0.map { replicateWeights[$0] } ?? 0 }
          let again = try refit(m)
          return fit.kept.map { again.coefficients[$0] }
        }))
    return try StrataInference.covariance(of: fit, spec: spec, information: prepared.information)
  }
}
