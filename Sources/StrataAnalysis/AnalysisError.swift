import StrataDesign

/// Why a fit, design or analysis cannot be made as specified. The English text is in
/// `AnalysisError+Description.swift`; front ends (the CLI) may render the cases their own way.
public enum AnalysisError: Error {
  /// `wls` without weights.
  case weightsRequired(model: ModelKind)
  /// Case weights together with a design (the design carries the sampling weights).
  case weightsWithDesign(weights: String)
  /// `.oim` for a model that is not fitted by likelihood.
  case observedInformationNotApplicable(model: ModelKind)
  /// `| fe` in the formula of a model that cannot absorb fixed effects.
  case fixedEffectsNotAvailable(model: ModelKind)
  /// A variance that absorbed fixed effects do not support.
  case varianceNotAvailableWithFixedEffects(variance: Variance)
  /// A base outcome for a model other than `mlogit`.
  case baseOutcomeNotApplicable(model: ModelKind)
  /// `.design` variance without a design.
  case designRequired
  /// Cluster-robust variance together with a design (declare clusters as PSUs).
  case clusterWithDesign
  /// A variance the model does not offer (`ivprobit` is classical only).
  case varianceNotAvailable(model: ModelKind, variance: Variance)
  /// An option the model does not take (`ivprobit`: weights, designs).
  case optionNotAvailable(model: ModelKind, option: String)
  /// A subpopulation without a design (use a subset).
  case subpopulationWithoutDesign
  /// A confidence level outside (0, 100).
  case invalidLevel(Double)
  /// Iteration controls out of range.
  case invalidControl(maxIterations: Int, tolerance: Double)
  /// A design paired with data over other rows.
  case designRowMismatch(designRows: Int, dataRows: Int)
  /// A design paired with a fit whose weights are not the design's.
  case designWeightsMismatch(row: Int, design: Double, fit: Double)
  /// A group of a split fit could not be fitted; `exclusion` is a subset that leaves it out.
  case splitGroupFailed(variable: String, group: String, exclusion: String, underlying: any Error)
  /// Split fits under a replicate-weight design.
  case splitWithReplicateDesign
  /// Margins, predictions or saving after absorbing fixed effects.
  case marginsAfterFixedEffects
  /// Unconditional margins (covariates sampled) of an ordered or multinomial fit.
  case unconditionalOutcomeMargins
  /// A mediation formula that is not an outcome equation `y ~ treatment + mediator + controls`.
  case notAnOutcomeEquation(formula: String)
  /// Saved estimates whose columns are not the rebuilt model's (`columns`).
  case restoredColumnsDiffer(columns: [String])
  /// Saved estimates whose estimation sample had another size.
  case restoredObservationsDiffer(found: Int, saved: Int)
  /// The model refitted on the data gives other coefficients than the saved ones.
  case refittedCoefficientsDiffer
  /// Mediation bootstrap under a replicate-weight design.
  case mediationWithReplicateDesign
  /// A quantile's probability outside [0, 1].
  case invalidProbability(Double)
  /// A ratio given by other than two variables (numerator, denominator).
  case ratioNeedsTwoVariables(count: Int)
  /// An exposure (`--exposure`) that is zero or negative in a row of the estimation sample (1-based data row).
  case nonPositiveExposure(column: String, row: Int, value: Double)
  /// An offset or grouped response for a model (or fixed-effects fit) that does not take one.
  case offsetNotAvailable(model: ModelKind, what: String)
  /// An exposure for a model other than the count models.
  case exposureNotAvailable(model: ModelKind)
  /// A two-way table of a variable against itself.
  case tabulateSameVariable(String)
  /// `lincom`/`nlcom` with no expression.
  case noCombination
  /// A combination of coefficients whose value or standard error is not finite.
  case nonFiniteCombination(expression: String)
}
