import StrataData
import StrataLinalg

/// Replicate-weight methods (R `svrepdesign(type =)`).
public enum ReplicateType: String, Sendable, Codable, CaseIterable {
  /// Delete-one-PSU jackknife, unstratified.
  case jk1
  /// Stratified jackknife (needs `rscales`).
  case jkn
  /// Balanced repeated replication.
  case brr
  /// Fay's modified BRR (needs `rho`).
  case fay
  /// Bootstrap (Rao–Wu rescaled or multiplier weights).
  case bootstrap
  /// Successive-difference replication.
  case sdr
}

/// Replicate weights stored in the data (R `svrepdesign(repweights =, type =, ...)`).
public struct ReplicateSpecification: Sendable, Codable, Equatable {
  /// Column names or glob patterns such as `repw*`, expanded in file order.
  public var columns: [String]
  public var type: ReplicateType
  /// Overall multiplier; `nil` takes `svrepdesign`'s default for the type.
  public var scale: Double?
  /// Per-replicate multipliers (one value or one per replicate); default 1.
  public var rscales: [Double]?
  /// Fay's ρ.
  public var rho: Double?
  /// Centre at the full-sample estimate instead of the replicate mean.
  public var mse: Bool
  /// Replicate columns are full weights (R's default) rather than multipliers of `weights`.
  public var combinedWeights: Bool

  public init(
    columns: [String], type: ReplicateType = .brr, scale: Double? = nil, rscales: [Double]? = nil,
    rho: Double? = nil, mse: Bool = false, combinedWeights: Bool = true
  ) {
    self.columns = columns
    self.type = type
    self.scale = scale
    self.rscales = rscales
    self.rho = rho
    self.mse = mse
    self.combinedWeights = combinedWeights
  }
}

/// Replicates to build from a linearization design (R `as.svrepdesign(type =)`).
public struct ReplicateConstruction: Sendable, Codable, Equatable {
  /// `.jk1`, `.brr`, `.fay` or `.bootstrap`.
  public var type: ReplicateType
  /// Number of bootstrap replicates (R's default 50).
  public var replicates: Int
  /// Seed of the bootstrap generator.
  public var seed: UInt64
  /// Fay's ρ for `.fay`.
  public var rho: Double?
  /// Centre at the full-sample estimate.
  public var mse: Bool

  public init(type: ReplicateType, replicates: Int = 50, seed: UInt64 = 1, rho: Double? = nil, mse: Bool = false) {
    self.type = type
    self.replicates = replicates
    self.seed = seed
    self.rho = rho
    self.mse = mse
  }
}

/// A replicate-weight design: full-sample weights plus R columns of replicate weights.
///
/// Matches R `survey::svrepdesign()` defaults (survey 4.1-1): BRR scale 1/R, Fay
/// 1/(R(1−ρ)²), JK1 (R−1)/R, bootstrap 1/(R−1), SDR 4/R; `rscales` 1; `mse = FALSE`.
public struct ReplicateDesign: Sendable {
  /// Number of data rows.
  public let rowCount: Int
  /// Full-sample weights.
  public let weights: [Double]
  /// n × R replicate weights (full weights if `combinedWeights`, multipliers otherwise).
  public let replicateWeights: Matrix
  public let combinedWeights: Bool
  public let type: ReplicateType
  public let scale: Double
  public let rscales: [Double]
  public let rho: Double?
  public let mse: Bool
  /// Replicate column names (or generated names `rep1`…).
  public let replicateNames: [String]
  /// What the calibration of the full-sample weights did (nil without one).
  public internal(set) var calibration: CalibrationSummary?
  /// Rows with zero full-sample weight.
  public var zeroWeightRows: [Int] { weights.indices.filter { weights[$0] == 0 } }

  /// Number of replicates.
  public var replicateCount: Int { replicateWeights.cols }
  /// Σ wᵢ.
  public var populationSize: Double { weights.reduce(0, +) }

  /// A design from replicate-weight columns in the data.
  ///
  /// - Throws: `DesignError.noReplicateWeights`, `.replicateCount` (rscales of the wrong
  ///   length; BRR/Fay counts that are not a Hadamard order), `.missingReplicateOption`,
  ///   `.missingValue`, `.negativeReplicateWeight`, and the weight errors of `LinearizationDesign`.
  public init(_ spec: ReplicateSpecification, weights weightColumn: String?, data: DataFrame) throws {
    let n = data.rowCount
    var names: [String] = []
    for entry in spec.columns {
      if entry.contains("*") || entry.contains("?") {
        let matched = data.names.filter { globMatch(entry, $0) }
        if matched.isEmpty { throw DesignError.noReplicateWeights(pattern: entry) }
        names += matched.filter { !names.contains($0) }
      } else {
        _ = try data.column(named: entry)
        names.append(entry)
      }
    }
    if names.isEmpty { throw DesignError.noReplicateWeights(pattern: spec.columns.joined(separator: ",")) }
    let r = names.count
    var storage: [Double] = []
    storage.reserveCapacity(n * r)
    for name in names {
      let c = try data.numericValues(of: name)
      for i in 0..<n {
        if c.missing[i] { throw DesignError.missingValue(column: name, row: i + 1) }
        if !c.values[i].isFinite { try requireFinite(c.values, column: name, missing: c.missing) }
        if c.values[i] < 0 { throw DesignError.negativeReplicateWeight(column: name, row: i + 1, value: c.values[i]) }
      }
      storage += c.values
    }
    var w = Array(repeating: 1.0, count: n)
    if let weightColumn {
      w = try validatedWeights(weightColumn, data: data)
    }
    try validateReplicateOptions(scale: spec.scale, rscales: spec.rscales, rho: spec.rho)
    let rscales = try resolvedRscales(spec.rscales, count: r)
    var scale = spec.scale
    if spec.scale != nil, [.brr, .fay, .sdr].contains(spec.type) {
      // R's svrepdesign overrides a given scale for these types; say so instead of ignoring it.
      throw DesignError.scaleNotApplicable(type: spec.type.rawValue)
    }
    switch spec.type {
    case .brr:
      if !(r == 2 || r % 4 == 0) { throw DesignError.hadamardReplicateCount(type: "brr", found: r) }
      scale = 1 / Double(r)
    case .fay:
      if !(r == 2 || r % 4 == 0) { throw DesignError.hadamardReplicateCount(type: "fay", found: r) }
      guard let rho = spec.rho else { throw DesignError.missingReplicateOption(type: "fay", option: "rho") }
      scale = 1 / (Double(r) * (1 - rho) * (1 - rho))
    case .bootstrap:
      if r < 2 { throw DesignError.tooFewReplicates(type: "bootstrap", found: r) }
      scale = scale ?? 1 / Double(r - 1)
    case .jk1:
      if r < 2 { throw DesignError.tooFewReplicates(type: "jk1", found: r) }
      scale = scale ?? Double(r - 1) / Double(r)
    case .jkn:
      if spec.rscales == nil { throw DesignError.missingReplicateOption(type: "jkn", option: "rscales") }
    case .sdr:
      scale = 4 / Double(r)
    }
    let finalRscales = spec.type == .sdr ? Array(repeating: 1.0, count: r) : rscales
    self.init(
      weights: w, replicateWeights: Matrix(rows: n, cols: r, columnMajor: storage),
      combinedWeights: spec.combinedWeights, type: spec.type, scale: scale ?? 1, rscales: finalRscales,
      rho: spec.type == .fay ? spec.rho : nil, mse: spec.mse, names: names)
  }

  /// A design from its parts (used by replicate construction and tests).
  public init(
    weights: [Double], replicateWeights: Matrix, combinedWeights: Bool, type: ReplicateType, scale: Double,
    rscales: [Double], rho: Double? = nil, mse: Bool = false, names: [String]? = nil
  ) {
    precondition(replicateWeights.rows == weights.count && rscales.count == replicateWeights.cols)
    self.rowCount = weights.count
    self.weights = weights
    self.replicateWeights = replicateWeights
    self.combinedWeights = combinedWeights
    self.type = type
    self.scale = scale
    self.rscales = rscales
    self.rho = rho
    self.mse = mse
    self.replicateNames = names ?? (1...max(1, replicateWeights.cols)).map { "rep\($0)" }
  }

  /// The analysis weights of replicate `r` over `rows` (replicate weight × full-sample
  /// weight when the replicate columns are multipliers).
  public func analysisWeights(replicate r: Int, rows: [Int]) -> [Double] {
    let base = r * rowCount
    if combinedWeights { return rows.map { replicateWeights.storage[base + $0] } }
    return rows.map { replicateWeights.storage[base + $0] * weights[$0] }
  }

  /// Design degrees of freedom over `rows`: rank of the analysis-weight matrix minus one
  /// (R `degf()` of a replicate design: `qr(weights(design, "analysis"), tol = 1e-5)$rank − 1`).
  ///
  /// The rank is `dqrdc2`'s, decided from the R × R cross-product of the analysis weights
  /// (`gramRank`), formed in one row-blocked pass over the stored replicate weights with the rows
  /// outside `rows` weighted 0: no n × R copy.
  public func degreesOfFreedom(rows: [Int]) -> Int {
    guard !rows.isEmpty else { return 0 }
    var rowWeights = [Double](repeating: 0, count: rowCount)
    for i in Set(rows) { rowWeights[i] = combinedWeights ? 1 : weights[i] * weights[i] }
    let gram = replicateWeights.weightedGram(weights: rowWeights).gram
    return gramRank(gram, tolerance: 1e-5, rows: Set(rows).count) - 1
  }
}

// MARK: - Helpers

/// Weights that must be complete, finite and non-negative, not all zero.
func validatedWeights(_ name: String, data: DataFrame) throws -> [Double] {
  let c = try data.numericValues(of: name)
  var negatives: [Int] = []
  for i in 0..<c.count {
    if c.missing[i] { throw DesignError.missingValue(column: name, row: i + 1) }
    if !c.values[i].isFinite { try requireFinite(c.values, column: name, missing: c.missing) }
    if c.values[i] < 0 { negatives.append(i) }
  }
  if let first = negatives.first {
    throw DesignError.negativeWeight(column: name, row: first + 1, value: c.values[first], count: negatives.count)
  }
  if c.values.allSatisfy({ $0 == 0 }) { throw DesignError.allWeightsZero(column: name) }
  return c.values
}

/// `rscales` expanded to one value per replicate.
func resolvedRscales(_ given: [Double]?, count: Int) throws -> [Double] {
  guard let given else { return Array(repeating: 1, count: count) }
  if given.count == 1 { return Array(repeating: given[0], count: count) }
  if given.count != count {
    throw DesignError.rscalesCount(given: given.count, replicates: count)
  }
  return given
}

/// Checks the replicate variance options: a finite positive `scale`, finite non-negative
/// `rscales` (not all zero) and Fay's `rho` in [0, 1).
func validateReplicateOptions(scale: Double?, rscales: [Double]?, rho: Double?) throws {
  if let scale, !(scale.isFinite && scale > 0) {
    throw DesignError.invalidScale(scale)
  }
  if let rscales {
    if let (k, v) = rscales.enumerated().first(where: { !($0.element.isFinite && $0.element >= 0) }) {
      throw DesignError.invalidRscale(index: k + 1, value: v)
    }
    if rscales.isEmpty || rscales.allSatisfy({ $0 == 0 }) {
      throw DesignError.rscalesAllZero
    }
  }
  if let rho, !(rho >= 0 && rho < 1) {
    throw DesignError.invalidRho(rho)
  }
}

/// Shell-style glob matching with `*` and `?`.
func globMatch(_ pattern: String, _ text: String) -> Bool {
  let p = Array(pattern)
  let t = Array(text)
  var dp = Array(repeating: Array(repeating: false, count: t.count + 1), count: p.count + 1)
  dp[0][0] = true
  for i in 1...max(1, p.count) where i <= p.count {
    if p[i - 1] == "*" { dp[i][0] = dp[i - 1][0] }
    for j in 1...max(1, t.count) where j <= t.count {
      switch p[i - 1] {
      case "*": dp[i][j] = dp[i - 1][j] || dp[i][j - 1]
      case "?": dp[i][j] = dp[i - 1][j - 1]
      default: dp[i][j] = dp[i - 1][j - 1] && p[i - 1] == t[j - 1]
      }
    }
  }
  return dp[p.count][t.count]
}
