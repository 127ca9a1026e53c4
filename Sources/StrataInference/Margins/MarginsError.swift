/// What an `at` value of a variable must be.
public enum AtValueKind: Sendable, Equatable {
  /// A level of a categorical variable.
  case level
  /// One of these levels (a variable the model uses through its levels).
  case oneOf([String])
  /// A number.
  case number
  /// A number or a statistic of the sample (`mean`, `median`, `min`, `max`).
  case numberOrStatistic
}

/// Errors in computing marginal effects, elasticities and scenario predictions.
public enum MarginsError: Error, Sendable, Equatable {
  /// The variable is not a data column the model's regressors use.
  case notInModel(variable: String, modelVariables: [String])
  /// The fit carries no model recipe (it was not made by `LeastSquares.fit` or
  /// `GeneralizedLinearModel.fit`), so the design matrix cannot be rebuilt.
  case missingRecipe
  /// An `at` value of the wrong type for its variable.
  case atValueType(variable: String, value: String, expected: AtValueKind)
  /// An `at` level the fit never saw.
  case atUnknownLevel(variable: String, level: String, levels: [String])
  /// An `at` specification with a part that has no `=` (`piece`).
  case atMissingEquals(text: String, piece: String)
  /// An `at` specification with a part that has no variable name before `=`.
  case atMissingName(text: String)
  /// An `at` specification that gives `variable` an empty value.
  case atEmptyValue(text: String, variable: String)
  /// An `at` specification that sets no variable.
  case atNoVariable(text: String)
  /// The same variable set twice in one `at`.
  case atRepeated(variable: String)
  /// An `at` grid with more points than `AtGrid.maximumPoints` (the count per variable, as written).
  case atGridTooLarge(points: Double, variables: [String], counts: [Double], limit: Int)
  /// An elasticity (`eyex`, `eydx`) divides by a prediction that is zero.
  case zeroPrediction(variable: String, type: String, row: Int?)
  /// An elasticity or derivative came out infinite or NaN.
  case nonFinite(variable: String, type: String, row: Int?)
  /// An elasticity type asked of a factor or discrete variable (only `dydx` discrete
  /// changes exist).
  case elasticityOfDiscrete(variable: String, type: String)
  /// A variable that enters both as a number and as a category (`x + factor(x)`, `x + I(x > 5)`).
  case mixedRole(variable: String)
  /// A categorical variable whose levels cannot be changed (it enters only through a comparison
  /// or a logical operator, such as `I(x > 5)`).
  case notDiscrete(variable: String)
  /// A discrete variable that is not numeric 0/1 in the estimation sample.
  case notBinary(variable: String, value: Double)
  /// The covariate-sampling ("unconditional") variance needs a robust, cluster or design variance.
  case unconditionalNeedsRobust(vce: String)
  /// The unconditional variance is for averages over the sample, not for effects at the means.
  case unconditionalAtMeans
  /// The unconditional variance with replicate weights (would need the margins refitted per
  /// replicate) is not available.
  case unconditionalReplicates
  /// A `over` / `by` group column with a missing value in the estimation sample.
  case groupMissing(variable: String, row: Int)
  /// A ratio whose baseline average is zero.
  case zeroBaseline(scenario: String)
  /// A confidence level outside (0, 100).
  case invalidLevel(Double)
  /// Combinations of margins need their gradients, kept with the covariates fixed only.
  case combinationNeedsFixedCovariates
  /// Combinations of margins need one margin per name (`reason`: what makes two alike).
  case combinationAmbiguous(name: String, reason: String)
  /// Margins computed from sums over parts of the data (a streamed file, a database) that are
  /// not sums over rows (`what`: effects at the means, `--at` statistics).
  case notSummable(what: String)
}
