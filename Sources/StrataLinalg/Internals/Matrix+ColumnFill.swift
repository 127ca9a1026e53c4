// Building a large matrix column by column on both cores.

import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

extension Matrix {
  /// A `rows × cols` matrix whose column `j` is written by `fill(j, &column)`, and each call's
  /// result. `fill` must assign every element of its column before reading any: the storage is
  /// neither zeroed nor otherwise written first (for a model matrix of 1e6 × 46, each such pass
  /// writes 368 MB). Columns are split between
  /// two threads for large matrices, so the first touch of their memory is shared too.
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
    let results = ColumnResults<Result>(count: cols)
    let threads = rows * cols >= 1 << 20 && cols > 1 ? 2 : 1
    let storage = [Double](unsafeUninitializedCapacity: rows * cols) { buffer, count in
      let base = SendableMutablePointer(buffer.baseAddress.unsafelyUnwrapped)
      DispatchQueue.concurrentPerform(iterations: threads) { t in
        let first = t * cols / threads
        let last = (t + 1) * cols / threads
        prefault(base.pointer + first * rows, count: (last - first) * rows)
        for j in first..<last {
          let column = UnsafeMutableBufferPointer(start: base.pointer + j * rows, count: rows)
          var span = column.mutableSpan
          results.store(fill(j, &span), at: j)
        }
      }
      count = rows * cols
    }
    return (Matrix(rows: rows, cols: cols, columnMajor: storage), results.values())
  }
}

/// Maps the pages of a fresh allocation in one call (Linux `MADV_POPULATE_WRITE`) rather than
/// one page fault per 4 KiB on first write; a no-op where the kernel lacks it.
func prefault(_ pointer: UnsafeMutablePointer<Double>, count: Int) {
  #if os(Linux)
    let page = 4096
    let start = (Int(bitPattern: pointer) + page - 1) & ~(page - 1)
    let end = (Int(bitPattern: pointer + count)) & ~(page - 1)
    guard end - start >= 1 << 20, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(address, end - start, 23)  // MADV_POPULATE_WRITE (Linux 5.14)
  #endif
}

/// Per-column results written by the threads of `fillingColumns`, each to its own indices.
final class ColumnResults<Result: Sendable>: @unchecked Sendable {
  private let slots: UnsafeMutablePointer<Result?>
  private let count: Int

  init(count: Int) {
    self.count = count
    slots = UnsafeMutablePointer<Result?>.allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
  }

  deinit {
    slots.deinitialize(count: count)
    slots.deallocate()
  }

  func store(_ value: Result, at index: Int) { slots[index] = value }

  func values() -> [Result] { (0..<count).compactMap { slots[$0] } }
}

/// `body(t)` for `t` in `0 ..< count`, run concurrently (one task each), the results in order.
///
///     let halves = concurrentMap(2) { t in sum(of: t == 0 ? firstHalf : secondHalf) }
public func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
  if count == 1 { return [body(0)] }
  let results = ColumnResults<T>(count: count)
  DispatchQueue.concurrentPerform(iterations: count) { t in results.store(body(t), at: t) }
  return results.values()
}
