// One concurrency helper, one processor count and one fixed row partition for the whole package.

import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The number of processors online when the process started (at least 1), read once.
public let processorCount: Int = Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// How many threads the parallel helpers of this package use at most.
public enum WorkerThreads {
  /// A thread count that replaces ``processorCount`` for the current task (tests use it to show
  /// that results do not depend on the thread count).
  @TaskLocal static var override: Int? = nil

  /// The number of worker threads: ``processorCount``, or the test override (at least 1).
  public static var count: Int { Swift.max(1, override ?? processorCount) }
}

/// `body(k)` for every `k` in `0 ..< count`, run on up to ``WorkerThreads/count`` threads, and the
/// results in the order of `k`.
///
///     let sums = concurrentMap(partition.count) { k in sum(of: rows[partition[k]]) }
///     let total = sums.reduce(0, +)   // the same for any number of threads
///
/// Thread `t` of `T` runs the parts `t, t + T, t + 2T, …`; every result is stored in its own slot,
/// so which thread ran a part never shows in the result. Combine the results in index order to
/// get numbers that do not depend on the machine.
///
/// - Complexity: `count` calls of `body`, spread over `min(count, WorkerThreads.count)` threads.
public func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
  precondition(count >= 0, "negative task count")
  if count == 0 { return [] }
  let threads = Swift.min(count, WorkerThreads.count)
  if threads == 1 { return (0..<count).map(body) }
  let slots = Slots<T>(count: count)
  DispatchQueue.concurrentPerform(iterations: threads) { t in
    for k in stride(from: t, to: count, by: threads) { slots.store(body(k), at: k) }
  }
  return slots.values()
}

/// `body(k)` for every `k` in `0 ..< count`, run on up to ``WorkerThreads/count`` threads (see
/// ``concurrentMap(_:_:)``); for bodies that write disjoint parts of a shared output.
public func concurrentForEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
  _ = concurrentMap(count) { k -> Bool in
    body(k)
    return true
  }
}

/// A split of the rows `0 ..< rows` into contiguous parts that depends only on the row count (and
/// the size of a per-part accumulator), never on the number of threads.
///
///     let partition = RowPartition(rows: n, accumulator: p * p)
///     let parts = concurrentMap(partition.count) { k in gram(rows: partition[k]) }
///     // summed in part order: bit-identical on 1, 2 or 64 cores
///
/// Below 2¹⁶ rows there is one part. Above, one part per 2¹⁵ rows, at most 16, and at most as many
/// as keep the accumulators within 2²² doubles (32 MB) — but always at least 2.
public struct RowPartition: Sendable, Equatable {
  /// The number of rows split.
  public let rows: Int
  /// The number of parts (at least 1).
  public let count: Int

  /// The partition of `rows` rows for per-part accumulators of `accumulator` doubles.
  public init(rows: Int, accumulator: Int = 0) {
    precondition(rows >= 0, "negative row count")
    self.rows = rows
    if rows < 1 << 16 {
      count = 1
    } else {
      let memory = Swift.max(2, (1 << 22) / Swift.max(1, accumulator))
      count = Swift.max(1, Swift.min(rows >> 15, 16, memory))
    }
  }

  /// The rows of part `k` (the parts are in row order and cover `0 ..< rows`).
  public subscript(k: Int) -> Range<Int> {
    precondition(k >= 0 && k < count, "part \(k) of \(count)")
    return (rows * k / count)..<(rows * (k + 1) / count)
  }
}

/// One result slot per task, each written by one thread only, read after the tasks finish.
final class Slots<T>: @unchecked Sendable {
  private let slots: UnsafeMutablePointer<T?>
  private let count: Int

  init(count: Int) {
    self.count = count
    slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
  }

  deinit {
    slots.deinitialize(count: count)
    slots.deallocate()
  }

  func store(_ value: T, at index: Int) { slots[index] = value }

  func values() -> [T] { (0..<count).map { slots[$0]! } }
}
