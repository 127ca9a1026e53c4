import StrataSupport

extension ReplicateDesign {
  /// Rao–Wu rescaled bootstrap with n_h − 1 PSUs drawn with replacement in each stratum
  /// (R `subbootweights`): multiplier (times drawn) · n_h/(n_h − 1), scale 1/(R − 1), `rscales` 1.
  /// FPCs are not used (R refuses them for this type).
  ///
  /// - Throws: `DesignError.subsampleStratum` for a stratum with one PSU (R's weights are NaN there).
  static func subsampleBootstrap(
    _ design: LinearizationDesign, _ psus: PSUTable, _ construction: ReplicateConstruction
  ) throws -> BuiltReplicates {
    let reps = construction.replicates
    var rng = SplitMix64(seed: construction.seed)
    let strata = psus.strataInOrder
    for (h, members) in strata where members.count < 2 {
      throw DesignError.subsampleStratum(type: "subbootstrap", stratum: psus.names[h], psus: members.count)
    }
    var multipliers = Array(repeating: [Double](repeating: 0, count: psus.count), count: reps)
    for (_, members) in strata {
      let nh = members.count
      let rescale = Double(nh) / Double(nh - 1)
      for r in 0..<reps {
        for _ in 0..<(nh - 1) { multipliers[r][members[Int(rng.next(below: UInt64(nh)))]] += rescale }
      }
    }
    return BuiltReplicates(multipliers: multipliers, scale: 1 / Double(reps - 1))
  }

  /// Preston's multistage rescaled bootstrap (R `mrbweights`).
  ///
  /// In each replicate, at every stage and in every stratum of that stage (later stages: within
  /// each sampled unit of the stage above), n* = ⌊n/2⌋ of the n units still in the replicate are
  /// drawn without replacement; the stage's term is λ(n/n* · kept − 1) with
  /// λ = √(c · n*(1 − f)/(n − n*)), f = n/N the stage's sampling fraction and c the product of
  /// the sampling fractions of the stages above; the terms of later stages carry √(n/n*) · kept
  /// of every stage above. The multiplier of a row is 1 + Σ terms; scale 1, `rscales` 1/(R − 1).
  /// Without FPCs only the first stage is used, with f = 0 (R: "sampled with replacement").
  static func multistageRescaledBootstrap(
    _ design: LinearizationDesign, _ construction: ReplicateConstruction
  ) throws -> BuiltReplicates {
    let reps = construction.replicates
    let n = design.rowCount
    let stages = design.hasFPC ? design.stages : [design.stages[0]]
    let stageCount = stages.count
    var rng = SplitMix64(seed: construction.seed)
    // Rows of each stratum at each stage, strata in order of first appearance.
    let strataRows: [[[Int]]] = stages.map { stage in
      var slot: [Int: Int] = [:]
      var out: [[Int]] = []
      for i in 0..<n {
        if let s = slot[stage.strata[i]] {
          out[s].append(i)
        } else {
          slot[stage.strata[i]] = out.count
          out.append([i])
        }
      }
      return out
    }
    var multipliers: [[Double]] = []
    multipliers.reserveCapacity(reps)
    for _ in 0..<reps {
      var terms = Array(repeating: [Double](repeating: 1, count: stageCount), count: n)
      var kept = [Bool](repeating: true, count: n)
      var cumulative = [Double](repeating: 1, count: n)
      for (k, stage) in stages.enumerated() {
        for rows in strataRows[k] {
          // Units still in the replicate, in order of first appearance.
          var units: [Int] = []
          var seen: Set<Int> = []
          for i in rows where kept[i] && seen.insert(stage.clusters[i]).inserted { units.append(stage.clusters[i]) }
          let size = units.count
          let half = size / 2
          let first = rows[0]
          let fraction = stage.populationSize[first].isFinite
            ? Double(stage.sampleSize[first]) / stage.populationSize[first] : 0
          let c = cumulative[first]
          var chosen: Set<Int> = []
          var weight: (Bool) -> Double = { _ in 0 }
          if half > 0 {
            let lambda = (c * Double(half) * (1 - fraction) / Double(size - half)).squareRoot()
            // A partial Fisher–Yates shuffle: the first `half` units drawn without replacement.
            var pool = units
            for d in 0..<half {
              let j = d + Int(rng.next(below: UInt64(size - d)))
              pool.swapAt(d, j)
              chosen.insert(pool[d])
            }
            let up = Double(size) / Double(half)
            weight = { keep in -lambda + lambda * up * (keep ? 1 : 0) }
          }
          let carry = half > 0 ? (Double(size) / Double(half)).squareRoot() : 0
          for i in rows {
            let keep = chosen.contains(stage.clusters[i])
            terms[i][k] *= weight(keep)
            if half > 0 && k + 1 < stageCount && kept[i] {
              for later in (k + 1)..<stageCount { terms[i][later] *= keep ? carry : 0 }
            }
            kept[i] = kept[i] && keep
            cumulative[i] *= fraction
          }
        }
      }
      multipliers.append(terms.map { 1 + $0.reduce(0, +) })
    }
    return BuiltReplicates(
      multipliers: multipliers, perRow: true, scale: 1, rscales: Array(repeating: 1 / Double(reps - 1), count: reps))
  }
}
