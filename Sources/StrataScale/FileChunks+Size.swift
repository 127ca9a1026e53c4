import Foundation
import StrataData

/// What a file would take in memory: the measure `--memory` compares with its budget to decide
/// whether a fit or a descriptive statistic streams the file.
extension FileChunks {
  /// Whether `open(path:…)` streams the file at `path`, judged by its name: `.csv`, `.tsv`,
  /// `.txt` (also gzip-compressed) and `.dta`, `.sav`, `.zsav`, `.xpt`, `.sas7bdat`.
  ///
  /// A gzip-compressed Stata, SPSS or SAS file is not streamable (ReadStat seeks in it), nor is
  /// a name of another kind (a database address, a spreadsheet).
  public static func isStreamable(path: String) -> Bool {
    let lower = path.lowercased()
    if ReadStatChunks.extensions.contains(where: { lower.hasSuffix($0) }) { return true }
    let base = lower.hasSuffix(".gz") ? String(lower.dropLast(3)) : lower
    return [".csv", ".tsv", ".txt"].contains { base.hasSuffix($0) }
  }

  /// The bytes of data in the file at `path` once inflated, or nil when it cannot be read.
  ///
  /// A file not compressed is its size. A gzip file (name ending `.gz`) is judged from the
  /// footer's ISIZE field, the inflated size modulo 2³² of the last gzip member: it is raised by
  /// multiples of 2³² until it is at least the compressed size, and never taken below 3× the
  /// compressed size (the low end of gzip's ratio on delimited text). The floor covers the two
  /// cases where ISIZE understates: files whose inflated size passes 4 GiB (ISIZE wraps) and
  /// multi-member files (`bgzip`, concatenated `gzip` output), whose footer counts the last
  /// member only. An SPSS `.zsav` (compressed inside) is its size here; its in-memory size is
  /// estimated from its row and variable counts (``estimatedInMemoryBytes(path:extraColumns:)``).
  public static func inflatedSize(path: String) -> Int? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let size = (attributes[.size] as? NSNumber)?.intValue
    else { return nil }
    guard path.lowercased().hasSuffix(".gz"), size >= 18, let footer = gzipFooterSize(path: path, size: size)
    else { return size }
    var inflated = footer
    while inflated < size { inflated += 1 << 32 }
    return Swift.max(inflated, 3 * size)
  }

  /// The ISIZE field of the gzip file at `path` (its last four bytes, little-endian), or nil
  /// when the file does not start with the gzip magic bytes.
  static func gzipFooterSize(path: String, size: Int) -> Int? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    guard let magic = try? handle.read(upToCount: 2), magic == Data([0x1f, 0x8b]) else { return nil }
    guard (try? handle.seek(toOffset: UInt64(size - 4))) != nil, let tail = try? handle.read(upToCount: 4),
      tail.count == 4
    else { return nil }
    return tail.reversed().reduce(0) { $0 << 8 | Int($1) }
  }

  /// About the memory reading the file at `path` whole takes, plus `extraColumns` more 8-byte
  /// values a row (a model matrix, derived columns).
  ///
  /// - A delimited text file: its text (``inflatedSize(path:)`` for gzip) plus 8 bytes a value of
  ///   every column and of the extra ones, the rows estimated from the text's size and its first
  ///   mebibyte of records.
  /// - A Stata, SPSS or SAS file: 8 bytes a value of every variable and of the extra columns, for
  ///   the rows the file declares (the file's size over 8 bytes a variable when it does not say).
  ///
  /// - Throws: the readers' errors naming the file (missing, damaged, not of its format).
  public static func estimatedInMemoryBytes(path: String, extraColumns: Int) throws -> Int {
    let size = inflatedSize(path: path) ?? 0
    let lower = path.lowercased()
    if ReadStatChunks.extensions.contains(where: { lower.hasSuffix($0) }) {
      let reader = try StatFileChunkReader(path: path)
      let columns = Swift.max(1, reader.names.count)
      let rows = reader.declaredRows > 0 ? reader.declaredRows : size / (8 * columns)
      return rows * (columns + extraColumns) * 8
    }
    let reader = try CSVChunkReader(path: path, chunkBytes: 1 << 20)
    struct FirstChunk: Error {
      var rows: Int
      var bytes: Int
      var columns: Int
    }
    var sample = FirstChunk(rows: 0, bytes: 0, columns: 1)
    do {
      try reader.forEachChunk { text, _ in
        let frame = try CSVReader(path: path).read(contents: text)
        throw FirstChunk(rows: frame.rowCount, bytes: text.count - reader.header.count, columns: frame.columns.count)
      }
    } catch let first as FirstChunk {
      sample = first
    }
    let rows = sample.rows == 0 ? 0 : Double(size - reader.header.count) * Double(sample.rows) / Double(sample.bytes)
    return size + Int(rows * Double(sample.columns + extraColumns) * 8)
  }
}
