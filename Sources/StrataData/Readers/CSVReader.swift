#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import StrataSupport

/// Reads delimited text (CSV, semicolon-separated or TSV), plain or gzip-compressed (`.csv.gz`),
/// into a ``DataFrame``.
///
/// ```swift
/// let data = try CSVReader(path: "wage1.csv").read()
/// ```
///
/// - The first non-empty record is the header. The delimiter (`,`, `;` or tab) is the one that
///   occurs most often in the header outside quotes, unless given.
/// - Quoting follows RFC 4180: quoted fields may hold delimiters, newlines and `""` escapes.
///   A UTF-8 byte-order mark is skipped; `\n` and `\r\n` line ends are accepted; empty lines
///   are skipped.
/// - A column is numeric when every non-missing field parses as a number (surrounding spaces,
///   signs, decimals, exponents, `Inf`). Numbers are the doubles C `strtod` gives.
///   Otherwise the column is a factor whose levels are its distinct strings in C-locale
///   (UTF-8 byte) order, as R's `factor()` in the C locale.
/// - Fields equal to one of `naTokens` (after trimming spaces) are missing in both kinds. A
///   number that reads as NaN in any spelling (`nan`, `-NaN`, …) is missing too, as R's
///   `is.na` is true for `NaN`.
/// - UTF-16 files (with a byte-order mark) are decoded; old-Mac files with CR-only line ends
///   are read with CR as the line end. UTF-32 files and a header with a NUL byte (UTF-16
///   without a byte-order mark, or a binary file) are errors that say how to convert them.
/// - In a `;`-delimited file, a text column whose values are all numbers written with a
///   decimal comma (`1,5`) is read as numbers, as R's `read.csv2` does.
/// - A text column whose values are numbers written with thousands separators (`"1,000"`)
///   stays text, as in R, but using it as numbers is an error naming the first such cell and
///   saying to remove the separators.
///
/// Matches R `read.csv(path, na.strings = c("", "NA", ".", "NaN", "nan", "NAN"),
/// stringsAsFactors = TRUE)` run in the C locale, for the column types and values.
///
/// A reader given a `progress` handler reports the bytes of the body parsed (task `reading
/// NAME`, unit `.bytes`): about every megabyte of each parallel chunk, summed over the chunks, with
/// monotone totals and a last report of the whole body once the frame is built.
public struct CSVReader: Sendable {
  /// The file to read.
  public var path: String
  /// The delimiter byte, or `nil` to detect it from the header.
  public var delimiter: UInt8?
  /// Field texts that mean "missing".
  public var naTokens: Set<String>
  /// Receives the bytes parsed so far while the file is read; `nil` reports nothing.
  public var progress: ProgressHandler?

  /// The missing-value tokens of every Strata reader of delimited text: empty, `NA`, `.` and
  /// `NaN`, `nan`, `NAN` (R's `read.csv` reads NaN in any case as a number that `is.na`).
  public static let defaultNATokens: Set<String> = ["", "NA", ".", "NaN", "nan", "NAN"]

  /// Creates a reader.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - delimiter: The field delimiter; `nil` detects `,`, `;` or tab from the header line.
  ///   - naTokens: Field texts (compared after trimming spaces) that mean "missing".
  ///   - progress: Receives the bytes parsed so far (about every megabyte); `nil` reports nothing.
  public init(
    path: String, delimiter: UInt8? = nil, naTokens: Set<String> = CSVReader.defaultNATokens,
    progress: ProgressHandler? = nil
  ) {
    self.path = path
    self.delimiter = delimiter
    self.naTokens = naTokens
    self.progress = progress
  }

  /// Bytes parsed between two progress reports of one thread.
  static let progressBlockBytes = 1 << 20

  /// A counter of the bytes parsed, over `total` bytes, when the reader reports progress.
  func progressCounter(total: Int) -> ProgressCounter? {
    guard let progress else { return nil }
    let name = path.split(separator: "/").last.map(String.init) ?? path
    return ProgressCounter(task: "reading \(name)", total: total, unit: .bytes, handler: progress)
  }

  /// Reads the file.
  ///
  /// - Returns: The data, with `source` set to `path`.
  /// - Throws: `DataError.unreadable` if the file cannot be read; `DataError.malformed` with
  ///   the physical line and field number for a bad record, an empty file, a file with a
  ///   header only, or duplicate/empty column names.
  public func read() throws -> DataFrame {
    if DataFileFormat.isGzipped(path: path) { return try readGzipped() }
    return try read(afterOpening: { _ in })
  }

  /// Reads a gzip-compressed file (`.csv.gz`, `.tsv.gz`): ``GzipInflater`` streams the compressed
  /// bytes through zlib into one buffer in memory (no temporary file), which the parser then
  /// reads as it reads a mapped file, in parallel chunks. Peak memory is the inflated text plus
  /// the columns parsed from it; progress counts the compressed bytes inflated.
  private func readGzipped() throws -> DataFrame {
    var info = stat()
    let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
    let counter = progressCounter(total: size)
    let frame = try read(contents: try GzipInflater.inflate(path: path, progress: counter))
    counter?.finish()
    return frame
  }

  /// Parses `contents`, the bytes of a whole delimited file already in memory, as ``read()``
  /// parses a file (`path` names it in messages; nothing is read from disk, and no progress is
  /// reported).
  ///
  /// ```swift
  /// let frame = try CSVReader(path: "table.csv").read(contents: Array("x,y\n1,2\n".utf8))
  /// ```
  public func read(contents: [UInt8]) throws -> DataFrame {
    var quiet = self
    quiet.progress = nil
    return try contents.withUnsafeBufferPointer { try quiet.parse($0) }
  }

  /// Reads the file, calling `afterOpening` between mapping it and parsing it (a test hook: a
  /// test truncates the file there).
  ///
  /// - Throws: also `DataError.unreadable` when the file changed (shrank, or was rewritten)
  ///   while it was read, whatever the parse found.
  func read(afterOpening: (String) throws -> Void) throws -> DataFrame {
    let file = try MappedFile(path: path)
    return try withExtendedLifetime(file) {
      try afterOpening(path)
      let result = Result { try parse(file.bytes) }
      if file.changed {
        throw DataError.unreadable(
          path: path,
          reason: "the file changed while it was read (it was truncated or rewritten); "
            + "read it again once nothing is writing to it")
      }
      return try result.get()
    }
  }

  /// Parses an in-memory file image (exposed for tests of odd inputs).
  ///
  /// - Parameters:
  ///   - chunks: The number of threads for a file without quotes; `nil` picks one per core for
  ///     bodies of 4 MiB or more.
  ///   - fastPath: `false` reads a file without quotes by the general (quote-aware,
  ///     single-threaded) path, for tests that compare the two.
  func parse(_ buffer: UnsafeBufferPointer<UInt8>, chunks: Int? = nil, fastPath: Bool = true) throws -> DataFrame {
    guard buffer.baseAddress != nil, !buffer.isEmpty else {
      throw DataError.malformed(path: path, line: 1, column: nil, reason: "the file is empty")
    }
    if let converted = try convertedText(buffer) {
      return try converted.withUnsafeBufferPointer { try parseText($0, chunks: chunks, fastPath: fastPath) }
    }
    return try parseText(buffer, chunks: chunks, fastPath: fastPath)
  }

  /// Parses UTF-8 text with `\n` or `\r\n` line ends.
  private func parseText(_ buffer: UnsafeBufferPointer<UInt8>, chunks: Int?, fastPath: Bool) throws -> DataFrame {
    guard let base = buffer.baseAddress, !buffer.isEmpty else {
      throw DataError.malformed(path: path, line: 1, column: nil, reason: "the file is empty")
    }
    let end = buffer.count
    var start = 0
    if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
    try checkHeaderBytes(base, start, end)

    let delim = delimiter ?? detectDelimiter(base, start, end)
    var scanner = CSVScanner(base: base, start: start, end: end, line: 1, delimiter: delim, path: path)
    var fields = FieldSpans()
    guard try scanner.next(into: &fields) else {
      throw DataError.malformed(path: path, line: 1, column: nil, reason: "the file is empty")
    }
    let headerLine = scanner.recordLine
    let names = try headerNames(scanner, fields, line: headerLine)
    let columnCount = names.count
    let bodyStart = scanner.pos
    let bodyLine = scanner.line
    let na = NAMatcher(naTokens)

    let plainDelimiter = ![UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\"")].contains(delim)
    if fastPath && plainDelimiter,
      let frame = try parseUnquoted(
        base, bodyStart: bodyStart, end: end, bodyLine: bodyLine, headerLine: headerLine, names: names,
        delimiter: delim, na: na, chunkCount: chunks)
    {
      return frame
    }

    // The general path (files with quotes): pass 1, structure and numbers; pass 2 reads the body
    // again for the text columns (progress counts each pass's bytes, the second when it runs).
    let body = CSVChunk(start: bodyStart, end: end, line: bodyLine)
    let counter = progressCounter(total: 2 * (end - bodyStart))
    let merged = try scanNumbers(base, body, columnCount: columnCount, delimiter: delim, na: na, counter: counter)
    if merged.rows == 0 {
      throw DataError.malformed(
        path: path, line: headerLine, column: nil, reason: "the file has a header but no data rows")
    }

    // Pass 2: the text of non-numeric columns.
    let textColumns = (0..<columnCount).filter { !merged.numeric[$0] }
    var factors: [Int: FactorColumn] = [:]
    var strays: [Int: StrayText] = [:]
    if !textColumns.isEmpty {
      (factors, strays) = try collectFactors(
        base, body, columns: textColumns, rows: merged.rows, delimiter: delim, na: na, counter: counter)
    }

    var columns: [Column] = []
    columns.reserveCapacity(columnCount)
    for j in 0..<columnCount {
      if let f = factors[j] {
        var column = Column(name: names[j], storage: .factor(f))
        column.strayText = keptStray(strays[j], levels: f.levels)
        columns.append(column)
      } else {
        columns.append(
          Column(
            name: names[j],
            storage: .numeric(NumericColumn(values: merged.values[j], missing: merged.missing[j]))))
      }
    }
    if delim == UInt8(ascii: ";") { readDecimalCommas(&columns) }
    counter?.finish()
    return DataFrame(columns: columns, source: path)
  }

  /// Column names from the header record, trimmed of spaces; errors on empty or duplicate names.
  private func headerNames(_ scanner: CSVScanner, _ fields: FieldSpans, line: Int) throws -> [String] {
    var names: [String] = []
    var seen: [String: Int] = [:]
    for k in 0..<fields.count {
      let name = trimSpaces(scanner.text(fields, k))
      if name.isEmpty {
        throw DataError.malformed(
          path: path, line: line, column: k + 1, reason: "empty column name in header field \(k + 1)")
      }
      if let previous = seen[name] {
        throw DataError.malformed(
          path: path, line: line, column: k + 1,
          reason: "duplicate column name '\(name)' (header fields \(previous + 1) and \(k + 1))")
      }
      seen[name] = k
      names.append(name)
    }
    return names
  }

  /// The text to parse instead of `buffer` when it is not UTF-8 with `\n` or `\r\n` line
  /// ends: UTF-16 (after a byte-order mark) decoded to UTF-8, and CR-only line ends (old Mac
  /// files) turned into `\n`; `nil` when `buffer` is to be parsed as it is.
  ///
  /// - Throws: `DataError.malformed` for UTF-32 text.
  func convertedText(_ buffer: UnsafeBufferPointer<UInt8>) throws -> [UInt8]? {
    let n = buffer.count
    if n >= 4 && ((buffer[0] == 0xFF && buffer[1] == 0xFE && buffer[2] == 0 && buffer[3] == 0)
      || (buffer[0] == 0 && buffer[1] == 0 && buffer[2] == 0xFE && buffer[3] == 0xFF))
    {
      throw DataError.malformed(
        path: path, line: 1, column: nil,
        reason: "the file is UTF-32 text; convert it to UTF-8: iconv -f UTF-32 -t UTF-8 \(path) > \(convertedName)")
    }
    if n >= 2 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)) {
      let littleEndian = buffer[0] == 0xFF
      var units: [UInt16] = []
      units.reserveCapacity(n / 2)
      var i = 2
      while i + 1 < n {
        let (a, b) = (UInt16(buffer[i]), UInt16(buffer[i + 1]))
        units.append(littleEndian ? a | b << 8 : a << 8 | b)
        i += 2
      }
      let utf8 = Array(String(decoding: units, as: UTF16.self).utf8)
      return utf8.withUnsafeBufferPointer { crOnlyLineEnds($0) } ?? utf8
    }
    return crOnlyLineEnds(buffer)
  }

  /// `buffer` with CR-only line ends turned into `\n` (a lone CR becomes `\n`, a CR before
  /// `\n` is kept), or `nil` when the header line does not end with a lone CR.
  private func crOnlyLineEnds(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard let base = buffer.baseAddress else { return nil }
    let n = buffer.count
    let lf = memchr(base, 0x0A, n).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? n
    guard let crPointer = memchr(base, 0x0D, lf) else { return nil }
    let cr = UnsafeRawPointer(crPointer) - UnsafeRawPointer(base)
    if cr + 1 < n && base[cr + 1] == 0x0A { return nil }
    var out = Array(buffer)
    for i in 0..<n where out[i] == 0x0D && (i + 1 == n || out[i + 1] != 0x0A) { out[i] = 0x0A }
    return out
  }

  /// Rejects a header line holding a NUL byte: the text is not UTF-8 (UTF-16 without a
  /// byte-order mark, or a binary file such as a `.dta` named `.csv`).
  private func checkHeaderBytes(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws {
    let lineEnd = memchr(base + start, 0x0A, end - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? end
    guard let nul = memchr(base + start, 0, lineEnd - start) else { return }
    let offset = UnsafeRawPointer(nul) - UnsafeRawPointer(base)
    throw DataError.malformed(
      path: path, line: 1, column: nil,
      reason: "NUL byte in the header (byte \(offset + 1)): this is not UTF-8 text but UTF-16 without a "
        + "byte-order mark or a binary file; convert UTF-16 text with iconv -f UTF-16 -t UTF-8 \(path) > "
        + "\(convertedName), or save the data as CSV (UTF-8)")
  }

  /// A name for the converted copy in the messages above: `data.csv` → `data-utf8.csv`.
  private var convertedName: String {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + "-utf8" }
    return String(name[..<dot]) + "-utf8" + String(name[dot...])
  }

  private func detectDelimiter(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt8 {
    var comma = 0
    var semicolon = 0
    var tab = 0
    var inQuotes = false
    var i = start
    while i < end {
      let b = base[i]
      if b == UInt8(ascii: "\"") {
        inQuotes.toggle()
      } else if !inQuotes {
        if b == UInt8(ascii: "\n") {
          if comma + semicolon + tab > 0 { break }  // skip leading empty lines
        } else if b == UInt8(ascii: ",") {
          comma += 1
        } else if b == UInt8(ascii: ";") {
          semicolon += 1
        } else if b == UInt8(ascii: "\t") {
          tab += 1
        }
      }
      i += 1
    }
    if comma == 0 && semicolon == 0 && tab == 0 {
      return path.lowercased().hasSuffix(".tsv") ? UInt8(ascii: "\t") : UInt8(ascii: ",")
    }
    if comma >= semicolon && comma >= tab { return UInt8(ascii: ",") }
    if tab >= semicolon { return UInt8(ascii: "\t") }
    return UInt8(ascii: ";")
  }

  /// Pass 1 over a chunk: checks the record structure and parses every column as numbers
  /// until a field that is neither missing nor a number marks the column as text.
  private func scanNumbers(
    _ base: UnsafePointer<UInt8>, _ chunk: CSVChunk, columnCount: Int, delimiter: UInt8,
    na: NAMatcher, counter: ProgressCounter?
  ) throws -> ChunkResult {
    var result = ChunkResult(columnCount: columnCount)
    let estimate = lineFeedCount(base, chunk.start, chunk.end) + 1  // records ≤ lines
    for j in 0..<columnCount {
      result.values[j].reserveCapacity(estimate)
      result.missing[j].reserveCapacity(estimate)
    }
    var scanner = CSVScanner(
      base: base, start: chunk.start, end: chunk.end, line: chunk.line, delimiter: delimiter, path: path)
    var fields = FieldSpans()
    var reported = chunk.start
    var nextReport = counter == nil ? Int.max : chunk.start + Self.progressBlockBytes
    while try scanner.next(into: &fields) {
      if scanner.pos >= nextReport {
        counter?.add(scanner.pos - reported)
        reported = scanner.pos
        nextReport = reported + Self.progressBlockBytes
      }
      try checkFieldCount(fields.count, columnCount, line: scanner.recordLine)
      for j in 0..<columnCount where result.numeric[j] {
        let s = fields.starts[j]
        let e = fields.ends[j]
        if na.matches(base, s, e) {
          result.values[j].append(.nan)
          result.missing[j].append(true)
        } else if let v = parseDouble(base, s, e) {
          result.values[j].append(v)
          result.missing[j].append(v.isNaN)
        } else {
          result.numeric[j] = false
          result.values[j] = []
          result.missing[j] = []
        }
      }
      result.rows += 1
    }
    counter?.add(chunk.end - reported)
    return result
  }

  private func checkFieldCount(_ found: Int, _ expected: Int, line: Int) throws {
    if found != expected {
      throw DataError.malformed(
        path: path, line: line, column: Swift.min(found, expected) + 1,
        reason: "expected \(expected) fields, found \(found)")
    }
  }

  /// Pass 2: factor codes for the text columns, levels in C-locale byte order.
  private func collectFactors(
    _ base: UnsafePointer<UInt8>, _ chunk: CSVChunk, columns: [Int], rows: Int, delimiter: UInt8,
    na: NAMatcher, counter: ProgressCounter?
  ) throws -> ([Int: FactorColumn], [Int: StrayText]) {
    var numericCount = [Int](repeating: 0, count: columns.count)
    var textCount = [Int](repeating: 0, count: columns.count)
    var firstText = [(line: Int, text: String)?](repeating: nil, count: columns.count)
    var lookup = [[String: Int32]](repeating: [:], count: columns.count)
    var distinct = [[String]](repeating: [], count: columns.count)
    var codes = [[Int32]](repeating: [], count: columns.count)
    for c in codes.indices { codes[c].reserveCapacity(rows) }
    // Distinct byte spans of unescaped fields, each with its level code and whether it is a number.
    var spans = [SpanInterner](repeating: SpanInterner(), count: columns.count)
    var spanCode = [[Int32]](repeating: [], count: columns.count)
    var spanIsNumber = [[Bool]](repeating: [], count: columns.count)
    func levelCode(_ c: Int, _ text: String) -> Int32 {
      if let code = lookup[c][text] { return code }
      let code = Int32(distinct[c].count)
      lookup[c][text] = code
      distinct[c].append(text)
      return code
    }
    var scanner = CSVScanner(
      base: base, start: chunk.start, end: chunk.end, line: chunk.line, delimiter: delimiter, path: path)
    var fields = FieldSpans()
    var reported = chunk.start
    var nextReport = counter == nil ? Int.max : chunk.start + Self.progressBlockBytes
    while try scanner.next(into: &fields) {
      if scanner.pos >= nextReport {
        counter?.add(scanner.pos - reported)
        reported = scanner.pos
        nextReport = reported + Self.progressBlockBytes
      }
      for (c, j) in columns.enumerated() {
        if na.matches(base, fields.starts[j], fields.ends[j]) {
          codes[c].append(-1)
          continue
        }
        let code: Int32
        let isNumber: Bool
        if !fields.escaped[j] {
          // The field's bytes are its text: look the byte span up, making a String only for a new one.
          let (slot, isNew) = spans[c].slot(base, fields.starts[j], fields.ends[j])
          if isNew {
            let text = scanner.text(fields, j)
            spanCode[c].append(levelCode(c, text))
            spanIsNumber[c].append(parseDouble(base, fields.starts[j], fields.ends[j]) != nil)
          }
          code = spanCode[c][slot]
          isNumber = spanIsNumber[c][slot]
        } else {
          code = levelCode(c, scanner.text(fields, j))
          isNumber = parseDouble(base, fields.starts[j], fields.ends[j]) != nil
        }
        if isNumber {
          numericCount[c] += 1
        } else {
          textCount[c] += 1
          if firstText[c] == nil { firstText[c] = (scanner.recordLine, scanner.text(fields, j)) }
        }
        codes[c].append(code)
      }
    }
    counter?.add(chunk.end - reported)
    var out: [Int: FactorColumn] = [:]
    var strays: [Int: StrayText] = [:]
    for (c, j) in columns.enumerated() {
      let (levels, remap) = sortedLevels(distinct[c])
      let mapped = codes[c].map { $0 < 0 ? $0 : remap[Int($0)] }
      out[j] = FactorColumn(codes: mapped, levels: levels)
      if let first = firstText[c] {
        strays[j] = StrayText(
          line: first.line, field: j + 1, text: first.text, numericCount: numericCount[c], textCount: textCount[c])
      }
    }
    return (out, strays)
  }
}

/// Sorts strings by their UTF-8 bytes (C-locale order).
///
/// - Returns: The sorted strings and, for each original index, its new index.
func sortedLevels(_ strings: [String]) -> (levels: [String], remap: [Int32]) {
  let order = strings.indices.sorted { a, b in
    strings[a].utf8.lexicographicallyPrecedes(strings[b].utf8)
  }
  var remap = [Int32](repeating: 0, count: strings.count)
  for (newIndex, oldIndex) in order.enumerated() { remap[oldIndex] = Int32(newIndex) }
  return (order.map { strings[$0] }, remap)
}

private func trimSpaces(_ s: String) -> String {
  var sub = Substring(s)
  while let f = sub.first, f == " " || f == "\t" { sub.removeFirst() }
  while let l = sub.last, l == " " || l == "\t" { sub.removeLast() }
  return String(sub)
}

/// A byte range of the body with the physical line it starts on.
struct CSVChunk: Sendable {
  var start: Int
  var end: Int
  var line: Int
}

/// Columns parsed by pass 1 of the general path.
struct ChunkResult {
  var values: [[Double]]
  var missing: [[Bool]]
  /// Whether every field so far was missing or a number.
  var numeric: [Bool]
  var rows = 0

  init(columnCount: Int) {
    values = Array(repeating: [], count: columnCount)
    missing = Array(repeating: [], count: columnCount)
    numeric = Array(repeating: true, count: columnCount)
  }
}

/// Tests field bytes (trimmed of spaces and tabs) against the missing-value tokens.
struct NAMatcher: Sendable {
  let tokens: [[UInt8]]
  let matchesEmpty: Bool
  let maxLength: Int
  /// Whether a token could be a plain number (only digits, signs and points, with a digit).
  let matchesPlainNumbers: Bool

  init(_ naTokens: Set<String>) {
    let trimmed = naTokens.map { Array(trimSpaces($0).utf8) }
    matchesEmpty = trimmed.contains { $0.isEmpty }
    tokens = trimmed.filter { !$0.isEmpty }
    maxLength = tokens.map(\.count).max() ?? 0
    matchesPlainNumbers = tokens.contains { token in
      token.contains { (0x30...0x39).contains($0) }
        && token.allSatisfy { (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }
    }
  }

  @inline(__always)
  func matches(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var s = start
    var e = end
    while s < e && (base[s] == 0x20 || base[s] == 0x09) { s += 1 }
    while e > s && (base[e - 1] == 0x20 || base[e - 1] == 0x09) { e -= 1 }
    let n = e - s
    if n == 0 { return matchesEmpty }
    if n > maxLength { return false }
    for token in tokens where token.count == n {
      if memcmp(base + s, token, n) == 0 { return true }
    }
    return false
  }
}

/// An open-addressing hash set of byte spans: the distinct fields of a text column, found without
/// making a `String` per cell. A span's slot is its insertion order.
struct SpanInterner {
  private var bytes: [UInt8] = []
  private var starts: [Int] = [0]
  private var table = [Int32](repeating: -1, count: 64)

  /// The slot of `base[start..<end]`, inserting it when new.
  @inline(__always)
  mutating func slot(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (slot: Int, isNew: Bool) {
    let n = end - start
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in start..<end { h = (h ^ UInt64(base[i])) &* 0x0000_0100_0000_01b3 }
    let mask = table.count - 1
    var k = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
    while true {
      let entry = Int(table[k])
      if entry < 0 { break }
      let s = starts[entry]
      if starts[entry + 1] - s == n {
        let same = bytes.withUnsafeBufferPointer { b in n == 0 || memcmp(b.baseAddress.unsafelyUnwrapped + s, base + start, n) == 0 }
        if same { return (entry, false) }
      }
      k = (k + 1) & mask
    }
    let entry = starts.count - 1
    bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: n))
    starts.append(bytes.count)
    table[k] = Int32(entry)
    if 2 * (entry + 1) > table.count { rehash() }
    return (entry, true)
  }

  /// The text of the span in `slot` (decoded as UTF-8).
  func text(_ slot: Int) -> String {
    String(decoding: bytes[starts[slot]..<starts[slot + 1]], as: UTF8.self)
  }

  private mutating func rehash() {
    var bigger = [Int32](repeating: -1, count: table.count * 2)
    let mask = bigger.count - 1
    bytes.withUnsafeBufferPointer { b in
      for entry in 0..<(starts.count - 1) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in starts[entry]..<starts[entry + 1] { h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01b3 }
        var k = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while bigger[k] >= 0 { k = (k + 1) & mask }
        bigger[k] = Int32(entry)
      }
    }
    table = bigger
  }
}
