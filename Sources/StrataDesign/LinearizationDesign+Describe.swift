import Foundation

/// One first-stage stratum of a design, as Stata's `svydescribe` lists it.
public struct StratumDescription: Sendable {
  /// The stratum's value (or "1" without strata).
  public var name: String
  /// First-stage PSUs in the stratum (rows with zero weight included).
  public var psus: Int
  /// Data rows in the stratum.
  public var observations: Int
  /// Fewest, mean and most rows per PSU.
  public var minPerPSU: Int
  public var meanPerPSU: Double
  public var maxPerPSU: Int
  /// Σ wᵢ over the stratum's rows.
  public var weightSum: Double
  /// A stratum with one PSU (its variance contribution needs a lonely-PSU rule).
  public var isSingleton: Bool { psus == 1 }
}

/// The distribution of the sampling weights.
public struct WeightDistribution: Sendable {
  public var count: Int
  public var minimum: Double
  public var maximum: Double
  public var mean: Double
  /// Σ wᵢ.
  public var sum: Double
  /// Coefficient of variation: standard deviation (divisor n − 1) over the mean.
  public var coefficientOfVariation: Double
  /// Rows with zero weight.
  public var zeros: Int

  /// The distribution of `weights` (empty: zero count and NaN statistics).
  public init(_ weights: [Double]) {
    count = weights.count
    minimum = weights.min() ?? .nan
    maximum = weights.max() ?? .nan
    sum = weights.reduce(0, +)
    mean = weights.isEmpty ? .nan : sum / Double(weights.count)
    let m = mean
    let ss = weights.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    coefficientOfVariation = weights.count > 1 ? (ss / Double(weights.count - 1)).squareRoot() / mean : .nan
    zeros = weights.filter { $0 == 0 }.count
  }
}

/// What `svyset --describe` prints: strata with their PSUs, rows and weight sums, and the
/// distribution of the weights (Stata's `svydescribe`).
public struct DesignDescription: Sendable {
  /// One row per first-stage stratum; nil for replicate-weight designs, whose data carry no strata or PSUs.
  public var strata: [StratumDescription]?
  /// The full-sample weights.
  public var weights: WeightDistribution
  /// Strata with a single PSU.
  public var singletons: [String] { strata?.filter(\.isSingleton).map(\.name) ?? [] }

  public init(strata: [StratumDescription]?, weights: WeightDistribution) {
    self.strata = strata
    self.weights = weights
  }
}

extension LinearizationDesign {
  /// One row per first-stage stratum, in the order the strata are coded (Stata `svydescribe`).
  public var strataDescription: [StratumDescription] {
    let stage = stages[0]
    var rowsPerCluster: [Int: [Int: Int]] = [:]
    var observations: [Int: Int] = [:]
    var weightSums: [Int: Double] = [:]
    for i in 0..<rowCount {
      let s = stage.strata[i]
      rowsPerCluster[s, default: [:]][stage.clusters[i], default: 0] += 1
      observations[s, default: 0] += 1
      weightSums[s, default: 0] += weights[i]
    }
    return rowsPerCluster.keys.sorted().map { s in
      let sizes = Array(rowsPerCluster[s, default: [:]].values)
      let n = observations[s] ?? 0
      return StratumDescription(
        name: stage.stratumNames[s], psus: sizes.count, observations: n, minPerPSU: sizes.min() ?? 0,
        meanPerPSU: Double(n) / Double(max(1, sizes.count)), maxPerPSU: sizes.max() ?? 0,
        weightSum: weightSums[s] ?? 0)
    }
  }
}
