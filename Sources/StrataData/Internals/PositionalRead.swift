#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// `count` bytes of the open file `fd` from `offset` (C `pread`, repeated until all are read):
/// the positioned reads `CSVChunkReader` streams a file with.
///
/// - Throws: `DataError.unreadable` when a read fails or the file ends early (it shrank).
func positionalRead(_ fd: Int32, path: String, at offset: Int, count: Int) throws -> [UInt8] {
  var buffer = [UInt8](repeating: 0, count: count)
  var done = 0
  while done < count {
    let n = buffer.withUnsafeMutableBytes { raw in
      pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
    }
    if n < 0 {
      if errno == EINTR { continue }
      throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    if n == 0 {
      throw DataError.unreadable(
        path: path, reason: "the file changed while it was read (it was truncated); read it again once nothing is writing to it")
    }
    done += n
  }
  return buffer
}
