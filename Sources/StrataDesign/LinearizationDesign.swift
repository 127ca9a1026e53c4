import StrataData

/// What to do with a stratum that has a single PSU (R's `options(survey.lonely.psu =)`).
public enum LonelyPSURule: String, Sendable, Codable, CaseIterable {
  /// Stop with `DesignError.singlePSUStratum` (R's default).
  case fail
  /// The PSU was sampled with certainty: it adds no first-stage variance.
  case certainty
  /// Ignore the stratum's contribution (R: same arithmetic as `certainty`).
  case remove
  /// Centre the stratum at the grand mean (zero) instead of its own mean.
  case adjust
  /// Replace the stratum's contribution by the average over the other strata.
  case average
}

/// A design declaration: the column names and options of R's `svydesign()`/`svrepdesign()`,
/// without the data. It is what `strata svyset --save` writes and `--design` reads.
public struct DesignSpecification: Sendable, Codable, Equatable {
  /// Sampling-weight column (R `weights=`); for replicate designs the full-sample weights.
  public var weights: String?
  /// Stratum column (first stage).
  public var strata: String?
  /// Cluster columns, one per stage (R `ids = ~psu + ssu`); empty means each row is a PSU.
  public var psu: [String]
  /// FPC columns, one per stage: population sizes or sampling fractions, detected as R does.
  public var fpc: [String]
  /// PSU ids are unique only within strata (R `nest = TRUE`).
  public var nest: Bool
  /// Single-PSU strata handling.
  public var lonelyPSU: LonelyPSURule
  /// Replicate weights given in the data (R `svrepdesign`).
  public var replicateWeights: ReplicateSpecification?
  /// Replicates to build from the linearization design (R `as.svrepdesign`).
  public var buildReplicates: ReplicateConstruction?
  /// Calibration, post-stratification or raking of the weights (R `calibrate`/`postStratify`/`rake`);
  /// absent in design files saved before it existed.
  public var calibration: CalibrationSpecification?

  public init(
    weights: String? = nil, strata: String? = nil, psu: [String] = [], fpc: [String] = [],
    nest: Bool = false, lonelyPSU: LonelyPSURule = .fail, replicateWeights: ReplicateSpecification? = nil,
    buildReplicates: ReplicateConstruction? = nil, calibration: CalibrationSpecification? = nil
  ) {
    self.calibration = calibration
    self.weights = weights
    self.strata = strata
    self.psu = psu
    self.fpc = fpc
    self.nest = nest
    self.lonelyPSU = lonelyPSU
    self.replicateWeights = replicateWeights
    self.buildReplicates = buildReplicates
  }

  /// The columns the design reads (for missing-value handling and messages).
  public var columns: [String] {
    var c: [String] = []
    if let weights { c.append(weights) }
    if let strata { c.append(strata) }
    return c + psu + fpc
  }
}

/// One sampling stage resolved to per-row codes.
struct DesignStage: Sendable {
  /// Stratum code of each data row at this stage (later stages: stratum × earlier cluster).
  var strata: [Int]
  /// Cluster code of each data row, unique across the whole design.
  var clusters: [Int]
  /// Number of sampled clusters in the row's stratum (R `fpc$sampsize`).
  var sampleSize: [Int]
  /// Population size of the row's stratum (R `fpc$popsize`), `+infinity` without an FPC.
  var populationSize: [Double]
  /// A printable name for each stratum code.
  var stratumNames: [String]
}

/// A linearization (Taylor series) survey design: weights, strata, multistage clusters, FPCs.
///
///     let spec = DesignSpecification(strata: "stype", fpc: ["fpc"], weights: "pw")
///     let design = try LinearizationDesign(spec, data: apistrat)
///     let v = try design.variance(influence: scoresTimesBread, rows: fit.rows)
///
/// Matches R `survey::svydesign(ids =, strata =, weights =, fpc =, nest =)` (survey 4.1-1):
/// later-stage clusters are nested in earlier ones, FPCs are population sizes when any value
/// exceeds 1 and sampling fractions otherwise, and without weights the weights follow from the
/// FPCs (or are 1).
public struct LinearizationDesign: Sendable {
  /// The declaration the design was built from.
  public let specification: DesignSpecification
  /// Number of data rows.
  public let rowCount: Int
  /// Analysis weight of each data row: the sampling weight (1/π; 0 for rows outside the sample),
  /// or the calibrated weight when the specification calibrates (then `baseWeights` are the 1/π).
  public private(set) var weights: [Double]
  /// Sampling weights before any calibration (R `weights(design)` before `calibrate()`).
  public private(set) var baseWeights: [Double]
  /// What the calibration did (g-weights, totals reproduced, iterations); nil without one.
  public private(set) var calibration: CalibrationSummary?
  /// The variance adjustment of the calibration (R's `postStrata`).
  var calibrationAdjustment: CalibrationAdjustment?
  /// Whether strata were declared.
  public let hasStrata: Bool
  /// Whether FPCs were declared (R then computes later-stage variance).
  public let hasFPC: Bool
  /// Rows (0-based) with zero weight: allowed, as in R, and reported.
  public let zeroWeightRows: [Int]
  /// Where the weights came from, for output.
  public let weightSource: WeightSource
  let stages: [DesignStage]

  /// How the sampling weights were obtained.
  public enum WeightSource: String, Sendable {
    case column, fpc, equal
  }

  /// The lonely-PSU rule.
  public var lonelyPSU: LonelyPSURule { specification.lonelyPSU }
  /// Number of sampling stages.
  public var stageCount: Int { stages.count }

  /// Builds and validates a design from data.
  ///
  /// - Throws: `DesignError` for missing or negative weights, PSUs repeated across strata
  ///   without `nest`, a single-PSU stratum under `.fail`, mixed or too small FPCs;
  ///   `DataError` for unknown columns.
  /// - Parameter calibrating: apply `spec.calibration` (false: the design before calibration, from
  ///   which replicates are built first, as R `calibrate(as.svrepdesign(d))`).
  public init(_ spec: DesignSpecification, data: DataFrame, calibrating: Bool = true) throws {
    let n = data.rowCount
    self.specification = spec
    self.rowCount = n
    let allRows = Array(0..<n)

    // Stage-1 strata.
    var strata0: [Int]
    var stratumNames0: [String]
    if let s = spec.strata {
      let g = try codes(of: s, in: data, rows: allRows)
      strata0 = g.codes
      stratumNames0 = g.names
    } else {
      strata0 = Array(repeating: 0, count: n)
      stratumNames0 = ["1"]
    }
    self.hasStrata = spec.strata != nil

    // Raw cluster codes per stage.
    var rawClusters: [[Int]] = []
    var rawNames: [[String]] = []
    for c in spec.psu {
      let g = try codes(of: c, in: data, rows: allRows)
      rawClusters.append(g.codes)
      rawNames.append(g.names)
    }
    if rawClusters.isEmpty {
      rawClusters = [allRows]
      rawNames = [allRows.map { String($0 + 1) }]
    }
    let stageCount = rawClusters.count

    // Stage-1 clusters: nested in strata under `nest`, otherwise checked to be.
    var clusters0 = rawClusters[0]
    if spec.nest && spec.strata != nil {
      clusters0 = pairCodes(strata0, rawClusters[0])
    } else if spec.strata != nil, let column = spec.psu.first {
      // Dense codes (0 ..< rawNames[0].count): the stratum of each PSU in an array.
      var stratumOf = [Int](repeating: -1, count: rawNames[0].count)
      for i in 0..<n {
        let s = stratumOf[clusters0[i]]
        if s >= 0 && s != strata0[i] {
          throw DesignError.psuInSeveralStrata(
            column: column, psu: rawNames[0][clusters0[i]],
            strata: [stratumNames0[s], stratumNames0[strata0[i]]])
        }
        stratumOf[clusters0[i]] = strata0[i]
      }
    }
    if let first = clusters0.first, clusters0.allSatisfy({ $0 == first }) && !(spec.nest && spec.strata != nil) {
      throw DesignError.singlePSU
    }

    // Later stages: clusters nested in the previous stage's cluster; strata = stage-1 stratum × previous cluster.
    var stageStrata: [[Int]] = [strata0]
    var stageClusters: [[Int]] = [clusters0]
    var stageNames: [[String]] = [stratumNames0]
    for k in 1..<max(stageCount, 1) where k < stageCount {
      stageClusters.append(pairCodes(stageClusters[k - 1], rawClusters[k]))
      let st = pairCodes(strata0, stageClusters[k - 1])
      stageStrata.append(st)
      var names = [String](repeating: "", count: (st.max() ?? -1) + 1)
      for i in 0..<n {
        let psuName = spec.psu.count > k - 1 ? rawNames[k - 1][rawClusters[k - 1][i]] : String(i + 1)
        names[st[i]] = "\(stratumNames0[strata0[i]]).\(psuName)"
      }
      stageNames.append(names)
    }

    // Sample sizes: distinct clusters per stratum at each stage.
    // (pairCodes numbers the (stratum, cluster) pairs in order of first appearance, so a row whose
    // pair code is the next unused one meets its cluster for the first time.)
    var sampleSizes: [[Int]] = []
    for k in 0..<stageCount {
      let strata = stageStrata[k]
      let pairs = pairCodes(strata, stageClusters[k])
      var perStratum = [Int](repeating: 0, count: (strata.max() ?? -1) + 1)
      var next = 0
      for i in 0..<n where pairs[i] == next {
        perStratum[strata[i]] += 1
        next += 1
      }
      sampleSizes.append(strata.map { perStratum[$0] })
    }

    // FPCs: population sizes if any value > 1, sampling fractions otherwise (R's as.fpc).
    var popSizes: [[Double]] = Array(repeating: Array(repeating: .infinity, count: n), count: stageCount)
    self.hasFPC = !spec.fpc.isEmpty
    if !spec.fpc.isEmpty {
      if spec.fpc.count != stageCount { throw DesignError.fpcStageCount(fpc: spec.fpc.count, stages: stageCount) }
      var values: [[Double]] = []
      for c in spec.fpc {
        // +Inf is an infinite population (no correction), as in R; NaN and -Inf are errors.
        let v = try completeNumbers(c, in: data, allowingInfinity: true)
        values.append(v)
      }
      let isPopulation = values.contains { $0.contains { $0 > 1 } }
      if !isPopulation, values.allSatisfy({ $0.allSatisfy { $0 >= 1 } }) {
        throw DesignError.mixedFPC(column: spec.fpc[0], row: 1, value: values[0].first ?? 1)
      }
      for (k, col) in values.enumerated() {
        for i in 0..<n {
          let v = col[i]
          if isPopulation && v < 1 { throw DesignError.mixedFPC(column: spec.fpc[k], row: i + 1, value: v) }
          let pop = isPopulation ? v : Double(sampleSizes[k][i]) / v
          if pop < Double(sampleSizes[k][i]) {
            throw DesignError.fpcSmallerThanSample(
              column: spec.fpc[k], row: i + 1, populationSize: pop, sampleSize: sampleSizes[k][i])
          }
          popSizes[k][i] = pop
        }
        // One population size per stratum (R's as.fpc warns "`fpc' varies within strata" and
        // then uses each stratum's first value, which makes the variance depend on row order).
        let strata = stageStrata[k]
        var firstRow = [Int](repeating: -1, count: (strata.max() ?? -1) + 1)
        for i in 0..<n {
          let h = strata[i]
          if firstRow[h] < 0 {
            firstRow[h] = i
          } else if popSizes[k][i] != popSizes[k][firstRow[h]] {
            throw DesignError.fpcVariesWithinStratum(
              column: spec.fpc[k], stratum: stageNames[k][h], stage: k + 1,
              firstRow: firstRow[h] + 1, firstValue: col[firstRow[h]], row: i + 1, value: col[i])
          }
        }
      }
    }

    // Weights.
    if let w = spec.weights {
      self.weights = try validatedWeights(w, data: data)
      self.weightSource = .column
    } else if !spec.fpc.isEmpty {
      self.weights = (0..<n).map { i in
        (0..<stageCount).reduce(1.0) { $0 * popSizes[$1][i] / Double(sampleSizes[$1][i]) }
      }
      self.weightSource = .fpc
    } else {
      self.weights = Array(repeating: 1, count: n)
      self.weightSource = .equal
    }
    let finalWeights = self.weights
    self.baseWeights = finalWeights
    self.zeroWeightRows = finalWeights.indices.filter { finalWeights[$0] == 0 }

    self.stages = (0..<stageCount).map { k in
      DesignStage(
        strata: stageStrata[k], clusters: stageClusters[k], sampleSize: sampleSizes[k],
        populationSize: popSizes[k], stratumNames: stageNames[k])
    }

    // A single-PSU first-stage stratum fails now rather than at the first variance (R fails then).
    if spec.lonelyPSU == .fail {
      let s = stages[0]
      for i in 0..<n where s.sampleSize[i] == 1 {
        let pop = s.populationSize[i]
        let f = pop.isInfinite ? 1 : (pop - 1) / pop
        if f >= 1e-7 { throw DesignError.singlePSUStratum(stratum: s.stratumNames[s.strata[i]], stage: 1) }
      }
    }

    if calibrating, let cal = spec.calibration {
      let result = try CalibrationProblem(cal, data: data).calibrate(finalWeights)
      self.weights = result.weights
      self.calibration = result.summary
      self.calibrationAdjustment = result.adjustment
    }
  }

  /// Number of first-stage strata.
  public var strataCount: Int { distinctCount(stages[0].strata, rows: 0..<rowCount) }
  /// Number of first-stage PSUs.
  public var psuCount: Int { distinctCount(stages[0].clusters, rows: 0..<rowCount) }
  /// Estimated population size Σ wᵢ.
  public var populationSize: Double { weights.reduce(0, +) }

  /// Design degrees of freedom over `rows`: PSUs minus strata among rows with non-zero
  /// weight (R `degf()` of the design restricted to those rows).
  public func degreesOfFreedom(rows: [Int], includingZeroWeights: Bool = false) -> Int {
    if includingZeroWeights || rows.allSatisfy({ weights[$0] != 0 }) {
      return distinctCount(stages[0].clusters, rows: rows) - distinctCount(stages[0].strata, rows: rows)
    }
    let kept = rows.filter { weights[$0] != 0 }
    return distinctCount(stages[0].clusters, rows: kept) - distinctCount(stages[0].strata, rows: kept)
  }

  /// Stratum names at each stage for the given data row (used by replicate construction).
  func firstStage() -> (strata: [Int], clusters: [Int], names: [String]) {
    (stages[0].strata, stages[0].clusters, stages[0].stratumNames)
  }

  /// First-stage population sizes per row (infinity without an FPC).
  var firstStagePopulation: [Double] { stages[0].populationSize }
}

// MARK: - Column helpers

/// The number of distinct values of `codes` over `rows`: a marker array when the codes are
/// non-negative and not much larger than the row count (design codes are dense), a set otherwise.
func distinctCount<R: Sequence>(_ codes: [Int], rows: R) -> Int where R.Element == Int {
  var maxCode = -1
  var minCode = 0
  for r in rows {
    maxCode = Swift.max(maxCode, codes[r])
    minCode = Swift.min(minCode, codes[r])
  }
  guard minCode >= 0, maxCode < 8 * Swift.max(codes.count, 1) else { return Set(rows.map { codes[$0] }).count }
  var seen = [Bool](repeating: false, count: maxCode + 1)
  var count = 0
  for r in rows where !seen[codes[r]] {
    seen[codes[r]] = true
    count += 1
  }
  return count
}

/// Dense codes of a design column with printable names; missing values are errors.
func codes(of name: String, in data: DataFrame, rows: [Int]) throws -> (codes: [Int], names: [String]) {
  let column = try data.column(named: name)
  for r in rows where column.isMissing(r) { throw DesignError.missingValue(column: name, row: r + 1) }
  if case .numeric(let c) = column.storage { try requireFinite(c.values, column: name, rows: rows) }
  let g = try data.groupCodes(of: name, rows: rows)
  var names = [String](repeating: "", count: g.count)
  var named = [Bool](repeating: false, count: g.count)
  for (k, r) in rows.enumerated() where !named[g.codes[k]] {
    named[g.codes[k]] = true
    switch column.storage {
    case .numeric(let c):
      let v = c.values[r]
      names[g.codes[k]] = v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    case .factor(let f): names[g.codes[k]] = f.levels[Int(f.codes[r])]
    }
  }
  return (g.codes, names)
}

/// A numeric design column with its missing mask.
func numbers(_ name: String, in data: DataFrame) throws -> NumericColumn {
  try data.numericValues(of: name)
}

/// A numeric design column that must be complete and finite (or +Inf when `allowingInfinity`).
func completeNumbers(_ name: String, in data: DataFrame, allowingInfinity: Bool = false) throws -> [Double] {
  let c = try data.numericValues(of: name)
  if let i = c.missing.firstIndex(of: true) { throw DesignError.missingValue(column: name, row: i + 1) }
  if allowingInfinity {
    try requireFinite(c.values.map { $0 == .infinity ? 0 : $0 }, column: name)
  } else {
    try requireFinite(c.values, column: name)
  }
  return c.values
}

/// Throws `DesignError.nonFiniteValue` at the first NaN or ±Inf of a design column over `rows`
/// (all rows when `nil`; rows marked in `missing` are not counted), with the number of such rows.
func requireFinite(_ values: [Double], column: String, rows: [Int]? = nil, missing: [Bool]? = nil) throws {
  var first: Int?
  var count = 0
  func check(_ r: Int) {
    if !values[r].isFinite && !(missing?[r] ?? false) {
      if first == nil { first = r }
      count += 1
    }
  }
  if let rows { rows.forEach(check) } else { values.indices.forEach(check) }
  if let first {
    throw DesignError.nonFiniteValue(column: column, row: first + 1, value: values[first], count: count)
  }
}

/// Dense codes of the pairs (a[i], b[i]), in order of first appearance.
///
/// Codes are non-negative (dense codes of design columns); when the pairs fit a table of at most
/// max(4n, 2²⁰) entries, they are numbered through it instead of a hash map.
func pairCodes(_ a: [Int], _ b: [Int]) -> [Int] {
  var out = [Int](repeating: 0, count: a.count)
  var (topA, topB, low) = (0, 0, 0)
  for i in a.indices {
    topA = Swift.max(topA, a[i])
    topB = Swift.max(topB, b[i])
    low = Swift.min(low, Swift.min(a[i], b[i]))
  }
  let (width, overflow) = (topB + 1).multipliedReportingOverflow(by: topA + 1)
  if low >= 0, !overflow, width <= Swift.max(4 * a.count, 1 << 20) {
    var slot = [Int](repeating: -1, count: width)
    var count = 0
    for i in a.indices {
      let key = a[i] * (topB + 1) + b[i]
      if slot[key] < 0 {
        slot[key] = count
        count += 1
      }
      out[i] = slot[key]
    }
    return out
  }
  var seen: [Int64: Int] = [:]
  for i in a.indices {
    let key = Int64(a[i]) << 32 | Int64(b[i])
    if let c = seen[key] {
      out[i] = c
    } else {
      out[i] = seen.count
      seen[key] = out[i]
    }
  }
  return out
}
