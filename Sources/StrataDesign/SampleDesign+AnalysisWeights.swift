/// The analysis weights of a design, one per data row, and optionally those of every replicate
/// (R `weights(design, "analysis")`, Stata's `svyset` weights and replicate-weight variables).
public struct AnalysisWeights: Sendable {
  /// The full-sample analysis weight of each data row, in data order.
  public let weights: [Double]
  /// Per replicate, the analysis weight of each data row (empty unless asked).
  public let replicateWeights: [[Double]]
  /// Column names of the replicate weights (`repw1` … `repwR`).
  public let replicateNames: [String]
  /// The per-replicate variance factors of the replicates (R `rscales`; empty without them):
  /// with the design's `scale`, what reading the weights back as `--repweights` needs.
  public let rscales: [Double]
  /// The design the weights come from.
  public let design: DesignSummary

  public init(weights: [Double], replicateWeights: [[Double]], rscales: [Double] = [], design: DesignSummary) {
    self.weights = weights
    self.replicateWeights = replicateWeights
    self.rscales = rscales
    self.replicateNames = replicateWeights.indices.map { "repw\($0 + 1)" }
    self.design = design
  }

  /// Σ wᵢ.
  public var total: Double { weights.reduce(0, +) }
  /// The smallest and largest weight.
  public var range: (min: Double, max: Double) { (weights.min() ?? 0, weights.max() ?? 0) }
  /// The mean weight.
  public var mean: Double { weights.isEmpty ? 0 : total / Double(weights.count) }
}

extension SampleDesign {
  /// The design's analysis weights, with those of every replicate when `includingReplicates`
  /// (replicate weight × full-sample weight for replicates stored as multipliers).
  ///
  ///     let w = try design.analysisWeights(includingReplicates: true)   // w.replicateWeights[r][i]
  ///
  /// - Throws: `DesignError.noReplicatesDeclared` for replicates of a linearization design.
  public func analysisWeights(includingReplicates: Bool) throws -> AnalysisWeights {
    var replicates: [[Double]] = []
    var rscales: [Double] = []
    if includingReplicates {
      guard case .replicate(let d) = self else { throw DesignError.noReplicatesDeclared }
      let rows = Array(0..<d.rowCount)
      replicates = (0..<d.replicateCount).map { d.analysisWeights(replicate: $0, rows: rows) }
      rscales = d.rscales
    }
    return AnalysisWeights(weights: weights, replicateWeights: replicates, rscales: rscales, design: summary)
  }
}
