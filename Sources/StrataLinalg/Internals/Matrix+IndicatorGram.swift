// Weighted Gram matrices that exploit the indicator columns of a categorical regressor.

import StrataSupport

/// Columns of a matrix that are 0/1 indicators of one categorical variable (no row has two 1s
/// among them, as the dummies of a factor), found by `Matrix.indicatorStructure()`.
///
/// In `Xᵀ W X` the block of these columns is diagonal (per-level sums of weights) and their cross
/// products with the other ("dense") columns are per-level weighted sums, so a pass costs
/// O(n d²) for the d dense columns instead of O(n p²): with a 31-level factor beside 16 numeric
/// columns, about a seventh of the flops.
public struct IndicatorStructure: Sendable {
  /// The indicator columns, ascending.
  public let indicatorColumns: [Int]
  /// The other columns, ascending.
  public let denseColumns: [Int]
  /// Per row: the position in `indicatorColumns` of its 1, or −1 (a reference-level row).
  let codes: [Int32]
  /// Per row: the position in `indicatorColumns` of its 1, or −1 (a reference-level row).
  public var levelCodes: [Int32] { codes }
  /// Whether the matrix described holds every column (`columnCount` of them), or only the dense
  /// columns, in order (a compact matrix: the indicator columns are the codes alone, and the
  /// kernels that take this structure read nothing else for them).
  public let storesIndicators: Bool

  /// The number of columns of the full matrix (indicator and dense).
  public var columnCount: Int { indicatorColumns.count + denseColumns.count }

  /// The number of columns the described matrix stores.
  public var storedColumnCount: Int { storesIndicators ? columnCount : denseColumns.count }

  /// Where each dense column (in the order of `denseColumns`) is stored in the described matrix.
  public var storedDenseColumns: [Int] { storesIndicators ? denseColumns : Array(denseColumns.indices) }

  /// The stored column of full column `j`, or nil for an indicator column of a compact matrix.
  public func storedColumn(of j: Int) -> Int? {
    if storesIndicators { return j }
    return denseColumns.firstIndex(of: j)
  }

  /// The dense columns as runs of adjacent columns (one BLAS call per run): `first` is the full
  /// column index (into coefficients and scores), `stored` where the run starts in the matrix.
  var denseRuns: [DenseRun] {
    var runs: [DenseRun] = []
    for (a, j) in denseColumns.enumerated() {
      if let last = runs.last, last.first + last.count == j {
        runs[runs.count - 1].count += 1
      } else {
        runs.append(DenseRun(first: j, stored: storesIndicators ? j : a, count: 1))
      }
    }
    return runs
  }

  /// A structure known from how the matrix was built (a factor's codes), without scanning it.
  ///
  /// - Precondition: `indicatorColumns` and `denseColumns` partition the columns; every code is
  ///   −1 or a position in `indicatorColumns`, and row `i` of the matrix has a 1 exactly in that
  ///   indicator column (0 in the others). With `storesIndicators` false the matrix holds the
  ///   dense columns only, in order.
  public init(indicatorColumns: [Int], denseColumns: [Int], codes: [Int32], storesIndicators: Bool = true) {
    precondition(codes.allSatisfy { $0 >= -1 && Int($0) < indicatorColumns.count }, "level code out of range")
    self.indicatorColumns = indicatorColumns
    self.denseColumns = denseColumns
    self.codes = codes
    self.storesIndicators = storesIndicators
  }

  /// The same columns, for a matrix that stores them all (`true`) or only the dense ones.
  public func storing(indicators: Bool) -> IndicatorStructure {
    IndicatorStructure(
      indicatorColumns: indicatorColumns, denseColumns: denseColumns, codes: codes, storesIndicators: indicators)
  }

  /// Whether this describes `x`: one code per row and the stored column count.
  func describes(_ x: Matrix) -> Bool { codes.count == x.rows && storedColumnCount == x.cols }
}

/// A run of adjacent dense columns: full column index, stored column index, length.
struct DenseRun {
  var first: Int
  var stored: Int
  var count: Int
}

extension Matrix {
  /// The full matrix of a compact one (`structure.storesIndicators == false`): the dense columns
  /// in their places and the indicator columns written from the codes. A matrix that already
  /// stores every column (or has no structure) is returned as it is.
  ///
  /// - Precondition: `structure` (if any) describes this matrix.
  public func expandingIndicators(_ structure: IndicatorStructure?) -> Matrix {
    guard let structure else { return self }
    precondition(structure.describes(self), "indicator structure of another matrix")
    if structure.storesIndicators { return self }
    let n = rows
    var slot = [Int](repeating: -1, count: structure.columnCount)  // dense position, or −1
    var level = [Int](repeating: -1, count: structure.columnCount)  // indicator position, or −1
    for (a, j) in structure.denseColumns.enumerated() { slot[j] = a }
    for (l, j) in structure.indicatorColumns.enumerated() { level[j] = l }
    let (slots, levels, codes, source) = (slot, level, structure.codes, storage)
    return Matrix.fillingColumns(rows: n, cols: structure.columnCount) { j, column in
      if slots[j] >= 0 {
        let s = source.span
        let base = slots[j] * n
        for i in 0..<n { column[i] = s[base + i] }
      } else {
        let c = codes.span
        let l = Int32(levels[j])
        for i in 0..<n { column[i] = c[i] == l ? 1 : 0 }
      }
      return ()
    }.matrix
  }
}

extension Matrix {
  /// The largest set of 0/1 indicator columns that no row has two 1s in (the dummies of a factor
  /// term), or nil when fewer than `minimumColumns` qualify. Binary columns are sorted, left to
  /// right, into the first of up to eight disjoint groups they fit (a binary regressor does not
  /// fit the dummies of a factor, and starts a group of its own); the largest group wins. A column
  /// of ones (the intercept) never qualifies.
  ///
  /// - Complexity: O(n) per binary column and group tried (a dense column stops at its first
  ///   value other than 0 or 1).
  public func indicatorStructure(minimumColumns: Int = 4) -> IndicatorStructure? {
    let n = rows
    guard n > 0, cols >= minimumColumns else { return nil }
    let x = storage.span
    // The first group's codes live in their own array (written in the hot loop); later groups,
    // rare, in `others`.
    var first: (columns: [Int], codes: [Int32])?
    var firstCodes = [Int32](repeating: -1, count: n)
    var others: [(columns: [Int], codes: [Int32])] = []
    for j in 0..<cols {
      let base = j * n
      // One optimistic pass: check the column is 0/1 and claim its rows for the first group as it
      // goes; undo the claim if it is not binary or meets a row the group already has.
      var binary = true
      var hasZero = false
      var fitsFirst = true
      let code = Int32(first?.columns.count ?? 0)
      var stop = n
      do {
        var fc = firstCodes.mutableSpan
        for i in 0..<n {
          let v = x[base + i]
          if v == 0 {
            hasZero = true
          } else if v == 1 {
            if fitsFirst {
              if fc[i] >= 0 {
                fitsFirst = false
                stop = i
              } else {
                fc[i] = code
              }
            }
          } else {
            binary = false
            if fitsFirst { stop = i }
            break
          }
        }
        if !(fitsFirst && binary && hasZero) {
          for i in 0..<stop where fc[i] == code { fc[i] = -1 }
        }
      }
      guard binary && hasZero else { continue }
      if fitsFirst {
        if first == nil { first = ([], []) }
        first?.columns.append(j)
        continue
      }
      var placed = false
      for g in others.indices {
        var fits = true
        for i in 0..<n where x[base + i] == 1 && others[g].codes[i] >= 0 {
          fits = false
          break
        }
        guard fits else { continue }
        let code = Int32(others[g].columns.count)
        for i in 0..<n where x[base + i] == 1 { others[g].codes[i] = code }
        others[g].columns.append(j)
        placed = true
        break
      }
      if !placed && others.count < 7 {
        var codes = [Int32](repeating: -1, count: n)
        for i in 0..<n where x[base + i] == 1 { codes[i] = 0 }
        others.append(([j], codes))
      }
    }
    var groups = others
    if let first { groups.insert((first.columns, firstCodes), at: 0) }
    guard let best = groups.max(by: { $0.columns.count < $1.columns.count }), best.columns.count >= minimumColumns
    else { return nil }
    let indicators = Set(best.columns)
    return IndicatorStructure(
      indicatorColumns: best.columns, denseColumns: (0..<cols).filter { !indicators.contains($0) }, codes: best.codes)
  }

  /// `Xᵀ diag(w) X` and, when `v` is given, `Xᵀ v`, using `structure` (from this matrix's
  /// `indicatorStructure()`): `dsyrk` on row blocks of the dense columns only, per-level sums for
  /// the indicator columns. Equal to `weightedGram(weights:vector:)` up to rounding.
  ///
  /// - Precondition: `w.count == rows`, every `w[i] ≥ 0`; `v?.count == rows`; `structure` describes
  ///   this matrix.
  /// - Complexity: O(n d² + n d) flops for d dense columns.
  public func weightedGram(
    weights w: [Double], vector v: [Double]? = nil, structure: IndicatorStructure?
  ) -> (gram: Matrix, product: [Double]) {
    guard let structure else { return weightedGram(weights: w, vector: v) }
    precondition(w.count == rows, "weight count \(w.count) does not match \(rows) rows")
    precondition(structure.describes(self), "indicator structure of another matrix")
    if let v { precondition(v.count == rows, "vector length \(v.count) does not match \(rows) rows") }
    let n = rows
    let p = structure.columnCount
    let partition = Matrix.partition(rows: n, accumulator: p * p + p)
    let parts = PartialSums(count: partition.count, size: p * p + p)
    storage.withUnsafeBufferPointer { xs in
      w.withUnsafeBufferPointer { wp in
        structure.codes.withUnsafeBufferPointer { cp in
          let job = IndicatorGramJob(
            x: xs.baseAddress.unsafelyUnwrapped, w: wp.baseAddress.unsafelyUnwrapped,
            codes: cp.baseAddress.unsafelyUnwrapped, n: n, p: p, dense: structure.denseColumns,
            denseStorage: structure.storedDenseColumns, indicators: structure.indicatorColumns,
            denseRuns: structure.denseRuns)
          func run(_ vp: UnsafePointer<Double>?) {
            var j = job
            j.v = vp
            let job = j
            concurrentForEach(partition.count) { k in
              parts.withPart(k) { job.accumulate(rows: partition[k], into: $0) }
            }
          }
          if let v {
            v.withUnsafeBufferPointer { run($0.baseAddress) }
          } else {
            run(nil)
          }
        }
      }
    }
    return parts.gramAndProduct(p: p)
  }
}

/// The inputs of one indicator-aware weighted Gram pass (raw pointers valid for the pass).
struct IndicatorGramJob: @unchecked Sendable {
  let x: UnsafePointer<Double>
  let w: UnsafePointer<Double>
  let codes: UnsafePointer<Int32>
  var v: UnsafePointer<Double>?
  let n: Int
  let p: Int
  /// The dense columns' full indices (their places in `X'WX`).
  let dense: [Int]
  /// Where each dense column is stored in `x` (its full index, or its position in a compact matrix).
  let denseStorage: [Int]
  let indicators: [Int]
  let denseRuns: [DenseRun]
  /// Rows transposed at a time (their `d` values each stay in L1).
  static let tile = 64

  /// Adds the rows' upper-triangular `Xᵀ W X` and `Xᵀ v` to `acc` (p² + p entries).
  ///
  /// Per block of rows the dense columns, scaled by `√wᵢ`, are copied row-major (each row's `d`
  /// values contiguous): `dsyrk` gives the dense block, and each row adds its values times `√wᵢ`
  /// to its level's row of cross sums as one contiguous vector (reference-level rows go to a
  /// spare row that is dropped). The score's dense part is one `dgemv` per run of adjacent dense
  /// columns.
  func accumulate(rows: Range<Int>, into acc: UnsafeMutablePointer<Double>) {
    let d = dense.count
    let k = indicators.count
    let block = Matrix.rowBlock
    let chunk = UnsafeMutablePointer<Double>.allocate(capacity: block * Swift.max(d, 1))
    defer { chunk.deallocate() }
    let root = UnsafeMutablePointer<Double>.allocate(capacity: block)
    defer { root.deallocate() }
    let level = UnsafeMutablePointer<Int>.allocate(capacity: block)
    defer { level.deallocate() }
    // Runs of adjacent dense columns, for the score's dgemv.
    let runs = denseRuns
    // Local accumulators: dense × dense (upper, d × d), level × dense cross sums ((k + 1) × d,
    // the last row for reference-level rows), level weight sums (k + 1), and the score (p).
    let denseGram = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(d * d, 1))
    denseGram.initialize(repeating: 0, count: Swift.max(d * d, 1))
    defer { denseGram.deallocate() }
    let cross = UnsafeMutablePointer<Double>.allocate(capacity: (k + 1) * Swift.max(d, 1))
    cross.initialize(repeating: 0, count: (k + 1) * Swift.max(d, 1))
    defer { cross.deallocate() }
    var levelWeight = [Double](repeating: 0, count: k + 1)
    var score = [Double](repeating: 0, count: p)
    var start = rows.lowerBound
    while start < rows.upperBound {
      let m = Swift.min(block, rows.upperBound - start)
      for i in 0..<m {
        root[i] = w[start + i].squareRoot()
        let c = Int(codes[start + i])
        level[i] = c >= 0 ? c : k
        levelWeight[level[i]] += w[start + i]
      }
      if d > 0 {
        // Transposed a tile of rows at a time, so that the tile's rows stay in L1 while they
        // are written column by column and then added to their levels' cross sums.
        var t = 0
        while t < m {
          let tm = Swift.min(Self.tile, m - t)
          let rt = root + t
          for a in 0..<d {
            let src = x + denseStorage[a] * n + start + t
            let dst = chunk + t * d + a
            // Indices stay below block × d: unchecked arithmetic keeps the loop free of traps.
            for i in 0..<tm { dst[i &* d] = src[i] * rt[i] }
          }
          for i in t..<(t + tm) {
            let row = chunk + i * d
            let target = cross + level[i] * d
            let r = root[i]
            for a in 0..<d { target[a] += row[a] * r }
          }
          t += tm
        }
        LAPACKCalls.syrkAccumulateColumns(n: d, k: m, a: chunk, lda: d, c: denseGram)
      }
      if let v {
        let vb = v + start
        for run in runs {
          score.withUnsafeMutableBufferPointer { sp in
            LAPACKCalls.gemvBlock(
              trans: true, m: m, n: run.count, alpha: 1, a: x + run.stored * n + start, lda: n, x: vb, beta: 1,
              y: sp.baseAddress.unsafelyUnwrapped + run.first)
          }
        }
        for i in 0..<m where level[i] < k { score[indicators[level[i]]] += vb[i] }
      }
      start += m
    }
    // Into the p × p upper triangle (column-major: entry (r, c), r ≤ c, at c·p + r).
    func add(_ r: Int, _ c: Int, _ value: Double) {
      let (lo, hi) = r <= c ? (r, c) : (c, r)
      acc[hi * p + lo] += value
    }
    for b in 0..<d {
      for a in 0...b { add(dense[a], dense[b], denseGram[b * d + a]) }
    }
    for l in 0..<k {
      add(indicators[l], indicators[l], levelWeight[l])
      for a in 0..<d { add(dense[a], indicators[l], cross[l * d + a]) }
    }
    if v != nil {
      for j in 0..<p { acc[p * p + j] += score[j] }
    }
  }
}

extension Matrix {
  /// `X β` using `structure`: BLAS `dgemv` over each run of adjacent dense columns, plus the
  /// coefficient of each row's level (the indicator columns are never read). The rows of a large
  /// `X` are split into a fixed `RowPartition` run on all cores. Equal to `rowProducts(_:)` up to rounding.
  ///
  /// - Precondition: `beta.count == cols`; `structure` describes this matrix.
  public func rowProducts(_ beta: [Double], structure: IndicatorStructure?) -> [Double] {
    guard let structure else { return rowProducts(beta) }
    precondition(structure.describes(self), "indicator structure of another matrix")
    precondition(beta.count == structure.columnCount, "vector length does not match matrix")
    let n = rows
    var out = [Double](repeating: 0, count: n)
    if n == 0 { return out }
    let denseRuns = structure.denseRuns
    let levelBeta = structure.indicatorColumns.map { beta[$0] }
    let partition = Matrix.partition(rows: n)
    storage.withUnsafeBufferPointer { xs in
      beta.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { op in
          structure.codes.withUnsafeBufferPointer { cp in
            levelBeta.withUnsafeBufferPointer { lp in
              let job = SendableRowProductJob(
                x: xs.baseAddress.unsafelyUnwrapped, beta: bp.baseAddress.unsafelyUnwrapped,
                out: op.baseAddress.unsafelyUnwrapped, codes: cp.baseAddress.unsafelyUnwrapped, level: lp.baseAddress)
              concurrentForEach(partition.count) { k in
                let rows = partition[k]
                addRowProducts(
                  x: job.x, n: n, rows: rows, runs: denseRuns, beta: job.beta, levelBeta: job.level, codes: job.codes,
                  into: job.out + rows.lowerBound)
              }
            }
          }
        }
      }
    }
    return out
  }
}

/// The pointers handed to the threads of `rowProducts(_:structure:)`.
private struct SendableRowProductJob: @unchecked Sendable {
  let x: UnsafePointer<Double>
  let beta: UnsafePointer<Double>
  let out: UnsafeMutablePointer<Double>
  let codes: UnsafePointer<Int32>
  let level: UnsafePointer<Double>?
}

/// Adds `X β` over `rows` of the column-major `n`-row `x` to `y` (which points at the first of
/// those rows): one BLAS `dgemv` per run of columns, plus `levelBeta[codes[i]]` for the rows whose
/// code is not −1 (when given; the indicator columns themselves are then not among the runs).
func addRowProducts(
  x: UnsafePointer<Double>, n: Int, rows: Range<Int>, runs: [DenseRun], beta: UnsafePointer<Double>,
  levelBeta: UnsafePointer<Double>?, codes: UnsafePointer<Int32>?, into y: UnsafeMutablePointer<Double>
) {
  let start = rows.lowerBound
  for run in runs {
    LAPACKCalls.gemvBlock(
      trans: false, m: rows.count, n: run.count, alpha: 1, a: x + run.stored * n + start, lda: n,
      x: beta + run.first, beta: 1, y: y)
  }
  guard let levelBeta, let codes else { return }
  for i in 0..<rows.count where codes[start + i] >= 0 { y[i] += levelBeta[Int(codes[start + i])] }
}
