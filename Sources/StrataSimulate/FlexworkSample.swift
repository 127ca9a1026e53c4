import RealModule
import StrataSupport
import StrataData

extension FlexworkPopulation {
  /// The expected number of interviews per selected sampling point (CODEBOOK §4).
  ///
  /// 12.5 rather than a more usual 25: the pension probit has 34 coefficients, and with 25 a
  /// sample of 2,000 has about 80 PSUs in 12 strata (36 design df); linearization then understates
  /// the spread of some coefficients by about 10% (measured in `CoverageTests`: `income_cv` covered
  /// 90.5%, RMS SE / empirical SD 0.90). With 12.5 the same sample has about 160 PSUs (114 df).
  public static let workersPerPoint = 12.5

  /// Draws a stratified two-stage sample with informative selection and item non-response.
  ///
  ///     let survey = try population.sample(size: 2_000, seed: 1)   // a DataFrame
  ///
  /// - Strata (region × city tier) get sample sizes proportional to their population times an
  ///   oversampling factor (tier 1 × 1.5, tier 3 × 0.8, north-east × 2).
  /// - Stage 1: `m_h = round(n_h / 12.5)` sampling points (at least 2, at most all) by simple random sampling
  ///   without replacement; `n_points` holds the stratum's number of points (the stage-1 FPC) and
  ///   `point_size` the point's number of workers (the stage-2 FPC).
  /// - Stage 2: Poisson sampling of workers within each selected point with inclusion probability
  ///   `π = min(1, k·a)`, `a = exp(0.5·pension + 0.5·union + 0.6·pension·[wage_employee])`, `k` set so
  ///   the expected take is `n_h / m_h`: recruitment through rosters favours insured and organised
  ///   workers, so the design is informative. The realised sample size is random around `size`.
  /// - Weight: `(M_h / m_h) / π`, rounded to 4 decimals.
  /// - Item non-response: a few percent per item, depending only on observed regressors (MAR).
  ///
  /// - Throws: `SimulationError.sampleSizeOutOfRange` unless 100 ≤ size ≤ population / 4.
  public func sample(size n: Int, seed: UInt64) throws -> DataFrame {
    guard n >= 100, n <= self.size / 4 else { throw SimulationError.sampleSizeOutOfRange(size: n, population: self.size) }
    var g = SeededGenerator(seed: SplitMix64.derive(seed, stream: 2))
    let factors = pointsOfStratum.indices.map { h -> Double in
      let tier = h % 3
      return [1.5, 1.0, 0.8][tier] * (h / 3 == 2 ? 2 : 1)
    }
    let stratumSizes = pointsOfStratum.map { $0.reduce(0) { $0 + points[$1].members.count } }
    let allocation = largestRemainder(zip(stratumSizes, factors).map { Double($0) * $1 }, total: n)

    var rows: [Int] = []
    var weights: [Double] = []
    var fpc: [Double] = []
    var pointSizes: [Double] = []
    for (h, candidates) in pointsOfStratum.enumerated() {
      let M = candidates.count
      let m = Swift.min(M, Swift.max(2, Int((Double(allocation[h]) / Self.workersPerPoint).rounded())))
      let chosen = selectWithoutReplacement(m, from: candidates, generator: &g)
      let take = Double(allocation[h]) / Double(m)
      for c in chosen {
        let members = Array(points[c].members)
        let size = members.map { i -> Double in
          let w = workers[i]
          return Double.exp(0.5 * w.pension + 0.5 * w.union + 0.6 * w.pension * (w.contract == 3 ? 1 : 0))
        }
        let pi = inclusionProbabilities(size, expected: take)
        for (j, i) in members.enumerated() where g.uniform() < pi[j] {
          rows.append(i)
          weights.append(rounded(Double(M) / Double(m) / pi[j], 4))
          fpc.append(Double(M))
          pointSizes.append(Double(members.count))
        }
      }
    }
    var missing = FlexworkColumns.noMissing(count: rows.count)
    for (r, i) in rows.enumerated() { drawNonResponse(workers[i], row: r, into: &missing, generator: &g) }
    return FlexworkColumns.frame(
      workers: rows.map { workers[$0] }, weights: weights, fpc: fpc, pointSizes: pointSizes, missing: missing,
      source: "flexwork sample (population \(self.size), seed \(self.seed); sample seed \(seed))")
  }

  /// The whole population, without non-response, with weight 1.
  public func census() -> DataFrame {
    let fpc = workers.map { Double(pointsOfStratum[$0.stratum - 1].count) }
    let sizes = workers.map { Double(points[$0.point - 1].members.count) }
    return FlexworkColumns.frame(
      workers: workers, weights: Array(repeating: 1, count: workers.count), fpc: fpc, pointSizes: sizes,
      missing: FlexworkColumns.noMissing(count: workers.count),
      source: "flexwork census (population \(size), seed \(seed))")
  }
}

/// `m` of `candidates` by a partial Fisher–Yates shuffle, returned in population order.
func selectWithoutReplacement(_ m: Int, from candidates: [Int], generator g: inout SeededGenerator) -> [Int] {
  var pool = candidates
  for i in 0..<m {
    let j = g.integer(in: i...(pool.count - 1))
    pool.swapAt(i, j)
  }
  return pool[0..<m].sorted()
}

/// Inclusion probabilities `min(1, k·a)` summing to `expected` (or all 1 when it exceeds the count).
func inclusionProbabilities(_ a: [Double], expected: Double) -> [Double] {
  if expected >= Double(a.count) { return Array(repeating: 1, count: a.count) }
  var capped = Array(repeating: false, count: a.count)
  var pi = a
  for _ in 0..<a.count {
    let free = a.indices.filter { !capped[$0] }
    let k = (expected - Double(a.count - free.count)) / free.reduce(0) { $0 + a[$1] }
    var changed = false
    for i in a.indices {
      pi[i] = capped[i] ? 1 : k * a[i]
      if pi[i] >= 1 && !capped[i] {
        capped[i] = true
        changed = true
      }
    }
    if !changed { break }
  }
  return pi.map { Swift.min($0, 1) }
}

/// Item non-response of one respondent (CODEBOOK §5): each item missing with a logistic
/// probability that depends only on the worker's regressors.
func drawNonResponse(_ w: Worker, row r: Int, into missing: inout [String: [Bool]], generator g: inout SeededGenerator) {
  let lowEduc = w.educ == 9 ? 1.0 : 0
  let highEduc = w.educ >= 15 ? 1.0 : 0
  let incomeMissing = g.uniform() < logistic(-3.6 + 0.6 * highEduc + 0.5 * (w.platform == 2 ? 1 : 0))
  missing["income"]?[r] = incomeMissing
  missing["burden"]?[r] = incomeMissing
  missing["income_cv"]?[r] = g.uniform() < logistic(-3.8 + 0.3 * (w.age >= 45 ? 1 : 0))
  missing["knowledge"]?[r] = g.uniform() < logistic(-4.0 + 0.4 * lowEduc)
  let timeModule = g.uniform() < logistic(-3.5 + 0.4 * lowEduc)
  missing["discount"]?[r] = timeModule
  missing["present_bias"]?[r] = timeModule
  missing["trust"]?[r] = g.uniform() < logistic(-3.9)
  missing["willingness"]?[r] = g.uniform() < logistic(-3.6)
  missing["months_share"]?[r] = g.uniform() < logistic(-4.0)
}
