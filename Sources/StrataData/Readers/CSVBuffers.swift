// The reader's memory plumbing: a memory-mapped file and column buffers that several threads
// fill at disjoint rows. Like the LAPACK shim (`StrataLinalg/Internals`), this is the one place
// of the fast CSV path that allocates, maps or shares raw memory; the parsing code above it
// reads bytes through `UnsafePointer<UInt8>` (as `CSVScanner` and `parseDouble` do) and writes
// cells only through `ColumnSink`.

import StrataSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only view of a whole file: a private memory mapping guarded against the file
/// shrinking while it is read, or (when no guard slot is free, or mapping fails) a copy read
/// with `read(2)`.
///
/// A mapped page whose file range was truncated away raises `SIGBUS` when touched. The guard
/// (``MappingGuard``) catches that signal for registered mappings, maps zero pages over the rest
/// of the mapping so the reading code runs on, and marks the file as changed; ``changed`` (which
/// also compares the file's size and modification time with those at opening) then tells the
/// caller to discard what it read.
final class MappedFile {
  /// The file's bytes (empty for an empty file).
  let bytes: UnsafeBufferPointer<UInt8>
  private let mapping: UnsafeMutableRawPointer?
  private let copy: UnsafeMutableRawPointer?
  private let slot: Int?
  private let fd: Int32
  private let opened: stat

  /// Opens and maps (or reads) `path`.
  ///
  /// - Throws: `DataError.unreadable` with the system's reason.
  init(path: String) throws {
    fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: systemErrorMessage()) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let reason = systemErrorMessage()
      close(fd)
      throw DataError.unreadable(path: path, reason: reason)
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw DataError.unreadable(path: path, reason: "not a regular file")
    }
    opened = info
    let size = Int(info.st_size)
    guard size > 0 else {
      mapping = nil
      copy = nil
      slot = nil
      bytes = UnsafeBufferPointer(start: nil, count: 0)
      return
    }
    if let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED {
      if let k = MappingGuard.register(p, size) {
        _ = madvise(p, size, MADV_SEQUENTIAL)
        mapping = p
        copy = nil
        slot = k
        bytes = UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: size)
        return
      }
      munmap(p, size)
    }
    // No guarded mapping: read a copy.
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    var done = 0
    while done < size {
      let n = pread(fd, buffer + done, size - done, off_t(done))
      if n < 0 && errno == EINTR { continue }
      if n <= 0 {
        let reason = n < 0 ? systemErrorMessage() : "the file became shorter while it was read"
        buffer.deallocate()
        close(fd)
        throw DataError.unreadable(path: path, reason: reason)
      }
      done += n
    }
    mapping = nil
    copy = buffer
    slot = nil
    bytes = UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: UInt8.self), count: size)
  }

  /// Whether the file was truncated under the mapping (a caught `SIGBUS`), or its size or
  /// modification time differ from those at opening: what was read may be wrong.
  var changed: Bool {
    if let slot, MappingGuard.faulted(slot) { return true }
    var now = stat()
    guard fstat(fd, &now) == 0 else { return true }
    return now.st_size != opened.st_size || now.st_mtim.tv_sec != opened.st_mtim.tv_sec
      || now.st_mtim.tv_nsec != opened.st_mtim.tv_nsec
  }

  deinit {
    if let mapping {
      if let slot { MappingGuard.unregister(slot) }
      munmap(mapping, bytes.count)
    }
    copy?.deallocate()
    close(fd)
  }
}

/// Catches `SIGBUS` in registered file mappings (a file truncated while mapped).
///
/// One process-wide handler, installed on first use, looks the faulting address up in a fixed
/// table of registered mappings. In one, it maps anonymous zero pages from the faulting page to
/// the mapping's end (so the faulting read resumes, reading zeros) and flags the slot. Outside
/// them, it restores the handler that was installed before and returns, so the fault repeats
/// under that handler (the default one ends the process as before).
enum MappingGuard {
  /// How many mappings can be guarded at once; a reader beyond that reads a copy instead.
  static let slotCount = 64

  /// Registers `size` bytes mapped at `base`; `nil` when every slot is taken or the handler
  /// could not be installed.
  static func register(_ base: UnsafeMutableRawPointer, _ size: Int) -> Int? {
    guard guardInstalled else { return nil }
    return guardLock.withLock {
      for k in 0..<slotCount where guardSlots[k].start == 0 {
        guardSlots[k].faulted = 0
        guardSlots[k].end = Int(bitPattern: base) + size
        guardSlots[k].start = Int(bitPattern: base)
        return k
      }
      return nil
    }
  }

  /// Whether a `SIGBUS` was caught in slot `k`'s mapping.
  static func faulted(_ k: Int) -> Bool { guardSlots[k].faulted != 0 }

  static func unregister(_ k: Int) {
    guardLock.withLock {
      guardSlots[k].start = 0
      guardSlots[k].end = 0
    }
  }
}

/// A guarded mapping: `start..<end`, and whether a fault was caught in it.
private struct GuardSlot {
  var start = 0
  var end = 0
  var faulted = 0
}

private let guardLock = PThreadMutex()

/// The slots, in memory that is never freed (the signal handler reads it without a lock).
nonisolated(unsafe) private let guardSlots: UnsafeMutablePointer<GuardSlot> = {
  let p = UnsafeMutablePointer<GuardSlot>.allocate(capacity: MappingGuard.slotCount)
  p.initialize(repeating: GuardSlot(), count: MappingGuard.slotCount)
  return p
}()

/// The `SIGBUS` action in place before ours.
nonisolated(unsafe) private let previousBusAction: UnsafeMutablePointer<sigaction> = {
  let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
  p.initialize(to: sigaction())
  return p
}()

/// The page size, read before the handler is installed (the handler makes no library calls
/// but `mmap` and `sigaction`).
private let guardPageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

/// Installs the handler once; `false` if `sigaction` failed.
private let guardInstalled: Bool = {
  #if os(Linux)
    _ = guardSlots
    _ = previousBusAction
    _ = guardPageSize
    var action = sigaction()
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_SIGINFO
    action.__sigaction_handler.sa_sigaction = { _, info, _ in
      let address = Int(bitPattern: info?.pointee._sifields._sigfault.si_addr)
      for k in 0..<MappingGuard.slotCount {
        let start = guardSlots[k].start
        if start != 0 && address >= start && address < guardSlots[k].end {
          let from = address & ~(guardPageSize - 1)
          _ = mmap(
            UnsafeMutableRawPointer(bitPattern: from), guardSlots[k].end - from, PROT_READ,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
          guardSlots[k].faulted = 1
          return
        }
      }
      // Not a guarded mapping: hand the signal back to the previous handler.
      sigaction(SIGBUS, previousBusAction, nil)
    }
    return sigaction(SIGBUS, &action, previousBusAction) == 0
  #else
    return false
  #endif
}()

/// The number of `\n` bytes in `base[start..<end]`: sixteen bytes at a time into per-lane byte
/// counters (added up every 255 vectors, before they can wrap), then eight, then one.
func lineFeedCount(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
  let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
  let lineFeeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
  let raw = UnsafeRawPointer(base)
  var count = 0
  var i = start
  let newline = SIMD16<UInt8>(repeating: 0x0A)
  let one = SIMD16<UInt8>(repeating: 1)
  while i + 16 <= end {
    var lanes = SIMD16<UInt8>()
    var k = 0
    while k < 255 && i + 16 <= end {
      let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
      lanes &+= one.replacing(with: 0, where: v .!= newline)
      i += 16
      k += 1
    }
    count &+= Int(SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
  }
  while i + 8 <= end {
    let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ lineFeeds
    // The high bit of each byte of `zero` is set exactly where `x` has a zero byte.
    let zero = ~(((x & low) &+ low) | x | low)
    count &+= zero.nonzeroBitCount
    i += 8
  }
  while i < end {
    if base[i] == 0x0A { count += 1 }
    i += 1
  }
  return count
}

/// Whether `base[start..<end]` contains `byte`.
func contains(_ byte: UInt8, _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
  end > start && memchr(base + start, Int32(byte), end - start) != nil
}

/// Per-column output buffers of `capacity` rows (values with a missing mask, and factor codes),
/// filled by several threads at disjoint row ranges.
///
/// Every column has all three buffers; a column uses either values and mask or codes. Pages
/// that are never written are never touched. Obtained only through ``withColumnSink``, which
/// keeps the buffers alive and unshared for the duration.
struct ColumnSink: @unchecked Sendable {
  let capacity: Int
  fileprivate let values: [UnsafeMutablePointer<Double>]
  fileprivate let missing: [UnsafeMutablePointer<Bool>]
  fileprivate let codes: [UnsafeMutablePointer<Int32>]

  /// Stores a number (or a missing cell, with `.nan`) at `row` of column `j`.
  @inline(__always)
  func store(_ j: Int, _ row: Int, _ value: Double, missing isMissing: Bool) {
    values[j][row] = value
    missing[j][row] = isMissing
  }

  /// Maps the pages of rows `rows` of column `j`'s values and mask ahead of their writes (one
  /// `MADV_POPULATE_WRITE` call each instead of a page fault per 4 KiB); a no-op on kernels
  /// without it.
  func prefault(_ j: Int, rows: Range<Int>) {
    let rows = rows.clamped(to: 0..<capacity)
    prefaultPages(UnsafeMutableRawPointer(values[j] + rows.lowerBound), bytes: rows.count * 8)
    prefaultPages(UnsafeMutableRawPointer(missing[j] + rows.lowerBound), bytes: rows.count)
  }

  /// Stores a factor code at `row` of column `j`.
  @inline(__always)
  func storeCode(_ j: Int, _ row: Int, _ code: Int32) {
    codes[j][row] = code
  }

  /// Replaces the codes `c ≥ 0` of rows `rows` of column `j` by `map[c]`.
  func remapCodes(_ j: Int, rows: Range<Int>, _ map: [Int32]) {
    let p = codes[j]
    map.withUnsafeBufferPointer { m in
      for i in rows where p[i] >= 0 { p[i] = m[Int(p[i])] }
    }
  }

  /// Moves rows `from..<from+count` to start at `to` (`to ≤ from`) in the given columns.
  func moveRows(from: Int, to: Int, count: Int, numeric: [Int], text: [Int]) {
    guard count > 0, from != to else { return }
    for j in numeric {
      (values[j] + to).update(from: values[j] + from, count: count)
      (missing[j] + to).update(from: missing[j] + from, count: count)
    }
    for j in text { (codes[j] + to).update(from: codes[j] + from, count: count) }
  }
}

/// The columns a ``withColumnSink`` body filled: the row count and, per column, whether it used
/// the values and mask (`true`) or the codes (`false`).
struct ColumnSinkLayout {
  var rows: Int
  var numeric: [Bool]
}

/// Up to this many columns the sink's buffers are the result arrays themselves, each held by its
/// own scope (three nested scopes per column, so the stack use is bounded by this number); wider
/// files are filled into separately allocated buffers that are copied into arrays at the end.
let columnSinkNestingLimit = 64

/// Calls `body` with a sink over fresh, uninitialized buffers of `capacity` rows for
/// `columnCount` columns, then returns the buffers as arrays truncated to `body`'s row count.
///
/// The buffers are uninitialized (pages are touched only when written), and `body` must have
/// written rows `0..<rows` of each numeric column's values and mask, and of each text column's
/// codes, before returning its layout. The other buffer kind of a column is returned empty (or
/// as garbage that is to be dropped).
///
/// The stack use does not grow with the column count: up to ``columnSinkNestingLimit`` columns
/// the arrays are written in place (no copy: the standard wide-but-not-huge survey file), beyond
/// it each column is copied once from a plain allocation, which costs a pass over the data but
/// no stack.
func withColumnSink(
  columnCount: Int, capacity: Int, _ body: (ColumnSink) throws -> ColumnSinkLayout
) throws -> (rows: Int, values: [[Double]], missing: [[Bool]], codes: [[Int32]]) {
  if columnCount <= columnSinkNestingLimit {
    return try withColumnSinkInPlace(columnCount: columnCount, capacity: capacity, body)
  }
  return try withColumnSinkCopied(columnCount: columnCount, capacity: capacity, body)
}

private func withColumnSinkInPlace(
  columnCount: Int, capacity: Int, _ body: (ColumnSink) throws -> ColumnSinkLayout
) throws -> (rows: Int, values: [[Double]], missing: [[Bool]], codes: [[Int32]]) {
  let capacity = Swift.max(capacity, 1)
  func uninitialized<T>(_: T.Type) -> [T] {
    // Trivial element types only: the bytes are written before they are read.
    [T](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
  }
  var values = (0..<columnCount).map { _ in uninitialized(Double.self) }
  var missing = (0..<columnCount).map { _ in uninitialized(Bool.self) }
  var codes = (0..<columnCount).map { _ in uninitialized(Int32.self) }
  let layout = try withBases(&values) { v in
    try withBases(&missing) { m in
      try withBases(&codes) { c in
        try body(ColumnSink(capacity: capacity, values: v, missing: m, codes: c))
      }
    }
  }
  let drop = capacity - Swift.min(layout.rows, capacity)
  for j in 0..<columnCount {
    values[j].removeLast(drop)
    missing[j].removeLast(drop)
    codes[j].removeLast(drop)
  }
  return (layout.rows, values, missing, codes)
}

private func withColumnSinkCopied(
  columnCount: Int, capacity: Int, _ body: (ColumnSink) throws -> ColumnSinkLayout
) throws -> (rows: Int, values: [[Double]], missing: [[Bool]], codes: [[Int32]]) {
  let capacity = Swift.max(capacity, 1)
  let v = (0..<columnCount).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: capacity) }
  let m = (0..<columnCount).map { _ in UnsafeMutablePointer<Bool>.allocate(capacity: capacity) }
  let c = (0..<columnCount).map { _ in UnsafeMutablePointer<Int32>.allocate(capacity: capacity) }
  // Columns below `freed` have been copied out and deallocated.
  var freed = 0
  defer {
    for j in freed..<columnCount {
      v[j].deallocate()
      m[j].deallocate()
      c[j].deallocate()
    }
  }
  let layout = try body(ColumnSink(capacity: capacity, values: v, missing: m, codes: c))
  let rows = Swift.min(layout.rows, capacity)
  var values = [[Double]](repeating: [], count: columnCount)
  var missing = [[Bool]](repeating: [], count: columnCount)
  var codes = [[Int32]](repeating: [], count: columnCount)
  for j in 0..<columnCount {
    if layout.numeric[j] {
      values[j] = Array(UnsafeBufferPointer(start: v[j], count: rows))
      missing[j] = Array(UnsafeBufferPointer(start: m[j], count: rows))
    } else {
      codes[j] = Array(UnsafeBufferPointer(start: c[j], count: rows))
    }
    v[j].deallocate()
    m[j].deallocate()
    c[j].deallocate()
    freed = j + 1
  }
  return (rows, values, missing, codes)
}

/// Calls `body` with the base addresses of all `arrays`, each held by its own
/// `withUnsafeMutableBufferPointer` scope, nested by recursion (at most
/// ``columnSinkNestingLimit`` deep). The arrays are moved out of `arrays` for the duration, so
/// each is uniquely referenced, and put back in order.
private func withBases<T, R>(
  _ arrays: inout [[T]], _ body: ([UnsafeMutablePointer<T>]) throws -> R
) rethrows -> R {
  precondition(arrays.count <= columnSinkNestingLimit, "nested scopes are bounded by the nesting limit")
  var pending: [[T]] = []
  swap(&pending, &arrays)
  pending.reverse()  // popLast yields the first array first
  var bases: [UnsafeMutablePointer<T>] = []
  bases.reserveCapacity(pending.count)
  func step() throws -> R {
    guard var a = pending.popLast() else { return try body(bases) }
    defer { arrays.append(a) }  // the innermost (last) array is restored first
    return try a.withUnsafeMutableBufferPointer { buffer in
      bases.append(buffer.baseAddress.unsafelyUnwrapped)  // capacity ≥ 1, so never nil
      return try step()
    }
  }
  defer { arrays.reverse() }
  return try step()
}

/// The bytes of a mapped file, read (never written) by the threads that parse its chunks; valid
/// while the `MappedFile` lives.
struct SharedBytes: @unchecked Sendable {
  let base: UnsafePointer<UInt8>
}

/// A minimal mutex over `pthread_mutex_t`.
final class PThreadMutex: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>

  init() {
    mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }
}
