/// Errors from parsing formulas and expressions and from building model matrices.
public enum FormulaError: Error, Sendable, Equatable {
  /// A token that does not fit the grammar, at a 0-based character offset of `formula`.
  case unexpectedToken(String, at: Int, in: String)
  /// A formula that parses but is not a valid model formula (`y ~ x + 2`).
  case invalidFormula(String, at: Int, in: String)
  /// A variable that is not a column of the data.
  case unknownVariable(name: String, suggestions: [String])
  /// A factor (categorical) variable used where a number is needed (`log(name)`).
  case nonNumeric(variable: String, term: String)
  /// A term or the response evaluated to ±Inf (R: "NA/NaN/Inf in 'x'").
  case nonFinite(term: String)
  /// The model has no columns.
  case emptyModel
  /// No rows are left after the subset and missing-value removal.
  case noRowsLeft(droppedMissing: Int, droppedBySubset: Int)
  /// A function Strata does not evaluate.
  case unsupportedFunction(name: String)
  /// Arguments a supported function cannot take (`poly(x, 2)` without `raw = TRUE`).
  case invalidArguments(function: String, reason: String)
  /// A factor with fewer than two levels in the estimation sample
  /// (R: "contrasts can be applied only to factors with 2 or more levels").
  case singleLevelFactor(variable: String, levels: [String])
  /// A formula with no left-hand side where a response is required.
  case missingResponse
  /// A factor level in new data that the estimation sample did not have
  /// (R: "factor x has new levels ...").
  case unseenLevel(variable: String, level: String, fittedLevels: [String])
  /// A missing value (NA, or NaN from a transformation) in a variable the model uses, at a
  /// 1-based data row.
  case missingValue(variable: String, row: Int)
  /// A model variable whose type in new data differs from the fit (a factor supplied as numbers).
  case typeMismatch(variable: String, fitted: String, supplied: String)
  /// A model-matrix column that is ±Inf or NaN on new data, at a 1-based data row.
  case nonFiniteValue(term: String, row: Int)
  /// A data variable that is not among the variables of the model's regressors.
  case notInModel(variable: String, modelVariables: [String])
  /// A derivative asked for with respect to a variable that enters the model as categorical.
  case categoricalVariable(variable: String, term: String)
  /// A derivative through an operation that has none (a comparison, `factor()`, `%/%`).
  case notDifferentiable(variable: String, term: String, reason: String)
  /// A derivative that is ±Inf or NaN (as `sqrt(x)` at 0), at a 1-based data row.
  case nonFiniteDerivative(variable: String, term: String, row: Int)
  /// A malformed scenario (`name = expression; ...`), at a 0-based character offset.
  case invalidScenario(String, at: Int, in: String)
}

extension FormulaError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .unexpectedToken(let token, let offset, let text):
      let what = token.isEmpty ? "end of input" : "'\(token)'"
      return "unexpected \(what) at column \(offset + 1):\n" + caret(text, offset)
    case .invalidFormula(let reason, let offset, let text):
      return "invalid model formula: \(reason) at column \(offset + 1):\n" + caret(text, offset)
    case .unknownVariable(let name, let suggestions):
      var s = "unknown variable '\(name)'"
      if !suggestions.isEmpty {
        s += " (did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?)"
      }
      return s
    case .nonNumeric(let variable, let term):
      return "'\(variable)' is categorical and cannot be used as a number in '\(term)'"
    case .nonFinite(let term):
      return "infinite values in '\(term)' (R: NA/NaN/Inf in 'x'); restrict the sample with a subset"
    case .emptyModel:
      return "the model has no columns (no terms and no intercept)"
    case .noRowsLeft(let missing, let subset):
      return "no observations left: \(subset) dropped by the subset, \(missing) dropped for missing values"
    case .unsupportedFunction(let name):
      return "unsupported function '\(name)' in formula (supported: log, log1p, log2, log10, exp, sqrt, abs, I, poly(raw = TRUE), factor, as.numeric)"
    case .invalidArguments(let function, let reason):
      return "invalid arguments to \(function)(): \(reason)"
    case .singleLevelFactor(let variable, let levels):
      let l = levels.map { "'\($0)'" }.joined(separator: ", ")
      return "factor '\(variable)' has \(levels.count) level\(levels.count == 1 ? "" : "s") (\(l)) in the estimation sample; contrasts need at least 2"
    case .missingResponse:
      return "the formula has no response (left-hand side)"
    case .unseenLevel(let variable, let level, let fitted):
      let l = fitted.map { "'\($0)'" }.joined(separator: ", ")
      return "'\(variable)' has the level '\(level)', which the estimation sample did not have (levels: \(l))"
    case .missingValue(let variable, let row):
      return "'\(variable)' is missing (NA or NaN) at row \(row)"
    case .typeMismatch(let variable, let fitted, let supplied):
      return "'\(variable)' was fitted as \(fitted) but the data give it as \(supplied)"
    case .nonFiniteValue(let term, let row):
      return "'\(term)' is infinite or NaN at row \(row)"
    case .notInModel(let variable, let variables):
      let v = variables.map { "'\($0)'" }.joined(separator: ", ")
      return "'\(variable)' is not a variable of the model's regressors (they are: \(v))"
    case .categoricalVariable(let variable, let term):
      return "'\(variable)' enters the model as categorical (in '\(term)'); it has discrete changes, not a derivative"
    case .notDifferentiable(let variable, let term, let reason):
      return "'\(term)' cannot be differentiated with respect to '\(variable)': \(reason)"
    case .nonFiniteDerivative(let variable, let term, let row):
      return "the derivative of '\(term)' with respect to '\(variable)' is infinite or NaN at row \(row)"
    case .invalidScenario(let reason, let offset, let text):
      return "invalid scenario: \(reason) at column \(offset + 1):\n" + caret(text, offset)
    }
  }
}

/// The text with a caret line under `offset`.
private func caret(_ text: String, _ offset: Int) -> String {
  "  " + text + "\n  " + String(repeating: " ", count: max(0, offset)) + "^"
}
