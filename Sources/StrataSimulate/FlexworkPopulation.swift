import RealModule
import StrataSupport

/// One simulated worker: every variable of the survey, before sampling and non-response.
struct Worker: Sendable {
  var id = 0
  var region = 0
  var province = 0
  var tier = 0
  var stratum = 0
  var point = 0
  var platform = 0
  var female = 0.0, age = 0.0, educ = 0.0, married = 0.0, children = 0.0, migrant = 0.0
  var income = 0.0, incomeCV = 0.0, hours = 0.0, tenure = 0.0, burden = 0.0, pilot = 0.0
  var contract = 0
  var algoControl = 0.0, copay = 0.0, multihome = 0.0
  var knowledge = 0.0, knowChannel = 0.0, union = 0.0, discount = 0.0, presentBias = 0.0
  var riskAversion = 0.0, trust = 0.0
  var pension = 0.0, medical = 0.0, injury = 0.0, monthsShare = 0.0, willingness = 0.0, schemes = 0.0
}

/// A sampling point (the PSU): a contiguous block of workers within one stratum.
struct SamplingPoint: Sendable {
  var stratum: Int
  var members: Range<Int>
}

/// A finite population of platform workers drawn from ``FlexworkModel``.
///
///     let population = try FlexworkPopulation(size: 200_000, seed: 7)
///     let census = population.census()                 // every worker, no non-response
///     let survey = try population.sample(size: 8_000, seed: 7)
///
/// Strata are region × city tier (12); each stratum is cut into sampling points of 60–240 workers
/// (at least two per stratum). The population depends only on `size` and `seed`.
public struct FlexworkPopulation: Sendable {
  /// Number of workers.
  public let size: Int
  /// The seed the population was drawn with.
  public let seed: UInt64
  var workers: [Worker]
  var points: [SamplingPoint]
  /// Point indices of each stratum (index = stratum − 1).
  var pointsOfStratum: [[Int]]

  /// Draws a population of `size` workers.
  ///
  /// - Complexity: O(size).
  /// - Throws: `SimulationError.populationTooSmall` below 1,000 workers.
  public init(size: Int, seed: UInt64) throws {
    guard size >= 1_000 else { throw SimulationError.populationTooSmall(size: size, minimum: 1_000) }
    self.size = size
    self.seed = seed
    var g = SeededGenerator(seed: SplitMix64.derive(seed, stream: 1))
    let M = FlexworkModel.self

    // Stratum sizes: shares rounded by largest remainder.
    var shares: [Double] = []
    for r in 0..<4 { for t in 0..<3 { shares.append(M.regionShares[r] * M.tierShares[r][t]) } }
    let stratumSizes = largestRemainder(shares, total: size)

    // Sampling points and their attributes.
    var points: [SamplingPoint] = []
    var pointsOfStratum: [[Int]] = Array(repeating: [], count: 12)
    var workers: [Worker] = []
    workers.reserveCapacity(size)
    for h in 0..<12 {
      let region = h / 3
      let tier = h % 3
      var sizes: [Int] = []
      var remaining = stratumSizes[h]
      while remaining > 0 {
        let s = g.integer(in: M.pointSize)
        if remaining - s < M.pointSize.lowerBound {
          if remaining <= M.pointSize.upperBound || sizes.isEmpty {
            sizes.append(remaining)
          } else {
            sizes.append(remaining - M.pointSize.lowerBound)
            sizes.append(M.pointSize.lowerBound)
          }
          remaining = 0
        } else {
          sizes.append(s)
          remaining -= s
        }
      }
      if sizes.count == 1, let only = sizes.first, only >= 2 { sizes = [only / 2, only - only / 2] }
      for s in sizes {
        let provinces = M.provincesOfRegion[region]
        let province = provinces[g.integer(in: 0...(provinces.count - 1))]
        let dominant = g.categorical(M.platformShares)
        let copayClimate = g.normal()
        let pointEffect = g.normal(mean: 0, sd: M.pointEffectVariance.squareRoot())
        let start = workers.count
        for _ in 0..<s {
          var w = Worker()
          w.id = workers.count + 1
          w.region = region
          w.tier = tier
          w.stratum = h + 1
          w.point = points.count + 1
          w.province = province
          w.platform = g.uniform() < M.dominantPlatformShare ? dominant : g.categorical(M.platformShares)
          drawCovariates(&w, copayClimate: copayClimate, generator: &g)
          drawOutcomes(&w, pointEffect: pointEffect, generator: &g)
          workers.append(w)
        }
        pointsOfStratum[h].append(points.count)
        points.append(SamplingPoint(stratum: h + 1, members: start..<workers.count))
      }
    }
    self.workers = workers
    self.points = points
    self.pointsOfStratum = pointsOfStratum
  }

  /// The number of sampling points in the population.
  public var pointCount: Int { points.count }
}

@inline(__always) func logistic(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }
@inline(__always) func rounded(_ x: Double, _ digits: Int) -> Double {
  let scale = Double.pow(10, digits)
  return (x * scale).rounded() / scale
}
@inline(__always) func clamped(_ x: Double, _ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(x, lo), hi) }

/// Controls, policy, market and behaviour variables of one worker (CODEBOOK §2).
func drawCovariates(_ w: inout Worker, copayClimate: Double, generator g: inout SeededGenerator) {
  let p = w.platform
  let M = FlexworkModel.self
  w.female = g.bernoulli([0.10, 0.12, 0.58, 0.06, 0.52, 0.45][p])
  w.age = clamped(g.normal(mean: [31, 34, 27, 39, 33, 29][p], sd: 8), 18, 60).rounded()
  let z = g.normal() + [-0.2, -0.2, 0.4, 0, 0.3, 0.5][p] - 0.02 * (w.age - 32) + (w.tier == 0 ? 0.2 : 0)
  w.educ = z < -0.6 ? 9 : z < 0.5 ? 12 : z < 1.2 ? 15 : 16
  w.married = g.bernoulli(logistic(-4.2 + 0.14 * w.age))
  w.children = w.married == 1 ? g.binomial(3, 0.4) : g.binomial(3, 0.03)
  w.migrant = g.bernoulli([0.72, 0.55, 0.38][w.tier])
  w.hours = clamped(g.normal(mean: [60, 62, 45, 56, 50, 30][p], sd: 10), 10, 90).rounded()
  w.tenure = rounded(clamped(Double.exp(g.normal(mean: Double.log(2.5), sd: 0.6)), 0.2, 15), 1)
  let logIncome =
    8.5 + [0.25, 0.10, 0][w.tier] + 0.04 * (w.educ - 12) + 0.008 * (w.hours - 50) + 0.08 * Double.log(1 + w.tenure)
    + [0, 0.02, 0.15, 0.05, 0, -0.25][p] + g.normal(mean: 0, sd: 0.35)
  w.income = Double.exp(logIncome).rounded()
  w.incomeCV = rounded(
    clamped(Double.exp(g.normal(mean: Double.log(0.28) + [0, -0.25, 0.5, -0.1, 0.2, 0.35][p], sd: 0.35)), 0.03, 1.5), 3)
  w.burden = rounded(M.contributionFloor[w.province - 1] / w.income, 4)
  w.pilot = M.pilotProvince[w.province - 1] ? 1 : 0
  w.contract = g.categorical(M.contractShares[p])
  w.algoControl = rounded(g.normal(mean: [0.6, 0.3, -0.2, 0.5, -0.6, 0.2][p], sd: 1), 2)
  w.multihome = g.bernoulli([0.45, 0.25, 0.30, 0.40, 0.15, 0.50][p])
  w.copay = g.bernoulli(
    logistic(-1.8 + [0, 0.3, 0.8, 1.5][w.contract] + 0.5 * w.pilot + [0.5, 0.3, -0.5, 0.2, -0.8, -1.0][p] + 0.7 * copayClimate))
  w.union = g.bernoulli(logistic(-2.3 + [0, 0.2, 0.5, 0.9][w.contract] + 0.08 * w.tenure))
  w.knowledge = g.binomial(
    10, logistic(-0.7 + 0.15 * (w.educ - 12) + 0.6 * w.union + 0.05 * w.tenure + (w.tier == 0 ? 0.25 : 0) - 0.2 * w.migrant))
  w.knowChannel = g.bernoulli(logistic(-1.2 + 0.3 * (w.knowledge - 4) + 0.4 * w.union))
  w.discount = rounded(clamped(0.80 + 0.008 * (w.educ - 12) + 0.002 * (w.age - 32) + g.normal(mean: 0, sd: 0.08), 0.5, 0.99), 2)
  w.presentBias = g.bernoulli(logistic(-0.7 - 5 * (w.discount - 0.8)))
  w.riskAversion = clamped(g.normal(mean: 5.5 + 0.5 * w.female, sd: 2), 0, 10).rounded()
  let t = g.normal() + 0.25 * w.knowChannel
  w.trust = 1 + [-1.1, -0.3, 0.6, 1.4].reduce(0) { $0 + (t > $1 ? 1 : 0) }
}

/// The six outcomes of one worker (CODEBOOK §3).
func drawOutcomes(_ w: inout Worker, pointEffect: Double, generator g: inout SeededGenerator) {
  let M = FlexworkModel.self
  let x = M.pensionRegressors(w)
  var index = 0.0
  for (xi, b) in zip(x, M.pensionCoefficients) { index += xi * b.value }
  let pensionError = pointEffect + g.normal(mean: 0, sd: (1 - M.pointEffectVariance).squareRoot())
  w.pension = index + pensionError > 0 ? 1 : 0

  let medicalIndex =
    -3.6 + 0.05 * w.knowledge + 0.2 * w.knowChannel - 0.15 * w.presentBias + 0.6 * w.discount - 0.3 * w.incomeCV
    - 1.5 * w.burden + [0, 0.1, 0.3, 0.8][w.contract] + 0.2 * w.copay - 0.45 * w.migrant + 0.1 * w.trust
    + 0.25 * Double.log(w.income) + 0.01 * w.age + 0.1 * w.female + 0.04 * w.educ + 0.15 * w.married
    + 0.08 * w.children + [0, -0.05, -0.1][w.tier]
  w.medical = medicalIndex + 0.6 * pensionError + 0.8 * g.normal() > 0 ? 1 : 0

  let coveredPlatform = [0, 1, 3].contains(w.platform) ? 1.0 : 0.0
  let injuryIndex =
    -2.35 + 1.0 * w.pilot * coveredPlatform + 0.2 * w.pilot + 1.1 * w.copay + [0, 0.2, 0.35, 0.7][w.contract]
    + 0.05 * w.knowledge + 0.2 * w.union
  w.injury = injuryIndex + g.normal() > 0 ? 1 : 0

  let monthP =
    w.pension == 1
    ? logistic(
      2.2 - 2.5 * (w.incomeCV - 0.3) - 6 * (w.burden - 0.17) + 0.6 * w.copay + (w.contract == 3 ? 0.5 : 0)
        - 0.4 * w.presentBias)
    : 0.03
  w.monthsShare = rounded(g.binomial(12, monthP) / 12, 4)

  let willing =
    0.08 * w.knowledge + 0.3 * w.knowChannel - 0.3 * w.presentBias + 0.25 * w.trust - 2 * w.burden
    - 0.4 * w.incomeCV + 0.5 * w.pension - 0.2 * w.migrant + g.normal()
  w.willingness = 1 + [-0.74, 0.11, 1.13, 2.12].reduce(0) { $0 + (willing > $1 ? 1 : 0) }
  w.schemes = w.pension + w.medical + w.injury
}

/// Integer allocation of `total` proportional to `shares` (largest remainder, ties to the first).
func largestRemainder(_ shares: [Double], total: Int) -> [Int] {
  let sum = shares.reduce(0, +)
  let exact = shares.map { $0 / sum * Double(total) }
  var counts = exact.map { Int($0.rounded(.down)) }
  let remainder = exact.indices.map { exact[$0] - Double(counts[$0]) }
  let order = exact.indices.sorted { remainder[$0] != remainder[$1] ? remainder[$0] > remainder[$1] : $0 < $1 }
  var left = total - counts.reduce(0, +)
  for i in order where left > 0 {
    counts[i] += 1
    left -= 1
  }
  return counts
}
