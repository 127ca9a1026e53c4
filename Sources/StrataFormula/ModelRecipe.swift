import StrataData
import StrataLinalg

/// Everything needed to rebuild a fitted model's design matrix on new or modified data, and to
/// differentiate it with respect to a data variable: the terms, each factor's kept levels and
/// coding, the column names, the response expression and the data columns the model uses.
///
/// `ModelMatrix.build` captures it (`ModelMatrix.recipe`). It plays the role of R's `terms(fit)`
/// plus `fit$xlevels` and `fit$contrasts`:
///
///     let mm = try ModelMatrix.build(formula: "lwage ~ exper + I(exper^2) + factor(kids) + educ:female", data: d)
///     mm.recipe.variables
///     // exper (numeric), kids (categorical), educ (numeric), female (numeric)
///     let atTen = try mm.recipe.matrix(for: d.replacing("exper", by: .set(to: 10)), rows: mm.rows)
///     let dX = try mm.recipe.derivative(withRespectTo: "exper", data: d, rows: mm.rows)
///
/// The recipe holds no data values, only labels and structure.
public struct ModelRecipe: Sendable {
  /// How a factor is expanded inside one term (R's `TermCode`).
  public enum Coding: Sendable, Hashable, Codable {
    /// Treatment contrasts: one indicator per level except the first (the reference).
    case contrasts
    /// One indicator per level.
    case indicators
  }

  /// What a formula variable evaluated to in the estimation sample.
  public enum Encoding: Sendable, Hashable, Codable {
    /// One numeric column.
    case numeric
    /// Several numeric columns (`poly(x, 3, raw = TRUE)`), with the suffixes R appends to the name.
    case matrix(columnSuffixes: [String])
    /// A factor with the levels present in the estimation sample, reference (first) level first.
    /// Logical variables always have the levels `FALSE`, `TRUE`.
    case factor(levels: [String], isLogical: Bool)
  }

  /// A formula variable (R's `attr(terms, "variables")`): an expression such as `log(faminc)`,
  /// `factor(kids)` or `poly(exper, 3, raw = TRUE)`.
  public struct ModelVariable: Sendable {
    /// The expression as parsed.
    public var expression: FormulaExpression
    /// Its deparsed name (`I(exper^2)`).
    public var name: String
    /// What it evaluated to in the estimation sample.
    public var encoding: Encoding
    /// Whether it appears in at least one term (a variable removed with `-` does not).
    public var isInTerms: Bool
  }

  /// How a data column enters the model.
  public enum Role: Sendable, Hashable, Codable {
    /// Only through smooth arithmetic (`x`, `log(x)`, `I(x^2)`, `x:z`): it has a derivative.
    case numeric
    /// Only as a category: a categorical column, `factor(x)`, or a comparison (`I(x > 5)`).
    case categorical
    /// Both ways (`x + factor(x)`, `x + I(x > 5)`): no derivative exists.
    case numericAndCategorical
  }

  /// A data column used by the model and how it enters.
  public struct DataVariable: Sendable, Hashable, Codable {
    /// The column name.
    public var name: String
    /// How it enters.
    public var role: Role
  }

  /// A transformation applied to the response as written in the formula.
  public enum ResponseTransformation: Sendable, Hashable, Codable {
    /// The response is a data column (`lwage`).
    case identity
    /// `log(y)` (natural log).
    case log
    /// `log1p(y)`.
    case log1p
    /// `log10(y)`.
    case log10
    /// `log2(y)`.
    case log2
    /// `sqrt(y)`.
    case sqrt
    /// `exp(y)`.
    case exp
    /// Anything else (`I(y/1000)`, `log(y, 3)`).
    case other
  }

  /// The formula the model was built from.
  public var formula: Formula
  /// Its terms (part 0).
  public var terms: Terms
  /// The formula variables in `terms.variables` order (response first when there is one).
  public var modelVariables: [ModelVariable]
  /// For each term, the coding of each of its factor variables (keys index `modelVariables`).
  public var codings: [[Int: Coding]]
  /// Column names of the design matrix, exactly as `ModelMatrix.columnNames`.
  public var columnNames: [String]
  /// For each column, the 1-based index of its term (0 for the intercept), as R's `assign`.
  public var assign: [Int]
  /// The response expression (`log(wage)`), nil for a one-sided formula.
  public var response: FormulaExpression?
  /// The response as written.
  public var responseName: String?
  /// The transformation applied inside the response.
  public var responseTransformation: ResponseTransformation?
  /// The data columns the response uses (`wage` for `log(wage)`), in order of appearance.
  public var responseVariables: [String]
  /// The data columns the regressors use, in order of first appearance, each with its role
  /// (R's `all.vars(delete.response(terms))`, restricted to variables in terms).
  public var variables: [DataVariable]

  /// Whether the model has an intercept column.
  public var hasIntercept: Bool { terms.hasIntercept }

  /// The kept levels of each factor regressor, by formula-variable name, as R's `fit$xlevels`
  /// (logical variables, whose levels are always `FALSE`, `TRUE`, are left out as R does).
  public var factorLevels: [String: [String]] {
    var out: [String: [String]] = [:]
    for (k, v) in modelVariables.enumerated() where k != terms.responseIndex {
      if case .factor(let levels, false) = v.encoding { out[v.name] = levels }
    }
    return out
  }

  /// The role of data column `name`, or nil when the regressors do not use it.
  public func role(of name: String) -> Role? {
    variables.first { $0.name == name }?.role
  }

  /// Captures the recipe at the end of `ModelMatrix.build`.
  init(
    formula: Formula, terms: Terms, frame: [FrameVariable], codings: [[Int: FactorCoding]],
    columnNames: [String], assign: [Int], data: DataFrame
  ) {
    self.formula = formula
    self.terms = terms
    self.columnNames = columnNames
    self.assign = assign
    let inTerms = Set(terms.terms.flatMap(\.variables))
    modelVariables = frame.enumerated().map { k, v in
      let encoding: Encoding
      switch v {
      case .numeric: encoding = .numeric
      case .matrix(_, let names): encoding = .matrix(columnSuffixes: names)
      case .factor(_, let levels, let isLogical): encoding = .factor(levels: levels, isLogical: isLogical)
      }
      return ModelVariable(
        expression: terms.variables[k], name: terms.variableNames[k], encoding: encoding,
        isInTerms: inTerms.contains(k))
    }
    self.codings = codings.map { term in
      term.mapValues { $0 == .contrasts ? Coding.contrasts : Coding.indicators }
    }

    // Data variables of the regressors, with how they enter.
    var order: [String] = []
    var uses: [String: (numeric: Bool, categorical: Bool)] = [:]
    for k in inTerms.sorted() {
      for use in dataUses(of: terms.variables[k], data: data) {
        if uses[use.name] == nil { order.append(use.name) }
        var u = uses[use.name] ?? (false, false)
        if use.categorical { u.categorical = true } else { u.numeric = true }
        uses[use.name] = u
      }
    }
    variables = order.map { name in
      let u = uses[name] ?? (true, false)
      let role: Role = u.categorical ? (u.numeric ? .numericAndCategorical : .categorical) : .numeric
      return DataVariable(name: name, role: role)
    }

    if let r = terms.responseIndex {
      let e = terms.variables[r]
      response = e
      responseName = terms.variableNames[r]
      var names: [String] = []
      for use in dataUses(of: e, data: data) where !names.contains(use.name) { names.append(use.name) }
      responseVariables = names
      responseTransformation = ModelRecipe.transformation(of: e)
    } else {
      response = nil
      responseName = nil
      responseVariables = []
      responseTransformation = nil
    }
  }

  /// The named one-argument transformation of a data column, if the response is one.
  private static func transformation(of e: FormulaExpression) -> ResponseTransformation {
    switch e.kind {
    case .name: return .identity
    case .call(let f, let args) where args.count == 1 && args[0].label == nil:
      guard case .name = args[0].value.kind else { return .other }
      switch f {
      case "log": return .log
      case "log1p": return .log1p
      case "log10": return .log10
      case "log2": return .log2
      case "sqrt": return .sqrt
      case "exp": return .exp
      default: return .other
      }
    default: return .other
    }
  }
}

/// One appearance of a data column inside a formula variable.
struct DataUse {
  var name: String
  /// Through `factor()`, a categorical column, or a step function (comparison, logical operator,
  /// `%in%`, `%%`, `%/%`).
  var categorical: Bool
}

/// The data columns `e` refers to, in order of appearance, with how each appearance enters.
/// Names that are not columns of `data` (`T`, `F`, `pi`) are skipped.
func dataUses(of e: FormulaExpression, data: DataFrame, stepContext: Bool = false) -> [DataUse] {
  switch e.kind {
  case .name(let n):
    guard let i = data.index(of: n) else { return [] }
    return [DataUse(name: n, categorical: stepContext || !data.columns[i].isNumeric)]
  case .number, .integer, .string, .logical, .missing:
    return []
  case .parenthesized(let x):
    return dataUses(of: x, data: data, stepContext: stepContext)
  case .unary(let op, let x):
    return dataUses(of: x, data: data, stepContext: stepContext || op == .not)
  case .binary(let op, let l, let r):
    let step = stepContext || isStepOperator(op)
    return dataUses(of: l, data: data, stepContext: step) + dataUses(of: r, data: data, stepContext: step)
  case .call(let f, let args):
    let step = stepContext || f == "factor" || f == "as.factor" || f == "is.na"
    // The test of ifelse(test, yes, no) is a step function of its columns.
    let test = f == "ifelse" ? (args.firstIndex { $0.label == "test" } ?? args.firstIndex { $0.label == nil }) : nil
    return args.indices.flatMap { k in dataUses(of: args[k].value, data: data, stepContext: step || k == test) }
  }
}

/// Operators whose result is piecewise constant in their operands (no useful derivative).
func isStepOperator(_ op: BinaryOperator) -> Bool {
  switch op {
  case .plus, .minus, .times, .divide, .power: return false
  default: return true
  }
}

extension FormulaExpression {
  /// Whether this expression refers to the name `variable` anywhere.
  public func mentions(_ variable: String) -> Bool { StrataFormula.mentions(self, variable) }
}

/// Whether `e` refers to the name `variable` anywhere.
func mentions(_ e: FormulaExpression, _ variable: String) -> Bool {
  switch e.kind {
  case .name(let n): return n == variable
  case .number, .integer, .string, .logical, .missing: return false
  case .parenthesized(let x), .unary(_, let x): return mentions(x, variable)
  case .binary(_, let l, let r): return mentions(l, variable) || mentions(r, variable)
  case .call(_, let args): return args.contains { mentions($0.value, variable) }
  }
}

extension ModelMatrix {
  /// The design matrix of the fitted model on new or modified data; see
  /// `ModelRecipe.matrix(for:rows:)`.
  public func matrix(for data: DataFrame, rows: [Int]? = nil) throws -> Matrix {
    try recipe.matrix(for: data, rows: rows)
  }

  /// The derivative of the design matrix with respect to a data variable; see
  /// `ModelRecipe.derivative(withRespectTo:data:rows:)`.
  public func derivative(withRespectTo variable: String, data: DataFrame, rows: [Int]? = nil) throws
    -> Matrix
  {
    try recipe.derivative(withRespectTo: variable, data: data, rows: rows)
  }
}
