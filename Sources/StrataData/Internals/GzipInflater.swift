// The one file of StrataData that calls zlib. It streams a gzip file through `inflate` in blocks
// (the compressed file is never read whole, and nothing is written to disk): `GzipStream` hands
// the inflated bytes out a block at a time (a streamed `.csv.gz`), `GzipInflater` collects them
// in memory, where the readers parse them as they parse an uncompressed file.

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
/// in each member's trailer are checked by zlib. ``GzipStream`` gives the same bytes a block at a
/// time (what a streamed `.csv.gz` is read through).
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
    let stream = try GzipStream(path: path)
    var output: [UInt8] = []
    output.reserveCapacity(stream.expectedSize())
    while try stream.read(into: &output, count: blockBytes) > 0 {
      progress?.advance(to: stream.consumed)
    }
    progress?.advance(to: stream.consumed)
    return output
  }
}

/// A gzip file inflated a block at a time, in order: memory held is two 256 KiB blocks and
/// zlib's window, whatever the file's size.
///
/// ```swift
/// let stream = try GzipStream(path: "big.csv.gz")
/// var bytes: [UInt8] = []
/// while try stream.read(into: &bytes, count: 1 << 20) > 0 { /* use bytes, then empty it */ }
/// ```
///
/// The errors are ``GzipInflater``'s (it reads through this type): `DataError.unreadable`
/// naming the file for a file that is not gzip data, damaged, truncated, or followed by other
/// bytes, raised when the read that meets the problem is made.
///
/// The corresponding C functions are zlib's `inflateInit2`, `inflate`, `inflateReset` and
/// `inflateEnd`.
final class GzipStream {
  /// The compressed file.
  public let path: String
  /// The compressed file's size in bytes.
  public let size: Int
  /// Compressed bytes handed to zlib and used so far (the offset in the file).
  public private(set) var consumed = 0
  /// Whether the last member has ended and no bytes follow it.
  public private(set) var finished = false

  private let fd: Int32
  private var stream = z_stream()
  private let input: UnsafeMutablePointer<UInt8>
  private let block: UnsafeMutablePointer<UInt8>
  private var loaded = 0  // compressed bytes read from the file
  private var memberStart = true  // at the start of a gzip member: its magic bytes are checked
  private let again = "copy or download it again"

  /// Opens the gzip file at `path`.
  ///
  /// - Throws: `DataError.unreadable` for a file that cannot be opened, is not a regular file, or
  ///   is empty.
  public init(path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY)
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
    guard info.st_size > 0 else {
      close(fd)
      throw DataError.unreadable(path: path, reason: "the file is empty; copy or download it again")
    }
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      close(fd)
      throw DataError.unreadable(path: path, reason: "zlib could not start (out of memory?)")
    }
    self.fd = fd
    size = Int(info.st_size)
    input = .allocate(capacity: GzipInflater.blockBytes)
    block = .allocate(capacity: GzipInflater.blockBytes)
  }

  deinit {
    inflateEnd(&stream)
    input.deallocate()
    block.deallocate()
    close(fd)
  }

  /// Appends up to `count` inflated bytes to `output`; fewer only at the end of the data.
  ///
  /// - Returns: The bytes appended (0: the end of the data).
  /// - Throws: `DataError.unreadable` naming the file (see the type's description).
  @discardableResult
  public func read(into output: inout [UInt8], count: Int) throws -> Int {
    var appended = 0
    while !finished && appended < count {
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
        if stream.avail_in < 2 && loaded < size { topUp() }
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
      let want = Swift.min(GzipInflater.blockBytes, count - appended)
      stream.next_out = block
      stream.avail_out = uInt(want)
      let before = Int(stream.avail_in)
      let status = CGzip.inflate(&stream, Z_NO_FLUSH)
      consumed += before - Int(stream.avail_in)
      let produced = want - Int(stream.avail_out)
      if produced > 0 {
        output.append(contentsOf: UnsafeBufferPointer(start: block, count: produced))
        appended += produced
      }
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
    }
    return appended
  }

  private func fill() throws {
    while true {
      let n = systemRead(fd, input, GzipInflater.blockBytes)
      if n < 0 {
        if errno == EINTR { continue }
        throw DataError.unreadable(path: path, reason: systemErrorMessage())
      }
      stream.next_in = input
      stream.avail_in = uInt(n)
      loaded += n
      return
    }
  }

  /// Reads more input after the bytes zlib has not yet used (so at least two bytes are there when
  /// the file has them).
  private func topUp() {
    let kept = Int(stream.avail_in)
    if kept > 0 && stream.next_in != input { memmove(input, stream.next_in, kept) }
    let n = systemRead(fd, input + kept, GzipInflater.blockBytes - kept)
    if n > 0 { loaded += n }
    stream.next_in = input
    stream.avail_in = uInt(kept + Swift.max(n, 0))
  }

  /// The inflated size the last member's trailer records (its length modulo 2³²), when that is
  /// plausible, for allocating the output once; otherwise a guess from the compressed size.
  func expectedSize() -> Int {
    var trailer = [UInt8](repeating: 0, count: 4)
    if size >= 18,
      trailer.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 4, off_t(size - 4)) }) == 4
    {
      let recorded = Int(trailer[0]) | Int(trailer[1]) << 8 | Int(trailer[2]) << 16 | Int(trailer[3]) << 24
      // zlib's best ratio is about 1032:1; a larger claim is a damaged or multi-member file.
      if recorded > 0 && recorded <= size * 1032 { return recorded + 1 }
    }
    return Swift.min(size * 4, 1 << 30)
  }
}

/// C `read` (a name the stream's own `read(into:count:)` hides inside the type).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
  read(fd, buffer, count)
}
