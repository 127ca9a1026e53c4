import StrataSupport

/// Seeded bootstrap resampling: of rows, or of PSUs within strata (Rao–Wu rescaling).
///
/// Each replicate is a vector of weight multipliers over the data rows; multiplying the case (or
/// sampling) weights by it and refitting gives the replicate estimate, so any estimator that
/// accepts weights can be bootstrapped without copying rows.
public struct BootstrapResampler: Sendable {
  /// What is resampled.
  public enum Scheme: Sendable {
    /// Rows with replacement (n draws): multiplier = times drawn.
    case rows(count: Int)
    /// PSUs within strata, n_h − 1 draws with replacement per stratum, multiplier
    /// `n_h/(n_h − 1) × times drawn` (Rao & Wu 1988; R `survey::as.svrepdesign(type = "subbootstrap")`).
    case design(strata: [Int], clusters: [Int])
  }

  public let scheme: Scheme
  private var generator: SplitMix64

  /// A resampler with a seed; the same seed gives the same replicates.
  public init(scheme: Scheme, seed: UInt64) {
    self.scheme = scheme
    self.generator = SplitMix64(seed: seed)
  }

  /// The next replicate's multipliers over `rows` (0-based data rows).
  public mutating func nextMultipliers(rows: [Int]) -> [Double] {
    switch scheme {
    case .rows:
      var counts = [Double](repeating: 0, count: rows.count)
      for _ in rows.indices { counts[Int(generator.next(below: UInt64(rows.count)))] += 1 }
      return counts
    case .design(let strata, let clusters):
      // PSUs of each stratum present in the design (every row, so domains keep the full design).
      var psus: [Int: [Int]] = [:]
      var seen = Set<Int>()
      for i in clusters.indices where !seen.contains(clusters[i]) {
        seen.insert(clusters[i])
        psus[strata[i], default: []].append(clusters[i])
      }
      var multiplier: [Int: Double] = [:]
      for stratum in psus.keys.sorted() {
        let list = psus[stratum] ?? []
        let nh = list.count
        guard nh > 1 else {
          for c in list { multiplier[c] = 1 }
          continue
        }
        var counts = [Int: Int]()
        for _ in 0..<(nh - 1) { counts[list[Int(generator.next(below: UInt64(nh)))], default: 0] += 1 }
        let scale = Double(nh) / Double(nh - 1)
        for c in list { multiplier[c] = scale * Double(counts[c] ?? 0) }
      }
      return rows.map { multiplier[clusters[$0]] ?? 0 }
    }
  }
}

extension LinearizationDesign {
  /// The resampling scheme of this design's first stage (PSUs within strata).
  public var bootstrapScheme: BootstrapResampler.Scheme {
    .design(strata: stages[0].strata, clusters: stages[0].clusters)
  }
}
