import Foundation
import Strata

/// The one progress display of the CLI: a line on standard error with the task, a percent and an
/// estimated time left, redrawn in place at most `maximumRate` times a second and cleared when
/// the work ends. It draws only when standard error is a terminal, so pipes, logs and test
/// output stay clean. Users: replicate refits (`fit`), the mediation bootstrap (`mediate`), file
/// loads of `progressMinimumBytes` or more (`loadData`), margins (`--over` groups, `--at` points).
///
///     let reporter = ProgressLine.forStandardError()
///     defer { reporter?.finish() }
///     let fit = try Model.fit(spec, data: frame, progress: reporter?.handler)
///
/// Library layers never print: they call the `ProgressHandler` they are given (`handler`).
final class ProgressLine: @unchecked Sendable {
  /// Redraws per second at most.
  static let maximumRate = 10.0
  /// Work expected to take less than this (seconds) is never drawn.
  static let quietPeriod = 0.5

  /// Seconds of work before the first redraw (`quietPeriod` unless the work is known to be long).
  let quiet: Double

  private let lock = NSLock()
  private let write: (String) -> Void
  private let now: () -> Double
  private let start: Double
  private var lastDraw = -Double.infinity
  private var drawn = false

  /// A reporter writing through `write`, timed by `now` (seconds): tests pass both. It stays
  /// quiet for the first `quietPeriod` seconds.
  init(write: @escaping (String) -> Void, now: @escaping () -> Double, quietPeriod: Double = ProgressLine.quietPeriod) {
    self.write = write
    self.now = now
    self.start = now()
    self.quiet = quietPeriod
  }

  /// A reporter on standard error when it is a terminal; `nil` otherwise. `quietPeriod` 0 draws
  /// from the first update (for work known to be long, such as a large file).
  ///
  /// `STRATA_PROGRESS_QUIET_SECONDS` (a number of seconds ≥ 0) replaces the quiet period of every
  /// progress line, so tests on fast machines see the drawing without depending on timing.
  static func forStandardError(quietPeriod: Double = ProgressLine.quietPeriod) -> ProgressLine? {
    guard isatty(STDERR_FILENO) == 1 else { return nil }
    var quiet = quietPeriod
    if let text = ProcessInfo.processInfo.environment["STRATA_PROGRESS_QUIET_SECONDS"],
      let seconds = Double(text), seconds.isFinite, seconds >= 0
    {
      quiet = seconds
    }
    return ProgressLine(
      write: { FileHandle.standardError.write(Data($0.utf8)) },
      now: { Date.timeIntervalSinceReferenceDate }, quietPeriod: quiet)
  }

  /// The handler to give the library.
  var handler: ProgressHandler { { [self] progress in update(progress) } }

  /// Records progress; redraws when the last redraw is at least 1/`maximumRate` s old and the
  /// work has run for the quiet period, so short work shows nothing.
  func update(_ progress: WorkProgress) {
    lock.lock()
    defer { lock.unlock() }
    let t = now()
    let elapsed = t - start
    guard elapsed >= quiet, t - lastDraw >= 1 / Self.maximumRate else { return }
    lastDraw = t
    drawn = true
    write("\r\u{1B}[K" + Self.format(progress, elapsed: elapsed))
  }

  /// Clears the line if anything was drawn.
  func finish() {
    lock.lock()
    defer { lock.unlock() }
    if drawn { write("\r\u{1B}[K") }
    drawn = false
  }

  /// `replicate refits  42% (21/50), about 13 s left`, `reading big.csv  42% (120.5/286.1 MB), about
  /// 3 s left`: the ETA assumes the remaining steps take as long as the ones done (none is given
  /// before the first step ends).
  static func format(_ p: WorkProgress, elapsed: Double) -> String {
    let total = max(p.total, 1)
    let done = min(max(p.completed, 0), total)
    let percent = Int((100 * Double(done) / Double(total)).rounded(.down))
    let counts: String
    switch p.unit {
    case .steps: counts = "\(done)/\(total)"
    case .bytes: counts = String(format: "%.1f/%.1f MB", Double(done) / 1048576, Double(total) / 1048576)
    }
    var line = "\(p.task) \(String(repeating: " ", count: percent < 10 ? 2 : percent < 100 ? 1 : 0))\(percent)% (\(counts))"
    if done > 0 && done < total {
      let left = elapsed * Double(total - done) / Double(done)
      line += ", about \(duration(left)) left"
    }
    return line
  }

  /// `7 s`, `2 min 05 s`, `1 h 03 min`.
  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded(.up))
    if s < 60 { return "\(s) s" }
    if s < 3600 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
    return "\(s / 3600) h \(String(format: "%02d", (s % 3600) / 60)) min"
  }
}
