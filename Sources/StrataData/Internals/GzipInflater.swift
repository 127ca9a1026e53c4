// The one file of StrataData that calls zlib. It streams a gzip file through `inflate` in blocks
// (the compressed file is never read whole, and nothing is written to disk) and returns the
// inflated bytes in memory, where the readers parse them as they parse an uncompressed file.

import CGzip
import StrataSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Inflates a gzip file (one or more concatenated gzip members, as `gzip` and `cat a.gz b.gz` make).
///
/// ```swift
/// let bytes = try GzipInflater.inflate(path: "nhanes.csv.gz", progress: nil)
/// ```
///
/// Memory: the inflated bytes (allocated once at the size the gzip trailer records, growing only
/// when that is wrong, as for files over 4 GiB) plus two 256 KiB blocks. The CRC-32 and length
/// in each member's trailer are checked by zlib.
///
/// The corresponding C functions are zlib's `inflateInit2` (gzip framing), `inflate`,
/// `inflateReset` and `inflateEnd`.
enum GzipInflater {
  /// Bytes read from the compressed file, and inflated, per `inflate` call.
  static let blockBytes = 256 << 10

  /// The inflated content of the gzip file at `path`.
  ///
  /// - Parameter progress: Advanced to the compressed bytes consumed so far (about every block).
  /// - Throws: `DataError.unreadable` naming `path` for a file that cannot be opened or read, is
  ///   empty, is not gzip data, is damaged (with the byte offset in the compressed file where
  ///   zlib found the damage), is truncated, or has other bytes after its gzip data.
  static func inflate(path: String, progress: ProgressCounter?) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: systemErrorMessage()) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw DataError.unreadable(path: path, reason: systemErrorMessage()) }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw DataError.unreadable(path: path, reason: "not a regular file")
    }
    let size = Int(info.st_size)
    let again = "copy or download it again"
    guard size > 0 else { throw DataError.unreadable(path: path, reason: "the file is empty; \(again)") }

    var output: [UInt8] = []
    output.reserveCapacity(expectedSize(fd: fd, compressedSize: size))

    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DataError.unreadable(path: path, reason: "zlib could not start (out of memory?)")
    }
    defer { inflateEnd(&stream) }

    let input = UnsafeMutablePointer<UInt8>.allocate(capacity: blockBytes)
    defer { input.deallocate() }
    let block = UnsafeMutablePointer<UInt8>.allocate(capacity: blockBytes)
    defer { block.deallocate() }

    var consumed = 0  // compressed bytes handed to zlib and used (the offset in the file)
    var loaded = 0  // compressed bytes read from the file
    var memberStart = true  // at the start of a gzip member: its magic bytes are checked
    var finished = false  // the last member ended and no bytes follow

    func fill() throws {
      let n = read(fd, input, blockBytes)
      if n < 0 {
        if errno == EINTR { return try fill() }
        throw DataError.unreadable(path: path, reason: systemErrorMessage())
      }
      stream.next_in = input
      stream.avail_in = uInt(n)
      loaded += n
    }

    try fill()
    while !finished {
      if stream.avail_in == 0 {
        try fill()
        if stream.avail_in == 0 {
          throw DataError.unreadable(
            path: path,
            reason: "the gzip file is truncated: its compressed data stops at byte \(size) before the end of "
              + "the stream; \(again)")
        }
      }
      if memberStart {
        // A gzip member starts with 1f 8b; check it ourselves, for a message that says what the file is not.
        if stream.avail_in < 2 && loaded < size { try topUp(&stream, input: input, fd: fd, loaded: &loaded) }
        let first = stream.next_in[0]
        let second = stream.avail_in > 1 ? stream.next_in[1] : 0
        if first != 0x1f || second != 0x8b {
          if consumed == 0 {
            throw DataError.unreadable(
              path: path,
              reason: "this is not a gzip file (it does not start with the bytes 1f 8b as gzip data does); "
                + "if it is not compressed, remove the .gz from its name")
          }
          throw DataError.unreadable(
            path: path,
            reason: "unexpected bytes after the end of the gzip data, at byte \(consumed) of the file; \(again)")
        }
        memberStart = false
      }
      stream.next_out = block
      stream.avail_out = uInt(blockBytes)
      let before = Int(stream.avail_in)
      let status = CGzip.inflate(&stream, Z_NO_FLUSH)
      consumed += before - Int(stream.avail_in)
      let produced = blockBytes - Int(stream.avail_out)
      if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(start: block, count: produced)) }
      switch status {
      case Z_OK, Z_BUF_ERROR:
        break
      case Z_STREAM_END:
        // Another member may follow (concatenated gzip files); otherwise the file must end here.
        if stream.avail_in == 0 && loaded < size { try fill() }
        if stream.avail_in == 0 {
          finished = true
        } else {
          inflateReset(&stream)
          memberStart = true
        }
      case Z_MEM_ERROR:
        throw DataError.unreadable(path: path, reason: "out of memory while inflating the gzip data")
      default:
        let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
        throw DataError.unreadable(
          path: path,
          reason: "the gzip data is damaged at byte \(consumed) of the file (\(detail)); \(again)")
      }
      progress?.advance(to: consumed)
    }
    return output
  }

  /// Reads more input after the bytes zlib has not yet used (so at least two bytes are there when
  /// the file has them).
  private static func topUp(
    _ stream: inout z_stream, input: UnsafeMutablePointer<UInt8>, fd: Int32, loaded: inout Int
  ) throws {
    let kept = Int(stream.avail_in)
    if kept > 0 && stream.next_in != input { memmove(input, stream.next_in, kept) }
    let n = read(fd, input + kept, blockBytes - kept)
    if n > 0 { loaded += n }
    stream.next_in = input
    stream.avail_in = uInt(kept + max(n, 0))
  }

  /// The inflated size the last member's trailer records (its length modulo 2³²), when that is
  /// plausible, for allocating the output once; otherwise a guess from the compressed size.
  private static func expectedSize(fd: Int32, compressedSize: Int) -> Int {
    var trailer = [UInt8](repeating: 0, count: 4)
    if compressedSize >= 18,
      trailer.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 4, off_t(compressedSize - 4)) }) == 4
    {
      let recorded = Int(trailer[0]) | Int(trailer[1]) << 8 | Int(trailer[2]) << 16 | Int(trailer[3]) << 24
      // zlib's best ratio is about 1032:1; a larger claim is a damaged or multi-member file.
      if recorded > 0 && recorded <= compressedSize * 1032 { return recorded + 1 }
    }
    return min(compressedSize * 4, 1 << 30)
  }
}
