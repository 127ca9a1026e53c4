import StrataLinalg
import StrataSupport

extension LinearizationDesign {
  /// The design-based covariance of estimates with the given influence functions.
  ///
  ///     // a regression: influence = scores · bread over the estimation sample
  ///     let v = try design.variance(influence: fit.scores * fit.bread, rows: fit.rows)
  ///
  /// This is the one linearization engine: every estimator (means, totals, ratios, regression
  /// coefficients) hands it the n × p matrix of influence functions (estimating functions times
  /// the bread, already multiplied by the sampling weights). `rows` are the data rows the
  /// influence rows belong to; rows of the design not listed are outside the estimation domain
  /// and count as zeros, with each stratum keeping its full-sample number of PSUs.
  ///
  /// Matches R `survey:::svyrecvar` (survey 4.1-1) on `subset(design, rows)`: the stratified
  /// between-PSU variance at stage 1 with factor `(1 − n/N) n/(n − 1)`, plus, when FPCs are
  /// given, each later stage's variance within sampled units weighted by the sampling fraction of
  /// the stage above; single-PSU strata follow `lonelyPSU`.
  ///
  /// - Parameters:
  ///   - influence: influence functions, one row per entry of `rows`.
  ///   - rows: 0-based data rows, distinct.
  /// - Returns: the p × p covariance.
  /// - Throws: `DesignError.singlePSUStratum` for a single-PSU stratum under `.fail`.
  /// - Complexity: O(n p²) per stage.
  public func variance(influence: Matrix, rows: [Int]) throws -> Matrix {
    precondition(influence.rows == rows.count, "influence rows differ from the row list")
    if let adjustment = calibrationAdjustment {
      // After calibration the influence values of every design row are residualized (R
      // `svyrecvar` with `postStrata`): rows outside `rows` start at zero and in general end
      // non-zero, so the general path runs over all rows (O(n p) more, plus the adjustment's
      // O(n k p) for k calibration columns).
      let n = rowCount
      let p = influence.cols
      var full = [Double](repeating: 0, count: n * p)
      let src = influence.storage
      for j in 0..<p {
        for (position, r) in rows.enumerated() { full[j * n + r] = src[j * rows.count + position] }
      }
      let adjusted = adjustment.adjust(Matrix(rows: n, cols: p, columnMajor: full))
      return try uncalibratedVariance(influence: adjusted, rows: Array(0..<n))
    }
    return try uncalibratedVariance(influence: influence, rows: rows)
  }

  /// The engine without the calibration adjustment.
  private func uncalibratedVariance(influence: Matrix, rows: [Int]) throws -> Matrix {
    let p = influence.cols
    if let psus = firstStagePSUs(rows: rows) {
      let n = rows.count
      let sums = psus.totals(cols: p) { position, add in
        let xs = influence.storage.span
        for j in 0..<p { add(j, xs[j * n + position]) }
      }
      let v = try onestage(sums, rows: psus.representatives, positions: Array(0..<psus.representatives.count), stage: 0)
      return Matrix(rows: p, cols: p, columnMajor: v).symmetrized()
    }
    let v = try multistage(influence, rows: rows, positions: Array(0..<rows.count), stage: 0)
    return Matrix(rows: p, cols: p, columnMajor: v).symmetrized()
  }

  /// The design covariance of influence functions given in factored form, `mᵢ xᵢᵀ B` for row `i`
  /// (a model's score multipliers, its model matrix and its bread), without forming the n × p
  /// influence matrix: the PSU totals of `mᵢ xᵢ` are taken in one pass and multiplied by `B`.
  ///
  /// Equals `variance(influence: x.scalingRows(by: m) * transform, rows: rows)` up to rounding.
  ///
  /// - Parameters:
  ///   - multipliers: `mᵢ`, one per entry of `rows`.
  ///   - matrix: `X`, one row per entry of `rows`.
  ///   - transform: `B`, `X.cols × q`.
  ///   - rows: 0-based data rows, distinct.
  /// - Complexity: O(n p) for the totals plus O(G p q + G q²) for G PSUs (single-stage or no FPC);
  ///   multistage designs with FPCs form the influence matrix and take the general path.
  ///   - structure: the dummies of a factor among the columns of `x`: their PSU totals are
  ///     per-level sums of the multipliers, without reading those columns (`x` may then hold
  ///     only the dense columns, as the structure says).
  public func variance(
    multipliers: [Double], matrix x: Matrix, transform: Matrix, rows: [Int], structure: IndicatorStructure? = nil
  ) throws -> Matrix {
    precondition(x.rows == rows.count && multipliers.count == rows.count, "influence rows differ from the row list")
    // A compact `x` (its structure does not store the indicator columns) has p − k columns.
    let p = structure?.columnCount ?? x.cols
    precondition(structure.map { $0.storedColumnCount == x.cols } ?? true, "structure of another matrix")
    precondition(transform.rows == p, "transform rows differ from the matrix columns")
    let q = transform.cols
    if calibrationAdjustment != nil {
      // The calibration adjustment needs the influence matrix itself.
      let full = x.expandingIndicators(structure)
      return try variance(influence: full.scalingRows(by: multipliers) * transform, rows: rows)
    }
    guard let psus = firstStagePSUs(rows: rows) else {
      let full = x.expandingIndicators(structure)
      return try variance(influence: full.scalingRows(by: multipliers) * transform, rows: rows)
    }
    let n = rows.count
    // With a factor's dummies known, their totals are per-level sums of the multipliers.
    let levels = structure.flatMap { $0.levelCodes.count == n ? $0 : nil }
    if let structure, levels == nil, !structure.storesIndicators { preconditionFailure("structure of another matrix") }
    let dense = levels?.denseColumns ?? Array(0..<p)
    let stored = levels?.storedDenseColumns ?? Array(0..<p)
    let codes = levels?.levelCodes ?? []
    let indicators = levels?.indicatorColumns ?? []
    let sums = psus.factoredTotals(
      multipliers: multipliers, x: x, dense: dense, stored: stored, codes: codes, indicators: indicators, cols: p)
    let influence = sums * transform
    let v = try onestage(influence, rows: psus.representatives, positions: Array(0..<psus.representatives.count), stage: 0)
    return Matrix(rows: q, cols: q, columnMajor: v).symmetrized()
  }

  /// The first-stage PSU of each entry of `rows` as a dense slot (PSUs in order of first
  /// appearance) and one representative data row per PSU (its first row), which carries the PSU's
  /// stratum, sample size and FPC. `nil` for multistage designs with FPCs, whose later stages need
  /// the rows themselves.
  private func firstStagePSUs(rows: [Int]) -> FirstStagePSUs? {
    if hasFPC && stages.count > 1 { return nil }
    let s = stages[0]
    var maxCode = -1
    for r in rows where s.clusters[r] > maxCode { maxCode = s.clusters[r] }
    guard maxCode < 8 * Swift.max(s.clusters.count, 1) else { return nil }
    var slot = [Int](repeating: -1, count: maxCode + 1)
    var representatives: [Int] = []
    var slots = [Int](repeating: 0, count: rows.count)
    for (position, r) in rows.enumerated() {
      let c = s.clusters[r]
      if slot[c] < 0 {
        slot[c] = representatives.count
        representatives.append(r)
      }
      slots[position] = slot[c]
    }
    return FirstStagePSUs(slots: slots, representatives: representatives)
  }

  /// The design covariance and design degrees of freedom for an estimator's influence
  /// functions (the seam used by `--vce design` on models: pass `scores · bread`).
  public func designCovariance(influence: Matrix, rows: [Int]) throws -> (covariance: Matrix, df: Int) {
    (try variance(influence: influence, rows: rows), degreesOfFreedom(rows: rows))
  }

  /// R's `multistage`: this stage's variance plus, with FPCs, the next stages inside each cluster.
  private func multistage(_ x: Matrix, rows: [Int], positions: [Int], stage: Int) throws -> [Double] {
    var v = try onestage(x, rows: rows, positions: positions, stage: stage)
    if hasFPC && stage + 1 < stages.count {
      let s = stages[stage]
      var groups: [Int: [Int]] = [:]
      var order: [Int] = []
      for pos in positions {
        let c = s.clusters[rows[pos]]
        if groups[c] == nil { order.append(c) }
        groups[c, default: []].append(pos)
      }
      for c in order {
        guard let sub = groups[c], let first = sub.first else { continue }
        let r = rows[first]
        let fraction = Double(s.sampleSize[r]) / s.populationSize[r]
        let inner = try multistage(x, rows: rows, positions: sub, stage: stage + 1)
        for k in v.indices { v[k] += inner[k] * fraction }
      }
    }
    return v
  }

  /// R's `onestage`: the sum over strata, rescaled for strata dropped under `.average`.
  private func onestage(_ x: Matrix, rows: [Int], positions: [Int], stage: Int) throws -> [Double] {
    let p = x.cols
    var total = [Double](repeating: 0, count: p * p)
    if positions.isEmpty { return total }
    let s = stages[stage]
    var groups: [Int: [Int]] = [:]
    var order: [Int] = []
    for pos in positions {
      let h = s.strata[rows[pos]]
      if groups[h] == nil { order.append(h) }
      groups[h, default: []].append(pos)
    }
    var ok = 0
    for h in order {
      guard let members = groups[h] else { continue }
      if let m = try onestrat(x, rows: rows, positions: members, stage: stage) {
        ok += 1
        for k in total.indices { total[k] += m[k] }
      }
    }
    if ok == 0 { return [Double](repeating: .nan, count: p * p) }
    let factor = Double(order.count) / Double(ok)
    return total.map { $0 * factor }
  }

  /// R's `onestrat`: between-cluster variance of cluster totals in one stratum; `nil` stands
  /// for R's `NA` (a lonely PSU under `.average`).
  private func onestrat(_ x: Matrix, rows: [Int], positions: [Int], stage: Int) throws -> [Double]? {
    let p = x.cols
    let s = stages[stage]
    let r0 = rows[positions[0]]
    let nPSU = s.sampleSize[r0]
    // Cluster totals, with each cluster's finite-population factor.
    var index: [Int: Int] = [:]
    var sums: [[Double]] = []
    var f: [Double] = []
    for pos in positions {
      let r = rows[pos]
      let c = s.clusters[r]
      let k: Int
      if let existing = index[c] {
        k = existing
      } else {
        k = sums.count
        index[c] = k
        sums.append([Double](repeating: 0, count: p))
        let pop = s.populationSize[r]
        f.append(pop.isInfinite ? 1 : (pop - Double(nPSU)) / pop)
      }
      for j in 0..<p { sums[k][j] += x[pos, j] }
    }
    if f.allSatisfy({ $0 < 1e-7 }) { return [Double](repeating: 0, count: p * p) }
    var scale = f.map { nPSU > 1 ? $0 * Double(nPSU) / Double(nPSU - 1) : $0 }
    let nsubset = sums.count
    if nsubset < nPSU {
      sums += Array(repeating: [Double](repeating: 0, count: p), count: nPSU - nsubset)
      scale = Array(repeating: scale[0], count: sums.count)
    }
    if lonelyPSU != .adjust || nsubset > 1 || nPSU > 1 {
      for j in 0..<p {
        let mean = sums.reduce(0) { $0 + $1[j] } / Double(sums.count)
        for k in sums.indices { sums[k][j] -= mean }
      }
    }
    if nPSU <= 1 {
      switch lonelyPSU {
      case .certainty, .remove, .adjust: break
      case .average: return nil
      case .fail: throw DesignError.singlePSUStratum(stratum: s.stratumNames[s.strata[r0]], stage: stage + 1)
      }
    }
    var out = [Double](repeating: 0, count: p * p)
    for (k, row) in sums.enumerated() {
      let w = scale[k]
      for b in 0..<p where row[b] != 0 {
        let wb = w * row[b]
        for a in 0..<p { out[b * p + a] += row[a] * wb }
      }
    }
    return out
  }
}

/// The first-stage PSU slot of each estimation row, and one representative row per PSU.
struct FirstStagePSUs {
  /// Dense PSU slot of each entry of the row list.
  var slots: [Int]
  /// The first data row of each PSU, in slot order.
  var representatives: [Int]

  /// PSU totals (G × p) of `mᵢ xᵢ`: column `dense[a]` from stored column `stored[a]` of `x`, and
  /// indicator column `indicators[c]` from the multipliers of the rows whose level code is `c`.
  ///
  /// Column by column over blocks of rows (the block's multipliers and slots stay in cache, and
  /// a column's G totals too), the columns dealt to all cores for large data. Each total
  /// is summed in row order, as the row-by-row pass would.
  func factoredTotals(
    multipliers: [Double], x: Matrix, dense: [Int], stored: [Int], codes: [Int32], indicators: [Int], cols p: Int
  ) -> Matrix {
    let g = representatives.count
    let n = slots.count
    // Work units: each dense column, then the indicator columns together (one pass over the codes).
    let units = dense.count + (codes.isEmpty ? 0 : 1)
    let threads = n * units >= 1 << 20 ? Swift.min(units, WorkerThreads.count) : 1
    let parts = concurrentMap(threads) { t -> [Double] in
      var acc = [Double](repeating: 0, count: g * p)  // column-major G × p, this thread's columns
      var out = acc.mutableSpan
      let (m, slot, xs) = (multipliers.span, slots.span, x.storage.span)
      var start = 0
      while start < n {
        let end = Swift.min(start + 4096, n)
        for unit in stride(from: t, to: units, by: threads) {
          if unit < dense.count {
            // Rows of one PSU are usually adjacent: a run's total is carried in a register (loaded
            // and stored at the run's ends, so the additions are the same, in the same order).
            let (base, column) = (stored[unit] * n, dense[unit] * g)
            var current = slot[start]
            var total = out[column + current]
            for i in start..<end {
              let k = slot[i]
              if k != current {
                out[column + current] = total
                current = k
                total = out[column + k]
              }
              total += m[i] * xs[base + i]
            }
            out[column + current] = total
          } else {
            let c = codes.span
            for i in start..<end where c[i] >= 0 { out[indicators[Int(c[i])] * g + slot[i]] += m[i] }
          }
        }
        start = end
      }
      return acc
    }
    guard threads > 1 else { return Matrix(rows: g, cols: p, columnMajor: parts[0]) }
    // Each column was summed by one thread: take it from that thread's part.
    var sums = parts[0]
    for t in 1..<threads {
      for unit in stride(from: t, to: units, by: threads) {
        let columns = unit < dense.count ? [dense[unit]] : indicators
        for j in columns { sums.replaceSubrange((j * g)..<((j + 1) * g), with: parts[t][(j * g)..<((j + 1) * g)]) }
      }
    }
    return Matrix(rows: g, cols: p, columnMajor: sums)
  }

  /// PSU totals (G × p) of per-row vectors in one pass: `row(position, add)` calls `add(j, value)`
  /// for the entries of the row at `position`.
  func totals(cols p: Int, row: (Int, (Int, Double) -> Void) -> Void) -> Matrix {
    let g = representatives.count
    // Row-major G × p accumulation (one PSU's total is contiguous), transposed at the end.
    var acc = [Double](repeating: 0, count: g * p)
    var a = acc.mutableSpan
    for (position, k) in slots.enumerated() {
      let base = k * p
      row(position) { j, value in a[base + j] += value }
    }
    var sums = Matrix(rows: g, cols: p)
    for k in 0..<g {
      for j in 0..<p { sums[k, j] = acc[k * p + j] }
    }
    return sums
  }
}
