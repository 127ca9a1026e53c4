// A row-blocked pass that evaluates many coefficient vectors at once (replicate refits).

import StrataSupport

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
  /// second `dgemm` while the block of `X` is still in cache. The rows of a large `X` are split into
  /// a fixed `RowPartition` run on all cores (each part with its own accumulator, summed in part
  /// order, so the result does not depend on the thread count), so `multipliers` runs
  /// concurrently on disjoint row ranges. No `n × k` matrix is ever formed.
  ///
  /// - Parameters:
  ///   - b: `cols × k` coefficients, one column per vector.
  ///   - multipliers: receives the data-row range of a block and its `η` (block rows × k,
  ///     column-major), and overwrites it with the multipliers of those rows.
  /// - Returns: `cols × k`, the column `j` of which is `Xᵀ m_j`.
  /// - Complexity: O(n p k) flops, O(parts × (block + p) × k) extra memory.
  public func batchedScores(
    coefficients b: Matrix, multipliers: @Sendable (_ rows: Range<Int>, _ block: inout Matrix) -> Void
  ) -> Matrix {
    precondition(b.rows == cols, "coefficient rows \(b.rows) do not match \(cols) columns")
    let n = rows
    let p = cols
    let k = b.cols
    if n == 0 || p == 0 || k == 0 { return Matrix(rows: p, cols: k) }
    let partition = Matrix.partition(rows: n, accumulator: p * k)
    let parts = PartialSums(count: partition.count, size: p * k)
    storage.withUnsafeBufferPointer { xs in
      b.storage.withUnsafeBufferPointer { bs in
        let x = SendablePointer(xs.baseAddress.unsafelyUnwrapped)
        let coefficients = SendablePointer(bs.baseAddress.unsafelyUnwrapped)
        concurrentForEach(partition.count) { part in
          let (lo, hi) = (partition[part].lowerBound, partition[part].upperBound)
          parts.withPart(part) { acc in
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
