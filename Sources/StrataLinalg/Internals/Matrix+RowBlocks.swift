// Row-blocked, two-thread kernels for tall-skinny matrices (IRLS, sandwiches).

import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Matrix {
  /// Rows per block: a `block × p` slice of a few hundred columns stays in the L2 cache.
  static let rowBlock = 2048

  /// The number of threads a pass over `rows` rows uses (1 below 2¹⁶ rows).
  static func threadCount(rows: Int) -> Int {
    _ = LAPACKCalls.singleThreadedBLAS  // these kernels do their own threading
    return rows < 1 << 16 ? 1 : Swift.min(2, onlineProcessors)
  }

  /// `Xᵀ diag(w) X` and, when `v` is given, `Xᵀ v`, in one pass over row blocks.
  ///
  ///     let (xtwx, score) = x.weightedGram(weights: w, vector: m)   // IRLS information and score
  ///
  /// Each block of `√w`-scaled rows is copied once into a cache-sized buffer and goes through BLAS
  /// `dsyrk`; `Xᵀ v` is a `dgemv` on the same block of `X` while it is in cache. The rows are split
  /// between two threads for large `X`, each with its own accumulators, summed at the end (so no
  /// `n × p` scaled copy of `X` is ever made). The result is exactly symmetric.
  ///
  /// - Precondition: `w.count == rows`, every `w[i] ≥ 0`; `v?.count == rows`.
  /// - Complexity: O(n p²) flops, O(threads × block × p) extra memory.
  public func weightedGram(weights w: [Double], vector v: [Double]? = nil) -> (gram: Matrix, product: [Double]) {
    precondition(w.count == rows, "weight count \(w.count) does not match \(rows) rows")
    if let v { precondition(v.count == rows, "vector length \(v.count) does not match \(rows) rows") }
    let n = rows
    let p = cols
    if n == 0 || p == 0 {
      return (Matrix(rows: p, cols: p), [Double](repeating: 0, count: p))
    }
    let threads = Matrix.threadCount(rows: n)
    let parts = PartialSums(count: threads, size: p * p + p)
    storage.withUnsafeBufferPointer { xs in
      w.withUnsafeBufferPointer { wp in
        let job = GramJob(
          x: xs.baseAddress.unsafelyUnwrapped, w: wp.baseAddress.unsafelyUnwrapped,
          v: nil, n: n, p: p)
        if let v {
          v.withUnsafeBufferPointer { vb in
            var j = job
            j.v = vb.baseAddress
            Matrix.runGram(j, threads: threads, parts: parts)
          }
        } else {
          Matrix.runGram(job, threads: threads, parts: parts)
        }
      }
    }
    return parts.gramAndProduct(p: p)
  }

  private static func runGram(_ job: GramJob, threads: Int, parts: PartialSums) {
    let n = job.n
    if threads == 1 {
      parts.withPart(0) { job.accumulate(rows: 0..<n, into: $0) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      let lo = n * t / threads
      let hi = n * (t + 1) / threads
      parts.withPart(t) { job.accumulate(rows: lo..<hi, into: $0) }
    }
  }

  /// `X β` with the rows split between two threads for large `X` (BLAS `dgemv` per part).
  ///
  /// - Precondition: `beta.count == cols`.
  public func rowProducts(_ beta: [Double]) -> [Double] {
    precondition(beta.count == cols, "vector length does not match matrix")
    let n = rows
    let p = cols
    var out = [Double](repeating: 0, count: n)
    if n == 0 || p == 0 { return out }
    let threads = Matrix.threadCount(rows: n)
    storage.withUnsafeBufferPointer { xs in
      beta.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { op in
          let x = SendablePointer(xs.baseAddress.unsafelyUnwrapped)
          let b = SendablePointer(bp.baseAddress.unsafelyUnwrapped)
          let o = SendableMutablePointer(op.baseAddress.unsafelyUnwrapped)
          DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = n * t / threads
            let hi = n * (t + 1) / threads
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

/// The number of online processors, read once (at least 1).
let onlineProcessors = Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

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

/// Per-thread accumulators, summed in thread order (deterministic for a given thread count).
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
/// `sums` (length `width`). Large counts (≥ 2¹⁶) are split between two threads, each with its own
/// sums, added in thread order (deterministic for a given thread count).
///
///     let s = rowSums(count: n, width: 2) { range, sums in
///       for i in range { sums[0] += w[i]; sums[1] += w[i] * y[i] }
///     }
public func rowSums(count: Int, width: Int, _ body: @Sendable (Range<Int>, inout [Double]) -> Void) -> [Double] {
  let threads = Matrix.threadCount(rows: count)
  let parts = concurrentMap(threads) { t in
    var sums = [Double](repeating: 0, count: width)
    body((count * t / threads)..<(count * (t + 1) / threads), &sums)
    return sums
  }
  return parts.dropFirst().reduce(parts[0]) { total, part in zip(total, part).map { $0 + $1 } }
}
