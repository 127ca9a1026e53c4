/// Errors in computing marginal effects, elasticities and scenario predictions.
public enum MarginsError: Error, Sendable, Equatable {
  /// The variable is not a data column the model's regressors use.
  case notInModel(variable: String, modelVariables: [String])
  /// The fit carries no model recipe (it was not made by `LeastSquares.fit` or
  /// `GeneralizedLinearModel.fit`), so the design matrix cannot be rebuilt.
  case missingRecipe
  /// An `--at` value of the wrong type for its variable.
  case atValueType(variable: String, value: String, expected: String)
  /// An `--at` level the fit never saw.
  case atUnknownLevel(variable: String, level: String, levels: [String])
  /// An `--at` specification that does not parse.
  case atSyntax(text: String, reason: String)
  /// The same variable set twice in one `--at`.
  case atRepeated(variable: String)
  /// An `--at` grid with more points than `AtGrid.maximumPoints` (the count per variable, as written).
  case atGridTooLarge(points: Double, variables: [String], counts: [Double], limit: Int)
  /// An elasticity (`eyex`, `eydx`) divides by a prediction that is zero.
  case zeroPrediction(variable: String, type: String, row: Int?)
  /// An elasticity or derivative came out infinite or NaN.
  case nonFinite(variable: String, type: String, row: Int?)
  /// An elasticity type asked of a factor or `--discrete` variable (only `dydx` discrete
  /// changes exist).
  case elasticityOfDiscrete(variable: String, type: String)
  /// A variable that enters both as a number and as a category (`x + factor(x)`, `x + I(x > 5)`).
  case mixedRole(variable: String)
  /// A categorical variable whose levels cannot be changed (it enters only through a comparison
  /// or a logical operator, such as `I(x > 5)`).
  case notDiscrete(variable: String)
  /// A `--discrete` variable that is not numeric 0/1 in the estimation sample.
  case notBinary(variable: String, value: Double)
  /// The covariate-sampling ("unconditional") variance needs a robust, cluster or design variance.
  case unconditionalNeedsRobust(vce: String)
  /// The unconditional variance is for averages over the sample, not for effects at the means.
  case unconditionalAtMeans
  /// The unconditional variance with replicate weights (would need the margins refitted per
  /// replicate) is not available.
  case unconditionalReplicates
  /// A `--over` / `--by` group column with a missing value in the estimation sample.
  case groupMissing(variable: String, row: Int)
  /// A ratio whose baseline average is zero.
  case zeroBaseline(scenario: String)
  /// A confidence level outside (0, 100).
  case invalidLevel(Double)
}

/// A count for messages: an integer up to 1e15, else in scientific notation.
private func count(_ x: Double) -> String {
  x < 1e15 ? String(Int(x)) : "\(x)"
}

extension MarginsError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .notInModel(let v, let vars):
      return "variable '\(v)' is not in the model; its regressors use: \(vars.joined(separator: ", "))"
    case .missingRecipe:
      return "this fit has no model recipe, so margins cannot rebuild its design matrix"
    case .atValueType(let v, let value, let expected):
      return "--at \(v)=\(value): '\(value)' is not valid for '\(v)'; expected \(expected)"
    case .atUnknownLevel(let v, let l, let levels):
      return "--at \(v)=\(l): '\(l)' is not a level of '\(v)' in the estimation sample (levels: \(levels.joined(separator: ", ")))"
    case .atSyntax(let text, let reason):
      return "--at '\(text)': \(reason); write e.g. 'educ=12,16; age=mean; region=north'"
    case .atRepeated(let v):
      return "--at sets '\(v)' twice"
    case .atGridTooLarge(let points, let variables, let counts, let limit):
      let sizes = zip(variables, counts).map { "\($0): \(count($1)) values" }.joined(separator: " × ")
      return "--at: the grid has \(count(points)) points (\(sizes)), more than the limit of \(limit); "
        + "each point is an average over the whole sample, so give fewer values (a coarser list or a shorter "
        + "range such as 'x=1:100') or split the grid over several runs"
    case .zeroPrediction(let v, let t, let row):
      let at = row.map { " at data row \($0)" } ?? " at the evaluation point"
      return "\(t) of '\(v)' divides by the prediction, which is 0\(at); use dydx or dyex"
    case .nonFinite(let v, let t, let row):
      let at = row.map { " at data row \($0)" } ?? ""
      return "\(t) of '\(v)' is not finite\(at)"
    case .elasticityOfDiscrete(let v, let t):
      return "'\(v)' is a factor or discrete variable: it has discrete changes (dydx), not \(t)"
    case .mixedRole(let v):
      return "'\(v)' enters the model both as a number and as a category, so it has no derivative; use --at to compare values"
    case .notDiscrete(let v):
      return "'\(v)' enters only through a comparison or logical operator; use --at to compare values"
    case .notBinary(let v, let value):
      return "--discrete \(v): the variable takes the value \(value), not only 0 and 1"
    case .unconditionalNeedsRobust(let vce):
      return "--margins-vce unconditional needs a robust, cluster or design variance (the fit used \(vce))"
    case .unconditionalAtMeans:
      return "--margins-vce unconditional applies to averages over the sample, not to --atmeans"
    case .unconditionalReplicates:
      return "--margins-vce unconditional is not available with replicate weights; use a linearization design"
    case .groupMissing(let v, let row):
      return "group variable '\(v)' is missing at data row \(row)"
    case .zeroBaseline(let s):
      return "the baseline average prediction is 0, so the ratio for scenario '\(s)' is undefined"
    case .invalidLevel(let l):
      return "confidence level \(l) is not between 0 and 100"
    }
  }
}
