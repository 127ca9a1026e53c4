// Building a large matrix column by column on all cores.

import StrataSupport

extension Matrix {
  /// A `rows × cols` matrix whose column `j` is written by `fill(j, &column)`, and each call's
  /// result. `fill` must assign every element of its column before reading any: the storage is
  /// neither zeroed nor otherwise written first (for a model matrix of 1e6 × 46, each such pass
  /// writes 368 MB). The columns of a large matrix
  /// are split into contiguous groups, one per worker thread, so the first touch of their memory
  /// is shared too. Each column is written by one `fill` call, so the result does not depend on
  /// the number of threads.
  ///
  ///     let (x, finite) = Matrix.fillingColumns(rows: n, cols: p) { j, column in
  ///       for i in column.indices { column[i] = source[j][i] }
  ///       return true
  ///     }
  ///
  /// - Complexity: O(rows × cols) plus what `fill` does.
  public static func fillingColumns<Result: Sendable>(
    rows: Int, cols: Int, _ fill: @Sendable (Int, inout MutableSpan<Double>) -> Result
  ) -> (matrix: Matrix, results: [Result]) {
    precondition(rows >= 0 && cols >= 0, "negative matrix dimension")
    if rows * cols == 0 {
      var empty: [Double] = []
      var results: [Result] = []
      for j in 0..<cols {
        var span = empty.mutableSpan
        results.append(fill(j, &span))
      }
      return (Matrix(rows: rows, cols: cols), results)
    }
    let threads = rows * cols >= 1 << 20 ? Swift.min(cols, WorkerThreads.count) : 1
    var results: [Result] = []
    let storage = [Double](unsafeUninitializedCapacity: rows * cols) { buffer, count in
      let base = SendableMutablePointer(buffer.baseAddress.unsafelyUnwrapped)
      results = concurrentMap(threads) { t -> [Result] in
        let first = t * cols / threads
        let last = (t + 1) * cols / threads
        prefaultPages(UnsafeMutableRawPointer(base.pointer + first * rows), bytes: (last - first) * rows * 8)
        return (first..<last).map { j in
          let column = UnsafeMutableBufferPointer(start: base.pointer + j * rows, count: rows)
          var span = column.mutableSpan
          return fill(j, &span)
        }
      }.flatMap { $0 }
      count = rows * cols
    }
    return (Matrix(rows: rows, cols: cols, columnMajor: storage), results)
  }
}
