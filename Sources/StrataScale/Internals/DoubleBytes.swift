import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The only raw-memory code of StrataScale: doubles to and from its cache files, read and written
// in place (no intermediate `Data` and no second copy, which at 1e7 rows were a tenth of a pass).

/// Writes the bytes of `values` at `handle`'s offset (native byte order: the caches live only as
/// long as the process), from the array's own storage.
func write(_ values: [Double], to handle: FileHandle) throws {
  try values.withUnsafeBytes { try handle.write(contentsOf: $0) }
}

/// Reads `count` doubles at byte `offset` of `handle` straight into a new array (`pread`).
///
/// - Throws: `ScaleError.dataChanged` naming `path` when the file holds fewer bytes there or a
///   read fails.
/// The corresponding C function is `pread`.
func readDoubles(_ handle: FileHandle, offset: UInt64, count: Int, path: String) throws -> [Double] {
  if count == 0 { return [] }
  let descriptor = handle.fileDescriptor
  var complete = false
  let values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
    let raw = UnsafeMutableRawBufferPointer(buffer)
    guard let base = raw.baseAddress else { return }
    var done = 0
    while done < raw.count {
      let n = pread(descriptor, base + done, raw.count - done, off_t(offset) + off_t(done))
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      done += n
    }
    complete = done == raw.count
    initialized = complete ? count : 0
  }
  guard complete else { throw ScaleError.dataChanged(path: path) }
  return values
}

/// Reads `count` codes stored as doubles at byte `offset` of `handle`, as 32-bit integers.
func readCodes(_ handle: FileHandle, offset: UInt64, count: Int, path: String) throws -> [Int32] {
  try readDoubles(handle, offset: offset, count: count, path: path).map { Int32($0) }
}
