// A row-blocked pass that evaluates many coefficient vectors at once (replicate refits).

import Dispatch

extension Matrix {
  /// `Xᵀ M` where `M = f(X B)` is formed a block of rows at a time: the score of many coefficient
  /// vectors in one pass over `X`.
  ///
  ///     // One Fisher-scoring pass for k replicates at once: B is p × k.
  ///     let scores = x.batchedScores(coefficients: b) { rows, block in
  ///       // block holds η = X B for `rows` (block.rows × k); replace it with the multipliers.
  ///     }
  ///
  /// For each block of rows, `E = X_blk B` is one BLAS `dgemm`, `multipliers(rows, &E)` overwrites
  /// `E` in place with per-row, per-column multipliers, and `X_blkᵀ E` is added to the result by a
  /// second `dgemm` while the block of `X` is still in cache. The rows are split between two
  /// threads for large `X` (each with its own accumulator, summed in a fixed order), so
  /// `multipliers` runs concurrently on disjoint row ranges. No `n × k` matrix is ever formed.
  ///
  /// - Parameters:
  ///   - b: `cols × k` coefficients, one column per vector.
  ///   - multipliers: receives the data-row range of a block and its `η` (block rows × k,
  ///     column-major), and overwrites it with the multipliers of those rows.
  /// - Returns: `cols × k`, the column `j` of which is `Xᵀ m_j`.
  /// - Complexity: O(n p k) flops, O(threads × block × (p + k)) extra memory.
  public func batchedScores(
    coefficients b: Matrix, multipliers: @Sendable (_ rows: Range<Int>, _ block: inout Matrix) -> Void
  ) -> Matrix {
    precondition(b.rows == cols, "coefficient rows \(b.rows) do not match \(cols) columns")
    let n = rows
    let p = cols
    let k = b.cols
    if n == 0 || p == 0 || k == 0 { return Matrix(rows: p, cols: k) }
    let threads = Matrix.threadCount(rows: n)
    let parts = PartialSums(count: threads, size: p * k)
    storage.withUnsafeBufferPointer { xs in
      b.storage.withUnsafeBufferPointer { bs in
        let x = SendablePointer(xs.baseAddress.unsafelyUnwrapped)
        let coefficients = SendablePointer(bs.baseAddress.unsafelyUnwrapped)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
          let lo = n * t / threads
          let hi = n * (t + 1) / threads
          parts.withPart(t) { acc in
            var block = Matrix(rows: Swift.min(Matrix.rowBlock, hi - lo), cols: k)
            var start = lo
            while start < hi {
              let m = Swift.min(Matrix.rowBlock, hi - start)
              if block.rows != m { block = Matrix(rows: m, cols: k) }
              block.storage.withUnsafeMutableBufferPointer { e in
                LAPACKCalls.gemmBlock(
                  transA: false, m: m, n: k, k: p, alpha: 1, a: x.pointer + start, lda: n,
                  b: coefficients.pointer, ldb: p, beta: 0, c: e.baseAddress.unsafelyUnwrapped, ldc: m)
              }
              multipliers(start..<(start + m), &block)
              block.storage.withUnsafeBufferPointer { e in
                LAPACKCalls.gemmBlock(
                  transA: true, m: p, n: k, k: m, alpha: 1, a: x.pointer + start, lda: n,
                  b: e.baseAddress.unsafelyUnwrapped, ldb: m, beta: 1, c: acc, ldc: p)
              }
              start += m
            }
          }
        }
      }
    }
    return Matrix(rows: p, cols: k, columnMajor: parts.sum())
  }
}
