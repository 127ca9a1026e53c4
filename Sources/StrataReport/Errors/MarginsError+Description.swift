// The English rendering of `MarginsError` (StrataInference), shared by library users and the CLI.

import StrataInference

extension MarginsError: CustomStringConvertible {
  /// The message in the library's words (options as Swift parameter names).
  public var description: String { message(using: .library) }

  /// The message, naming options in `o`'s words (the CLI passes its flags).
  public func message(using o: ErrorVocabulary) -> String {
    switch self {
    case .notInModel(let v, let vars):
      return "variable '\(v)' is not in the model; its regressors use: \(vars.joined(separator: ", "))"
    case .missingRecipe:
      return "this fit has no model recipe, so margins cannot rebuild its design matrix"
    case .atValueType(let v, let value, let expected):
      return "\(o(.at)) \(v)=\(value): '\(value)' is not valid for '\(v)'; expected \(expected.text)"
    case .atUnknownLevel(let v, let l, let levels):
      return "\(o(.at)) \(v)=\(l): '\(l)' is not a level of '\(v)' in the estimation sample (levels: \(levels.joined(separator: ", ")))"
    case .atMissingEquals(let text, let piece):
      return atSyntax(o, text, "'\(piece)' has no '='")
    case .atMissingName(let text):
      return atSyntax(o, text, "a variable name is missing")
    case .atEmptyValue(let text, let variable):
      return atSyntax(o, text, "'\(variable)' has an empty value")
    case .atNoVariable(let text):
      return atSyntax(o, text, "no variable is set")
    case .atRepeated(let v):
      return "\(o(.at)) sets '\(v)' twice"
    case .atGridTooLarge(let points, let variables, let counts, let limit):
      let sizes = zip(variables, counts).map { "\($0): \(countText($1)) values" }.joined(separator: " × ")
      return "\(o(.at)): the grid has \(countText(points)) points (\(sizes)), more than the limit of \(limit); "
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
      return "'\(v)' enters the model both as a number and as a category, so it has no derivative; use \(o(.at)) to compare values"
    case .notDiscrete(let v):
      return "'\(v)' enters only through a comparison or logical operator; use \(o(.at)) to compare values"
    case .notBinary(let v, let value):
      return "\(o(.discrete, v)): the variable takes the value \(value), not only 0 and 1"
    case .unconditionalNeedsRobust(let vce):
      return "\(o(.marginsVariance, "unconditional")) needs a robust, cluster or design variance (the fit used \(vce))"
    case .unconditionalAtMeans:
      return "\(o(.marginsVariance, "unconditional")) applies to averages over the sample, not to \(o(.atMeans))"
    case .unconditionalReplicates:
      return "\(o(.marginsVariance, "unconditional")) is not available with replicate weights; use a linearization design"
    case .groupMissing(let v, let row):
      return "group variable '\(v)' is missing at data row \(row)"
    case .zeroBaseline(let s):
      return "the baseline average prediction is 0, so the ratio for scenario '\(s)' is undefined"
    case .invalidLevel(let l):
      return "confidence level \(l) is not between 0 and 100"
    case .combinationNeedsFixedCovariates:
      return "combinations of margins use the margins' covariance with the covariates fixed, not \(o(.marginsVariance, "unconditional"))"
    case .combinationAmbiguous(let name, let reason):
      return "combinations of margins name each margin once, but '\(name)' \(reason)"
    case .notSummable(let what):
      return "\(what) is not available when the data are read in parts (a streamed file or a database): only averages over the sample are sums over rows"
    }
  }
}

extension AtValueKind {
  /// What the value must be, as a message says it.
  var text: String {
    switch self {
    case .level: return "a level"
    case .oneOf(let levels): return "one of the levels \(levels.joined(separator: ", "))"
    case .number: return "a number"
    case .numberOrStatistic: return "a number or mean, median, min, max"
    }
  }
}

/// An `at` specification that does not parse, with an example of one that does.
private func atSyntax(_ o: ErrorVocabulary, _ text: String, _ reason: String) -> String {
  "\(o(.at)) '\(text)': \(reason); write e.g. 'educ=12,16; age=mean; region=north'"
}
