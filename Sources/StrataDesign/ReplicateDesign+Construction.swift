import Foundation
import StrataData
import StrataLinalg
import StrataSupport

extension ReplicateDesign {
  /// Builds replicate weights from a linearization design, as R `as.svrepdesign(design, type =)`.
  ///
  /// - `.jk1` (unstratified designs): delete-one-PSU multipliers n/(n − 1), scale
  ///   (1 − n/N)(n − 1)/n with the first-stage FPC, as `jk1weights`.
  /// - `.jkn` (stratified designs): delete-one-PSU within strata, multipliers n_h/(n_h − 1) in the
  ///   stratum of the deleted PSU and 1 elsewhere, scale 1, `rscales` (1 − n_h/N_h)(n_h − 1)/n_h
  ///   (without the FPC factor when no FPC is declared), as `jknweights`; strata sampled
  ///   exhaustively add no replicate, single-PSU strata follow the lonely-PSU rule as R does.
  /// - `.brr` / `.fay`: half-samples from a Sylvester Hadamard matrix of the smallest
  ///   power-of-two order above the number of (pseudo-)strata, as `brrweights`; a stratum with an
  ///   even number of PSUs above 2 is split into pairs of consecutive PSUs (R's default
  ///   `large = "split"`). R uses the same matrix for up to 15 (pseudo-)strata; above that R may
  ///   pick another Hadamard matrix, which gives the same variance for totals but slightly
  ///   different ones otherwise.
  /// - `.bootstrap`: Rao–Wu with-replacement resampling of n_h PSUs within strata (without
  ///   replacement from the FPC-sized population when FPCs are given), as `bootweights`.
  /// - `.subbootstrap`: Rao–Wu rescaled bootstrap drawing n_h − 1 PSUs with replacement,
  ///   multipliers (count) · n_h/(n_h − 1), scale 1/(R − 1), as `subbootweights` (FPCs not used).
  /// - `.mrbbootstrap`: Preston's multistage rescaled bootstrap (half of the units kept at every
  ///   stage, rescaled by the stage's sampling fractions), scale 1, `rscales` 1/(R − 1), as
  ///   `mrbweights`; without FPCs only the first stage is used (with replacement), as R does.
  /// - `.sdr`: successive-difference replicates (Fay and Train 1995) over the PSUs in the order of
  ///   `construction.sort` (data order when empty; needs `data`), scale 4/R, centred at the
  ///   full-sample estimate; R survey 4.1-1 has no constructor for them.
  ///
  /// The random types draw from a seeded SplitMix64 generator (R's random numbers are not
  /// reproduced).
  ///
  /// - Parameter data: the design's data, read only by `.sdr` for its sort order.
  /// - Throws: `DesignError` (`.jackknifeOfStratifiedDesign`, `.halfSampleStratum`, …) when the design
  ///   does not fit the method.
  public init(building construction: ReplicateConstruction, from design: LinearizationDesign) throws {
    try self.init(building: construction, from: design, data: nil)
  }

  /// Builds replicate weights from a linearization design and its data (see
  /// `init(building:from:)`); the data give the sort order of `.sdr` replicates.
  public init(building construction: ReplicateConstruction, from design: LinearizationDesign, data: DataFrame?) throws {
    try validateReplicateOptions(scale: nil, rscales: nil, rho: construction.rho)
    let type = construction.type
    if type.isResampled && construction.replicates < 2 {
      throw DesignError.tooFewReplicatesToBuild(type: type.rawValue, replicates: construction.replicates)
    }
    let psus = PSUTable(design)
    let n = design.rowCount
    // The n × R replicate weights (and the R × PSU multipliers) are formed in memory: refuse
    // before allocating when they would not fit the documented limit.
    let replicateCount: Int
    switch type {
    case .jk1, .jkn: replicateCount = psus.count
    case .bootstrap, .subbootstrap, .mrbbootstrap, .sdr: replicateCount = construction.replicates
    case .brr, .fay:
      // The Hadamard order: the smallest power of two (at least 4) above the number of strata.
      replicateCount = sylvesterOrder(above: psus.count / 2)
    }
    try Self.checkReplicateMemory(
      type: type, replicates: replicateCount, rows: n, psus: psus.count, requested: type.isResampled || type == .sdr)
    let built: BuiltReplicates
    switch type {
    case .jk1: built = try Self.jackknife1(design, psus)
    case .jkn: built = try Self.stratifiedJackknife(design, psus)
    case .brr, .fay: built = try Self.halfSamples(design, psus, construction)
    case .bootstrap: built = try Self.raoWuBootstrap(design, psus, construction)
    case .subbootstrap: built = try Self.subsampleBootstrap(design, psus, construction)
    case .mrbbootstrap: built = try Self.multistageRescaledBootstrap(design, construction)
    case .sdr: built = try Self.successiveDifference(design, psus, construction, data: data)
    }
    var storage: [Double] = []
    let count = built.multipliers.count
    storage.reserveCapacity(n * count)
    for m in built.multipliers {
      if built.perRow { storage += m } else { for i in 0..<n { storage.append(m[psus.rowPSU[i]]) } }
    }
    self.init(
      weights: design.weights, replicateWeights: Matrix(rows: n, cols: count, columnMajor: storage),
      combinedWeights: false, type: type, scale: built.scale,
      rscales: built.rscales ?? Array(repeating: 1, count: count), rho: type == .fay ? construction.rho : nil,
      mse: built.mse ?? construction.mse)
  }
}

/// The first-stage PSUs of a design, numbered in order of first appearance.
struct PSUTable {
  /// Stratum code of each PSU.
  var stratum: [Int] = []
  /// First data row of each PSU.
  var firstRow: [Int] = []
  /// PSU number of each data row.
  var rowPSU: [Int]
  /// Stratum names (by stratum code).
  var names: [String]
  var count: Int { stratum.count }

  init(_ design: LinearizationDesign) {
    let first = design.firstStage()
    var index: [Int: Int] = [:]
    rowPSU = []
    rowPSU.reserveCapacity(design.rowCount)
    for i in 0..<design.rowCount {
      if let k = index[first.clusters[i]] {
        rowPSU.append(k)
      } else {
        index[first.clusters[i]] = stratum.count
        rowPSU.append(stratum.count)
        stratum.append(first.strata[i])
        firstRow.append(i)
      }
    }
    names = first.names
  }

  /// The strata in order of first appearance, each with its PSUs in order of first appearance.
  var strataInOrder: [(stratum: Int, psus: [Int])] {
    var slot: [Int: Int] = [:]
    var out: [(stratum: Int, psus: [Int])] = []
    for k in 0..<count {
      if let s = slot[stratum[k]] {
        out[s].psus.append(k)
      } else {
        slot[stratum[k]] = out.count
        out.append((stratum[k], [k]))
      }
    }
    return out
  }
}

/// Replicate multipliers (per replicate: one per PSU, or one per row when `perRow`) with the
/// variance constants.
struct BuiltReplicates {
  var multipliers: [[Double]]
  var perRow = false
  var scale: Double
  var rscales: [Double]? = nil
  /// Overrides the construction's `mse` (SDR is centred at the full-sample estimate).
  var mse: Bool? = nil
}

extension ReplicateType {
  /// Types whose replicates are random draws (the number of replicates is asked).
  var isResampled: Bool { self == .bootstrap || self == .subbootstrap || self == .mrbbootstrap }
}

extension ReplicateDesign {
  /// JK1: delete one PSU of an unstratified design (R `jk1weights`).
  static func jackknife1(_ design: LinearizationDesign, _ psus: PSUTable) throws -> BuiltReplicates {
    if design.hasStrata { throw DesignError.jackknifeOfStratifiedDesign }
    let npsu = psus.count
    var fpc = 1.0
    if design.hasFPC {
      let pops = Set(design.firstStagePopulation)
      if pops.count > 1 { throw DesignError.jackknifeFPCVaries }
      if let pop = pops.first { fpc = (pop - Double(npsu)) / pop }
    }
    let m = Double(npsu) / Double(npsu - 1)
    return BuiltReplicates(
      multipliers: (0..<npsu).map { r in (0..<npsu).map { $0 == r ? 0 : m } },
      scale: fpc * Double(npsu - 1) / Double(npsu))
  }

  /// JKn: delete one PSU within its stratum (R `jknweights`, `survey.drop.replicates = TRUE`).
  static func stratifiedJackknife(_ design: LinearizationDesign, _ psus: PSUTable) throws -> BuiltReplicates {
    guard design.hasStrata else { throw DesignError.replicatesNeedStrata(type: "jkn") }
    let strata = psus.strataInOrder
    var multipliers: [[Double]] = []
    var rscales: [Double] = []
    for (h, members) in strata {
      let nh = members.count
      let pop = design.firstStagePopulation[psus.firstRow[members[0]]]
      let fpc = pop.isFinite ? (pop - Double(nh)) / pop : 1
      if fpc == 0 { continue }  // sampled exhaustively: no replicate (R drops them)
      if nh == 1 {
        switch design.lonelyPSU {
        case .fail: throw DesignError.singlePSUStratum(stratum: psus.names[h], stage: 1)
        case .remove, .certainty, .average: continue
        case .adjust:
          // R's one replicate for the stratum: its PSU deleted, every other PSU × H/(H − 1).
          let H = Double(strata.count)
          multipliers.append((0..<psus.count).map { psus.stratum[$0] == h ? 0 : H / (H - 1) })
          rscales.append((H - 1) / H)
          continue
        }
      }
      let up = Double(nh) / Double(nh - 1)
      for deleted in members {
        var m = [Double](repeating: 1, count: psus.count)
        for k in members { m[k] = k == deleted ? 0 : up }
        multipliers.append(m)
        rscales.append(fpc * Double(nh - 1) / Double(nh))
      }
    }
    if multipliers.isEmpty { throw DesignError.noReplicatesToBuild(type: "jkn") }
    var scale = 1.0
    if design.lonelyPSU == .average && multipliers.count < psus.count {
      // R's `average` rule: scale × (number of PSUs)/(number of replicates).
      scale = Double(psus.count) / Double(multipliers.count)
    }
    return BuiltReplicates(multipliers: multipliers, scale: scale, rscales: rscales)
  }

  /// BRR and Fay half-samples (R `brrweights`, `small = "fail"`, `large = "split"`).
  static func halfSamples(
    _ design: LinearizationDesign, _ psus: PSUTable, _ construction: ReplicateConstruction
  ) throws -> BuiltReplicates {
    let type = construction.type
    if type == .fay && construction.rho == nil {
      throw DesignError.missingReplicateOption(type: "fay", option: "rho")
    }
    let rho = type == .fay ? (construction.rho ?? 0) : 0
    guard design.hasStrata else { throw DesignError.replicatesNeedStrata(type: type.rawValue) }
    // Strata in R's order: sorted by name (as character), PSUs by first appearance; strata of
    // more than 2 PSUs first, split into consecutive pairs, then the strata of 2 PSUs.
    let byName = psus.strataInOrder.sorted { psus.names[$0.stratum] < psus.names[$1.stratum] }
    for (h, members) in byName where members.count == 1 || members.count % 2 == 1 {
      throw DesignError.halfSampleStratum(type: type.rawValue, stratum: psus.names[h], psus: members.count)
    }
    var pairs: [[Int]] = []
    for (_, members) in byName where members.count > 2 {
      for j in stride(from: 0, to: members.count, by: 2) { pairs.append([members[j], members[j + 1]]) }
    }
    for (_, members) in byName where members.count == 2 { pairs.append(members) }
    let order = sylvesterOrder(above: pairs.count)
    var multipliers: [[Double]] = []
    for i in 0..<order {
      var m = [Double](repeating: 0, count: psus.count)
      for (k, pair) in pairs.enumerated() {
        let keepFirst = sylvester(k + 1, i)
        m[pair[0]] = keepFirst ? 2 - rho : rho
        m[pair[1]] = keepFirst ? rho : 2 - rho
      }
      multipliers.append(m)
    }
    return BuiltReplicates(multipliers: multipliers, scale: 1 / (Double(order) * (1 - rho) * (1 - rho)))
  }

  /// Rao–Wu bootstrap (R `bootweights`).
  static func raoWuBootstrap(
    _ design: LinearizationDesign, _ psus: PSUTable, _ construction: ReplicateConstruction
  ) throws -> BuiltReplicates {
    let reps = construction.replicates
    var rng = SplitMix64(seed: construction.seed)
    let strata = psus.strataInOrder
    var multipliers = Array(repeating: [Double](repeating: 0, count: psus.count), count: reps)
    for (h, members) in strata {
      let nh = members.count
      let pop = design.hasFPC ? design.firstStagePopulation[psus.firstRow[members[0]]] : .infinity
      if pop.isFinite && pop >= 0x1p53 {
        throw DesignError.bootstrapPopulationTooLarge(stratum: psus.names[h], population: pop)
      }
      for r in 0..<reps {
        if pop.isFinite {
          // Without replacement from the population made of repeated sample PSUs: a partial
          // Fisher–Yates shuffle of positions 0..<N whose entry k is PSU k mod n_h until moved,
          // the moved entries kept in a dictionary (O(n_h) memory whatever N).
          let size = Int(pop)
          var moved: [Int: Int] = [:]
          func entry(_ k: Int) -> Int { moved[k] ?? members[k % nh] }
          for d in 0..<nh {
            let j = d + Int(rng.next(below: UInt64(size - d)))
            let (atD, atJ) = (entry(d), entry(j))
            moved[d] = atJ
            moved[j] = atD
            multipliers[r][atJ] += 1
          }
        } else {
          for _ in 0..<nh { multipliers[r][members[Int(rng.next(below: UInt64(nh)))]] += 1 }
        }
      }
    }
    let counts = strata.map { Double($0.psus.count) }
    let harmonic = Double(counts.count) / counts.reduce(0) { $0 + 1 / $1 }
    return BuiltReplicates(multipliers: multipliers, scale: harmonic / ((harmonic - 1) * Double(reps - 1)))
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

/// The smallest power of two (at least 4) above `count`: the order of the Sylvester Hadamard
/// matrix whose rows 2 … count + 1 serve `count` strata.
func sylvesterOrder(above count: Int) -> Int {
  var order = 4
  while order <= count { order *= 2 }
  return order
}

/// Entry (i, j) of the 0/1 Sylvester Hadamard matrix: 1 when `i & j` has even parity.
func sylvester(_ i: Int, _ j: Int) -> Bool { (i & j).nonzeroBitCount % 2 == 0 }
