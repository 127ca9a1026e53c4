import Foundation
import StrataData
import StrataSupport

/// A data file streamed in chunks: a `ChunkProvider` that says what it holds between chunks.
public protocol StreamedFile: ChunkProvider {
  /// The file's size in bytes (compressed for gzip).
  var fileSize: Int { get }
  /// The bytes the stream holds between chunks (its buffers and caches' buffers).
  var bufferBytes: Int { get }
}

extension CSVStream: StreamedFile {}

/// Opens a data file for streaming, choosing the provider by its name.
///
///     let stream = try FileChunks.open(path: "big.dta", chunkBytes: 32 << 20) { ["y", "x"].contains($0) }
///     let source = try ChunkedSource(chunks: stream, specification: spec)
///
/// | Name ends | Provider |
/// |---|---|
/// | `.csv`, `.tsv`, `.txt` (or anything else) | `CSVStream` |
/// | `.csv.gz`, `.tsv.gz` | `CSVStream`, inflated as it is read |
/// | `.dta`, `.sav`, `.zsav`, `.xpt`, `.sas7bdat` | `ReadStatChunks` |
/// | `.dta.gz`, `.sav.gz`, … | refused: ReadStat seeks in these formats (`ScaleError.notStreamable`) |
public enum FileChunks {
  /// The streamed file at `path`.
  ///
  /// - Parameters:
  ///   - chunkBytes: bytes per chunk: of text for a CSV, of values (8 bytes a needed cell) for
  ///     a Stata, SPSS or SAS file.
  ///   - mode: how passes after the first read the data (`CSVStream.Mode`).
  ///   - columns: decides which of the file's names are read (the needed columns); told every name.
  /// - Throws: `ScaleError.notStreamable` for a gzip-compressed Stata, SPSS or SAS file; the
  ///   providers' errors (`DataError` naming the file).
  public static func open(
    path: String, chunkBytes: Int, mode: CSVStream.Mode = .columnCache, cacheDirectory: URL? = nil,
    progress: ProgressHandler? = nil, columns isNeeded: (String) -> Bool
  ) throws -> any StreamedFile {
    let lower = path.lowercased()
    let base = lower.hasSuffix(".gz") ? String(lower.dropLast(3)) : lower
    for ext in ReadStatChunks.extensions where base.hasSuffix(ext) {
      if lower.hasSuffix(".gz") {
        throw ScaleError.notStreamable(
          what: "gzip-compressed \(ext) files (ReadStat seeks in them; decompress first: gunzip -k FILE)")
      }
      return try ReadStatChunks(
        path: path, chunkBytes: chunkBytes, mode: mode, cacheDirectory: cacheDirectory, progress: progress,
        columns: isNeeded)
    }
    return try CSVStream(
      path: path, chunkBytes: chunkBytes, mode: mode, cacheDirectory: cacheDirectory, progress: progress,
      columns: isNeeded)
  }
}

/// A Stata `.dta`, SPSS `.sav`/`.zsav` or SAS `.xpt`/`.sas7bdat` file streamed in chunks of its
/// needed columns (`StatFileChunkReader`: ReadStat's callbacks, one chunk held at a time), with
/// the column kinds, factor levels and missing values the in-memory reader gives the whole file,
/// so a streamed fit's terms and numbers are the in-memory fit's.
///
/// In `.columnCache` mode the first pass also writes the needed columns to a `ColumnCache`
/// that later passes read; otherwise every pass parses the file again.
public final class ReadStatChunks: StreamedFile {
  /// The extensions this provider reads.
  public static let extensions = [".dta", ".sav", ".zsav", ".xpt", ".sas7bdat"]

  let reader: StatFileChunkReader
  let needed: [String]
  /// Rows per chunk: `chunkBytes` over 8 bytes a needed cell.
  public let rowsPerChunk: Int
  public let mode: CSVStream.Mode
  let progress: ProgressHandler?
  let cacheDirectory: URL?
  var cache: ColumnCache?
  var levels: [String: [String]] = [:]
  /// Passes made over the data.
  public private(set) var passes = 0
  var passLabel: Int?
  /// The most rows one chunk has held (whatever the number of rows in the file).
  public var largestChunkRows: Int { reader.largestChunkRows }
  /// Parses of the file made (metadata, levels, then one per pass not read from the cache).
  public var parses: Int { reader.parses }

  public init(
    path: String, chunkBytes: Int, mode: CSVStream.Mode = .columnCache, cacheDirectory: URL? = nil,
    progress: ProgressHandler? = nil, columns isNeeded: (String) -> Bool
  ) throws {
    reader = try StatFileChunkReader(path: path)
    needed = reader.names.filter(isNeeded)
    rowsPerChunk = Swift.max(1, chunkBytes / (8 * Swift.max(1, needed.count)))
    self.mode = mode
    self.progress = progress
    self.cacheDirectory = cacheDirectory
  }

  public var fileSize: Int {
    (try? FileManager.default.attributesOfItem(atPath: reader.path)[.size] as? Int) ?? 0
  }

  /// A chunk's values (doubles, flags, codes) and the cache reader's buffer.
  public var bufferBytes: Int { largestChunkRows * needed.count * 13 + (cache?.bufferCapacity ?? 0) }

  public func beginPass(_ number: Int) { passLabel = number }

  public func forEachChunk(_ body: (DataFrame, Int) throws -> Void) throws {
    passes += 1
    let task = "pass \(passLabel ?? passes)"
    let rows = reader.declaredRows
    if let cache {
      try cache.forEachChunk(
        levels: { self.levels[$0] ?? [] },
        progress: { done in self.progress?(WorkProgress(task: task, completed: done, total: cache.size, unit: .bytes)) },
        body)
      return
    }
    let writer = mode == .columnCache ? try ColumnCache(columns: needed, directory: cacheDirectory) : nil
    try reader.forEachChunk(columns: needed, rowsPerChunk: rowsPerChunk) { frame, first in
      if levels.isEmpty {
        for column in frame.columns {
          if case .factor(let f) = column.storage { levels[column.name] = f.levels }
        }
      }
      try writer?.append(frame)
      try body(frame, first)
      progress?(WorkProgress(task: task, completed: first + frame.rowCount, total: Swift.max(rows, first + frame.rowCount)))
    }
    if let writer {
      try writer.finishWriting()
      cache = writer
    }
  }
}
