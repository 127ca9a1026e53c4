/// Errors in turning a fit into standard errors and tests.
public enum InferenceError: Error, Sendable, Equatable {
  /// A cluster variable has one group: no between-cluster variation to estimate from.
  case singleCluster(variable: String)
  /// A cluster variable's codes do not line up with the estimation sample.
  case clusterLengthMismatch(variable: String, expected: Int, found: Int)
  /// An observation with leverage 1 makes HC2/HC3 undefined.
  case leverageOne(type: String, observation: Int)
  /// A confidence level outside (0, 100).
  case invalidLevel(Double)
  /// Per-outcome margins asked of a fit that is not ordered or multinomial.
  case notCategorical(model: String)
  /// Split groups of `variable` that cannot be compared: fewer than two groups with a fit.
  case splitTooFewGroups(variable: String, groups: Int)
  /// Split groups without a term estimable in every group.
  case splitNoCommonTerm
  /// Split groups whose differences of coefficients have a singular covariance.
  case splitSingularDifferences
  /// The treatment or mediator is not an estimable coefficient of a mediation equation.
  case mediationTermMissing(term: String, equation: String)
  /// A variance that needs the full hat matrix (`HC2`, `HC3`: the type's name) after absorbing
  /// fixed effects.
  case unsupportedWithFixedEffects(String)
  /// The observed information of a non-canonical GLM with absorbed fixed effects is not kept.
  case observedInformationWithFixedEffects(link: String)
  /// A variance the model does not support.
  case unsupportedForModel(model: String, variance: String)
  /// Scores paired with a design they do not belong to (other rows or other weights).
  case designMismatch(DesignMismatch)
  /// A test of terms asked with no term.
  case emptyTermList
  /// A term to test that is neither a term label nor a column of the fit.
  case unknownTerm(term: String, available: [String])
  /// A term to test all of whose columns were dropped for collinearity.
  case termAliased(term: String, columns: [String])
  /// The covariance of the coefficients to test is singular.
  case singularTestCovariance(terms: [String])
  /// Stata's adjusted Wald F needs fewer coefficients than the design df + 1.
  case adjustedTestTooManyTerms(terms: Int, designDF: Int)
  /// A proportion interval (`svyciprop`) asked of a variable with more than two categories.
  case notBinary(variable: String, levels: [String])
}
