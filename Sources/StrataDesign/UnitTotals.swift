import StrataData
import StrataLinalg

/// Influence totals by sampling unit: all the linearization engine needs from a data source that
/// does not hand over its rows (a database that sums them, a file streamed in passes).
///
///     // one unit per PSU of a one-stage design: the source returns the PSU totals of uᵢBᵀ
///     var units = UnitTotals(strata: ["1", "1", "2", "2"], clusters: [["a", "b", "c", "d"]])
///     units.fpc = [[100, 100, 80, 80]]
///     let (v, df) = try LinearizationDesign.variance(of: units, totals: sums, specification: spec)
///
/// The design's variance is a function of the influence functions' totals by final unit: R's
/// `svyrecvar` sums each stage's clusters within strata and never reads a row on its own. So the
/// same engine, run on a design whose "rows" are the units and whose "influence rows" are their
/// totals, gives the covariance of the row design to rounding. A unit is a first-stage PSU, or,
/// for a multistage design with FPCs (whose later stages enter the variance), a cluster of the
/// last declared stage.
///
/// Every unit of the sample is listed, also those with no rows in the estimation domain (their
/// totals are zero): each stratum keeps its full-sample number of PSUs, as R's `subset` does.
public struct UnitTotals: Sendable {
  /// The first-stage stratum of each unit; empty without strata.
  public var strata: [String]
  /// The unit's cluster at each declared stage (stage-major: `clusters[k][u]`).
  public var clusters: [[String]]
  /// The FPC of each unit at each declared stage, as declared (population sizes or fractions);
  /// empty without FPCs.
  public var fpc: [[Double]]
  /// Whether the unit has estimation rows of positive weight (the design's degrees of freedom
  /// count these units); all true when nil.
  public var inEstimation: [Bool]?

  public init(strata: [String] = [], clusters: [[String]], fpc: [[Double]] = [], inEstimation: [Bool]? = nil) {
    self.strata = strata
    self.clusters = clusters
    self.fpc = fpc
    self.inEstimation = inEstimation
  }

  /// Number of units.
  public var count: Int { clusters.first?.count ?? strata.count }

  /// The columns of the unit-level design data, named `strata`, `cluster1…`, `fpc1…`.
  func frame() -> (data: DataFrame, strata: String?, clusters: [String], fpc: [String]) {
    func factor(_ name: String, _ labels: [String]) -> Column {
      let levels = Array(Set(labels)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      var index: [String: Int32] = [:]
      for (k, level) in levels.enumerated() { index[level] = Int32(k) }
      return Column(name: name, storage: .factor(FactorColumn(codes: labels.map { index[$0] ?? -1 }, levels: levels)))
    }
    var columns: [Column] = []
    var strataName: String?
    if !strata.isEmpty {
      strataName = "strata"
      columns.append(factor("strata", strata))
    }
    let clusterNames = clusters.indices.map { "cluster\($0 + 1)" }
    for (k, labels) in clusters.enumerated() { columns.append(factor(clusterNames[k], labels)) }
    let fpcNames = fpc.indices.map { "fpc\($0 + 1)" }
    for (k, values) in fpc.enumerated() {
      columns.append(Column(name: fpcNames[k], storage: .numeric(NumericColumn(values: values))))
    }
    return (DataFrame(columns: columns, source: "<sampling units>"), strataName, clusterNames, fpcNames)
  }
}

extension UnitTotals {
  /// The linearization design over the units (one row per unit, equal weights): its strata, PSU
  /// and stage counts are the sample's, for the design line of a report.
  public func design(specification: DesignSpecification) throws -> LinearizationDesign {
    let frame = frame()
    let spec = DesignSpecification(
      weights: nil, strata: frame.strata, psu: frame.clusters, fpc: frame.fpc,
      nest: specification.nest, lonelyPSU: specification.lonelyPSU)
    return try LinearizationDesign(spec, data: frame.data)
  }
}

extension LinearizationDesign {
  /// The design covariance of estimates from their influence totals by sampling unit, and the
  /// design's degrees of freedom: the linearization engine run over the units.
  ///
  /// - Parameters:
  ///   - units: the sample's units (every unit, also those outside the estimation domain).
  ///   - totals: units × q totals of the influence functions `uᵢBᵀ` (weights included).
  ///   - specification: the design as declared over the rows: its nesting and lonely-PSU rule
  ///     are used; weights, replicate weights and calibration are not (a calibrated design needs
  ///     the rows themselves: `DesignError.unitTotalsNeedRows`).
  /// - Returns: the q × q covariance and the design degrees of freedom.
  /// - Throws: `DesignError` as the row design would (a single-PSU stratum under `.fail`, PSUs
  ///   in several strata without `nest`, FPCs smaller than the sample or varying in a stratum).
  /// - Complexity: O(G q²) for G units.
  public static func variance(
    of units: UnitTotals, totals: Matrix, specification: DesignSpecification
  ) throws -> (covariance: Matrix, df: Int) {
    precondition(totals.rows == units.count, "totals rows differ from the unit count")
    precondition(units.strata.isEmpty || units.strata.count == units.count, "strata of another unit list")
    if specification.calibration != nil { throw DesignError.unitTotalsNeedRows(reason: "a calibrated design") }
    let frame = units.frame()
    let spec = DesignSpecification(
      weights: nil, strata: frame.strata, psu: frame.clusters, fpc: frame.fpc,
      nest: specification.nest, lonelyPSU: specification.lonelyPSU)
    let design = try LinearizationDesign(spec, data: frame.data)
    let all = Array(0..<units.count)
    let covariance = try design.variance(influence: totals, rows: all)
    let counted = units.inEstimation.map { flags in all.filter { flags[$0] } } ?? all
    return (covariance, design.degreesOfFreedom(rows: counted))
  }
}
