// The reader's memory plumbing: a memory-mapped file and column buffers that several threads
// fill at disjoint rows. Like the LAPACK shim (`StrataLinalg/Internals`), this is the one place
// of the fast CSV path that allocates, maps or shares raw memory; the parsing code above it
// reads bytes through `UnsafePointer<UInt8>` (as `CSVScanner` and `parseDouble` do) and writes
// cells only through `ColumnSink`.

import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only, private memory mapping of a whole file.
final class MappedFile {
  /// The file's bytes (empty for an empty file).
  let bytes: UnsafeBufferPointer<UInt8>
  private let mapping: UnsafeMutableRawPointer?

  /// Maps `path`.
  ///
  /// - Throws: `DataError.unreadable` with the system's reason.
  init(path: String) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: systemErrorMessage()) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw DataError.unreadable(path: path, reason: systemErrorMessage()) }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw DataError.unreadable(path: path, reason: "not a regular file")
    }
    let size = Int(info.st_size)
    guard size > 0 else {
      mapping = nil
      bytes = UnsafeBufferPointer(start: nil, count: 0)
      return
    }
    guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
      throw DataError.unreadable(path: path, reason: systemErrorMessage())
    }
    _ = madvise(p, size, MADV_SEQUENTIAL)
    mapping = p
    bytes = UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: size)
  }

  deinit {
    if let mapping { munmap(mapping, bytes.count) }
  }
}

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

/// Populates the whole pages of `bytes` bytes from `pointer` (Linux `MADV_POPULATE_WRITE`, 5.14+),
/// for ranges of 1 MiB or more.
private func populate(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
  #if os(Linux)
    let page = 4096
    let start = (Int(bitPattern: pointer) + page - 1) & ~(page - 1)
    let end = (Int(bitPattern: pointer) + bytes) & ~(page - 1)
    guard end - start >= 1 << 20, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(address, end - start, 23)  // MADV_POPULATE_WRITE
  #endif
}

/// The number of processors online.
func processorCount() -> Int {
  Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
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
    populate(UnsafeMutableRawPointer(values[j] + rows.lowerBound), bytes: rows.count * 8)
    populate(UnsafeMutableRawPointer(missing[j] + rows.lowerBound), bytes: rows.count)
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

/// Calls `body` with a sink over fresh, uninitialized buffers of `capacity` rows for
/// `columnCount` columns, then returns the buffers as arrays truncated to `body`'s row count.
///
/// The arrays are allocated uninitialized (pages are touched only when written), and `body`
/// must have written rows `0..<rows` of each column's values and mask, or of its codes, before
/// returning `rows`; the other buffer kind of a column is garbage and is to be dropped.
///
/// The buffers are held open by nested scopes, three per column, so this runs on a thread of its
/// own whose stack is sized for the column count (the caller's thread may have a small stack).
func withColumnSink(
  columnCount: Int, capacity: Int, _ body: (ColumnSink) throws -> Int
) throws -> (rows: Int, values: [[Double]], missing: [[Bool]], codes: [[Int32]]) {
  try onOwnThread(stackSize: (1 << 20) + columnCount * (16 << 10)) {
    try withColumnSinkHere(columnCount: columnCount, capacity: capacity, body)
  }
}

private func withColumnSinkHere(
  columnCount: Int, capacity: Int, _ body: (ColumnSink) throws -> Int
) throws -> (rows: Int, values: [[Double]], missing: [[Bool]], codes: [[Int32]]) {
  let capacity = Swift.max(capacity, 1)
  func uninitialized<T>(_: T.Type) -> [T] {
    // Trivial element types only: the bytes are written before they are read.
    [T](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
  }
  var values = (0..<columnCount).map { _ in uninitialized(Double.self) }
  var missing = (0..<columnCount).map { _ in uninitialized(Bool.self) }
  var codes = (0..<columnCount).map { _ in uninitialized(Int32.self) }
  let rows = try withBases(&values) { v in
    try withBases(&missing) { m in
      try withBases(&codes) { c in
        try body(ColumnSink(capacity: capacity, values: v, missing: m, codes: c))
      }
    }
  }
  let drop = capacity - Swift.min(rows, capacity)
  for j in 0..<columnCount {
    values[j].removeLast(drop)
    missing[j].removeLast(drop)
    codes[j].removeLast(drop)
  }
  return (rows, values, missing, codes)
}

/// Calls `body` with the base addresses of all `arrays`, each held by its own
/// `withUnsafeMutableBufferPointer` scope, nested by recursion. The arrays are moved out of
/// `arrays` for the duration, so each is uniquely referenced, and put back in order.
private func withBases<T, R>(
  _ arrays: inout [[T]], _ body: ([UnsafeMutablePointer<T>]) throws -> R
) rethrows -> R {
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

/// Runs `body` on a new thread with a stack of `stackSize` bytes (committed only as used) and
/// waits for it; returns its result or rethrows its error.
func onOwnThread<R>(stackSize: Int, _ body: () throws -> R) throws -> R {
  try withoutActuallyEscaping(body) { body in
    let job = ThreadJob(body)
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    let page = 1 << 16
    pthread_attr_setstacksize(&attributes, (stackSize + page - 1) / page * page)
    let context = Unmanaged.passRetained(job).toOpaque()
    #if canImport(Darwin)
      var thread: pthread_t?
    #else
      var thread = pthread_t()
    #endif
    let started = pthread_create(&thread, &attributes, { context in
      #if canImport(Darwin)
        let job = Unmanaged<AnyObject>.fromOpaque(context).takeRetainedValue()
      #else
        guard let context else { return nil }
        let job = Unmanaged<AnyObject>.fromOpaque(context).takeRetainedValue()
      #endif
      (job as? Runnable)?.run()
      return nil
    }, context)
    guard started == 0 else {
      // No thread: run here instead.
      Unmanaged<ThreadJob<R>>.fromOpaque(context).release()
      return try body()
    }
    #if canImport(Darwin)
      if let thread { pthread_join(thread, nil) }
    #else
      pthread_join(thread, nil)
    #endif
    return try job.result.get()
  }
}

private protocol Runnable: AnyObject { func run() }

/// A closure and its outcome, handed to a thread and read after joining it.
private final class ThreadJob<R>: Runnable, @unchecked Sendable {
  let body: () throws -> R
  var result: Result<R, any Error> = .failure(ThreadNotRun())

  init(_ body: @escaping () throws -> R) { self.body = body }

  func run() { result = Result { try body() } }
}

private struct ThreadNotRun: Error {}

/// Results written by parallel tasks, one slot per task, read after the tasks finish.
final class ParallelSlots<T>: @unchecked Sendable {
  private var slots: [T?]
  private let lock = PThreadMutex()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func store(_ k: Int, _ value: T) { lock.withLock { slots[k] = value } }

  /// The stored values, in task order (`nil` where a task stored nothing).
  func values() -> [T?] { lock.withLock { slots } }
}

/// Runs `body(k)` for `k` in `0..<count` on up to `count` threads and returns the results in order.
func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
  if count == 1 { return [body(0)] }
  let slots = ParallelSlots<T>(count: count)
  withoutActuallyEscaping(body) { body in
    let box = UncheckedSendable(body)
    DispatchQueue.concurrentPerform(iterations: count) { k in slots.store(k, box.value(k)) }
  }
  return slots.values().compactMap { $0 }
}

/// Wraps a value that is only read (never mutated) while shared across threads.
private struct UncheckedSendable<V>: @unchecked Sendable {
  let value: V
  init(_ value: V) { self.value = value }
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
