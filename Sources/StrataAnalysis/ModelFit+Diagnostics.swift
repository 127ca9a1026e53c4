import StrataFormula
import StrataInference
import StrataModels
import StrataSupport

/// What a fit reports beyond its coefficient table: the instrument diagnostics of a 2SLS fit,
/// and margins through the path the model needs (per-outcome for ordered and multinomial fits).
extension ModelFit {
  /// The instrument diagnostics of a 2SLS fit (first-stage F per endogenous regressor,
  /// Wu–Hausman, Sargan or Hansen J, Kleibergen–Paap rk statistics), computed with the fit's own
  /// variance, as `summary(ivreg, vcov. =, diagnostics = TRUE)`; nil for other models.
  ///
  ///     let fit = try Model.fit(.iv, "lwage ~ exper | educ ~ motheduc + fatheduc", data: mroz)
  ///     let d = try fit.ivDiagnostics()
  ///
  /// - Throws: `InferenceError`/`LinalgError` when a first stage cannot be tested.
  public func ivDiagnostics() throws -> IVDiagnostics? {
    guard fit.iv != nil else { return nil }
    return try IVDiagnostics(fit: fit, spec: covariance.spec, information: covariance.information)
  }

  /// Margins of the fit through the path its model needs, with a progress handler for long
  /// `over`/`at` requests:
  ///
  /// - ordered and multinomial fits: per-outcome average marginal effects (`.outcomeAverages`)
  ///   for a plain `dydx` request, otherwise per-outcome margins through the general options
  ///   (`.margins`: at means, at values, over groups, discrete changes, elasticities);
  ///   covariates are held fixed only;
  /// - every other model: margins of its prediction (`.margins`), covariates held fixed or
  ///   sampled (`unconditional`, Stata `vce(unconditional)`).
  ///
  ///     switch try fit.margins(selecting: MarginsOptions(kinds: [.dydx])) {
  ///     case .margins(let m): print(m.estimates.count)
  ///     case .outcomeAverages(let m): print(m.estimates.count)
  ///     }
  ///
  /// - Throws: `AnalysisError.unconditionalOutcomeMargins` (ordered/multinomial with
  ///   `unconditional`), `.marginsAfterFixedEffects`; `MarginsError` for bad variables or options.
  public func margins(
    selecting options: MarginsOptions, unconditional: Bool = false, progress: ProgressHandler? = nil
  ) throws -> FitMargins {
    if fit.categorical != nil {
      if unconditional { throw AnalysisError.unconditionalOutcomeMargins }
      let recipe = fit.recipe
      let general =
        options.kinds != [.dydx] || options.atMeans || options.at != nil || options.over != nil
        || !options.discrete.isEmpty || options.contrast != .reference
        || options.variables.contains { recipe?.role(of: $0) == .categorical }
      if general { return .margins(try outcomeMargins(options)) }
      return .outcomeAverages(
        try OutcomeMargins.averageMarginalEffects(
          of: fit, data: data, covariance: covariance, variables: options.variables, level: options.level))
    }
    if fit.fixedEffects != nil { throw AnalysisError.marginsAfterFixedEffects }
    return .margins(
      try Margins.estimate(
        try predictionModel(), options: options, variance: try deltaMethod(unconditional: unconditional),
        degreesOfFreedom: covariance.degreesOfFreedom, varianceTitle: varianceTitle, progress: progress))
  }
}

/// The margins of a fit, as the model gives them (`ModelFit.margins(selecting:)`).
public enum FitMargins: Sendable {
  /// Margins of the prediction, or per-outcome margins through the general options.
  case margins(MarginsResult)
  /// Per-outcome average marginal effects of an ordered or multinomial fit.
  case outcomeAverages(OutcomeMarginsResult)
}
