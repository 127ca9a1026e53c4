import Foundation
import StrataLinalg
import StrataSupport

extension ReplicateDesign {
  /// Builds replicate weights from a linearization design, as R `as.svrepdesign(design, type =)`.
  ///
  /// - `.jk1` (unstratified designs): delete-one-PSU multipliers n/(n − 1), scale
  ///   (1 − n/N)(n − 1)/n with the first-stage FPC, as `jk1weights`.
  /// - `.brr` / `.fay` (exactly two PSUs per stratum): half-samples from a Sylvester Hadamard
  ///   matrix of the smallest power-of-two order above the number of strata, as `brrweights`.
  ///   R uses the same matrix for up to 15 strata; above that R may pick another Hadamard
  ///   matrix, which gives the same variance for totals but slightly different ones otherwise.
  /// - `.bootstrap`: Rao–Wu with-replacement resampling of PSUs within strata (without
  ///   replacement from the FPC-sized population when FPCs are given), as `bootweights`, from a
  ///   seeded SplitMix64 generator (R's random numbers are not reproduced).
  ///
  /// - Throws: `DesignError` (`.jackknifeOfStratifiedDesign`, `.halfSampleStratum`, …) when the design
  ///   does not fit the method.
  public init(building construction: ReplicateConstruction, from design: LinearizationDesign) throws {
    try validateReplicateOptions(scale: nil, rscales: nil, rho: construction.rho)
    if construction.type == .bootstrap && construction.replicates < 2 {
      throw DesignError.tooFewReplicatesToBuild(type: "bootstrap", replicates: construction.replicates)
    }
    let first = design.firstStage()
    let n = design.rowCount
    // Unique PSUs in order of first appearance.
    var psuIndex: [Int: Int] = [:]
    var psuOrder: [Int] = []
    var psuStratum: [Int] = []
    var psuFirstRow: [Int] = []
    for i in 0..<n where psuIndex[first.clusters[i]] == nil {
      psuIndex[first.clusters[i]] = psuOrder.count
      psuOrder.append(first.clusters[i])
      psuStratum.append(first.strata[i])
      psuFirstRow.append(i)
    }
    let rowPSU = (0..<n).map { psuIndex[first.clusters[$0]] ?? 0 }
    let npsu = psuOrder.count
    let type = construction.type
    // The n × R replicate weights (and the R × PSU multipliers) are formed in memory: refuse
    // before allocating when they would not fit the documented limit.
    let replicateCount: Int
    switch type {
    case .jk1: replicateCount = npsu
    case .bootstrap: replicateCount = construction.replicates
    case .brr, .fay:
      // The Hadamard order: the smallest power of two (at least 4) above the number of strata.
      var order = 4
      while order <= Set(psuStratum).count { order *= 2 }
      replicateCount = order
    case .jkn, .sdr: replicateCount = 0
    }
    try Self.checkReplicateMemory(
      type: type, replicates: replicateCount, rows: n, psus: npsu, requested: type == .bootstrap)
    var multipliers: [[Double]] = []  // per replicate, per PSU
    var scale = 1.0
    switch type {
    case .jk1:
      if design.hasStrata {
        throw DesignError.jackknifeOfStratifiedDesign
      }
      var fpc = 1.0
      if design.hasFPC {
        let pops = Set(design.firstStagePopulation)
        if pops.count > 1 {
          throw DesignError.jackknifeFPCVaries
        }
        if let pop = pops.first { fpc = (pop - Double(npsu)) / pop }
      }
      let m = Double(npsu) / Double(npsu - 1)
      multipliers = (0..<npsu).map { r in (0..<npsu).map { $0 == r ? 0 : m } }
      scale = fpc * Double(npsu - 1) / Double(npsu)
    case .brr, .fay:
      let rho = type == .fay ? (construction.rho ?? 0) : 0
      if type == .fay && construction.rho == nil {
        throw DesignError.missingReplicateOption(type: "fay", option: "rho")
      }
      guard design.hasStrata else {
        throw DesignError.replicatesNeedStrata(type: type.rawValue)
      }
      // Strata in R's order: sorted by name (as character), PSUs by first appearance.
      var byStratum: [Int: [Int]] = [:]
      for k in 0..<npsu { byStratum[psuStratum[k], default: []].append(k) }
      for (h, psus) in byStratum where psus.count != 2 {
        throw DesignError.halfSampleStratum(type: type.rawValue, stratum: first.names[h], psus: psus.count)
      }
      let strataOrder = byStratum.keys.sorted { first.names[$0] < first.names[$1] }
      var order = 4
      while order <= strataOrder.count { order *= 2 }
      for i in 0..<order {
        var m = [Double](repeating: 0, count: npsu)
        for (k, h) in strataOrder.enumerated() {
          guard let pair = byStratum[h] else { continue }
          let keepFirst = sylvester(k + 1, i)
          m[pair[0]] = keepFirst ? 2 - rho : rho
          m[pair[1]] = keepFirst ? rho : 2 - rho
        }
        multipliers.append(m)
      }
      scale = 1 / (Double(order) * (1 - rho) * (1 - rho))
    case .bootstrap:
      let reps = construction.replicates
      if reps < 2 { throw DesignError.tooFewReplicatesToBuild(type: "bootstrap", replicates: reps) }
      var rng = SplitMix64(seed: construction.seed)
      var byStratum: [Int: [Int]] = [:]
      var strataSeen: [Int] = []
      for k in 0..<npsu {
        if byStratum[psuStratum[k]] == nil { strataSeen.append(psuStratum[k]) }
        byStratum[psuStratum[k], default: []].append(k)
      }
      multipliers = Array(repeating: [Double](repeating: 0, count: npsu), count: reps)
      for h in strataSeen {
        guard let psus = byStratum[h] else { continue }
        let nh = psus.count
        let pop = design.hasFPC ? design.firstStagePopulation[psuFirstRow[psus[0]]] : .infinity
        if pop.isFinite && pop >= 0x1p53 {
          throw DesignError.bootstrapPopulationTooLarge(stratum: first.names[h], population: pop)
        }
        for r in 0..<reps {
          if pop.isFinite {
            // Without replacement from the population made of repeated sample PSUs: a partial
            // Fisher–Yates shuffle of positions 0..<N whose entry k is PSU k mod n_h until moved,
            // the moved entries kept in a dictionary (O(n_h) memory whatever N).
            let size = Int(pop)
            var moved: [Int: Int] = [:]
            func entry(_ k: Int) -> Int { moved[k] ?? psus[k % nh] }
            for d in 0..<nh {
              let j = d + Int(rng.next(below: UInt64(size - d)))
              let (atD, atJ) = (entry(d), entry(j))
              moved[d] = atJ
              moved[j] = atD
              multipliers[r][atJ] += 1
            }
          } else {
            for _ in 0..<nh { multipliers[r][psus[Int(rng.next(below: UInt64(nh)))]] += 1 }
          }
        }
      }
      let counts = strataSeen.map { Double(byStratum[$0]?.count ?? 1) }
      let harmonic = Double(counts.count) / counts.reduce(0) { $0 + 1 / $1 }
      scale = harmonic / ((harmonic - 1) * Double(reps - 1))
    case .jkn, .sdr:
      throw DesignError.replicatesNotBuildable(type: type.rawValue)
    }
    var storage: [Double] = []
    storage.reserveCapacity(n * multipliers.count)
    for m in multipliers { for i in 0..<n { storage.append(m[rowPSU[i]]) } }
    self.init(
      weights: design.weights, replicateWeights: Matrix(rows: n, cols: multipliers.count, columnMajor: storage),
      combinedWeights: false, type: type, scale: scale,
      rscales: Array(repeating: 1, count: multipliers.count), rho: type == .fay ? construction.rho : nil,
      mse: construction.mse)
  }
}

extension ReplicateDesign {
  /// The most memory the replicate weights built from a design may take: 4 GB, counted as
  /// replicates × (rows + PSUs) × 8 bytes (the n × R weights and the R × PSU multipliers).
  public static let maximumReplicateBytes = 4_000_000_000

  /// Refuses a construction whose replicate weights would exceed `maximumReplicateBytes`.
  static func checkReplicateMemory(type: ReplicateType, replicates: Int, rows: Int, psus: Int, requested: Bool) throws {
    let perReplicate = 8 * (rows + psus)
    let (bytes, overflow) = replicates.multipliedReportingOverflow(by: perReplicate)
    guard overflow || bytes > maximumReplicateBytes else { return }
    let most = maximumReplicateBytes / Swift.max(perReplicate, 1)
    let needed = overflow ? nil : bytes
    if requested {
      throw DesignError.tooManyRequestedReplicates(
        replicates: replicates, rows: rows, psus: psus, bytes: needed, limit: maximumReplicateBytes, most: most)
    }
    throw DesignError.tooManyDesignReplicates(
      type: type.rawValue, replicates: replicates, rows: rows, psus: psus, bytes: needed, limit: maximumReplicateBytes,
      most: most)
  }
}

/// Entry (i, j) of the 0/1 Sylvester Hadamard matrix: 1 when `i & j` has even parity.
func sylvester(_ i: Int, _ j: Int) -> Bool { (i & j).nonzeroBitCount % 2 == 0 }
