import StrataData
import StrataFormula
import StrataLinalg

/// Scenario comparisons of one part of the estimation sample as weighted sums, which add over
/// parts (see `MarginSums`): per group, `Σ wᵢ`, `Σ wᵢ μᵢ` and `Σ wᵢ g′(ηᵢ) xᵢ` on the data as
/// observed and under each scenario (the row changed). The difference and the ratio are formed
/// from the whole sample's averages, as `Scenarios.compare` forms them.
public struct ScenarioSums: Sendable {
  /// One group's sums.
  public struct Group: Sendable {
    /// The group's label (nil: the whole sample).
    public var label: String?
    /// `Σ wᵢ`.
    public var weight: Double
    /// `Σ wᵢ μᵢ` and its gradient, on the data as observed.
    public var baseline: (value: Double, gradient: [Double])
    /// The same under each scenario.
    public var predicted: [(value: Double, gradient: [Double])]
  }

  /// The groups in the order met; `result` orders them as the in-memory comparison does.
  public internal(set) var groups: [Group] = []
  /// Rows summed.
  public internal(set) var rows = 0
  /// Whether the averages are weighted.
  public internal(set) var weighted = false
  /// Whether the group column is numeric.
  public internal(set) var numericGroups = false

  public init() {}

  /// Adds another part's sums.
  public mutating func add(_ other: ScenarioSums) {
    rows += other.rows
    weighted = weighted || other.weighted
    numericGroups = numericGroups || other.numericGroups
    for g in other.groups {
      guard let i = groups.firstIndex(where: { $0.label == g.label }) else {
        groups.append(g)
        continue
      }
      groups[i].weight += g.weight
      groups[i].baseline = Self.sum(groups[i].baseline, g.baseline)
      for k in groups[i].predicted.indices { groups[i].predicted[k] = Self.sum(groups[i].predicted[k], g.predicted[k]) }
    }
  }

  private static func sum(_ a: (value: Double, gradient: [Double]), _ b: (value: Double, gradient: [Double])) -> (
    value: Double, gradient: [Double]
  ) {
    (a.value + b.value, zip(a.gradient, b.gradient).map { $0 + $1 })
  }

  /// The comparisons of the whole sample with `J V Jᵀ` standard errors (covariates fixed).
  ///
  /// - Throws: `MarginsError.zeroBaseline` when a group's baseline average is 0.
  public func result(
    scenarios: [Scenario], by: String?, covariance: Matrix, degreesOfFreedom: Double, varianceTitle: String,
    level: Double = 95
  ) throws -> ScenarioResult {
    guard level > 0, level < 100 else { throw MarginsError.invalidLevel(level) }
    let (estimates, labels) = try Self.comparisons(orderedGroups(), scenarios: scenarios, by: by) { $0.average($1) }
    let ses = try DeltaMethod(covariance: covariance).standardErrors(estimates)
    return result(
      estimates, labels: labels, standardErrors: ses, unconditional: false, degreesOfFreedom: degreesOfFreedom,
      varianceTitle: varianceTitle, level: level)
  }

  /// The groups in the in-memory order (numbers ascending, else UTF-8 order).
  func orderedGroups() -> [Group] {
    numericGroups
      ? groups.sorted { (Double($0.label ?? "") ?? 0) < (Double($1.label ?? "") ?? 0) }
      : groups.sorted { ($0.label ?? "").utf8.lexicographicallyPrecedes(($1.label ?? "").utf8) }
  }

  /// Per group and scenario: the baseline, the prediction, their difference and ratio, from
  /// `average(group, k)` (the group's baseline average when `k` is nil, else scenario k's).
  static func comparisons(
    _ ordered: [Group], scenarios: [Scenario], by: String?, average: (Group, Int?) throws -> LinearizedEstimate
  ) throws -> (estimates: [LinearizedEstimate], labels: [(Scenario, (String, String)?)]) {
    var estimates: [LinearizedEstimate] = []
    var labels: [(Scenario, (String, String)?)] = []
    for g in ordered {
      let base = try average(g, nil)
      for (k, s) in scenarios.enumerated() where k < g.predicted.count {
        if base.value == 0 { throw MarginsError.zeroBaseline(scenario: s.label) }
        let p = try average(g, k)
        estimates += [base, p, p.minus(base), p.dividedBy(base)]
        labels.append((s, g.label.map { (by ?? "", $0) }))
      }
    }
    return (estimates, labels)
  }

  /// The result of `comparisons`' estimates with these standard errors.
  func result(
    _ estimates: [LinearizedEstimate], labels: [(Scenario, (String, String)?)], standardErrors ses: [Double],
    unconditional: Bool, degreesOfFreedom: Double, varianceTitle: String, level: Double
  ) -> ScenarioResult {
    func make(_ i: Int) -> DeltaEstimate {
      DeltaEstimate(estimate: estimates[i].value, stdError: ses[i], degreesOfFreedom: degreesOfFreedom, level: level)
    }
    let comparisons = labels.enumerated().map { k, label in
      ScenarioComparison(
        scenario: label.0.definition, name: label.0.name, group: label.1, baseline: make(4 * k),
        predicted: make(4 * k + 1), difference: make(4 * k + 2), ratio: make(4 * k + 3))
    }
    return ScenarioResult(
      comparisons: comparisons, unconditional: unconditional, varianceTitle: varianceTitle,
      degreesOfFreedom: degreesOfFreedom, level: level, nobs: rows, weighted: weighted)
  }
}

extension ScenarioSums.Group {
  /// The group's average prediction and its gradient (no data influence): on the data as
  /// observed when `scenario` is nil, else under that scenario.
  func average(_ scenario: Int?) -> LinearizedEstimate {
    let s = scenario.map { predicted[$0] } ?? baseline
    return LinearizedEstimate(value: s.value / weight, gradient: s.gradient.map { $0 / weight }, dataInfluence: nil)
  }
}

extension Scenarios {
  /// The scenario comparisons of `model`'s rows as sums (`ScenarioSums`): each group's average
  /// predictions (as `compare` computes them) times the group's weight.
  public static func sums(_ model: PredictionModel, scenarios: [Scenario], by: String? = nil) throws -> ScenarioSums {
    var out = ScenarioSums()
    out.weighted = model.weights != nil
    if let by { out.numericGroups = try model.data.column(named: by).isNumeric }
    guard !model.rows.isEmpty else { return out }
    out.rows = model.rows.count
    for g in try groupAverages(model, scenarios: scenarios, by: by, keepsInfluence: false) {
      func scaled(_ e: LinearizedEstimate) -> (value: Double, gradient: [Double]) {
        (g.weight * e.value, e.gradient.map { g.weight * $0 })
      }
      out.groups.append(
        ScenarioSums.Group(
          label: g.label, weight: g.weight, baseline: scaled(g.baseline), predicted: g.predicted.map(scaled)))
    }
    return out
  }
}

extension ScenarioSums.Group {
  /// A group's sums (made outside this module: sums computed by a database); `group` is the
  /// label (nil: the whole sample).
  public init(
    group label: String?, weight: Double, baseline: (value: Double, gradient: [Double]),
    predicted: [(value: Double, gradient: [Double])]
  ) {
    self.label = label
    self.weight = weight
    self.baseline = baseline
    self.predicted = predicted
  }
}

extension ScenarioSums {
  /// Sums computed elsewhere (a database's aggregates: `StrataPostgres.PushdownScenarios`).
  /// With `numericGroups`, each label is a number's text and is written as the in-memory
  /// comparison writes a numeric group (`formatNumber`), so both label their groups alike.
  public init(groups: [Group], rows: Int, weighted: Bool, numericGroups: Bool) {
    self.groups = numericGroups
      ? groups.map { g in
        var g = g
        g.label = g.label.map { Double($0).map(formatNumber) ?? $0 }
        return g
      } : groups
    self.rows = rows
    self.weighted = weighted
    self.numericGroups = numericGroups
  }
}
