import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import StrataModels
import StrataSupport

/// The four marginal quantities (statsmodels' and Stata's vocabulary).
public enum MarginKind: String, Sendable, CaseIterable {
  /// `∂y/∂x`: the marginal effect (a discrete change for factors and `--discrete` variables).
  case dydx
  /// `∂y/∂x · x/y`: the elasticity.
  case eyex
  /// `∂y/∂x / y`: the semi-elasticity (proportional change in y per unit of x).
  case eydx
  /// `∂y/∂x · x`: the semi-elasticity (change in y per proportional change in x).
  case dyex
}

/// Which discrete changes a factor gets.
public enum ContrastKind: String, Sendable, CaseIterable {
  /// Each level against the reference (first) level.
  case reference
  /// Every pair of levels (later level minus earlier level).
  case pairwise
}

/// What to compute.
public struct MarginsOptions: Sendable {
  /// Data columns to report (empty: every column the regressors use, in model order).
  public var variables: [String]
  /// Quantities to compute for continuous variables (factors get `dydx` discrete changes only).
  public var kinds: [MarginKind]
  /// Evaluate at the means of the covariates (MEM) instead of averaging over the sample (AME).
  public var atMeans: Bool
  /// Representative values.
  public var at: AtGrid?
  /// Report within the groups of this column.
  public var over: String?
  /// Numeric 0/1 columns to treat as discrete (change from 0 to 1).
  public var discrete: [String]
  /// Discrete changes from the reference level or between all pairs.
  public var contrast: ContrastKind
  /// Confidence level in percent.
  public var level: Double

  public init(
    variables: [String] = [], kinds: [MarginKind] = [.dydx], atMeans: Bool = false, at: AtGrid? = nil,
    over: String? = nil, discrete: [String] = [], contrast: ContrastKind = .reference, level: Double = 95
  ) {
    self.variables = variables
    self.kinds = kinds
    self.atMeans = atMeans
    self.at = at
    self.over = over
    self.discrete = discrete
    self.contrast = contrast
    self.level = level
  }
}

/// A resolved representative value.
public enum AtValue: Sendable, Equatable {
  case number(Double)
  case level(String)
}

/// An estimate with its delta-method standard error, test and interval.
public struct DeltaEstimate: Sendable {
  public var estimate: Double
  public var stdError: Double
  public var statistic: Double
  public var pValue: Double
  public var confLow: Double
  public var confHigh: Double

  /// Tests against zero with t(`degreesOfFreedom`) or, when infinite, the normal.
  public init(estimate: Double, stdError: Double, degreesOfFreedom: Double, level: Double) {
    self.estimate = estimate
    self.stdError = stdError
    let normal = !degreesOfFreedom.isFinite
    let t = StudentT(df: normal ? 1 : degreesOfFreedom)
    let q = normal ? Normal.quantile(0.5 + level / 200) : t.quantile(0.5 + level / 200)
    statistic = estimate / stdError
    pValue = 2 * (normal ? Normal.sf(abs(statistic)) : t.sf(abs(statistic)))
    confLow = estimate - q * stdError
    confHigh = estimate + q * stdError
  }
}

/// One marginal effect, elasticity or discrete change.
public struct MarginEstimate: Sendable {
  /// The data column (`exper`, not `I(exper^2)`).
  public var variable: String
  public var type: MarginKind
  /// For a discrete change: the level moved to, and the level moved from.
  public var level: String?
  public var base: String?
  /// The representative values, in the order given.
  public var at: [(variable: String, value: AtValue)]
  /// The `--over` group.
  public var group: (variable: String, label: String)?
  public var result: DeltaEstimate
  /// The outcome level whose probability is the prediction (ordered and multinomial fits).
  public var outcome: String? = nil
  /// `∂estimate/∂β` over the kept coefficients, kept when the covariates are held fixed, for
  /// combinations of margins (`MarginsResult.postEstimation(covariance:)`); nil otherwise.
  public var gradient: [Double]? = nil
}

/// Marginal effects with their delta-method uncertainty.
public struct MarginsResult: Sendable {
  public var estimates: [MarginEstimate]
  /// Averages over the sample (AME) or at the means (MEM).
  public var atMeans: Bool
  /// Whether the variance treats the covariates as sampled.
  public var unconditional: Bool
  /// Description of the variance.
  public var varianceTitle: String
  /// Degrees of freedom of the tests (infinity: z).
  public var degreesOfFreedom: Double
  public var level: Double
  /// Observations averaged over.
  public var nobs: Int
  /// Whether the averages are weighted.
  public var weighted: Bool
}

/// How a variable is differentiated or changed.
enum VariableTreatment {
  case continuous
  /// Levels in fitted order, reference first.
  case discrete(levels: [String])
}

/// Marginal effects (`dydx`), elasticities (`eyex`) and semi-elasticities (`eydx`, `dyex`) of a
/// fitted model: averaged over the sample (AME), at the means (MEM) or at representative values,
/// overall or by group, with delta-method standard errors.
///
///     let model = try PredictionModel(fit: fit, data: mroz)
///     let v = try covariance(of: fit, spec: .hc(.hc0))
///     let result = try Margins.estimate(
///       model, options: MarginsOptions(variables: ["educ", "kidslt6"]),
///       variance: DeltaMethod(covariance: v.matrix), degreesOfFreedom: v.degreesOfFreedom,
///       varianceTitle: v.title)
///
/// Derivatives are taken with respect to the data column through every transformation of the
/// formula (`x + I(x^2)`, `log(x)`, `x:z`, `x*factor(g)`), analytically
/// (`ModelRecipe.derivative`); factors get discrete changes from the reference level. Averages use
/// the fit's weights when it has them. Matches Stata's `margins, dydx() / eyex()` (covariates
/// fixed) and, with an `InfluenceVariance`, `margins, vce(unconditional)`; R's
/// `marginaleffects::avg_slopes` up to its numerical derivatives.
///
/// Rules at the edges: `eyex`/`eydx` at a prediction of exactly 0 throw
/// `MarginsError.zeroPrediction` (x = 0 gives an elasticity of 0); at the means, numeric columns
/// take their (weighted) mean and categorical columns their most frequent level.
public enum Margins {
  /// Computes the requested margins.
  ///
  /// - Parameter progress: Receives the evaluation points done (one per `over` group and `at`
  ///   setting; task `margins` or `margins over G`), after each point; `nil` reports nothing.
  /// - Throws: `MarginsError` for variables not in the model, bad `--at` values, zero
  ///   predictions; `FormulaError` for non-differentiable points; variance-engine errors.
  public static func estimate(
    _ model: PredictionModel, options: MarginsOptions, variance: DeltaMethod, degreesOfFreedom: Double,
    varianceTitle: String, progress: ProgressHandler? = nil
  ) throws -> MarginsResult {
    guard options.level > 0, options.level < 100 else { throw MarginsError.invalidLevel(options.level) }
    if options.atMeans && variance.unconditional != nil { throw MarginsError.unconditionalAtMeans }
    let explicit = !options.variables.isEmpty
    let names = explicit ? options.variables : model.variableNames
    var treatments: [(String, VariableTreatment)] = []
    for name in names { treatments.append((name, try treatment(of: name, model: model, discrete: options.discrete))) }
    for k in options.kinds where k != .dydx {
      for (name, t) in treatments {
        if case .discrete = t, explicit, !options.kinds.contains(.dydx) {
          throw MarginsError.elasticityOfDiscrete(variable: name, type: k.rawValue)
        }
      }
    }

    let groups = try sampleGroups(model: model, over: options.over)
    let grid = options.at?.settings ?? [[]]
    var pending: [(MarginEstimate, LinearizedEstimate)] = []
    let points = groups.count * grid.count
    let task = options.over.map { "margins over \($0)" } ?? "margins"
    var pointsDone = 0
    for group in groups {
      for setting in grid {
        var (point, atValues) = try evaluationPoint(
          model: model, group: group.positions, setting: setting, atMeans: options.atMeans)
        point.keepsInfluence = variance.unconditional != nil
        // Continuous margins of a large sample at fixed covariates go through row blocks (no
        // n × p matrix); the full matrices are built only for the other cases.
        let continuous = treatments.filter { if case .continuous = $0.1 { return true } else { return false } }.map(\.0)
        let blocked =
          variance.unconditional == nil
          ? try blockedDerivativeMargins(model: model, kinds: options.kinds, names: continuous, point: point) : nil
        var full: (x: Matrix, eta: [Double])?
        func fullMatrix() throws -> (x: Matrix, eta: [Double]) {
          if let full { return full }
          let x = try model.matrix(on: point.data, rows: point.rows)
          let built = (x: x, eta: try model.linearPredictor(x, on: point.data, rows: point.rows))
          full = built
          return built
        }
        for (name, t) in treatments {
          func record(_ kind: MarginKind, _ e: LinearizedEstimate, level: String? = nil, base: String? = nil) {
            let m = MarginEstimate(
              variable: name, type: kind, level: level, base: base, at: atValues,
              group: group.label.map { (options.over ?? "", $0) },
              result: DeltaEstimate(estimate: e.value, stdError: .nan, degreesOfFreedom: 1, level: 95))
            pending.append((m, e))
          }
          switch t {
          case .continuous:
            if let estimates = blocked?[name] {
              for (kind, e) in zip(options.kinds, estimates) { record(kind, e) }
              continue
            }
            let (x, eta) = try fullMatrix()
            let d = try model.derivative(of: name, on: point.data, rows: point.rows)
            let xv = try numericValues(point.data, name, rows: point.rows)
            for kind in options.kinds {
              record(
                kind,
                try derivativeMargin(
                  model: model, kind: kind, variable: name, x: x, eta: eta, d: d, values: xv, point: point))
            }
          case .discrete(let levels):
            guard options.kinds.contains(.dydx) else { continue }
            // Every level's average from one linear predictor when the variable's columns allow
            // it (a factor's main effect); else the model matrix is rebuilt per level.
            var means = levelAverages(model: model, name: name, levels: levels, point: point) ?? [:]
            func averageAt(_ level: String) throws -> LinearizedEstimate {
              if let m = means[level] { return m }
              var p = point
              p.data = try setLevel(point.data, name, level)
              let m = try model.averagePrediction(at: p)
              means[level] = m
              return m
            }
            let pairs: [(Int, Int)]
            switch options.contrast {
            case .reference: pairs = (1..<max(levels.count, 1)).map { (0, $0) }
            case .pairwise:
              pairs = levels.indices.flatMap { i in ((i + 1)..<levels.count).map { (i, $0) } }
            }
            for (b, l) in pairs {
              let e = try averageAt(levels[l]).minus(try averageAt(levels[b]))
              record(.dydx, e, level: levels[l], base: levels[b])
            }
          }
        }
        pointsDone += 1
        progress?(WorkProgress(task: task, completed: pointsDone, total: points))
      }
    }
    let ses = try variance.standardErrors(pending.map(\.1))
    let df = degreesOfFreedom
    let estimates = zip(pending, ses).map { item, se -> MarginEstimate in
      var m = item.0
      m.result = DeltaEstimate(estimate: item.1.value, stdError: se, degreesOfFreedom: df, level: options.level)
      if variance.unconditional == nil { m.gradient = item.1.gradient }
      return m
    }
    return MarginsResult(
      estimates: estimates, atMeans: options.atMeans, unconditional: variance.unconditional != nil,
      varianceTitle: variance.unconditional?.title ?? varianceTitle, degreesOfFreedom: df, level: options.level,
      nobs: model.rows.count, weighted: model.weights != nil)
  }

  /// A derivative-based margin averaged over an evaluation point.
  static func derivativeMargin(
    model: PredictionModel, kind: MarginKind, variable: String, x: Matrix, eta: [Double], d: Matrix,
    values xv: [Double], point: EvaluationPoint, meanValues: MeanValues? = nil, dPositions: [Int]? = nil
  ) throws -> LinearizedEstimate {
    let parts = try derivativeMarginParts(
      model: model, kind: kind, variable: variable, eta: eta, d: d, values: xv, point: point,
      meanValues: meanValues, dPositions: dPositions)
    let g = x.multiplied(by: parts.etaWeights, transpose: true)
    let influence = model.dataInfluence(parts.f, parts.value, point)
    return LinearizedEstimate(
      value: parts.value, gradient: zip(g, parts.partialGradient).map { $0 + $1 },
      dataInfluence: influence?.values, influencePositions: influence?.positions)
  }

  /// A derivative margin's value, its per-row contributions `f`, and its gradient in two parts:
  /// `Xᵀ etaWeights` (left to the caller, so that blocked margins take all variables' products
  /// in one matrix product) plus `partialGradient` (the derivative columns' part).
  static func derivativeMarginParts(
    model: PredictionModel, kind: MarginKind, variable: String, eta: [Double], d: Matrix,
    values xv: [Double], point: EvaluationPoint, meanValues: MeanValues? = nil, dPositions: [Int]? = nil
  ) throws -> (value: Double, f: [Double], etaWeights: [Double], partialGradient: [Double]) {
    // `d` holds either every kept column or, with `dPositions`, only those (the rest are zero).
    let deta = d.multiplied(by: dPositions.map { $0.map { model.coefficients[$0] } } ?? model.coefficients)
    let m = eta.count
    var f = [Double](repeating: 0, count: m)
    // ∂f/∂η and ∂f/∂D are kept already multiplied by the shares aᵢ (all the caller needs).
    var fEta = [Double](repeating: 0, count: m)
    var fD = [Double](repeating: 0, count: m)
    var theta = 0.0
    let logResponse = model.responseIsLog
    // The inverse link and its derivatives per row (the caller's, when it has them).
    let values = meanValues ?? model.meanValues(eta)
    let (g1s, g2s, mus) = (values.first.span, values.second.span, values.mean.span)
    let (ds, xs, shares) = (deta.span, xv.span, point.shares.span)
    func row(_ i: Int) -> Int? { point.samplePositions == nil ? nil : point.rows[i] + 1 }
    var fs = f.mutableSpan
    var fEtas = fEta.mutableSpan
    var fDs = fD.mutableSpan
    for i in 0..<m {
      let (g1, g2, de) = (g1s[i], g2s[i], ds[i])
      let fi: Double
      let fEtai: Double
      let fDi: Double
      switch kind {
      case .dydx:
        (fi, fEtai, fDi) = (g1 * de, g2 * de, g1)
      case .dyex:
        let xi = xs[i]
        (fi, fEtai, fDi) = (g1 * de * xi, g2 * de * xi, g1 * xi)
      case .eydx, .eyex:
        let s = kind == .eyex ? xs[i] : 1
        if logResponse {
          (fi, fEtai, fDi) = (de * s, 0, s)
        } else {
          let mu = mus[i]
          if mu == 0 {
            throw MarginsError.zeroPrediction(variable: variable, type: kind.rawValue, row: row(i))
          }
          fi = g1 * de / mu * s
          fEtai = de * (g2 / mu - g1 * g1 / (mu * mu)) * s
          fDi = g1 / mu * s
        }
      }
      if !fi.isFinite {
        throw MarginsError.nonFinite(variable: variable, type: kind.rawValue, row: row(i))
      }
      let a = shares[i]
      theta += a * fi
      fs[i] = fi
      fEtas[i] = fEtai * a
      fDs[i] = fDi * a
    }
    let hd = d.multiplied(by: fD, transpose: true)
    var gradient = [Double](repeating: 0, count: model.coefficients.count)
    if let dPositions {
      for (k, j) in dPositions.enumerated() { gradient[j] += hd[k] }
    } else {
      for j in gradient.indices { gradient[j] += hd[j] }
    }
    return (theta, f, fEta, gradient)
  }

  /// How a requested variable is treated.
  static func treatment(of name: String, model: PredictionModel, discrete: [String]) throws -> VariableTreatment {
    guard let role = model.recipe.role(of: name) else {
      throw MarginsError.notInModel(variable: name, modelVariables: model.variableNames)
    }
    if discrete.contains(name) {
      let values = try numericValues(model.data, name, rows: model.rows)
      if let bad = values.first(where: { $0 != 0 && $0 != 1 }) { throw MarginsError.notBinary(variable: name, value: bad) }
      return .discrete(levels: ["0", "1"])
    }
    switch role {
    case .numeric: return .continuous
    case .numericAndCategorical: throw MarginsError.mixedRole(variable: name)
    case .categorical:
      guard let levels = factorLevels(of: name, recipe: model.recipe) else { throw MarginsError.notDiscrete(variable: name) }
      return .discrete(levels: levels)
    }
  }

  /// The fitted levels of a factor column (`g` or `factor(g)` in the formula).
  static func factorLevels(of name: String, recipe: ModelRecipe) -> [String]? {
    for mv in recipe.modelVariables where mv.isInTerms {
      guard case .factor(let levels, false) = mv.encoding else { continue }
      if isFactorOf(mv.expression, name) { return levels }
    }
    return nil
  }

  private static func isFactorOf(_ e: FormulaExpression, _ name: String) -> Bool {
    switch e.kind {
    case .name(let n): return n == name
    case .parenthesized(let x): return isFactorOf(x, name)
    case .call(let f, let args) where (f == "factor" || f == "as.factor") && args.count == 1:
      return isFactorOf(args[0].value, name)
    default: return false
    }
  }

  /// The groups of `over` among the estimation sample (one unnamed group without it).
  static func sampleGroups(model: PredictionModel, over: String?) throws -> [(label: String?, positions: [Int])] {
    guard let over else { return [(nil, Array(model.rows.indices))] }
    let column = try model.data.column(named: over)
    if let i = model.rows.firstIndex(where: { column.isMissing($0) }) {
      throw MarginsError.groupMissing(variable: over, row: model.rows[i] + 1)
    }
    let labels = model.rows.map { valueLabel(column, $0) }
    var order: [String] = []
    var members: [String: [Int]] = [:]
    for (p, l) in labels.enumerated() {
      if members[l] == nil { order.append(l) }
      members[l, default: []].append(p)
    }
    // Factor levels in level order, numbers ascending.
    switch column.storage {
    case .factor(let f): order.sort { (f.levels.firstIndex(of: $0) ?? 0) < (f.levels.firstIndex(of: $1) ?? 0) }
    case .numeric: order.sort { (Double($0) ?? 0) < (Double($1) ?? 0) }
    }
    return order.map { ($0, members[$0] ?? []) }
  }

  /// Where to average: the group's rows with `setting` applied, or one row of means.
  static func evaluationPoint(
    model: PredictionModel, group: [Int], setting: [(name: String, value: AtGrid.Value)], atMeans: Bool
  ) throws -> (EvaluationPoint, [(variable: String, value: AtValue)]) {
    let w = group.map { model.weights?[$0] ?? 1 }
    let total = w.reduce(0, +)
    let shares = w.map { $0 / total }
    let groupRows = group.map { model.rows[$0] }
    var resolved: [(variable: String, value: AtValue)] = []
    for s in setting {
      resolved.append((s.name, try resolve(s.name, s.value, model: model, rows: groupRows, weights: w)))
    }
    var point: EvaluationPoint
    if atMeans {
      point = EvaluationPoint(
        data: try meanRow(model: model, rows: groupRows, weights: w), rows: [0], shares: [1], samplePositions: nil,
        sampleSize: model.rows.count)
    } else {
      point = EvaluationPoint(
        data: model.data, rows: groupRows, shares: shares, samplePositions: group, sampleSize: model.rows.count)
    }
    for (name, value) in resolved {
      switch value {
      case .number(let x): point.data = try point.data.replacing(name, by: .set(to: x))
      case .level(let l): point.data = try setLevel(point.data, name, l)
      }
    }
    return (point, resolved)
  }

  /// Checks an `--at` value against the variable and resolves statistics.
  static func resolve(
    _ name: String, _ value: AtGrid.Value, model: PredictionModel, rows: [Int], weights: [Double]
  ) throws -> AtValue {
    // An exposure (a column an offset reads) can be set too: predictions at that exposure.
    let offsetRole: ModelRecipe.Role? = model.recipe.offsetVariables.contains(name) ? .numeric : nil
    guard let role = model.recipe.role(of: name) ?? offsetRole else {
      throw MarginsError.notInModel(variable: name, modelVariables: model.variableNames)
    }
    let column = try model.data.column(named: name)
    if role == .categorical {
      let levels = factorLevels(of: name, recipe: model.recipe)
      let label: String
      switch value {
      case .statistic: throw MarginsError.atValueType(variable: name, value: value.text, expected: .level)
      case .number(let x): label = formatNumber(x)
      case .label(let l): label = l
      }
      if let levels {
        if column.isNumeric {
          guard let x = Double(label), let match = levels.first(where: { Double($0) == x }) else {
            if Double(label) == nil {
              throw MarginsError.atValueType(variable: name, value: label, expected: .oneOf(levels))
            }
            throw MarginsError.atUnknownLevel(variable: name, level: label, levels: levels)
          }
          return .level(match)
        }
        guard levels.contains(label) else { throw MarginsError.atUnknownLevel(variable: name, level: label, levels: levels) }
        return .level(label)
      }
      // A column used only through comparisons: a numeric value is allowed.
      guard column.isNumeric, let x = Double(label) else {
        throw MarginsError.atValueType(variable: name, value: label, expected: .number)
      }
      return .number(x)
    }
    guard column.isNumeric else {
      throw MarginsError.atValueType(variable: name, value: value.text, expected: .level)
    }
    switch value {
    case .number(let x): return .number(x)
    case .label(let l):
      throw MarginsError.atValueType(variable: name, value: l, expected: .numberOrStatistic)
    case .statistic(let s):
      let v = try numericValues(model.data, name, rows: rows)
      switch s {
      case .mean:
        let t = weights.reduce(0, +)
        return .number(zip(v, weights).reduce(0) { $0 + $1.0 * $1.1 } / t)
      case .min: return .number(v.min() ?? .nan)
      case .max: return .number(v.max() ?? .nan)
      case .median:
        let sorted = v.sorted()
        let n = sorted.count
        return .number(n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2)
      }
    }
  }

  /// One row with each regressor column at its weighted mean (numeric) or most frequent level
  /// (categorical), over `rows`.
  static func meanRow(model: PredictionModel, rows: [Int], weights: [Double]) throws -> DataFrame {
    var columns: [Column] = []
    let total = weights.reduce(0, +)
    // The columns offsets read (an exposure) are set to their mean as well.
    let offsetOnly = model.recipe.offsetVariables.filter { model.recipe.role(of: $0) == nil }.map {
      (name: $0, role: ModelRecipe.Role.numeric)
    }
    for v in model.recipe.variables.map({ (name: $0.name, role: $0.role) }) + offsetOnly {
      var column = try model.data.column(named: v.name)
      switch column.storage {
      case .numeric(let c):
        let value: Double
        if v.role == .categorical {
          var counts: [Double: Int] = [:]
          for r in rows { counts[c.values[r], default: 0] += 1 }
          value = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? .nan
        } else {
          value = zip(rows, weights).reduce(0) { $0 + c.values[$1.0] * $1.1 } / total
        }
        column.storage = .numeric(NumericColumn(values: [value], missing: [false]))
      case .factor(let f):
        var counts = [Int](repeating: 0, count: f.levels.count)
        for r in rows where f.codes[r] >= 0 { counts[Int(f.codes[r])] += 1 }
        let best = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) } ?? 0
        column.storage = .factor(FactorColumn(codes: [Int32(best)], levels: f.levels))
      }
      columns.append(column)
    }
    return DataFrame(columns: columns, source: model.data.source)
  }
}

/// `data` with every row of `name` at level `label` (a text level, or a number for a numeric column).
func setLevel(_ data: DataFrame, _ name: String, _ label: String) throws -> DataFrame {
  try data.replacing(name, withLevel: label)
}

/// Values of a numeric column at `rows`.
func numericValues(_ data: DataFrame, _ name: String, rows: [Int]) throws -> [Double] {
  let c = try data.numericValues(of: name)
  return rows.map { c.values[$0] }
}

/// The printable value of a column at a row.
func valueLabel(_ column: Column, _ row: Int) -> String {
  switch column.storage {
  case .factor(let f): return f.levels[Int(f.codes[row])]
  case .numeric(let c): return formatNumber(c.values[row])
  }
}
