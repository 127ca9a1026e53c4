import Foundation
import StrataData
import StrataFormula
import StrataSupport

/// A column met as numbers in one chunk and as text in another: pass 1 starts again with the
/// column read as text in every chunk, as the in-memory reader reads it over the whole file.
struct RestartWithText: Error {
  var column: String
}

/// A CSV file streamed in chunks (`CSVChunkReader`: `pread` into a bounded buffer, never mapped
/// whole), as a `ChunkProvider` of its needed columns.
///
/// Pass 1 parses each chunk with `CSVReader` (its rules for numbers, missing values, quotes),
/// keeps the needed columns, gives every text value one code over the whole file (a level's
/// code is the order it was first met; the template the model matrix is built on sorts them in
/// the C locale, as the in-memory reader does). In `.columnCache` mode the first later pass
/// that needs the columns parses the file again and writes them to a compact cache (doubles;
/// factor codes as doubles) in a temporary folder removed when the stream is released; the
/// passes after it read the cache. Otherwise later passes parse the file again.
public final class CSVStream: ChunkProvider {
  /// How passes after the first read the data.
  public enum Mode: String, Sendable {
    /// A cache of the needed columns, and a cache of the chunks' model matrices written by the
    /// first pass that builds them: the IRLS passes read the matrices, the passes that need the
    /// columns (clusters; the summary when the first pass could not take it) read the column
    /// cache. The column cache is written by the first such pass after pass 1 (which parses the
    /// file again), not by pass 1: a fit whose first pass also built the model-matrix cache
    /// (`ChunkedSource.summaryInFirstPass`) and whose later passes need no columns never
    /// writes it.
    case columnCache
    /// The model-matrix cache only: the passes that need the columns parse the CSV again (less
    /// disk: no column cache).
    case matrixCache
    /// Nothing cached: every pass parses the CSV and builds the model matrices again.
    case reparse
  }

  let reader: CSVChunkReader
  let needed: [String]
  public let mode: Mode
  let progress: ProgressHandler?
  var forcedText: Set<String> = []
  var isFactor: [String: Bool] = [:]
  var levelIndex: [String: [String: Int32]] = [:]
  var levelList: [String: [String]] = [:]
  var cache: ColumnCache?
  let cacheDirectory: URL?
  /// Passes made over the data (the first writes the cache).
  public private(set) var passes = 0
  /// Whether a first pass has read the whole file (column kinds and levels are then known).
  var discovered = false
  /// Text columns whose values are mostly numbers (`Column.strayText`, the first such value met,
  /// its line in the file, the counts over the whole file): used as numbers in memory they are an
  /// error, and so streamed. Known after the first pass.
  public private(set) var strayText: [String: StrayText] = [:]
  /// The text columns' values so far in the first pass: numbers, non-numbers, the first
  /// non-number, and whether every chunk with one kept it as the reader keeps a stray value.
  var textTally: [String: TextTally] = [:]

  struct TextTally {
    var numbers = 0
    var texts = 0
    var first: StrayText?
    var keptByReader = true
  }

  /// - Parameters:
  ///   - columns: decides which header names are read (the needed columns).
  ///   - chunkBytes: bytes of CSV per chunk.
  ///   - cacheDirectory: where the cache's temporary folder goes (nil: the system's temporary folder).
  public init(
    path: String, chunkBytes: Int, mode: Mode = .columnCache, cacheDirectory: URL? = nil,
    progress: ProgressHandler? = nil, columns isNeeded: (String) -> Bool
  ) throws {
    // A `.csv.gz` is inflated as it is read (`CSVChunkReader`); `.dta`/`.sav` go through `FileChunks.open`.
    let lower = path.lowercased()
    let base = lower.hasSuffix(".gz") ? String(lower.dropLast(3)) : lower
    for ext in [".dta", ".sav", ".zsav", ".xpt", ".sas7bdat"] where base.hasSuffix(ext) {
      throw ScaleError.notStreamable(what: "\(ext) files as CSV (FileChunks.open streams them)")
    }
    reader = try CSVChunkReader(path: path, chunkBytes: chunkBytes)
    needed = try Self.headerNames(reader.header, path: path).filter(isNeeded)
    self.mode = mode
    self.cacheDirectory = cacheDirectory
    self.progress = progress
  }

  /// The header's names, as `CSVReader` reads them (parsed with one record of placeholders).
  static func headerNames(_ header: [UInt8], path: String) throws -> [String] {
    let delimiter = delimiter(of: header)
    var fields = 1
    var inQuotes = false
    for b in header {
      if b == UInt8(ascii: "\"") { inQuotes.toggle() } else if b == delimiter && !inQuotes { fields += 1 }
    }
    var text = header
    if text.last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
    text += Array([String](repeating: "0", count: fields).joined(separator: String(UnicodeScalar(delimiter))).utf8)
    text.append(UInt8(ascii: "\n"))
    return try CSVReader(path: path, delimiter: delimiter).read(contents: text).names
  }

  /// The file's size in bytes.
  public var fileSize: Int { reader.size }
  /// The bytes the chunk reader and the cache reader hold between chunks.
  public var bufferBytes: Int { reader.bufferCapacity + (cache?.bufferCapacity ?? 0) }

  /// The number of the pass the next `forEachChunk` makes, as the consumer counts them.
  var passLabel: Int?

  public func beginPass(_ number: Int) { passLabel = number }

  public func forEachChunk(_ body: (DataFrame, Int) throws -> Void) throws {
    passes += 1
    let task = "pass \(passLabel ?? passes)"
    if passes > 1, mode == .columnCache, let cache {
      try cache.forEachChunk(
        levels: { self.levelList[$0] ?? [] },
        progress: { done in self.progress?(WorkProgress(task: task, completed: done, total: cache.size, unit: .bytes)) },
        body)
      return
    }
    var writer: ColumnCache?
    if discovered, mode == .columnCache {
      writer = try ColumnCache(columns: needed, directory: cacheDirectory)
    }
    var first = 0
    let total = reader.size
    do {
      try reader.forEachChunk(
        progress: { done in self.progress?(WorkProgress(task: task, completed: done, total: total, unit: .bytes)) }
      ) { text, line in
        let frame = try parse(text, line: line)
        try writer?.append(frame)
        try body(frame, first)
        first += frame.rowCount
      }
    } catch let restart as RestartWithText {
      passes -= 1
      throw restart
    }
    if !discovered { strayText = Self.strayValues(textTally) }
    discovered = true
    if let writer {
      try writer.finishWriting()
      cache = writer
    }
  }

  /// One chunk's needed columns, text columns coded over the whole file.
  func parse(_ text: [UInt8], line: Int) throws -> DataFrame {
    let path = reader.path
    let frame: DataFrame
    do {
      frame = try CSVReader(path: path).read(contents: text)
    } catch DataError.malformed(let p, let l, let c, let reason) {
      throw DataError.malformed(path: p, line: l <= 1 ? l : l - 2 + line, column: c, reason: reason)
    }
    var asText: DataFrame?
    var columns: [Column] = []
    for name in needed {
      guard let k = frame.index(of: name) else { throw ScaleError.dataChanged(path: path) }
      var column = frame.columns[k]
      let wantsText = forcedText.contains(name) || isFactor[name] == true
      // Whether the chunk's values are all numbers, read as text for a column that has text elsewhere.
      var numbersAsText = false
      if case .numeric = column.storage, wantsText {
        if asText == nil { asText = try textFrame(text) }
        guard let t = asText, let j = t.index(of: name) else { throw ScaleError.dataChanged(path: path) }
        column = t.columns[j]
        numbersAsText = true
      }
      switch column.storage {
      case .numeric:
        if isFactor[name] == nil { isFactor[name] = false }
        columns.append(column)
      case .factor(let f):
        if isFactor[name] == false {
          if !discovered {
            forcedText.insert(name)
            isFactor = [:]
            levelIndex = [:]
            levelList = [:]
            textTally = [:]
            throw RestartWithText(column: name)
          }
          throw ScaleError.dataChanged(path: path)
        }
        if !discovered {
          tally(column, f, name: name, field: k + 1, line: line, numbersAsText: numbersAsText)
        }
        isFactor[name] = true
        var index = levelIndex[name] ?? [:]
        var list = levelList[name] ?? []
        var remap = [Int32](repeating: -1, count: f.levels.count)
        for (j, level) in f.levels.enumerated() where level != Self.sentinel {
          if let g = index[level] {
            remap[j] = g
          } else {
            let g = Int32(list.count)
            index[level] = g
            list.append(level)
            remap[j] = g
          }
        }
        levelIndex[name] = index
        levelList[name] = list
        let n = frame.rowCount
        var codes = [Int32](repeating: -1, count: n)
        for i in 0..<n {
          let c = f.codes[i]
          codes[i] = c < 0 ? -1 : remap[Int(c)]
        }
        column.storage = .factor(FactorColumn(codes: codes, levels: list))
        // A chunk's stray value (its counts and line, or the placeholder record's) is not the
        // file's: the file's is `strayText`, known after the first pass.
        column.strayText = nil
        columns.append(column)
      }
    }
    return DataFrame(columns: columns, source: path)
  }

  /// Counts a text column's values in a chunk whose first record is on file line `line`, and
  /// notes its first non-number. The reader's stray value (`Column.strayText`) gives the chunk's
  /// counts and the first non-number's line; a chunk of numbers read as text has no non-number
  /// (its stray value is the placeholder record's); a chunk the reader read as text without a
  /// stray value (mostly non-numbers) is counted here, a value being a number when `Double`
  /// reads it, its line the chunk's line plus its record (records without quoted line ends).
  func tally(_ column: Column, _ f: FactorColumn, name: String, field: Int, line: Int, numbersAsText: Bool) {
    var t = textTally[name] ?? TextTally()
    if numbersAsText {
      t.numbers += f.codes.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
    } else if var stray = column.strayText {
      t.numbers += stray.numericCount
      t.texts += stray.textCount
      if t.first == nil {
        stray.line = stray.line - 2 + line
        t.first = stray
      }
    } else {
      let isNumber = f.levels.map { Double($0) != nil }
      var texts = 0
      for (i, code) in f.codes.enumerated() where code >= 0 {
        if isNumber[Int(code)] {
          t.numbers += 1
          continue
        }
        texts += 1
        if t.first == nil {
          t.first = StrayText(line: line + i, field: field, text: f.levels[Int(code)], numericCount: 0, textCount: 0)
        }
      }
      t.texts += texts
      if texts > 0 { t.keptByReader = false }
    }
    textTally[name] = t
  }

  /// The stray values of the file's text columns: a column's first non-number with the counts
  /// over the whole file, when numbers are the majority (the in-memory reader's rule), or when
  /// the reader kept the stray value in every chunk that had one (numbers with thousands separators).
  static func strayValues(_ tallies: [String: TextTally]) -> [String: StrayText] {
    var out: [String: StrayText] = [:]
    for (name, t) in tallies {
      guard var stray = t.first, t.numbers > t.texts || t.keptByReader else { continue }
      stray.numericCount = t.numbers
      stray.textCount = t.texts
      out[name] = stray
    }
    return out
  }

  /// A level no data value can be: the value of the extra record that makes every column text.
  static let sentinel = "\u{1}strata-text\u{1}"

  /// The chunk parsed with one extra record of text in every field, so that every column is
  /// read as text (its values as written), without that record.
  func textFrame(_ text: [UInt8]) throws -> DataFrame {
    let delimiter = Self.delimiter(of: reader.header)
    let count = try Self.headerNames(reader.header, path: reader.path).count
    var extended = text
    if extended.last != UInt8(ascii: "\n") { extended.append(UInt8(ascii: "\n")) }
    extended += Array(
      [String](repeating: Self.sentinel, count: count).joined(separator: String(UnicodeScalar(delimiter))).utf8)
    extended.append(UInt8(ascii: "\n"))
    let frame = try CSVReader(path: reader.path, delimiter: delimiter).read(contents: extended)
    return frame.rows(Array(0..<(frame.rowCount - 1)))
  }

  /// The delimiter CSVReader detects: the most frequent of `,`, `;`, tab in the header outside quotes.
  static func delimiter(of header: [UInt8]) -> UInt8 {
    var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
    var inQuotes = false
    for b in header {
      if b == UInt8(ascii: "\"") { inQuotes.toggle() } else if !inQuotes, counts[b] != nil { counts[b]! += 1 }
    }
    let order: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
    return order.max { counts[$0]! < counts[$1]! } ?? UInt8(ascii: ",")
  }
}

/// The needed columns of a streamed file, chunk by chunk, as doubles (factor codes as doubles,
/// −1 for missing; NaN for a missing number) in one file of a temporary folder, removed on
/// release. Reading holds one chunk's values (`bufferCapacity`), whatever the number of chunks.
final class ColumnCache {
  let columns: [String]
  let folder: URL
  let file: URL
  private var handle: FileHandle
  private var chunks: [(offset: UInt64, rows: Int, first: Int)] = []
  private var written: UInt64 = 0
  private var factorColumns: [Bool] = []
  private var largestChunk = 0
  /// Bytes of the largest chunk, which a pass over the cache holds at a time.
  var bufferCapacity: Int { largestChunk * MemoryLayout<Double>.stride }
  var size: Int { Int(written) }

  init(columns: [String], directory: URL?) throws {
    self.columns = columns
    (folder, file, handle) = try makeCacheFile(prefix: "strata-cache", name: "columns.bin", directory: directory)
  }

  deinit {
    try? handle.close()
    try? FileManager.default.removeItem(at: folder)
  }

  func append(_ frame: DataFrame) throws {
    let n = frame.rowCount
    if factorColumns.isEmpty {
      factorColumns = frame.columns.map { if case .factor = $0.storage { return true } else { return false } }
    }
    let first = chunks.last.map { $0.first + $0.rows } ?? 0
    chunks.append((written, n, first))
    try handle.seek(toOffset: written)
    // Column by column (one column's doubles beside the chunk, not the chunk's).
    for column in frame.columns {
      let values: [Double]
      switch column.storage {
      case .numeric(let c):
        values = c.isComplete ? c.values : (0..<n).map { c.missing[$0] ? .nan : c.values[$0] }
      case .factor(let f):
        values = f.codes.map { Double($0) }
      }
      try write(values, to: handle)
      written += UInt64(n * MemoryLayout<Double>.stride)
    }
  }

  func finishWriting() throws {
    try handle.synchronize()
  }

  /// Calls `body` with each cached chunk as a frame (factor columns with `levels(name)`).
  func forEachChunk(
    levels: (String) -> [String], progress: (Int) -> Void, _ body: (DataFrame, Int) throws -> Void
  ) throws {
    let lists = columns.map(levels)
    for chunk in chunks {
      let n = chunk.rows
      let count = n * columns.count
      largestChunk = Swift.max(largestChunk, count)
      var frameColumns: [Column] = []
      for (k, name) in columns.enumerated() {
        // Each column read straight into its array.
        let offset = chunk.offset + UInt64(k * n * MemoryLayout<Double>.stride)
        if factorColumns[k] {
          let codes = try readCodes(handle, offset: offset, count: n, path: file.path)
          frameColumns.append(Column(name: name, storage: .factor(FactorColumn(codes: codes, levels: lists[k]))))
        } else {
          let values = try readDoubles(handle, offset: offset, count: n, path: file.path)
          frameColumns.append(
            Column(name: name, storage: .numeric(NumericColumn(values: values, missing: values.map { $0.isNaN }))))
        }
      }
      try body(DataFrame(columns: frameColumns, source: file.path), chunk.first)
      progress(Int(chunk.offset) + count * MemoryLayout<Double>.stride)
    }
  }
}
