import CMalloc
import Foundation

/// glibc's allocator settings for streamed passes (the only StrataScale code calling the
/// allocator): each chunk's arrays (text, parsed columns, model matrix, cache reads) are freed at
/// the end of the chunk and the same sizes are allocated again for the next. With glibc's
/// defaults, arrays above its (adaptive) mmap threshold are unmapped when freed and the free top
/// of the heap is trimmed, so every chunk faults its memory in again: at 1e7 rows a third of a
/// streamed fit's time was system time. Kept instead, the freed memory is reused by the next chunk.
enum StreamAllocator {
  /// glibc's largest accepted mmap threshold on 64-bit machines (`DEFAULT_MMAP_THRESHOLD_MAX`):
  /// arrays up to this size come from the heap and are reused, larger ones are still mapped.
  static let mmapThreshold = 32 << 20

  /// The settings for a memory budget: the mmap threshold (32 MiB), free heap kept up to the budget (`M_TRIM_THRESHOLD`), and the heap grown by a
  /// quarter of the budget at most 256 MiB at a time (`M_TOP_PAD`; pages not yet touched are not
  /// resident). The memory held stays what the passes themselves hold at their peak: freed memory
  /// is kept to be reused, never added to.
  static func settings(budget: Int) -> (mmapThreshold: Int32, trimThreshold: Int32, topPad: Int32) {
    let cap = Int(Int32.max)
    let budget = Swift.max(budget, 1 << 20)
    return (
      Int32(mmapThreshold),
      Int32(Swift.min(budget, cap)),
      Int32(Swift.min(budget / 4, 256 << 20))
    )
  }

  /// Names of the environment variables by which a user sets glibc's allocator: when any is
  /// set, the user's settings stand.
  static let environmentNames = [
    "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES",
  ]

  /// Sets glibc's allocator for passes within `budget` bytes (process-wide; it stays set).
  /// Does nothing when the environment sets the allocator or without glibc.
  ///
  /// - Returns: whether the settings were made.
  /// The corresponding C function is `mallopt`.
  @discardableResult
  static func prepare(budget: Int) -> Bool {
    let environment = ProcessInfo.processInfo.environment
    if environmentNames.contains(where: { environment[$0] != nil }) { return false }
    let s = settings(budget: budget)
    return strata_malloc_configure(s.mmapThreshold, s.trimThreshold, s.topPad) == 1
  }

  /// Gives the heap's free memory back to the kernel (after a streamed fit, so that a
  /// long-running process does not keep the passes' peak).
  /// The corresponding C function is `malloc_trim`.
  static func releaseFreeMemory() {
    _ = strata_malloc_trim()
  }
}
