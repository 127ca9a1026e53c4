/// How far a long computation has got: `completed` of `total` steps of `task`.
///
/// The library never prints. Long loops (the replicate engine's refits, bootstrap resampling)
/// call a `ProgressHandler` the caller passes in, and the caller decides what to show: the CLI
/// draws a percent and an ETA on standard error when it is a terminal, and nothing otherwise.
public struct WorkProgress: Sendable, Equatable {
  /// What is being done, e.g. "replicate refits".
  public var task: String
  /// Steps done so far (0 ... total).
  public var completed: Int
  /// Steps in all.
  public var total: Int

  public init(task: String, completed: Int, total: Int) {
    self.task = task
    self.completed = completed
    self.total = total
  }
}

/// Receives `WorkProgress` updates; called on the thread doing the work, possibly often (the
/// receiver throttles).
public typealias ProgressHandler = @Sendable (WorkProgress) -> Void
