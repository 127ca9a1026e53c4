import StrataDesign
import StrataInference
import StrataLinalg
import StrataModels
import StrataScale

/// What the influence of margins and scenario comparisons with the covariates sampled is
/// totalled by in the server: a linearization design's PSUs (within strata) or the cells of the
/// clustering columns, with the fit's score totals by unit at the estimate (the scores pass's
/// statement grouped by them). The callers sum their own values by the same `GROUP BY` columns
/// (`by`, aliases of the base rows), form the units' ψ totals, and `covariance(of:sampling:)`
/// hands them to `InfluenceVariance.covariance(ofTotals:fit:spec:)`, the streamed path's engine.
struct PushdownUnits {
  let aggregates: PostgresAggregates
  /// The `GROUP BY` aliases of a unit in the base rows (`h`, `c`; or `g0…`).
  let by: [String]
  let clusterNames: [String]
  /// The design's units with those in the estimation (nil: cluster cells).
  let units: UnitTotals?
  private let clusterScores: [[String?]: [Double]]
  private let unitScores: Matrix
  private let kept: Int

  /// Runs the scores statement at `coefficients` (over the kept `columns`) grouped by unit.
  ///
  /// - Throws: `PostgresError.unsupported` for a design without a PSU column or a variance not
  ///   summed by unit.
  init(aggregates: PostgresAggregates, spec: CovarianceSpec, coefficients: [Double], columns: [Int]) throws {
    self.aggregates = aggregates
    kept = columns.count
    switch spec {
    case .cluster(let variables):
      clusterNames = variables.map(\.name)
      by = PostgresAggregates.clusterAliases(variables.count)
      clusterScores = try aggregates.clusterScores(coefficients: coefficients, columns: columns, clusters: variables.count)
      units = nil
      unitScores = Matrix(rows: 0, cols: columns.count)
    case .design:
      guard aggregates.unitsArePSUs else {
        throw PostgresError.unsupported(
          "--margins-vce unconditional on a design without a --psu column (each row a unit: give the PSU column)")
      }
      clusterNames = []
      by = aggregates.units.strata.isEmpty ? ["c"] : ["h", "c"]
      let scored = try aggregates.unitScores(coefficients: coefficients, columns: columns)
      (units, unitScores, clusterScores) = (scored.units, scored.totals, [:])
    default:
      throw PostgresError.unsupported(
        "--margins-vce unconditional of scenarios with the \(spec.name) variance (cluster and design variances are summed by unit)")
    }
  }

  /// The fit's set-up statements again (`Pushdown.prepare`) and, for a linearization design,
  /// its sampling units (`describeUnits`), as the fit reads them.
  static func prepare(
    _ specification: ScaleSpecification, variance: AggregateVariance, source: PostgresSource, partitionKey: String?,
    exactSums: Bool, shardFanOut: Bool, groupsByFactor: Bool = true
  ) throws -> Pushdown.Prepared {
    let set = try Pushdown.prepare(
      specification, variance: variance, source: source, partitionKey: partitionKey, exactSums: exactSums,
      groupsByFactor: groupsByFactor, shardFanOut: shardFanOut)
    if let design = specification.design, set.aggregates.replicate == nil {
      try set.aggregates.describeUnits(
        design, strata: design.strata != nil, psu: design.psu.first != nil, fpc: design.fpc.first)
    }
    return set
  }

  /// The unit columns as base-row select items (`sql AS alias`).
  var columns: [String] {
    by.compactMap { alias in aggregates.extra.first { $0.alias == alias }.map { "\($0.sql) AS \(alias)" } }
  }

  /// The units in order (a design's every unit; the cluster cells with scores or with `seen`
  /// keys, in the scores pass's order).
  func keys(seen: some Sequence<[String?]>) -> [[String?]] {
    units == nil ? PostgresAggregates.orderedCells(Set(clusterScores.keys).union(seen)) : aggregates.unitKeys
  }

  /// Each unit's score total times the fit's bread (units × kept), the units as `keys`.
  func coefficientInfluence(_ keys: [[String?]], bread: Matrix) -> Matrix {
    guard units == nil else { return unitScores * bread }
    var totals = Matrix(rows: keys.count, cols: kept)
    for (u, key) in keys.enumerated() { for j in 0..<kept { totals[u, j] = clusterScores[key]?[j] ?? 0 } }
    return totals * bread
  }

  /// The covariance of the estimates whose influence totals by unit (as `keys`) are `psi`.
  func covariance(
    of psi: Matrix, keys: [[String?]], sampling: (fit: Fit, covariance: CovarianceEstimate)
  ) throws -> Matrix {
    let totals: ScoreTotals
    if let units {
      guard let design = aggregates.specification, let summary = sampling.covariance.design else {
        throw InferenceError.unsupportedForModel(model: "a fit without a design", variance: "design")
      }
      totals = .units(units, psi, specification: design, summary: summary)
    } else {
      let codes = PostgresAggregates.clusterCodes(of: keys, variables: clusterNames.count)
      totals = .clusters(
        psi,
        variables: clusterNames.indices.map {
          ClusterVariable(name: clusterNames[$0], codes: codes[$0].codes, count: codes[$0].count)
        })
    }
    return try InfluenceVariance.covariance(ofTotals: totals, fit: sampling.fit, spec: sampling.covariance.spec)
  }
}
