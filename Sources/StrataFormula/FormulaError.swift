import Foundation

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
  /// An expression nested deeper than `limit` levels (parentheses, calls, unary signs, or a
  /// chain of operators such as `a + b + c`, which R's parser also builds as a nested tree),
  /// at the 0-based character offset where the limit was passed.
  case tooDeep(limit: Int, at: Int, in: String)
  /// A formula or expression longer than `limit` characters.
  case tooLong(length: Int, limit: Int)
  /// A number where a whole number in a range is needed (a polynomial degree, the power of a
  /// term in `(a + b)^k`), naming the term and what is accepted.
  case invalidInteger(value: String, term: String, expected: String)
  /// A model matrix larger than `limit` bytes, refused before it is allocated.
  case modelMatrixTooLarge(rows: Int, columns: Int, bytes: Double, limit: Double, largestTerm: String, levels: Int)
  /// `.` in a formula whose data are not known (R: "'.' in formula and no 'data' argument"), or
  /// used where it cannot be expanded.
  case invalidDot(String, at: Int, in: String)
  /// A name in a combination of coefficients (`lincom`, `nlcom`) that is no coefficient of the fit.
  case unknownCoefficient(name: String, expression: String, available: [String])
  /// A combination asked to be linear (`lincom`) that is not.
  case notLinear(expression: String, reason: String)
}

/// Limits of the formula and expression layer, far above any model a person writes (R's own
/// parser stops at 50 nested brackets, its evaluator at 5,000 nested calls), and low enough that
/// no input can exhaust the stack of a 4 MiB thread in any pass over the tree (Linux gives the
/// main thread and dispatch workers 8 MiB; parsing runs on a 16 MiB thread of its own).
public enum FormulaLimits {
  /// The deepest expression tree accepted. A chain of `n` binary operators (`a + b + ...`) is
  /// `n + 1` levels deep; each parenthesis, call, unary sign and operand level adds one. So a
  /// formula holds at most about a thousand terms written out with `+` (or columns under `y ~ .`).
  public static let maximumDepth = 1024
  /// The highest degree of `poly(x, degree, raw = TRUE)` (a column per power).
  public static let maximumPolynomialDegree = 100
  /// The most terms an interaction may expand to (counted as pairs before they are formed).
  public static let maximumTerms = 100_000
  /// The longest formula or expression text accepted, in characters.
  public static let maximumLength = 100_000
  /// The most memory a model may need before it is built, in bytes: the machine's physical
  /// memory. The need is estimated as the model matrix plus one cross-product,
  /// 8 × (rows × columns + columns²), before either is allocated.
  public static var maximumModelBytes: Double { Double(ProcessInfo.processInfo.physicalMemory) }
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
    case .tooDeep(let limit, let offset, let text):
      return "expression nested too deeply at column \(offset + 1): more than \(limit) levels "
        + "(parentheses, calls, signs and chained operators such as a + b + ... each add one); "
        + "simplify the expression\n" + caret(text, offset)
    case .tooLong(let length, let limit):
      return "expression too long: \(length) characters, more than the limit of \(limit)"
    case .invalidInteger(let value, let term, let expected):
      return "invalid number \(value) in '\(term)': expected \(expected)"
    case .modelMatrixTooLarge(let rows, let columns, let bytes, let limit, let term, let levels):
      var s = "the model needs \(formatBytes(bytes)) (a model matrix of \(grouped(rows)) rows × "
        + "\(grouped(columns)) columns and its \(grouped(columns)) × \(grouped(columns)) cross-product), "
        + "more than this machine's \(formatBytes(limit)) of memory"
      if levels > 0 {
        s += "; \(term) has \(grouped(levels)) levels: absorb it as a fixed effect with "
          + "'| \(dataName(term))' (as strata fit ols 'y ~ x | \(dataName(term))'), or group its levels"
      } else if !term.isEmpty {
        s += "; the largest term is \(term)"
      }
      return s
    case .invalidDot(let reason, let offset, let text):
      return "invalid '.' in formula: \(reason) at column \(offset + 1):\n" + caret(text, offset)
    case .unknownCoefficient(let name, let expression, let available):
      return "'\(name)' in '\(expression)' is not a coefficient of the fit; the coefficients are "
        + available.map { "`\($0)`" }.joined(separator: ", ")
        + " (write a name that is not a plain R name in backquotes, as `factor(edu)2`)"
    case .notLinear(let expression, let reason):
      return "'\(expression)' is not a linear combination of coefficients: \(reason); use nlcom for nonlinear combinations"
    }
  }
}

/// `120000` as "120,000".
func grouped(_ n: Int) -> String {
  let digits = Array(String(n.magnitude))
  var out = ""
  for (k, d) in digits.enumerated() {
    if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
    out.append(d)
  }
  return (n < 0 ? "-" : "") + out
}

/// `g` for `factor(g)` or `as.factor(g)`; the name itself otherwise.
private func dataName(_ variable: String) -> String {
  for f in ["factor(", "as.factor("] where variable.hasPrefix(f) && variable.hasSuffix(")") {
    return String(variable.dropFirst(f.count).dropLast())
  }
  return variable
}

/// A byte count in GB/MB with three significant digits ("160 GB").
func formatBytes(_ bytes: Double) -> String {
  let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
  for (size, unit) in units where bytes >= size {
    let v = bytes / size
    return (v >= 100 ? String(format: "%.0f", v) : formatRNumber((v * 10).rounded() / 10)) + " " + unit
  }
  return String(format: "%.0f bytes", bytes)
}

/// The text with a caret line under `offset`.
/// A long text is shown as a window of about 70 characters around `offset`, cut with "...".
private func caret(_ text: String, _ offset: Int) -> String {
  let chars = Array(text)
  let offset = min(max(0, offset), chars.count)
  guard chars.count > 100 else {
    return "  " + text + "\n  " + String(repeating: " ", count: offset) + "^"
  }
  let start = max(0, offset - 50)
  let end = min(chars.count, offset + 20)
  let prefix = start > 0 ? "..." : ""
  let line = prefix + String(chars[start..<end]) + (end < chars.count ? "..." : "")
  return "  " + line + "\n  " + String(repeating: " ", count: prefix.count + offset - start) + "^"
}
