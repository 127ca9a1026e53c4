import Foundation

/// How far a long computation has got: `completed` of `total` steps (or bytes) of `task`.
///
/// The library never prints. Long work (reading a large file, the replicate engine's refits,
/// bootstrap resampling, margins over many groups) calls a `ProgressHandler` the caller passes
/// in, and the caller decides what to show: the CLI draws a percent and an ETA on standard error
/// when it is a terminal, and nothing otherwise.
public struct WorkProgress: Sendable, Equatable {
  /// What `completed` and `total` count.
  public enum Unit: Sendable, Equatable {
    /// Steps of the work (replicates, groups, draws).
    case steps
    /// Bytes of a file read so far.
    case bytes
  }

  /// What is being done, e.g. "replicate refits" or "reading wage1.csv".
  public var task: String
  /// Steps done so far (0 ... total).
  public var completed: Int
  /// Steps in all.
  public var total: Int
  /// What the counts count.
  public var unit: Unit

  public init(task: String, completed: Int, total: Int, unit: Unit = .steps) {
    self.task = task
    self.completed = completed
    self.total = total
    self.unit = unit
  }

  /// The share done, in 0 ... 1 (1 when there is nothing to do).
  public var fraction: Double {
    guard total > 0 else { return 1 }
    return Double(min(max(completed, 0), total)) / Double(total)
  }
}

/// Receives `WorkProgress` updates; called on the thread doing the work, possibly often (the
/// receiver throttles).
public typealias ProgressHandler = @Sendable (WorkProgress) -> Void

/// Sums the progress of work split over threads and hands the total to one `ProgressHandler`,
/// never going backwards.
///
///     let counter = ProgressCounter(task: "reading big.csv", total: bytes, unit: .bytes, handler: handler)
///     // on each worker thread, every megabyte or so:
///     counter.add(bytesJustParsed)
///     // when everything is done:
///     counter.finish()
///
/// The handler is called under the counter's lock, so the totals it sees are monotone even when
/// several threads report at once; call `add` every so many rows or bytes, not per row.
public final class ProgressCounter: @unchecked Sendable {
  /// The task named in every update.
  public let task: String
  /// The amount of work in all.
  public let total: Int
  /// What the counts count.
  public let unit: WorkProgress.Unit

  private let handler: ProgressHandler
  private let lock = NSLock()
  private var completed = 0
  private var reported = false

  /// A counter at 0 of `total`.
  public init(task: String, total: Int, unit: WorkProgress.Unit = .steps, handler: @escaping ProgressHandler) {
    self.task = task
    self.total = max(total, 0)
    self.unit = unit
    self.handler = handler
  }

  /// Adds `amount` (ignored unless positive) to the work done and reports the new sum, at most `total`.
  public func add(_ amount: Int) {
    guard amount > 0 else { return }
    lock.lock()
    defer { lock.unlock() }
    completed = min(total, completed + amount)
    reported = true
    handler(WorkProgress(task: task, completed: completed, total: total, unit: unit))
  }

  /// Raises the work done to `value` (at most `total`) and reports it; a value below the last one
  /// reported is ignored, so the reports stay monotone.
  public func advance(to value: Int) {
    lock.lock()
    defer { lock.unlock() }
    let next = min(total, value)
    guard next > completed else { return }
    completed = next
    reported = true
    handler(WorkProgress(task: task, completed: completed, total: total, unit: unit))
  }

  /// Reports the work as complete (`total` of `total`), once.
  public func finish() {
    lock.lock()
    defer { lock.unlock() }
    guard completed < total || !reported else { return }
    completed = total
    reported = true
    handler(WorkProgress(task: task, completed: total, total: total, unit: unit))
  }
}
