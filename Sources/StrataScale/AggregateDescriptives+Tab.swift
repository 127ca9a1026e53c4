import StrataDesign
import StrataInference
import StrataLinalg

/// A two-way table from sums, with the proportions its text grid shows beside the cells.
public struct AggregateTabulation: Sendable {
  /// Cells, margins and the Rao–Scott test (the in-memory `CrossTabulation`, to rounding).
  public var table: CrossTabulation
  /// The column variable's proportions within each row level (R `svyby(~col, ~row, svymean)`).
  public var rowShares: DescriptiveResult
  /// The row variable's proportions within each column level.
  public var columnShares: DescriptiveResult
}

extension AggregateDescriptives {
  /// Tabulates `rowVariable` × `columnVariable` from sums: the proportions of the column
  /// variable by row level (`byRow`, a source grouped by the row variable) hold the cells'
  /// weighted totals by unit (or weight set); those of the row variable by column level
  /// (`byColumn`) give the column levels present and the column shares.
  ///
  /// The cell proportions are ratios of totals; their influence totals by unit go through the
  /// one linearization engine (`LinearizationDesign.variance(of: UnitTotals…)`), or the
  /// replicates' proportions through `replicateVariance`; the Rao–Scott test and the margins
  /// are the in-memory `CrossTabulation`'s code. Matches `SurveyDesign.tabulate` (R
  /// `svychisq`) to rounding.
  ///
  /// - Throws: `DesignError.tableNeedsTwoLevels`, `DesignError.emptyDomain`, the engine's
  ///   errors, the sources' errors.
  public static func tabulate(
    _ rowVariable: String, by columnVariable: String, byRow: some DescriptiveAggregateSource,
    byColumn: some DescriptiveAggregateSource, level: Double = 95, convention: IntervalConvention = .r,
    domain: String? = nil
  ) throws -> AggregateTabulation {
    guard level > 0 && level < 100 else { throw InferenceError.invalidLevel(level) }
    guard let byRowSums = try byRow.descriptiveSums(.proportion, variables: [columnVariable]).first,
      let byColumnSums = try byColumn.descriptiveSums(.proportion, variables: [rowVariable]).first
    else { throw DesignError.emptyDomain(variable: "\(rowVariable) x \(columnVariable)") }
    let design = byRow.descriptiveDesign
    let totals = byRow.dataTotals
    // Levels present in the domain: the groups (rows where that variable is observed).
    let rowLevels = byRowSums.groups.compactMap { $0.first?.1 }
    let columnLevels = byColumnSums.groups.compactMap { $0.first?.1 }
    let nr = rowLevels.count
    let nc = columnLevels.count
    guard nr >= 2 && nc >= 2 else {
      throw DesignError.tableNeedsTwoLevels(row: rowVariable, rowLevels: nr, column: columnVariable, columnLevels: nc)
    }
    let levelIndex = Dictionary(uniqueKeysWithValues: byRowSums.levels.enumerated().map { ($1, $0) })
    let columnPlace = try columnLevels.map { label in
      guard let j = levelIndex[label] else { throw DesignError.emptyDomain(variable: columnVariable) }
      return 3 + j
    }
    // Per slot: [Σ w, then Σ w 1{cell} with the row level fastest], over rows with both observed.
    let k = nr * nc
    let slotCount = byRowSums.cells.first?.count ?? 0
    var slots = [[Double]](repeating: [Double](repeating: 0, count: 1 + k), count: slotCount)
    for s in 0..<slotCount {
      for i in 0..<nr {
        let c = byRowSums.cells[i][s]
        slots[s][0] += c[2]
        for j in 0..<nc { slots[s][1 + i + nr * j] = c[columnPlace[j]] }
      }
    }
    let full = slotTotal(slots, design: design)
    guard full[0] > 0 else { throw DesignError.emptyDomain(variable: "\(rowVariable) x \(columnVariable)") }
    func proportions(_ slot: [Double]) -> [Double] { (0..<k).map { slot[1 + $0] / slot[0] } }
    let mean = proportions(full)
    let covariance: Matrix
    let nu: Int
    switch design {
    case .linearization(let spec, let units):
      var influence = Matrix(rows: units.count, cols: k)
      for (u, slot) in slots.enumerated() {
        for c in 0..<k { influence[u, c] = (slot[1 + c] - mean[c] * slot[0]) / full[0] }
      }
      covariance = try LinearizationDesign.variance(of: units, totals: influence, specification: spec).covariance
      // R svychisq's degf of the domain: its PSUs minus its strata, zero weights included.
      let inDomain = totals.unitsInDomain.indices.filter { totals.unitsInDomain[$0] }
      let strata = Set(inDomain.map { units.strata.isEmpty ? "" : units.strata[$0] })
      nu = inDomain.count - strata.count
    case .replicate(let scale, let rscales, let mse, let df):
      covariance = replicateVariance(
        slots.dropFirst().map(proportions), estimate: mean, scale: scale, rscales: rscales, mse: mse)
      nu = totals.replicateDomainDF ?? df
    }
    let fullDF = try designDF(design)
    var summary = totals.summary
    summary.df = fullDF
    let table = try CrossTabulation(
      rowVariable: rowVariable, columnVariable: columnVariable, rowLevels: rowLevels, columnLevels: columnLevels,
      proportions: mean, covariance: covariance, counts: (0..<k).map { full[1 + $0] },
      rows: Double(totals.domainRows), df: nu,
      critical: intervalQuantile(level: level, convention: convention, fullDF: fullDF).value, design: summary,
      fullDF: fullDF, level: level, domain: domain)
    let rowShares = try result(
      .proportion, [byRowSums], totals: totals, design: design, level: level, convention: convention, domain: domain)
    let columnShares = try result(
      .proportion, [byColumnSums], totals: byColumn.dataTotals, design: byColumn.descriptiveDesign, level: level,
      convention: convention, domain: domain)
    return AggregateTabulation(table: table, rowShares: rowShares, columnShares: columnShares)
  }
}
