import StrataFormula
import StrataInference
import StrataScale

extension Pushdown {
  /// Scenario comparisons of a pushed-down fit with the covariates sampled: the fit's set-up
  /// statements (the design's units), the fit's scores by unit (`PushdownUnits`), the scenario
  /// statement and its sums `Σ w`, `Σ w·μ(η_s)` by `--by` group and unit; the units' ψ totals
  /// (`ScenarioSums.influenceTotals`) go to the streamed path's variance engine.
  ///
  /// - Parameter model: the fitted model with its `sampling` (bread and variance).
  /// - Throws: `PostgresError.unsupported` for HC variances and designs without a PSU column;
  ///   as `PushdownScenarios.sums`.
  public static func unconditionalScenarios(
    of model: AggregateMargins.FittedModel, _ specification: ScaleSpecification, variance: AggregateVariance,
    source: PostgresSource, partitionKey: String? = nil, scenarios: [Scenario], by: String?, level: Double = 95
  ) throws -> ScenarioResult {
    guard let sampling = model.sampling else {
      throw MarginsError.notSummable(what: "--margins-vce unconditional without the fit's bread and scores")
    }
    let set = try PushdownUnits.prepare(
      specification, variance: variance, source: source, partitionKey: partitionKey, exactSums: false,
      shardFanOut: true)
    let grouping = try PushdownUnits(
      aggregates: set.aggregates, spec: sampling.covariance.spec, coefficients: model.coefficients, columns: model.kept)
    let sums = try PushdownScenarios.sums(
      specification, model: PushdownScenarios.FittedModel(terms: model.terms, kept: model.kept, coefficients: model.coefficients),
      source: source, partitionKey: partitionKey, scenarios: scenarios, by: by, shardFanOut: true,
      units: (grouping.columns, grouping.by))
    let groups = by == nil ? 0 : 1
    let keys = grouping.keys(seen: sums.byUnit.keys.map { Array($0.dropFirst(groups)) })
    var position: [[String?]: Int] = [:]
    for (u, key) in keys.enumerated() { position[key] = u }
    let psi = try sums.sums.influenceTotals(
      units: keys.count, scenarios: scenarios, by: by,
      unitSums: { label, k in
        var values = [Double](repeating: 0, count: keys.count)
        var weights = values
        for (key, s) in sums.byUnit where groups == 0 || key[0] == label {
          guard let u = position[Array(key.dropFirst(groups))] else {
            throw PostgresError.data("\(set.aggregates.label) changed during the fit (a unit the fit did not see)")
          }
          values[u] += s[1 + (k.map { $0 + 1 } ?? 0)]
          weights[u] += s[0]
        }
        return (values, weights)
      }, coefficientInfluence: grouping.coefficientInfluence(keys, bread: sampling.fit.bread))
    let covariance = try grouping.covariance(of: psi, keys: keys, sampling: sampling)
    return try sums.sums.result(
      scenarios: scenarios, by: by, unconditionalCovariance: covariance, degreesOfFreedom: model.degreesOfFreedom,
      varianceTitle: InfluenceVariance.title(sampling.covariance.spec), level: level)
  }
}
