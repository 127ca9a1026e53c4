import StrataSupport

/// The fast path of ``CSVReader`` for files without quote characters.
///
/// Without quotes every line end is a record end, so the body splits at line ends into one chunk
/// per core and every chunk is parsed completely on its own thread: numbers go straight into
/// preallocated column buffers at the chunk's row offset (the offsets come from a parallel count
/// of line ends), and text cells are interned as byte spans in per-chunk dictionaries whose
/// codes are remapped to the merged, C-locale-sorted levels at the end. A column that turns out
/// to be text after some numeric rows (in its own chunk or another) has those rows interned by a
/// second, parallel pass over just the rows that need it.
///
/// Results are identical to the general path's (`parseGeneral`), including the errors: a record
/// with the wrong number of fields is re-read by ``CSVScanner`` to report it.
///
/// Progress (when the reader has a handler): each chunk reports the bytes it parsed about every
/// megabyte (one comparison per record, no call per row) to a shared ``ProgressCounter``, and the
/// counter reports the whole body once the frame is built.
extension CSVReader {
  /// Parses the body `base[bodyStart..<end]` of an unquoted file, or returns `nil` when the file
  /// holds a quote character (then the general path must read it).
  ///
  /// - Parameter chunkCount: Number of chunks (threads); `nil` picks one per core for bodies of
  ///   4 MiB or more, and one otherwise.
  func parseUnquoted(
    _ base: UnsafePointer<UInt8>, bodyStart: Int, end: Int, bodyLine: Int, headerLine: Int,
    names: [String], delimiter: UInt8, na: NAMatcher, chunkCount: Int?
  ) throws -> DataFrame? {
    let columnCount = names.count
    let chunks = splitAtLineEnds(base, bodyStart, end, count: chunkCount ?? defaultChunkCount(end - bodyStart))

    // Line ends per chunk (row capacities and line offsets), and the quote check.
    let bytes = SharedBytes(base: base)
    let scans = concurrentMap(chunks.count) { k in
      (lineFeeds: lineFeedCount(bytes.base, chunks[k].start, chunks[k].end),
       quoted: contains(UInt8(ascii: "\""), bytes.base, chunks[k].start, chunks[k].end))
    }
    if scans.contains(where: \.quoted) { return nil }
    var rowOffset = [Int](repeating: 0, count: chunks.count)
    var lineOffset = [Int](repeating: bodyLine, count: chunks.count)
    for k in 1..<Swift.max(chunks.count, 1) {
      rowOffset[k] = rowOffset[k - 1] + scans[k - 1].lineFeeds
      lineOffset[k] = lineOffset[k - 1] + scans[k - 1].lineFeeds
    }
    let rowOffsets = rowOffset
    // Records ≤ line ends, plus one for a last line without a line end.
    let capacity = (rowOffset.last ?? 0) + (scans.last?.lineFeeds ?? 0) + 1

    let counter = progressCounter(total: end - bodyStart)
    var parsed: [UnquotedChunk] = []
    var numeric: [Bool] = []
    var levels: [Int: [String]] = [:]
    var strays: [Int: StrayText] = [:]
    let out = try withColumnSink(columnCount: columnCount, capacity: capacity) { sink -> ColumnSinkLayout in
      parsed = concurrentMap(chunks.count) { k in
        parseChunk(
          bytes.base, chunks[k], rowOffset: rowOffsets[k], rowCount: scans[k].lineFeeds + 1, columnCount: columnCount,
          delimiter: delimiter, na: na, sink: sink, counter: counter)
      }
      for (k, chunk) in parsed.enumerated() {
        if let failure = chunk.failure {
          throw recordError(
            base, at: failure.position, line: lineOffset[k] + failure.line, end: chunks[k].end,
            columnCount: columnCount, delimiter: delimiter)
        }
      }
      let rows = parsed.reduce(0) { $0 + $1.rows }
      if rows == 0 {
        throw DataError.malformed(
          path: path, line: headerLine, column: nil, reason: "the file has a header but no data rows")
      }
      numeric = (0..<columnCount).map { j in parsed.allSatisfy { $0.textFrom[j] == nil } }
      let textColumns = (0..<columnCount).filter { !numeric[$0] }
      if !textColumns.isEmpty {
        // Intern the rows of text columns that a chunk parsed as numbers.
        let firstPass = parsed
        parsed = concurrentMap(chunks.count) { k in
          var chunk = firstPass[k]
          internLeadingRows(
            bytes.base, chunks[k], into: &chunk, columns: textColumns, rowOffset: rowOffsets[k],
            delimiter: delimiter, na: na, sink: sink)
          return chunk
        }
        // Merge the chunks' dictionaries into sorted levels and remap the codes.
        var maps = [[Int: [Int32]]](repeating: [:], count: chunks.count)
        for j in textColumns {
          let merged = mergeLevels(parsed.map { $0.text[j] }, lineOffset: lineOffset, field: j + 1)
          levels[j] = merged.levels
          for k in 0..<chunks.count { maps[k][j] = merged.maps[k] }
          if let stray = merged.stray { strays[j] = stray }
        }
        let (chunkMaps, merged) = (maps, parsed)
        concurrentForEach(chunks.count) { k in
          for j in textColumns {
            sink.remapCodes(j, rows: rowOffsets[k]..<(rowOffsets[k] + merged[k].rows), chunkMaps[k][j] ?? [])
          }
        }
      }
      // Close the gaps left by empty lines (rows below a chunk's line-end count).
      var next = 0
      for k in 0..<chunks.count {
        sink.moveRows(
          from: rowOffset[k], to: next, count: parsed[k].rows,
          numeric: (0..<columnCount).filter { numeric[$0] }, text: textColumns)
        next += parsed[k].rows
      }
      return ColumnSinkLayout(rows: rows, numeric: numeric)
    }

    var columns: [Column] = []
    columns.reserveCapacity(columnCount)
    for j in 0..<columnCount {
      if let levels = levels[j] {
        var column = Column(name: names[j], storage: .factor(FactorColumn(codes: out.codes[j], levels: levels)))
        column.strayText = keptStray(strays[j], levels: levels)
        columns.append(column)
      } else {
        columns.append(
          Column(name: names[j], storage: .numeric(NumericColumn(values: out.values[j], missing: out.missing[j]))))
      }
    }
    if delimiter == UInt8(ascii: ";") { readDecimalCommas(&columns) }
    counter?.finish()
    return DataFrame(columns: columns, source: path)
  }

  /// One chunk per core for bodies of 4 MiB or more.
  private func defaultChunkCount(_ size: Int) -> Int {
    guard size >= 4 << 20 else { return 1 }
    return Swift.max(1, Swift.min(processorCount, size >> 20))
  }

  /// Splits `start..<end` into up to `count` chunks, each ending just after a line end (the last
  /// at `end`); empty chunks are dropped.
  private func splitAtLineEnds(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, count: Int) -> [CSVChunk] {
    var chunks: [CSVChunk] = []
    var from = start
    for k in 1...Swift.max(count, 1) {
      var to = k == count ? end : Swift.max(from + 1, start + (end - start) / count * k)
      while to < end && base[to - 1] != UInt8(ascii: "\n") { to += 1 }
      to = Swift.min(to, end)
      if to > from { chunks.append(CSVChunk(start: from, end: to, line: 0)) }
      from = to
    }
    if chunks.isEmpty { chunks.append(CSVChunk(start: start, end: end, line: 0)) }
    return chunks
  }

  /// Parses the records of one chunk into `sink` from row `rowOffset`. Lines in the result are
  /// counted from 0 at the chunk's start.
  private func parseChunk(
    _ base: UnsafePointer<UInt8>, _ chunk: CSVChunk, rowOffset: Int, rowCount: Int, columnCount: Int,
    delimiter: UInt8, na: NAMatcher, sink: ColumnSink, counter: ProgressCounter?
  ) -> UnquotedChunk {
    let lf = UInt8(ascii: "\n")
    let cr = UInt8(ascii: "\r")
    let end = chunk.end
    var result = UnquotedChunk(columnCount: columnCount)
    var isText = [Bool](repeating: false, count: columnCount)
    var pos = chunk.start
    var line = 0
    var row = 0
    let last = columnCount - 1
    // Plain numbers (sign, digits, point) skip the missing-value test unless a token looks like one.
    let plainNumbers = !na.matchesPlainNumbers
    // Progress: the bytes since the last report, reported when a record ends past `nextReport`.
    var reported = chunk.start
    var nextReport = counter == nil ? Int.max : chunk.start + Self.progressBlockBytes
    defer { counter?.add(pos - reported) }
    records: while pos < end {
      // Skip empty lines.
      if base[pos] == lf {
        pos += 1
        line += 1
        continue
      }
      if base[pos] == cr && pos + 1 < end && base[pos + 1] == lf {
        pos += 2
        line += 1
        continue
      }
      let recordStart = pos
      let at = rowOffset + row
      for j in 0...last {
        if plainNumbers && !isText[j], let (value, next) = plainNumber(base, pos, end) {
          // The number must end the field: at a delimiter, or at the record's end for the last.
          if j < last {
            if next < end && base[next] == delimiter {
              sink.store(j, at, value, missing: false)
              pos = next + 1
              continue
            }
          } else if next == end || base[next] == lf {
            sink.store(j, at, value, missing: false)
            pos = next
            continue
          } else if base[next] == cr && (next + 1 == end || base[next + 1] == lf) {
            sink.store(j, at, value, missing: false)
            pos = next + 1
            continue
          }
        }
        let s = pos
        while pos < end {
          let b = base[pos]
          if b == delimiter || b == lf { break }
          pos += 1
        }
        var e = pos
        let atDelimiter = pos < end && base[pos] == delimiter
        if atDelimiter != (j < last) {
          result.failure = (recordStart, line)
          break records
        }
        if atDelimiter {
          pos += 1
        } else if e > s && base[e - 1] == cr {
          e -= 1
        }
        if !isText[j] {
          if na.matches(base, s, e) {
            sink.store(j, at, .nan, missing: true)
            continue
          }
          if let v = parseDouble(base, s, e) {
            sink.store(j, at, v, missing: v.isNaN)
            continue
          }
          isText[j] = true
          result.textFrom[j] = row
        }
        if na.matches(base, s, e) {
          sink.storeCode(j, at, -1)
        } else {
          sink.storeCode(j, at, result.text[j].code(base, s, e, line: line))
        }
      }
      // At the record's line end (or the chunk's end).
      if pos < end {
        pos += 1
      }
      line += 1
      row += 1
      if pos >= nextReport {
        counter?.add(pos - reported)
        reported = pos
        nextReport = pos + Self.progressBlockBytes
      }
      if row == 1 {
        // The first record tells which columns are numbers: map their pages for the chunk at once.
        for j in 0...last where !isText[j] { sink.prefault(j, rows: (rowOffset + 1)..<(rowOffset + rowCount)) }
      }
    }
    result.rows = row
    return result
  }

  /// Interns, for each of `columns`, the rows of `chunk` before the one where it turned to text
  /// (all rows when it stayed numeric in this chunk).
  private func internLeadingRows(
    _ base: UnsafePointer<UInt8>, _ range: CSVChunk, into chunk: inout UnquotedChunk, columns: [Int],
    rowOffset: Int, delimiter: UInt8, na: NAMatcher, sink: ColumnSink
  ) {
    let limits = columns.map { chunk.textFrom[$0] ?? chunk.rows }
    guard let stop = limits.max(), stop > 0 else { return }
    var scanner = CSVScanner(
      base: base, start: range.start, end: range.end, line: 0, delimiter: delimiter, path: path)
    var fields = FieldSpans()
    var row = 0
    // The chunk parsed without errors, so every record has the expected fields.
    while row < stop, (try? scanner.next(into: &fields)) == true {
      for (c, j) in columns.enumerated() where row < limits[c] {
        let s = fields.starts[j]
        let e = fields.ends[j]
        let code = na.matches(base, s, e) ? -1 : chunk.text[j].code(base, s, e, line: scanner.recordLine)
        sink.storeCode(j, rowOffset + row, code)
      }
      row += 1
    }
  }

  /// The merged levels of one text column (C-locale order), each chunk's map from its span
  /// codes to level codes, and the column's first non-numeric cell when others are numbers.
  private func mergeLevels(
    _ spans: [TextSpans], lineOffset: [Int], field: Int
  ) -> (levels: [String], maps: [[Int32]], stray: StrayText?) {
    var lookup: [String: Int32] = [:]
    var distinct: [String] = []
    var maps: [[Int32]] = []
    var numericCount = 0
    var textCount = 0
    var first: (line: Int, text: String)?
    for (k, chunkSpans) in spans.enumerated() {
      var map: [Int32] = []
      map.reserveCapacity(chunkSpans.count)
      var firstInChunk: (line: Int, slot: Int)?
      for slot in 0..<chunkSpans.count {
        // Distinct byte spans may still be equal strings (invalid UTF-8 decodes to U+FFFD).
        let text = chunkSpans.spans.text(slot)
        if let code = lookup[text] {
          map.append(code)
        } else {
          let code = Int32(distinct.count)
          lookup[text] = code
          distinct.append(text)
          map.append(code)
        }
        if chunkSpans.isNumber[slot] {
          numericCount += chunkSpans.counts[slot]
        } else {
          textCount += chunkSpans.counts[slot]
          if firstInChunk == nil || chunkSpans.firstLine[slot] < firstInChunk.unsafelyUnwrapped.line {
            firstInChunk = (chunkSpans.firstLine[slot], slot)
          }
        }
      }
      if first == nil, let f = firstInChunk {
        first = (lineOffset[k] + f.line, chunkSpans.spans.text(f.slot))
      }
      maps.append(map)
    }
    let (levels, remap) = sortedLevels(distinct)
    let finalMaps = maps.map { $0.map { remap[Int($0)] } }
    var stray: StrayText?
    if let first {
      stray = StrayText(
        line: first.line, field: field, text: first.text, numericCount: numericCount, textCount: textCount)
    }
    return (levels, finalMaps, stray)
  }

  /// The error for the malformed record at `position` (found by the fast path), as the general
  /// scanner reports it.
  private func recordError(
    _ base: UnsafePointer<UInt8>, at position: Int, line: Int, end: Int, columnCount: Int, delimiter: UInt8
  ) -> any Error {
    var scanner = CSVScanner(base: base, start: position, end: end, line: line, delimiter: delimiter, path: path)
    var fields = FieldSpans()
    do {
      _ = try scanner.next(into: &fields)
      return DataError.malformed(
        path: path, line: scanner.recordLine, column: Swift.min(fields.count, columnCount) + 1,
        reason: "expected \(columnCount) fields, found \(fields.count)")
    } catch {
      return error
    }
  }
}

/// What parsing one chunk found.
struct UnquotedChunk {
  var rows = 0
  /// Per column: the chunk row where it turned out to be text, or `nil` if all rows were numbers.
  var textFrom: [Int?]
  /// Per column: the distinct text spans (empty while the column is numeric).
  var text: [TextSpans]
  /// The first record with the wrong number of fields: its byte position and chunk line.
  var failure: (position: Int, line: Int)?

  init(columnCount: Int) {
    textFrom = Array(repeating: nil, count: columnCount)
    text = Array(repeating: TextSpans(), count: columnCount)
  }
}

/// The distinct cells of a text column within one chunk, with how often each occurs, the first
/// (chunk) line it occurs on, and whether it reads as a number.
struct TextSpans {
  var spans = SpanInterner()
  var counts: [Int] = []
  var firstLine: [Int] = []
  var isNumber: [Bool] = []

  var count: Int { counts.count }

  /// The span code of the (non-missing) cell `base[start..<end]` on chunk line `line`.
  @inline(__always)
  mutating func code(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, line: Int) -> Int32 {
    let (slot, isNew) = spans.slot(base, start, end)
    if isNew {
      counts.append(1)
      firstLine.append(line)
      isNumber.append(parseDouble(base, start, end) != nil)
    } else {
      // A later first line never needs lowering: rows interned after the main pass precede
      // the row where the column turned to text, and all read as numbers or missing.
      counts[slot] += 1
    }
    return Int32(slot)
  }
}
