import StrataDesign
import StrataInference
import StrataLinalg

/// The design behind descriptive sums: what the variance needs besides the sums.
public enum DescriptiveSumsDesign: Sendable {
  /// A linearization design as declared (its nesting and lonely-PSU rule are used) and every
  /// sampling unit of the data (`inEstimation`: the unit has rows of non-zero weight, for the
  /// design's degrees of freedom). The sums' slots are the units, in `units` order.
  case linearization(DesignSpecification, units: UnitTotals)
  /// A replicate design whose slots are weight sets: 0 the full sample, r the replicate r's
  /// analysis weights; R's `scale`, `rscales`, `mse`, and the design df over every row.
  case replicate(scale: Double, rscales: [Double], mse: Bool, df: Int)
}

/// Which sums one descriptive estimate reads, in each (group, slot) cell of `DescriptiveSums`.
///
/// Every layout starts with `[rows present, rows present with non-zero weight, Σ w]` over the
/// rows where the variable(s) are present, then:
/// - `.moments` (mean, total of y): `Σ w y`, `Σ w y²`;
/// - `.levels(k)` (proportions of a factor with k levels): `Σ w 1{y = level j}` for each level;
/// - `.ratio` (Σ w y / Σ w x): `Σ w y`, `Σ w x`, `Σ w y²`, `Σ w x y`, `Σ w x²`.
///
/// Replicate slots r ≥ 1 need only the weighted sums (the counts are read from slot 0); their
/// `w` is the replicate's analysis weight.
public enum DescriptiveLayout: Sendable, Equatable {
  case moments
  case levels(Int)
  case ratio

  /// Numbers a cell holds.
  public var width: Int {
    switch self {
    case .moments: return 5
    case .levels(let k): return 3 + k
    case .ratio: return 8
    }
  }
}

/// The sums of one variable (or ratio) by domain group and design slot, as a database or a
/// streamed file returns them: all a design-based mean, total, proportion or ratio needs.
public struct DescriptiveSums: Sendable {
  /// The variable (`num/den` for a ratio).
  public var variable: String
  public var layout: DescriptiveLayout
  /// The level names of a proportion's factor (R order).
  public var levels: [String]
  /// The `by` labels of each group, in R's `svyby` order (one unlabelled group without `by`).
  public var groups: [[(String, String)]]
  /// Rows of each group (domain ∩ group), whether the variable is present or not.
  public var groupRows: [Int]
  /// `cells[g][s]`: the layout's sums of group g in slot s (a unit, or a weight set).
  public var cells: [[[Double]]]

  public init(
    variable: String, layout: DescriptiveLayout, levels: [String] = [], groups: [[(String, String)]],
    groupRows: [Int], cells: [[[Double]]]
  ) {
    self.variable = variable
    self.layout = layout
    self.levels = levels
    self.groups = groups
    self.groupRows = groupRows
    self.cells = cells
  }
}

extension DescriptiveSums {
  /// Adds one row of sums, as a source reads it, into the cells of one group: the full-sample
  /// sums (the layout's first `fullWidth` numbers; a level's `Σ w` goes to its level's place) to
  /// slot `unit`, and each replicate's block (`Σ a`, then `Σ a y` for moments, `Σ a y`, `Σ a x`
  /// for a ratio) to slot 1 + r with the row counts of the full sample.
  ///
  /// - Parameters:
  ///   - row: `fullWidth` full-sample sums (5 moments, 8 ratio, 3 levels), then `replicates`
  ///     blocks of `replicateStep` numbers.
  ///   - level: the level's index among the variable's levels (`.levels` layouts), or nil.
  ///   - group: the group's cells, one a slot, each as wide as the variable's layout.
  public static func spread(
    _ row: [Double], layout: DescriptiveLayout, level: Int?, replicates: Int, into group: inout [[Double]], unit: Int
  ) {
    let head = layout.fullWidth
    let step = layout.replicateStep
    let width = group[unit].count
    for j in 0..<min(head, width) { group[unit][j] += row[j] }
    if let level { group[unit][3 + level] += row[2] }
    for k in 0..<replicates {
      let a = head + k * step
      group[1 + k][0] += row[0]
      group[1 + k][1] += row[1]
      group[1 + k][2] += row[a]
      switch layout {
      case .moments: group[1 + k][3] += row[a + 1]
      case .ratio:
        group[1 + k][3] += row[a + 1]
        group[1 + k][4] += row[a + 2]
      case .levels: if let level { group[1 + k][3 + level] += row[a] }
      }
    }
  }
}

extension DescriptiveLayout {
  /// Full-sample sums in a source's row: the layout's width (levels: the three counts and `Σ w`,
  /// the level being the row's key).
  public var fullWidth: Int {
    switch self {
    case .moments: return 5
    case .ratio: return 8
    case .levels: return 3
    }
  }

  /// Sums per replicate in a source's row: `Σ a` (and `Σ a y`, `Σ a x`).
  public var replicateStep: Int {
    switch self {
    case .moments: return 2
    case .ratio: return 3
    case .levels: return 1
    }
  }
}

/// Counts of the whole data (every row, every domain) for the report's notes and design line.
public struct DescriptiveDataTotals: Sendable {
  public var rows: Int
  public var zeroWeights: Int
  /// Σ w over every row.
  public var weightTotal: Double
  public var summary: DesignSummary
  /// Rows in the domain, every one (any group, variables missing or not): a table's n.
  public var domainRows: Int
  /// Linearization designs: whether each unit (`units` order) has rows in the domain, zero
  /// weights included (a table's ν counts these units).
  public var unitsInDomain: [Bool]
  /// Replicate designs: R's `degf` over the domain's rows (a table's ν).
  public var replicateDomainDF: Int?

  public init(
    rows: Int, zeroWeights: Int, weightTotal: Double, summary: DesignSummary, domainRows: Int = 0,
    unitsInDomain: [Bool] = [], replicateDomainDF: Int? = nil
  ) {
    self.rows = rows
    self.zeroWeights = zeroWeights
    self.weightTotal = weightTotal
    self.summary = summary
    self.domainRows = domainRows
    self.unitsInDomain = unitsInDomain
    self.replicateDomainDF = replicateDomainDF
  }
}

/// A source that answers descriptive requests with sums (a PostgreSQL table, a streamed file):
/// kept apart from `AggregateSource`, whose passes are a fit's.
public protocol DescriptiveAggregateSource {
  /// The design (units or replicate settings) the sums are slotted by (read after
  /// `descriptiveSums`, which may learn it from the data).
  var descriptiveDesign: DescriptiveSumsDesign { get }
  /// Counts of the whole data (read after `descriptiveSums`).
  var dataTotals: DescriptiveDataTotals { get }
  /// The sums of `statistic` for each of `variables` (for `.ratio`, one pair `[num, den]`), by
  /// the source's groups, within its domain.
  func descriptiveSums(_ statistic: DescriptiveStatistic, variables: [String]) throws -> [DescriptiveSums]
}

/// Design-based means, totals, proportions and ratios from sums (`DescriptiveSums`): the
/// estimates and their influence functions' totals by unit are formed here, and the variance
/// goes through the one linearization engine (`LinearizationDesign.variance(of: UnitTotals…)`)
/// or the one replicate engine (`replicateVariance`, R `svrVar`). The result is the in-memory
/// `Descriptives.estimate`'s `DescriptiveResult`, to rounding.
public enum AggregateDescriptives {
  /// Estimates `statistic` for `variables` from `source`'s sums.
  ///
  /// - Throws: `DesignError.emptyDomain` for a group without rows of the variable, the
  ///   engine's `DesignError`s (single-PSU strata, FPC checks), the source's errors.
  public static func estimate(
    _ statistic: DescriptiveStatistic, variables: [String], source: some DescriptiveAggregateSource,
    level: Double = 95, convention: IntervalConvention = .r, domain: String? = nil
  ) throws -> DescriptiveResult {
    guard level > 0 && level < 100 else { throw InferenceError.invalidLevel(level) }
    // The sums first: the source learns its design and totals from them.
    let requested = try source.descriptiveSums(statistic, variables: variables)
    return try result(
      statistic, requested, totals: source.dataTotals, design: source.descriptiveDesign, level: level,
      convention: convention, domain: domain)
  }

  /// The design df over every row: R's `degf` of the full design.
  static func designDF(_ design: DescriptiveSumsDesign) throws -> Int {
    switch design {
    case .linearization(let spec, let units):
      return try LinearizationDesign.variance(
        of: units, totals: Matrix(rows: units.count, cols: 1), specification: spec
      ).df
    case .replicate(_, _, _, let df):
      return df
    }
  }

  /// The quantile of the intervals: normal (R), or t on the design df (Stata).
  static func intervalQuantile(level: Double, convention: IntervalConvention, fullDF: Int) -> (value: Double, df: Int?) {
    let alpha = 1 - level / 100
    return convention == .stata
      ? (StudentT(df: Double(fullDF)).quantile(1 - alpha / 2), fullDF) : (Normal.quantile(1 - alpha / 2), nil)
  }

  /// The result of `statistic` from sums a source returned (`requested`, one a variable).
  static func result(
    _ statistic: DescriptiveStatistic, _ requested: [DescriptiveSums], totals: DescriptiveDataTotals,
    design: DescriptiveSumsDesign, level: Double, convention: IntervalConvention, domain: String?
  ) throws -> DescriptiveResult {
    let fullDF = try designDF(design)
    let critical = intervalQuantile(level: level, convention: convention, fullDF: fullDF)
    var estimates: [DescriptiveEstimate] = []
    var dropped: [(String, Int)] = []
    for sums in requested {
      estimates += try groupEstimates(statistic, sums, design: design, critical: critical)
      let missing = zip(sums.groupRows, sums.cells).reduce(0) { acc, g in
        acc + g.0 - Int(slotTotal(g.1, design: design)[0].rounded())
      }
      if missing > 0 { dropped.append((sums.variable, missing)) }
    }
    var isReplicate = false
    if case .replicate = design { isReplicate = true }
    var notes: [String] = []
    for (variable, n) in dropped.sorted(by: { $0.0 < $1.0 }) {
      notes.append("\(n) row(s) with missing \(variable) left out of its domain (the design is kept)")
    }
    if totals.zeroWeights > 0 { notes.append("\(totals.zeroWeights) row(s) have zero sampling weight") }
    if !isReplicate, estimates.contains(where: { $0.deff != nil }),
      totals.weightTotal <= Double(totals.rows - totals.zeroWeights)
    {
      notes.append(
        "deff compares with simple random sampling with replacement (weights sum <= n; R deff = \"replace\")")
    }
    var summary = totals.summary
    summary.df = fullDF
    return DescriptiveResult(
      statistic, estimates: estimates, design: summary, df: fullDF, level: level,
      convention: convention, domain: domain, notes: notes)
  }

  /// The estimates of one variable in every group.
  static func groupEstimates(
    _ statistic: DescriptiveStatistic, _ sums: DescriptiveSums, design: DescriptiveSumsDesign,
    critical: (value: Double, df: Int?)
  ) throws -> [DescriptiveEstimate] {
    let layout = sums.layout
    // Per group: the estimates θ(cell) of one slot's sums.
    func theta(_ c: [Double]) -> [Double] {
      switch layout {
      case .moments: return statistic == .mean ? [c[3] / c[2]] : [c[3]]
      case .levels(let k): return (0..<k).map { c[3 + $0] / c[2] }
      case .ratio: return [c[3] / c[4]]
      }
    }
    var thetas: [[Double]] = []
    var full: [[Double]] = []
    for group in sums.cells {
      let total = slotTotal(group, design: design)
      if total[0] == 0 { throw DesignError.emptyDomain(variable: sums.variable) }
      full.append(total)
      thetas.append(theta(total))
    }
    // Variances, one q × q block a group (q = 1, or k levels).
    var variances: [[Double]] = []
    switch design {
    case .linearization(let spec, let units):
      let q = thetas.map(\.count)
      let offsets = q.indices.map { q[..<$0].reduce(0, +) }
      var influence = Matrix(rows: units.count, cols: q.reduce(0, +))
      for (g, group) in sums.cells.enumerated() {
        let t = full[g]
        for (u, c) in group.enumerated() {
          switch layout {
          case .moments:
            influence[u, offsets[g]] = statistic == .mean ? (c[3] - thetas[g][0] * c[2]) / t[2] : c[3]
          case .levels(let k):
            for j in 0..<k { influence[u, offsets[g] + j] = (c[3 + j] - thetas[g][j] * c[2]) / t[2] }
          case .ratio:
            influence[u, offsets[g]] = (c[3] - thetas[g][0] * c[4]) / t[4]
          }
        }
      }
      let v = try LinearizationDesign.variance(of: units, totals: influence, specification: spec).covariance
      variances = q.indices.map { g in (0..<q[g]).map { v[offsets[g] + $0, offsets[g] + $0] } }
    case .replicate(let scale, let rscales, let mse, _):
      for (g, group) in sums.cells.enumerated() {
        let replicates = group.dropFirst().map(theta)
        let v = replicateVariance(replicates, estimate: thetas[g], scale: scale, rscales: rscales, mse: mse)
        variances.append((0..<thetas[g].count).map { v[$0, $0] })
      }
    }
    var isReplicate = false
    if case .replicate = design { isReplicate = true }
    var out: [DescriptiveEstimate] = []
    for g in sums.cells.indices {
      let t = full[g]
      let rows = Int(t[0].rounded())
      // R svyvar's n: rows of non-zero weight (linearization) or all rows (replicate designs).
      let n = isReplicate ? t[0] : t[1]
      let population = t[2]
      /// svyvar of y from Σ w y and Σ w y², then the SRS variance of its mean (`srsVariance`).
      func srs(_ swy: Double, _ swyy: Double) -> Double {
        let ss = (swyy - swy * swy / population) / population
        let s = ss * n / (n - 1)
        return population > n ? s * (population - n) / (population * n) : s / n
      }
      func make(_ level: String?, _ estimate: Double, _ variance: Double, _ deff: Double?) -> DescriptiveEstimate {
        let se = variance.squareRoot()
        return DescriptiveEstimate(
          variable: sums.variable, level: level, quantile: nil, by: sums.groups[g], estimate: estimate, stdError: se,
          confLow: estimate - critical.value * se, confHigh: estimate + critical.value * se, deff: deff,
          cv: se / estimate, observations: rows, df: critical.df)
      }
      switch layout {
      case .moments:
        let v = variances[g][0]
        let vsrs = statistic == .mean ? srs(t[3], t[4]) : srs(t[3], t[4]) * population * population
        out.append(make(nil, thetas[g][0], v, v / vsrs))
      case .levels(let k):
        for j in 0..<k {
          let v = variances[g][j]
          out.append(make(sums.levels[j], thetas[g][j], v, v / srs(t[3 + j], t[3 + j])))
        }
      case .ratio:
        let v = variances[g][0]
        var deff: Double?
        if !isReplicate {
          // svyvar of z = (y − r x)/Σ w x.
          let r = thetas[g][0]
          let tx = t[4]
          let swz = (t[3] - r * t[4]) / tx
          let swzz = (t[5] - 2 * r * t[6] + r * r * t[7]) / (tx * tx)
          deff = v / (srs(swz, swzz) * population * population)
        }
        out.append(make(nil, thetas[g][0], v, deff))
      }
    }
    return out
  }

  /// A group's full-sample sums: the units' sums added (linearization, compensated), or slot 0
  /// (replicate designs).
  static func slotTotal(_ group: [[Double]], design: DescriptiveSumsDesign) -> [Double] {
    switch design {
    case .replicate: return group[0]
    case .linearization:
      guard let width = group.first?.count else { return [0] }
      var sum = [Double](repeating: 0, count: width)
      var compensation = [Double](repeating: 0, count: width)
      for c in group {
        for j in 0..<width {
          let x = c[j]
          let t = sum[j] + x
          if abs(sum[j]) >= abs(x) { compensation[j] += (sum[j] - t) + x } else { compensation[j] += (x - t) + sum[j] }
          sum[j] = t
        }
      }
      return zip(sum, compensation).map { $0 + $1 }
    }
  }
}
