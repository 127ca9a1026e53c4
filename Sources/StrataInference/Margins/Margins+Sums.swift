import StrataData
import StrataFormula
import StrataLinalg

/// Margins of one part of the estimation sample (a chunk of a file, a shard of a table) as
/// weighted sums, which add over parts: per margin and group, `Σ wᵢ fᵢ` (the value),
/// `Σ wᵢ ∂fᵢ/∂β` (the gradient) and `Σ wᵢ` (the group's weight). The whole sample's margin is
/// `Σ wᵢ fᵢ / Σ wᵢ` with the gradient divided alike: the in-memory average over all rows.
///
///     var sums = MarginSums()
///     for chunk in chunks { sums.add(try Margins.sums(modelOn(chunk), options: options)) }
///     let result = try sums.result(options: options, covariance: v, degreesOfFreedom: df, varianceTitle: t)
///
/// Only averages over the sample with the covariates fixed are sums: effects at the means, `--at`
/// statistics of the sample and the covariate-sampling variance are not (`Margins.checkSummable`).
public struct MarginSums: Sendable {
  /// One margin's sums within one group.
  public struct Entry: Sendable {
    /// What the margin is (variable, kind, levels, `at` values, group); its `result` is unused.
    public var estimate: MarginEstimate
    /// `Σ wᵢ` over the group's rows.
    public var weight: Double
    /// `Σ wᵢ fᵢ`.
    public var value: Double
    /// `Σ wᵢ ∂fᵢ/∂β` over the kept coefficients.
    public var gradient: [Double]
  }

  /// The entries in the order met; `result` orders the groups as the in-memory margins do.
  public private(set) var entries: [Entry] = []
  /// Rows summed (the estimation sample's size once every part is added).
  public private(set) var rows = 0
  /// Whether the averages are weighted.
  public private(set) var weighted = false
  /// Whether the group column is numeric (groups then ascend as numbers, else as UTF-8 text).
  public private(set) var numericGroups = false
  private var index: [String: Int] = [:]

  public init() {}

  /// The sums of one part (`rows` rows) with these entries.
  public init(entries: [Entry], rows: Int, weighted: Bool, numericGroups: Bool) {
    self.rows = rows
    self.weighted = weighted
    self.numericGroups = numericGroups
    for e in entries { append(e) }
  }

  static func key(_ e: MarginEstimate) -> String {
    let at = e.at.map { "\($0.variable)=\($0.value)" }.joined(separator: "\u{1}")
    return [e.variable, e.type.rawValue, e.level ?? "", e.base ?? "", e.group?.label ?? "", at]
      .joined(separator: "\u{2}")
  }

  private mutating func append(_ e: Entry) {
    let k = Self.key(e.estimate)
    if let i = index[k] {
      entries[i].weight += e.weight
      entries[i].value += e.value
      for j in entries[i].gradient.indices { entries[i].gradient[j] += e.gradient[j] }
    } else {
      index[k] = entries.count
      entries.append(e)
    }
  }

  /// Adds another part's sums.
  public mutating func add(_ other: MarginSums) {
    rows += other.rows
    weighted = weighted || other.weighted
    numericGroups = numericGroups || other.numericGroups
    for e in other.entries { append(e) }
  }

  /// The margins of the whole sample, with `J V Jᵀ` standard errors (covariates fixed), in the
  /// in-memory order: groups (levels in UTF-8 order, numbers ascending), then the order within
  /// each group.
  public func result(
    options: MarginsOptions, covariance: Matrix, degreesOfFreedom: Double, varianceTitle: String
  ) throws -> MarginsResult {
    guard options.level > 0, options.level < 100 else { throw MarginsError.invalidLevel(options.level) }
    let ordered = orderedEntries()
    let linearized = ordered.map(\.average)
    let ses = try DeltaMethod(covariance: covariance).standardErrors(linearized)
    return result(
      ordered, standardErrors: ses, gradients: linearized.map(\.gradient), options: options,
      degreesOfFreedom: degreesOfFreedom, varianceTitle: varianceTitle)
  }

  /// The entries in the in-memory order: groups (levels in UTF-8 order, numbers ascending),
  /// then the order within each group.
  func orderedEntries() -> [Entry] {
    var labels: [String?] = []
    for e in entries where !labels.contains(e.estimate.group?.label) { labels.append(e.estimate.group?.label) }
    if numericGroups {
      labels.sort { (Double($0 ?? "") ?? 0) < (Double($1 ?? "") ?? 0) }
    } else {
      labels.sort { ($0 ?? "").utf8.lexicographicallyPrecedes(($1 ?? "").utf8) }
    }
    var ordered: [Entry] = []
    for label in labels { ordered += entries.filter { $0.estimate.group?.label == label } }
    return ordered
  }

  /// The result of `ordered` entries with these standard errors (and gradients: nil when the
  /// covariates are sampled, as in memory).
  func result(
    _ ordered: [Entry], standardErrors ses: [Double], gradients: [[Double]]?, options: MarginsOptions,
    degreesOfFreedom: Double, varianceTitle: String
  ) -> MarginsResult {
    let estimates = ordered.indices.map { k -> MarginEstimate in
      var m = ordered[k].estimate
      m.result = DeltaEstimate(
        estimate: ordered[k].average.value, stdError: ses[k], degreesOfFreedom: degreesOfFreedom,
        level: options.level)
      m.gradient = gradients?[k]
      return m
    }
    return MarginsResult(
      estimates: estimates, atMeans: false, unconditional: gradients == nil, varianceTitle: varianceTitle,
      degreesOfFreedom: degreesOfFreedom, level: options.level, nobs: rows, weighted: weighted)
  }
}

extension MarginSums.Entry {
  /// The group's average `Σ wᵢ fᵢ / Σ wᵢ` and its gradient (no data influence).
  var average: LinearizedEstimate {
    LinearizedEstimate(value: value / weight, gradient: gradient.map { $0 / weight }, dataInfluence: nil)
  }
}

extension Margins {
  /// Throws `MarginsError.notSummable` for the options whose margins are not sums over rows:
  /// effects at the means and `--at` statistics of the sample (`mean`, `median`, `min`, `max`).
  public static func checkSummable(_ options: MarginsOptions) throws {
    if options.atMeans { throw MarginsError.notSummable(what: "effects at the means (--atmeans)") }
    for v in options.at?.variables ?? [] {
      for value in v.values {
        if case .statistic(let s) = value {
          throw MarginsError.notSummable(what: "--at \(v.name)=\(s.rawValue) (a statistic of the whole sample)")
        }
      }
    }
  }

  /// The margins of `model`'s rows as sums (`MarginSums`): the same computation as `estimate`
  /// (covariates fixed), each group's average times the group's weight.
  ///
  /// - Throws: `MarginsError.notSummable` (see `checkSummable`); as `estimate`.
  public static func sums(_ model: PredictionModel, options: MarginsOptions) throws -> MarginSums {
    try checkSummable(options)
    let weighted = model.weights != nil
    var numericGroups = false
    if let over = options.over { numericGroups = try model.data.column(named: over).isNumeric }
    guard !model.rows.isEmpty else {
      return MarginSums(entries: [], rows: 0, weighted: weighted, numericGroups: numericGroups)
    }
    let p = model.coefficients.count
    let r = try estimate(
      model, options: options, variance: DeltaMethod(covariance: Matrix(rows: p, cols: p)),
      degreesOfFreedom: .infinity, varianceTitle: "")
    var weightOf: [String: Double] = [:]
    for g in try sampleGroups(model: model, over: options.over) {
      weightOf[g.label ?? ""] = g.positions.reduce(0) { $0 + (model.weights?[$1] ?? 1) }
    }
    let entries = r.estimates.map { e -> MarginSums.Entry in
      let w = weightOf[e.group?.label ?? ""] ?? 0
      return MarginSums.Entry(
        estimate: e, weight: w, value: w * e.result.estimate, gradient: (e.gradient ?? []).map { w * $0 })
    }
    return MarginSums(entries: entries, rows: model.rows.count, weighted: weighted, numericGroups: numericGroups)
  }

  /// `data` with each factor column the recipe codes as a factor given every fitted level (a
  /// part of the data may have met only some): so that discrete changes and scenarios can set
  /// any fitted level on any part. Codes are unchanged.
  public static func withFittedLevels(_ data: DataFrame, recipe: ModelRecipe) -> DataFrame {
    var columns = data.columns
    for k in columns.indices {
      guard case .factor(var f) = columns[k].storage,
        let levels = factorLevels(of: columns[k].name, recipe: recipe)
      else { continue }
      let missing = levels.filter { !f.levels.contains($0) }
      guard !missing.isEmpty else { continue }
      f.levels += missing
      columns[k].storage = .factor(f)
    }
    return DataFrame(columns: columns, source: data.source)
  }
}

extension MarginSums.Entry {
  /// One margin's sums within one group, made by a source that sums outside this engine (SQL in a
  /// database): a derivative margin (`level` and `base` nil) or a discrete change from `base` to
  /// `level`, in the `--over` group `group` (nil: the whole sample).
  public init(
    variable: String, type: MarginKind, level: String? = nil, base: String? = nil,
    group: (variable: String, label: String)?, weight: Double, value: Double, gradient: [Double]
  ) {
    let estimate = MarginEstimate(
      variable: variable, type: type, level: level, base: base, at: [], group: group,
      result: DeltaEstimate(estimate: value, stdError: .nan, degreesOfFreedom: 1, level: 95))
    self.init(estimate: estimate, weight: weight, value: value, gradient: gradient)
  }
}

extension MarginSums {
  /// The label of a numeric `--over` group as the in-memory margins print it (`3`, `0.5`).
  public static func groupLabel(_ value: Double) -> String { formatNumber(value) }
}
