/// Errors an estimator raises for data it cannot fit. Each names the variable or term at fault.
public enum EstimationError: Error, Sendable, Equatable {
  /// The formula has no response (`~ x`), but the estimator needs one.
  case missingResponse
  /// The response takes one value in the estimation sample.
  case constantResponse(name: String, value: Double)
  /// Some case weights are negative.
  case negativeWeights(count: Int, firstRow: Int)
  /// Weights are missing or all zero after dropping rows.
  case noPositiveWeights
  /// Fewer observations than estimable coefficients.
  case noResidualDegreesOfFreedom(observations: Int, coefficients: Int)
  /// An iterative fit stopped before converging.
  /// `lastChange` is the last relative deviance change, or NaN for Newton fits that stop on the
  /// decrement instead (ordered and multinomial models), which the message then leaves out.
  case notConverged(iterations: Int, lastChange: Double)
  /// Some regressors separate the outcome perfectly.
  case perfectSeparation(terms: [String])
  /// One term alone predicts the outcome perfectly for some observations (complete or
  /// quasi-complete separation), as Stata's "x != 0 predicts success perfectly".
  case separatedByTerm(term: String, condition: String, outcome: Int, observations: Int)
  /// The fit drove fitted probabilities to 0 or 1: (quasi-)complete separation by a combination
  /// of terms (those with the largest standardized estimates are named).
  case quasiSeparation(terms: [String], predictedOnes: Int, predictedZeros: Int)
  /// A binary model's response takes a value other than 0 and 1.
  case responseNotBinary(name: String, value: Double, row: Int)
  /// A binary model's categorical response does not have exactly two levels.
  case responseLevels(name: String, levels: [String])
  /// A fractional model's response lies outside [0, 1].
  case responseOutOfRange(name: String, value: Double, row: Int)
  /// A count model's response is negative.
  case negativeCount(name: String, value: Double, row: Int)
  /// A column of a grouped binomial response `cbind(successes, failures)` is negative (1-based data row).
  case negativeGroupedCount(name: String, value: Double, row: Int)
  /// The negative binomial θ did not converge to a positive finite value (no overdispersion).
  case dispersionNotEstimable(theta: Double)
  /// A row of a grouped binomial response has no trials (successes + failures = 0; 1-based data row).
  case noTrials(successes: String, failures: String, row: Int)
  /// The step-halving of IRLS could not find a step that reduces the deviance.
  case stepHalvingFailed(iteration: Int)
  /// The observed information is not positive definite at the estimate (the OIM variance).
  case observedInformationSingular
  /// Leverages (HC2, HC3) are not defined for this model's scores.
  case leverageUndefined(model: String)
  /// An estimator does not accept an option (e.g. weights with the IV-probit two-step estimator).
  case unsupportedOption(model: String, option: String)
  /// An ordered or multinomial response has too few distinct values.
  case tooFewOutcomeLevels(name: String, levels: [String], minimum: Int)
  /// The base outcome names no level of the response.
  case unknownBaseOutcome(name: String, base: String, levels: [String])
  /// An IV formula without the two parts `y ~ exog | endog ~ instruments` (or AER's `y ~ x | z`).
  case invalidIVFormula(formula: String)
  /// Fewer excluded instruments than endogenous regressors.
  case underidentified(instruments: [String], endogenous: [String])
  /// A fixed-effects formula with other than two parts (`y ~ x | fe1 + fe2`).
  case fixedEffectsParts(formula: String, parts: Int)
  /// A fixed-effects formula with an instrumental-variables part (not supported).
  case fixedEffectsWithIV(formula: String)
  /// Nothing after the `|` of a fixed-effects formula.
  case noFixedEffectVariable
  /// A formula without the `| fe` part the fixed-effects estimator needs.
  case noFixedEffectsPart(formula: String)
  /// No regressor besides the fixed effects.
  case noRegressorsBesideFixedEffects(formula: String)
  /// Every observation was a singleton of some fixed effect.
  case noObservationsAfterSingletons
  /// Every regressor is collinear with the fixed effects.
  case regressorsCollinearWithFixedEffects
  /// Alternating projections did not converge.
  case demeaningNotConverged(iterations: Int)
}
