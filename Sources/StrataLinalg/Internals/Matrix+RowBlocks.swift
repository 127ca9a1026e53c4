// Row-blocked, multithreaded kernels for tall-skinny matrices (IRLS, sandwiches).
//
// Every kernel here splits the rows by a `RowPartition` (which depends on the row count only),
// gives each part its own accumulator and adds the parts in part order, so its results are
// bit-identical for any number of threads; the threads only decide which part runs where.

import StrataSupport

extension Matrix {
  /// Rows per block: a `block × p` slice of a few hundred columns stays in the L2 cache.
  static let rowBlock = 2048

  /// The fixed partition of a pass over `rows` rows with per-part accumulators of `accumulator`
  /// doubles (one part below 2¹⁶ rows); the parts run on up to `WorkerThreads.count` threads.
  static func partition(rows: Int, accumulator: Int = 0) -> RowPartition {
    _ = LAPACKCalls.singleThreadedBLAS  // these kernels do their own threading
    return RowPartition(rows: rows, accumulator: accumulator)
  }

  /// `Xᵀ diag(w) X` and, when `v` is given, `Xᵀ v`, in one pass over row blocks.
  ///
  ///     let (xtwx, score) = x.weightedGram(weights: w, vector: m)   // IRLS information and score
  ///
  /// Each block of `√w`-scaled rows is copied once into a cache-sized buffer and goes through BLAS
  /// `dsyrk`; `Xᵀ v` is a `dgemv` on the same block of `X` while it is in cache. The rows of a large
  /// `X` are split into a fixed `RowPartition` whose parts run on all cores, each with its own
  /// accumulators, summed in part order (so no `n × p` scaled copy of `X` is ever made, and the
  /// result does not depend on the thread count). The result is exactly symmetric.
  ///
  /// - Precondition: `w.count == rows`, every `w[i] ≥ 0`; `v?.count == rows`.
  /// - Complexity: O(n p²) flops, O(parts × (block × p + p²)) extra memory.
  public func weightedGram(weights w: [Double], vector v: [Double]? = nil) -> (gram: Matrix, product: [Double]) {
    precondition(w.count == rows, "weight count \(w.count) does not match \(rows) rows")
    if let v { precondition(v.count == rows, "vector length \(v.count) does not match \(rows) rows") }
    let n = rows
    let p = cols
    if n == 0 || p == 0 {
      return (Matrix(rows: p, cols: p), [Double](repeating: 0, count: p))
    }
    let partition = Matrix.partition(rows: n, accumulator: p * p + p)
    let parts = PartialSums(count: partition.count, size: p * p + p)
    storage.withUnsafeBufferPointer { xs in
      w.withUnsafeBufferPointer { wp in
        let job = GramJob(
          x: xs.baseAddress.unsafelyUnwrapped, w: wp.baseAddress.unsafelyUnwrapped,
          v: nil, n: n, p: p)
        if let v {
          v.withUnsafeBufferPointer { vb in
            var j = job
            j.v = vb.baseAddress
            Matrix.runGram(j, partition: partition, parts: parts)
          }
        } else {
          Matrix.runGram(job, partition: partition, parts: parts)
        }
      }
    }
    return parts.gramAndProduct(p: p)
  }

  private static func runGram(_ job: GramJob, partition: RowPartition, parts: PartialSums) {
    concurrentForEach(partition.count) { k in
      parts.withPart(k) { job.accumulate(rows: partition[k], into: $0) }
    }
  }

  /// `X β` with the rows of a large `X` split into a fixed `RowPartition` run on all cores (BLAS
  /// `dgemv` per part).
  ///
  /// - Precondition: `beta.count == cols`.
  public func rowProducts(_ beta: [Double]) -> [Double] {
    precondition(beta.count == cols, "vector length does not match matrix")
    let n = rows
    let p = cols
    var out = [Double](repeating: 0, count: n)
    if n == 0 || p == 0 { return out }
    let partition = Matrix.partition(rows: n)
    storage.withUnsafeBufferPointer { xs in
      beta.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { op in
          let x = SendablePointer(xs.baseAddress.unsafelyUnwrapped)
          let b = SendablePointer(bp.baseAddress.unsafelyUnwrapped)
          let o = SendableMutablePointer(op.baseAddress.unsafelyUnwrapped)
          concurrentForEach(partition.count) { k in
            let (lo, hi) = (partition[k].lowerBound, partition[k].upperBound)
            LAPACKCalls.gemvBlock(
              trans: false, m: hi - lo, n: p, alpha: 1, a: x.pointer + lo, lda: n, x: b.pointer, beta: 0,
              y: o.pointer + lo)
          }
        }
      }
    }
    return out
  }
}

/// The inputs of one weighted Gram pass (raw pointers valid for the pass).
struct GramJob: @unchecked Sendable {
  let x: UnsafePointer<Double>
  let w: UnsafePointer<Double>
  var v: UnsafePointer<Double>?
  let n: Int
  let p: Int

  /// Adds the rows' `Xᵀ W X` (upper triangle) and `Xᵀ v` to `acc` (p² + p entries).
  func accumulate(rows: Range<Int>, into acc: UnsafeMutablePointer<Double>) {
    let block = Matrix.rowBlock
    let chunk = UnsafeMutablePointer<Double>.allocate(capacity: block * p)
    defer { chunk.deallocate() }
    let root = UnsafeMutablePointer<Double>.allocate(capacity: block)
    defer { root.deallocate() }
    var start = rows.lowerBound
    while start < rows.upperBound {
      let m = Swift.min(block, rows.upperBound - start)
      for i in 0..<m { root[i] = w[start + i].squareRoot() }
      for j in 0..<p {
        let src = x + j * n + start
        let dst = chunk + j * m
        for i in 0..<m { dst[i] = src[i] * root[i] }
      }
      LAPACKCalls.syrkAccumulate(n: p, k: m, a: chunk, lda: m, c: acc)
      if let v {
        LAPACKCalls.gemvBlock(trans: true, m: m, n: p, alpha: 1, a: x + start, lda: n, x: v + start, beta: 1, y: acc + p * p)
      }
      start += m
    }
  }
}

/// Per-part accumulators, summed in part order (the same for any thread count).
final class PartialSums: @unchecked Sendable {
  private let storage: UnsafeMutablePointer<Double>
  private let count: Int
  private let size: Int

  init(count: Int, size: Int) {
    self.count = count
    self.size = size
    storage = UnsafeMutablePointer<Double>.allocate(capacity: count * size)
    storage.initialize(repeating: 0, count: count * size)
  }

  deinit { storage.deallocate() }

  /// Runs `body` on part `k` (each part is touched by one thread only).
  func withPart<R>(_ k: Int, _ body: (UnsafeMutablePointer<Double>) -> R) -> R { body(storage + k * size) }

  func sum() -> [Double] {
    var out = [Double](repeating: 0, count: size)
    for k in 0..<count {
      for i in 0..<size { out[i] += storage[k * size + i] }
    }
    return out
  }

  /// The summed parts read as a `p × p` upper triangle (mirrored to a full symmetric matrix)
  /// followed by a `p`-vector, as the weighted Gram passes accumulate them.
  func gramAndProduct(p: Int) -> (gram: Matrix, product: [Double]) {
    var total = sum()
    let product = Array(total[(p * p)...])
    total.removeLast(p)
    var gram = Matrix(rows: p, cols: p, columnMajor: total)
    gram.mirrorUpperToLower()
    return (gram, product)
  }
}

/// A read-only pointer handed to worker threads.
struct SendablePointer: @unchecked Sendable {
  let pointer: UnsafePointer<Double>
  init(_ p: UnsafePointer<Double>) { pointer = p }
}

/// A pointer whose disjoint ranges worker threads write.
struct SendableMutablePointer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Double>
  init(_ p: UnsafeMutablePointer<Double>) { pointer = p }
}

/// `width` sums over the indices `0 ..< count`: `body(range, &sums)` adds the terms of `range` to
/// `sums` (length `width`). Large counts (≥ 2¹⁶) are split into a fixed `RowPartition` whose parts
/// run on all cores, each with its own sums, added in part order (the same for any thread count).
///
///     let s = rowSums(count: n, width: 2) { range, sums in
///       for i in range { sums[0] += w[i]; sums[1] += w[i] * y[i] }
///     }
public func rowSums(count: Int, width: Int, _ body: @Sendable (Range<Int>, inout [Double]) -> Void) -> [Double] {
  let partition = RowPartition(rows: count, accumulator: width)
  let parts = concurrentMap(partition.count) { k in
    var sums = [Double](repeating: 0, count: width)
    body(partition[k], &sums)
    return sums
  }
  return parts.dropFirst().reduce(parts[0]) { total, part in zip(total, part).map { $0 + $1 } }
}
