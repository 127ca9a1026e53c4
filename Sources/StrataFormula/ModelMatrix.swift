import StrataData
import StrataLinalg

/// Options that shape the model frame besides the formula itself.
public struct ModelFrameOptions: Sendable {
  /// An R-style logical expression; rows where it is FALSE or NA are dropped (as `lm(subset=)`).
  public var subset: String?
  /// A column name or arithmetic expression (`1/inc`) for case weights (as `lm(weights=)`).
  public var weights: String?
  /// Further columns that must be non-missing (cluster variables), as if they were in the formula.
  public var extraVariables: [String]
  /// Whether a categorical (factor) response is accepted, coded 0, 1, … by level (binary GLMs:
  /// the second level is 1, as R's `binomial()`); otherwise it is an error, as for `lm`.
  public var allowsCategoricalResponse: Bool
  /// Whether the dummies of the factor term with the most columns (at least 4, on at least 2¹⁴
  /// rows) are kept as level codes (`ModelMatrix.$x.compact`) instead of being written: `x` is
  /// then expanded on first read. For estimators whose passes take the compact form (GLMs);
  /// others would only pay for the expansion later.
  public var compactFactor: Bool

  public init(
    subset: String? = nil, weights: String? = nil, extraVariables: [String] = [],
    allowsCategoricalResponse: Bool = false, compactFactor: Bool = false
  ) {
    self.subset = subset
    self.weights = weights
    self.extraVariables = extraVariables
    self.allowsCategoricalResponse = allowsCategoricalResponse
    self.compactFactor = compactFactor
  }
}

/// The design matrix of a one-part formula on a data set, with R's column names.
///
/// Matches R `model.matrix(formula, model.frame(formula, data, subset=, weights=, na.action = na.omit))`.
public struct ModelMatrix: Sendable {
  /// `n × p` column-major design matrix (rows = estimation sample). Assigning it drops
  /// `indicatorStructure`, which describes the matrix as built. Built with
  /// `ModelFrameOptions.compactFactor`, `$x.compact` holds it without the factor's dummies and
  /// reading `x` expands it (once).
  @LazilyExpanded public var x: Matrix {
    didSet { indicatorStructure = nil }
  }
  /// Column names exactly as R's `model.matrix` gives them: `(Intercept)`, `factor(edu)2`, `x1:x3`, `I(age^2)`.
  public var columnNames: [String]
  /// For each column, the 1-based index of its term in `termLabels` (0 for the intercept), as R's `assign`.
  public var assign: [Int]
  /// Term labels as R's `attr(terms(formula), "term.labels")`.
  public var termLabels: [String]
  /// Whether the model has an intercept column.
  public var hasIntercept: Bool
  /// The response vector (nil for a one-sided formula).
  public var response: [Double]?
  /// The response as written (`log(wage)`).
  public var responseName: String?
  /// Levels of a categorical response (its values are then the 0-based level codes); nil otherwise.
  public var responseLevels: [String]? = nil
  /// Evaluated case weights for the estimation sample (nil when none were given).
  public var weights: [Double]?
  /// 0-based indices into the data of the rows in the estimation sample, ascending.
  public var rows: [Int]
  /// Rows dropped because a variable used (formula, weights, extra variables) was missing.
  public var droppedMissing: Int
  /// Rows dropped by the subset expression.
  public var droppedBySubset: Int
  /// Of `droppedMissing`, the rows where a formula variable or the weights evaluated to NaN
  /// although every data column they use was present (`log(x)` of a negative `x`: R's "NaNs
  /// produced"), by variable, each row counted once; the rest had missing data values.
  public var undefinedValues: [UndefinedValues] = []
  /// How to rebuild and differentiate these columns on new or modified data (terms, kept factor
  /// levels and codings, the data variables used); see `ModelRecipe`.
  public var recipe: ModelRecipe
  /// The dummies of the factor main-effect term with the most columns (at least 4, on at least
  /// 2¹⁴ rows), as `Matrix.indicatorStructure()` would find them, taken from the factor's codes
  /// while the matrix is built; nil otherwise, and nil again once `x` is assigned.
  public var indicatorStructure: IndicatorStructure? = nil
  /// The sum of the formula's offsets, `offset(expr)`, over the estimation sample (R's
  /// `model.offset`): added to the linear predictor, not a column. Nil without offsets.
  public var offset: [Double]? = nil
  /// The two columns of a grouped binomial response `cbind(successes, failures)` over the
  /// estimation sample (`response` is then the proportion of successes); nil otherwise.
  public var groupedCounts: GroupedBinomialCounts? = nil

  public init(
    x: Matrix, columnNames: [String], assign: [Int], termLabels: [String], hasIntercept: Bool,
    response: [Double]?, responseName: String?, weights: [Double]?, rows: [Int],
    droppedMissing: Int, droppedBySubset: Int, recipe: ModelRecipe
  ) {
    self.x = x
    self.columnNames = columnNames
    self.assign = assign
    self.termLabels = termLabels
    self.hasIntercept = hasIntercept
    self.response = response
    self.responseName = responseName
    self.weights = weights
    self.rows = rows
    self.droppedMissing = droppedMissing
    self.droppedBySubset = droppedBySubset
    self.recipe = recipe
  }

  /// Number of rows in the estimation sample.
  public var nobs: Int { $x.rows }
}

/// Rows of the estimation sample lost to a transformation that has no value there (NaN).
public struct UndefinedValues: Sendable, Hashable, Codable {
  /// The formula variable or weights expression as written (`log(income)`).
  public var variable: String
  /// How many rows it removed.
  public var count: Int

  public init(variable: String, count: Int) {
    self.variable = variable
    self.count = count
  }

  /// Why the values are undefined, when the function tells (`log(income)` of negative values).
  public var reason: String {
    for (f, domain) in [
      ("log(", "negative values"), ("log2(", "negative values"), ("log10(", "negative values"),
      ("sqrt(", "negative values"), ("log1p(", "values below -1"),
    ] where variable.hasPrefix(f) {
      return "of " + domain
    }
    return "is NaN"
  }
}

/// The successes and failures of a grouped binomial response `cbind(successes, failures)`.
public struct GroupedBinomialCounts: Sendable, Hashable {
  /// Successes per row of the estimation sample.
  public var successes: [Double]
  /// Failures per row.
  public var failures: [Double]
  /// The expressions as written (`ncases`, `ncontrols`).
  public var successesName: String
  public var failuresName: String

  public init(successes: [Double], failures: [Double], successesName: String, failuresName: String) {
    self.successes = successes
    self.failures = failures
    self.successesName = successesName
    self.failuresName = failuresName
  }

  /// Trials per row, `successes + failures`.
  public var trials: [Double] { zip(successes, failures).map { $0 + $1 } }

  /// The counts on a subset of rows (positions into these rows).
  public func selecting(_ positions: [Int]) -> GroupedBinomialCounts {
    GroupedBinomialCounts(
      successes: positions.map { successes[$0] }, failures: positions.map { failures[$0] },
      successesName: successesName, failuresName: failuresName)
  }
}

/// Whether `e` is the call `cbind(...)`.
func isCbindCall(_ e: FormulaExpression) -> Bool {
  if case .call("cbind", _) = e.kind { return true }
  return false
}

/// The deparsed arguments of `cbind(a, b)`.
func cbindArgumentNames(_ e: FormulaExpression) -> [String] {
  guard case .call(_, let args) = e.kind else { return [] }
  return args.map { deparse($0.value) }
}
