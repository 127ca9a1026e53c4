import StrataLinalg
import StrataSupport

/// The replicate variance of R `survey:::svrVar`:
/// `scale · Σ_r rscales_r (θ_r − θ̄)(θ_r − θ̄)ᵀ`, with θ̄ the mean of the replicates with
/// positive `rscales`, or the full-sample estimate when `mse` is true. Replicates with a
/// non-finite estimate are left out, as R's `na.omit`.
///
/// - Parameters:
///   - replicates: one estimate vector (length p) per replicate.
///   - estimate: the full-sample estimate (used when `mse`).
/// - Returns: the p × p covariance.
public func replicateVariance(
  _ replicates: [[Double]], estimate: [Double], scale: Double, rscales: [Double], mse: Bool
) -> Matrix {
  let p = estimate.count
  var kept: [Int] = []
  for (r, theta) in replicates.enumerated() where theta.allSatisfy({ !$0.isNaN }) { kept.append(r) }
  var center = estimate
  if !mse {
    center = [Double](repeating: 0, count: p)
    let positive = kept.filter { rscales[$0] > 0 }
    for r in positive { for j in 0..<p { center[j] += replicates[r][j] } }
    for j in 0..<p { center[j] /= Double(positive.count) }
  }
  var v = Matrix(rows: p, cols: p)
  for r in kept {
    let d = (0..<p).map { replicates[r][$0] - center[$0] }
    let w = rscales[r] * scale
    for b in 0..<p { for a in 0..<p { v[a, b] += w * d[a] * d[b] } }
  }
  return v
}

extension ReplicateDesign {
  /// The replicate covariance of a statistic computed from analysis weights.
  ///
  ///     let v = try design.variance(rows: rows) { w in [weightedMean(y, w)] }
  ///
  /// The one replicate engine (R `withReplicates` + `svrVar`): `estimate` is called with the
  /// full-sample weights over `rows` and with each replicate's analysis weights over `rows`.
  ///
  /// - Parameter progress: told after each replicate (task "replicate refits").
  /// - Returns: the full-sample estimate and its covariance.
  public func variance(
    rows: [Int], progress: ProgressHandler? = nil, estimate: ([Double]) throws -> [Double]
  ) rethrows -> (estimate: [Double], covariance: Matrix) {
    let full = try estimate(rows.map { weights[$0] })
    var thetas: [[Double]] = []
    thetas.reserveCapacity(replicateCount)
    for r in 0..<replicateCount {
      thetas.append(try estimate(analysisWeights(replicate: r, rows: rows)))
      progress?(WorkProgress(task: "replicate refits", completed: r + 1, total: replicateCount))
    }
    return (full, replicateVariance(thetas, estimate: full, scale: scale, rscales: rscales, mse: mse))
  }
}

extension ReplicateDesign {
  /// Replicates per call of a batched estimate: bounds the weight vectors held at once
  /// (16 × n doubles, 128 MB at a million rows).
  public static let replicateBatchSize = 16

  /// The replicate covariance of a statistic computed for many weight vectors at once.
  ///
  ///     let v = try design.variance(rows: rows, estimate: { w in theta(w) }) { ws in thetas(ws) }
  ///
  /// The same engine as `variance(rows:estimate:)` (R `withReplicates` + `svrVar`), for
  /// statistics that are cheaper to compute for several replicates together (GLM refits in one
  /// pass over the data): `estimate` is called with the full-sample weights over `rows`, and
  /// `estimateBatch` with the analysis weights of up to `batchSize` replicates at a time,
  /// returning one estimate per weight vector, in order.
  ///
  /// - Parameter progress: told after each batch (task "replicate refits").
  /// - Returns: the full-sample estimate and its covariance.
  public func variance(
    rows: [Int], batchSize: Int = ReplicateDesign.replicateBatchSize, progress: ProgressHandler? = nil,
    estimate: ([Double]) throws -> [Double], estimateBatch: ([[Double]]) throws -> [[Double]]
  ) throws -> (estimate: [Double], covariance: Matrix) {
    let full = try estimate(rows.map { weights[$0] })
    var thetas: [[Double]] = []
    thetas.reserveCapacity(replicateCount)
    var first = 0
    while first < replicateCount {
      let last = Swift.min(replicateCount, first + Swift.max(1, batchSize))
      let batch = (first..<last).map { analysisWeights(replicate: $0, rows: rows) }
      let estimates = try estimateBatch(batch)
      guard estimates.count == batch.count else {
        throw DesignError.batchEstimateCount(expected: batch.count, found: estimates.count)
      }
      thetas += estimates
      first = last
      progress?(WorkProgress(task: "replicate refits", completed: last, total: replicateCount))
    }
    return (full, replicateVariance(thetas, estimate: full, scale: scale, rscales: rscales, mse: mse))
  }
}
