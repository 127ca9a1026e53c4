/// One absorbed fixed-effect dimension over the estimation sample.
public struct FixedEffectDimension: Sendable {
  /// The variable (or `a:b` combination) that defines the groups.
  public var name: String
  /// Dense group code (0..<count) of each row of the estimation sample.
  public var codes: [Int32]
  /// Number of groups (fixed effects) in the estimation sample.
  public var count: Int

  public init(name: String, codes: [Int32], count: Int) {
    self.name = name
    self.codes = codes
    self.count = count
  }
}

/// What a fit with absorbed fixed effects reports about them (fixest's `fixef_sizes`, notes).
public struct FixedEffectsDetails: Sendable {
  /// The dimensions, in formula order, over the estimation sample.
  public var dimensions: [FixedEffectDimension]
  /// Fixed-effect parameters counted in the residual degrees of freedom: `Σ G_d` minus the
  /// redundant ones (exactly, via connected components, for two dimensions; `D − 1` otherwise).
  public var parameters: Int
  /// Observations removed because their group is a singleton in some dimension (iteratively).
  public var singletonsRemoved: Int
  /// Observations removed because their group's outcome is constant (GLMs: all 0 for Poisson,
  /// all 0 or all 1 for binary models), and the number of such groups.
  public var perfectFitRemoved: Int
  public var perfectFitGroups: Int
  /// Alternating-projection sweeps of the last demeaning.
  public var sweeps: Int

  /// Fixed-effect parameters counted in a cluster-robust small-sample factor (fixest's
  /// `ssc(fixef.K = "nested")`, reghdfe): dimensions nested in a cluster variable are not
  /// counted, but one constant is.
  public func parameters(nestedIn clusters: [(codes: [Int], count: Int)]) -> Int {
    var nested = 0
    var any = false
    for d in dimensions {
      let isNested = clusters.contains { c in
        var owner = [Int](repeating: -1, count: d.count)
        for i in d.codes.indices {
          let g = Int(d.codes[i])
          if owner[g] == -1 { owner[g] = c.codes[i] } else if owner[g] != c.codes[i] { return false }
        }
        return true
      }
      if isNested {
        nested += d.count
        any = true
      }
    }
    return parameters - nested + (any ? 1 : 0)
  }
}

/// Projects fixed effects out of columns by alternating projections (the method of fixest's
/// `demean` without acceleration, and of lfe): each sweep subtracts the weighted group means of
/// every dimension in turn, until a sweep changes no value by more than `tolerance` relative to
/// the column's scale. One dimension takes one sweep.
struct Demeaner {
  let dimensions: [FixedEffectDimension]
  let weights: [Double]?
  /// Σ w per group, per dimension (inverted).
  private let inverseGroupWeights: [[Double]]
  let tolerance: Double
  let maxSweeps: Int

  init(dimensions: [FixedEffectDimension], weights: [Double]?, tolerance: Double = 1e-13, maxSweeps: Int = 100_000) {
    self.dimensions = dimensions
    self.weights = weights
    self.tolerance = tolerance
    self.maxSweeps = maxSweeps
    inverseGroupWeights = dimensions.map { d in
      var s = [Double](repeating: 0, count: d.count)
      if let w = weights {
        for i in d.codes.indices { s[Int(d.codes[i])] += w[i] }
      } else {
        for c in d.codes { s[Int(c)] += 1 }
      }
      return s.map { $0 > 0 ? 1 / $0 : 0 }
    }
  }

  /// Demeans `v` in place; returns the number of sweeps.
  ///
  /// - Complexity: O(n · D) per sweep.
  func demean(_ v: inout [Double]) throws -> Int {
    let n = v.count
    var scale = 0.0
    for x in v { scale = max(scale, abs(x)) }
    if scale == 0 { return 0 }
    let threshold = tolerance * scale
    var sums = [Double](repeating: 0, count: 0)
    var sweeps = 0
    while true {
      sweeps += 1
      var largest = 0.0
      for (k, d) in dimensions.enumerated() {
        sums = [Double](repeating: 0, count: d.count)
        let inv = inverseGroupWeights[k]
        var vp = v.mutableSpan
        let cp = d.codes.span
        var sp = sums.mutableSpan
        if let w = weights {
          let wp = w.span
          for i in 0..<n { sp[Int(cp[i])] += wp[i] * vp[i] }
        } else {
          for i in 0..<n { sp[Int(cp[i])] += vp[i] }
        }
        for g in 0..<sp.count {
          sp[g] *= inv[g]
          largest = max(largest, abs(sp[g]))
        }
        for i in 0..<n { vp[i] -= sp[Int(cp[i])] }
      }
      if dimensions.count == 1 || largest <= threshold { return sweeps }
      if sweeps >= maxSweeps { throw EstimationError.demeaningNotConverged(iterations: sweeps) }
    }
  }
}

/// Rows kept after iteratively removing singleton groups and (for GLMs) groups whose outcome is
/// constant, as fixest's `fixef.rm = "both"`.
///
/// - Returns: kept row positions, singleton and perfect-fit counts (observations, groups).
func pruneFixedEffects(
  codes: [[Int]], counts: [Int], response y: [Double], perfectFit: ((_ sum: Double, _ count: Int) -> Bool)?
) -> (kept: [Int], singletons: Int, perfect: Int, perfectGroups: Int) {
  let n = y.count
  var keep = [Bool](repeating: true, count: n)
  var singletons = 0
  var perfect = 0
  var perfectGroups = 0
  var changed = true
  while changed {
    changed = false
    for (d, c) in codes.enumerated() {
      var size = [Int](repeating: 0, count: counts[d])
      var total = [Double](repeating: 0, count: counts[d])
      for i in 0..<n where keep[i] {
        size[c[i]] += 1
        total[c[i]] += y[i]
      }
      var dropGroup = [Bool](repeating: false, count: counts[d])
      for g in 0..<counts[d] where size[g] > 0 {
        if let perfectFit, size[g] > 1, perfectFit(total[g], size[g]) {
          dropGroup[g] = true
          perfectGroups += 1
        }
      }
      for i in 0..<n where keep[i] {
        if size[c[i]] == 1 {
          keep[i] = false
          singletons += 1
          changed = true
        } else if dropGroup[c[i]] {
          keep[i] = false
          perfect += 1
          changed = true
        }
      }
    }
  }
  return ((0..<n).filter { keep[$0] }, singletons, perfect, perfectGroups)
}

/// Dense codes (0..<count) of `codes` restricted to `rows`.
func recode(_ codes: [Int], rows: [Int]) -> (codes: [Int32], count: Int) {
  var map: [Int: Int32] = [:]
  var out = [Int32](repeating: 0, count: rows.count)
  for (a, i) in rows.enumerated() {
    if let c = map[codes[i]] {
      out[a] = c
    } else {
      let c = Int32(map.count)
      map[codes[i]] = c
      out[a] = c
    }
  }
  return (out, map.count)
}

/// The number of free fixed-effect parameters: exact for one and two dimensions (levels minus
/// connected components of the bipartite graph), `Σ G − (D − 1)` for more (fixest's count).
func fixedEffectParameters(_ dims: [FixedEffectDimension]) -> Int {
  let total = dims.reduce(0) { $0 + $1.count }
  if dims.count <= 1 { return total }
  if dims.count > 2 { return total - (dims.count - 1) }
  // Union-find over G1 + G2 nodes.
  let a = dims[0]
  let b = dims[1]
  var parent = Array(0..<(a.count + b.count))
  func find(_ x: Int) -> Int {
    var r = x
    while parent[r] != r { r = parent[r] }
    var y = x
    while parent[y] != r {
      let next = parent[y]
      parent[y] = r
      y = next
    }
    return r
  }
  for i in a.codes.indices {
    let u = find(Int(a.codes[i]))
    let v = find(a.count + Int(b.codes[i]))
    if u != v { parent[u] = v }
  }
  var components = 0
  for x in 0..<parent.count where find(x) == x { components += 1 }
  return total - components
}
