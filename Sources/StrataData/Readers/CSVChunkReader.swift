#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A delimited text file read in bounded chunks of whole records with `pread`, never mapped or
/// read whole: what a file larger than memory is streamed through.
///
///     let reader = try CSVChunkReader(path: "big.csv", chunkBytes: 32 << 20)
///     try reader.forEachChunk { text, firstLine in
///       let frame = try CSVReader(path: "big.csv").read(contents: text)   // header + records
///     }
///
/// Each chunk is the header record followed by the next records up to about `chunkBytes` bytes,
/// cut at a record end outside quotes (a quoted field may hold line ends), so each parses on its
/// own with ``CSVReader`` and its rules. Memory held: the header and one chunk (a record longer
/// than the chunk grows the buffer to hold it). A `.csv.gz`/`.tsv.gz` is inflated as it is read,
/// with the same chunks.
public final class CSVChunkReader {
  /// The file.
  public let path: String
  /// The header record with its line end (and a UTF-8 byte-order mark if the file has one).
  public let header: [UInt8]
  /// The file's size in bytes.
  public let size: Int
  /// Bytes of records per chunk (about; whole records).
  public let chunkBytes: Int
  /// The capacity of the buffer held between chunks, in bytes (the memory-independence bound).
  public private(set) var bufferCapacity = 0

  /// Opens `path` and reads its header. A name ending `.gz` is gzip data, inflated as it is read
  /// (``GzipStream``: never inflated whole, nothing written to disk); `size` and the progress are
  /// then in compressed bytes.
  ///
  /// - Throws: `DataError.unreadable` when the file cannot be opened (or is damaged gzip data);
  ///   `DataError.malformed` for an empty file, a header without a line end, or text that is not
  ///   UTF-8 (UTF-16, NUL bytes, CR-only line ends: convert such files first).
  public init(path: String, chunkBytes: Int) throws {
    self.path = path
    self.chunkBytes = Swift.max(chunkBytes, 1 << 10)
    let source = try ChunkByteSource(path: path)
    size = source.size
    // The header: up to the first line end outside quotes.
    var head: [UInt8] = []
    var inQuotes = false
    var end: Int?
    while end == nil {
      let block = try source.read(1 << 16)
      if block.isEmpty { break }
      for (k, b) in block.enumerated() {
        if b == 0 {
          throw DataError.malformed(
            path: path, line: 1, column: nil,
            reason: "the header has a NUL byte (UTF-16 text or a binary file): convert the file to UTF-8 to stream it")
        }
        if b == UInt8(ascii: "\"") { inQuotes.toggle() }
        if b == UInt8(ascii: "\n") && !inQuotes {
          end = head.count + k + 1
          break
        }
      }
      head += block
    }
    guard let end else {
      throw DataError.malformed(
        path: path, line: 1, column: nil, reason: "the header has no line end (CR-only line ends are not streamed; convert them to LF)")
    }
    header = Array(head[0..<end])
  }

  /// Calls `body` with each chunk (header + whole records) and the file line of its first record.
  ///
  /// - Parameter progress: told the bytes of the file read so far after each chunk (compressed
  ///   bytes for a gzip file).
  /// - Throws: `DataError.unreadable` when a read fails, the file shrinks, or its gzip data is
  ///   damaged or truncated; what `body` throws.
  public func forEachChunk(progress: ((Int) -> Void)? = nil, _ body: ([UInt8], Int) throws -> Void) throws {
    let source = try ChunkByteSource(path: path)
    try source.skip(header.count)
    var line = 1 + header.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    var pending: [UInt8] = []  // the bytes after the last record end of the previous read
    var text = header
    text.reserveCapacity(header.count + chunkBytes + (1 << 16))
    bufferCapacity = Swift.max(bufferCapacity, text.capacity)
    while !source.atEnd || !pending.isEmpty {
      // A record longer than the chunk pending: another chunk's bytes more.
      let room = chunkBytes - pending.count
      let block = source.atEnd ? [] : try source.read(room > 0 ? room : chunkBytes)
      let atEnd = source.atEnd
      var bytes = pending
      bytes += block
      pending.removeAll(keepingCapacity: true)
      if bytes.isEmpty { break }
      // The last record end outside quotes (quotes balance at every record end).
      var cut = -1
      var inQuotes = false
      var lines = 0
      var linesAtCut = 0
      for (k, b) in bytes.enumerated() {
        if b == UInt8(ascii: "\"") {
          inQuotes.toggle()
        } else if b == UInt8(ascii: "\n") {
          lines += 1
          if !inQuotes {
            cut = k
            linesAtCut = lines
          }
        }
      }
      if atEnd {
        cut = bytes.count - 1
        linesAtCut = lines
      } else if cut < 0 {
        // One record longer than the chunk: read on.
        pending = bytes
        continue
      }
      let records = bytes[0...cut]
      if cut + 1 < bytes.count { pending = Array(bytes[(cut + 1)...]) }
      text.removeSubrange(header.count...)
      text += records
      bufferCapacity = Swift.max(bufferCapacity, text.capacity + pending.capacity)
      if records.contains(where: { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: " ") }) {
        try body(text, line)
      }
      line += linesAtCut
      progress?(source.isGzip ? source.position : source.position - pending.count)
      if atEnd { break }
    }
  }
}

/// The bytes a `CSVChunkReader` reads, in order: the file by `pread` at an advancing offset, or
/// a gzip file's inflated bytes (``GzipStream``).
private final class ChunkByteSource {
  let path: String
  /// The file's size in bytes (compressed for gzip).
  let size: Int
  private let fd: Int32
  private var offset = 0
  private let gzip: GzipStream?

  init(path: String) throws {
    self.path = path
    if path.lowercased().hasSuffix(".gz") {
      let stream = try GzipStream(path: path)
      gzip = stream
      size = stream.size
      fd = -1
      return
    }
    gzip = nil
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw DataError.unreadable(path: path, reason: reason)
    }
    guard info.st_size > 0 else {
      close(fd)
      throw DataError.malformed(path: path, line: 1, column: nil, reason: "the file is empty")
    }
    self.fd = fd
    size = Int(info.st_size)
  }

  deinit {
    if fd >= 0 { close(fd) }
  }

  var isGzip: Bool { gzip != nil }

  /// Bytes of the file read so far (compressed bytes consumed for gzip).
  var position: Int { gzip?.consumed ?? offset }

  /// Whether every byte has been read.
  var atEnd: Bool { gzip?.finished ?? (offset >= size) }

  /// The next `count` bytes (fewer only at the end).
  func read(_ count: Int) throws -> [UInt8] {
    if let gzip {
      var out: [UInt8] = []
      out.reserveCapacity(count)
      try gzip.read(into: &out, count: count)
      return out
    }
    let want = Swift.max(0, Swift.min(count, size - offset))
    guard want > 0 else { return [] }
    let block = try positionalRead(fd, path: path, at: offset, count: want)
    offset += block.count
    return block
  }

  /// Passes over the next `count` bytes.
  func skip(_ count: Int) throws {
    guard gzip != nil else {
      offset += count
      return
    }
    var left = count
    while left > 0 {
      let n = try read(Swift.min(left, 1 << 16)).count
      if n == 0 { return }
      left -= n
    }
  }
}
