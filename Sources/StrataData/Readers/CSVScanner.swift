/// The byte ranges of the fields of one record, reused from record to record.
struct FieldSpans {
  /// Start of each field's content (after an opening quote).
  var starts: [Int] = []
  /// End of each field's content (before a closing quote or a trailing `\r`).
  var ends: [Int] = []
  /// Whether the field was quoted and contains `""` escapes that must be undone.
  var escaped: [Bool] = []
  /// Number of fields in the current record.
  var count = 0

  @inline(__always)
  mutating func append(_ start: Int, _ end: Int, _ isEscaped: Bool) {
    if count < starts.count {
      starts[count] = start
      ends[count] = end
      escaped[count] = isEscaped
    } else {
      starts.append(start)
      ends.append(end)
      escaped.append(isEscaped)
    }
    count += 1
  }
}

/// An RFC 4180 record scanner over a byte buffer.
///
/// Quoted fields may hold delimiters, newlines and `""` escapes. Records end at `\n` or
/// `\r\n`; empty lines are skipped (as R's `read.csv` does). Line numbers are physical,
/// 1-based lines of the file.
struct CSVScanner {
  let base: UnsafePointer<UInt8>
  let end: Int
  let delimiter: UInt8
  let path: String
  /// Current position.
  var pos: Int
  /// Physical line of `pos`.
  var line: Int
  /// Physical line where the most recently returned record started.
  var recordLine = 0

  init(base: UnsafePointer<UInt8>, start: Int, end: Int, line: Int, delimiter: UInt8, path: String) {
    self.base = base
    self.pos = start
    self.end = end
    self.line = line
    self.delimiter = delimiter
    self.path = path
  }

  /// Reads the next record into `fields`.
  ///
  /// - Returns: `false` at the end of the buffer.
  /// - Throws: `DataError.malformed` for an unterminated quote, a stray quote in an unquoted
  ///   field, or text after a closing quote.
  mutating func next(into fields: inout FieldSpans) throws -> Bool {
    let quote = UInt8(ascii: "\"")
    let lf = UInt8(ascii: "\n")
    let cr = UInt8(ascii: "\r")
    // Skip empty lines.
    while pos < end {
      if base[pos] == lf {
        pos += 1
        line += 1
      } else if base[pos] == cr && pos + 1 < end && base[pos + 1] == lf {
        pos += 2
        line += 1
      } else {
        break
      }
    }
    if pos >= end { return false }
    recordLine = line
    fields.count = 0
    while true {
      if pos < end && base[pos] == quote {
        let openLine = line
        pos += 1
        let contentStart = pos
        var isEscaped = false
        var contentEnd = pos
        while true {
          if pos >= end {
            throw DataError.malformed(
              path: path, line: openLine, column: fields.count + 1,
              reason: "unterminated quoted field (quote opened here)")
          }
          let b = base[pos]
          if b == quote {
            if pos + 1 < end && base[pos + 1] == quote {
              isEscaped = true
              pos += 2
              continue
            }
            contentEnd = pos
            pos += 1
            break
          }
          if b == lf { line += 1 }
          pos += 1
        }
        fields.append(contentStart, contentEnd, isEscaped)
        if pos >= end { return true }
        let b = base[pos]
        if b == delimiter {
          pos += 1
          continue
        }
        if b == lf {
          pos += 1
          line += 1
          return true
        }
        if b == cr && (pos + 1 == end || base[pos + 1] == lf) {
          pos = Swift.min(pos + 2, end)
          line += 1
          return true
        }
        throw DataError.malformed(
          path: path, line: line, column: fields.count,
          reason: "unexpected text after the closing quote of a quoted field")
      } else {
        let fieldStart = pos
        while pos < end {
          let b = base[pos]
          if b == delimiter || b == lf { break }
          if b == quote {
            throw DataError.malformed(
              path: path, line: line, column: fields.count + 1,
              reason: "stray quote in an unquoted field (quote the whole field and double inner quotes)")
          }
          pos += 1
        }
        var fieldEnd = pos
        if pos >= end {
          if fieldEnd > fieldStart && base[fieldEnd - 1] == cr { fieldEnd -= 1 }
          fields.append(fieldStart, fieldEnd, false)
          return true
        }
        if base[pos] == delimiter {
          fields.append(fieldStart, fieldEnd, false)
          pos += 1
          continue
        }
        // Line feed.
        if fieldEnd > fieldStart && base[fieldEnd - 1] == cr { fieldEnd -= 1 }
        fields.append(fieldStart, fieldEnd, false)
        pos += 1
        line += 1
        return true
      }
    }
  }

  /// The text of field `k` of the current record, with `""` escapes undone.
  func text(_ fields: FieldSpans, _ k: Int) -> String {
    let buffer = UnsafeBufferPointer(start: base + fields.starts[k], count: fields.ends[k] - fields.starts[k])
    if !fields.escaped[k] { return String(decoding: buffer, as: UTF8.self) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(buffer.count)
    var i = 0
    while i < buffer.count {
      bytes.append(buffer[i])
      if buffer[i] == UInt8(ascii: "\"") && i + 1 < buffer.count && buffer[i + 1] == UInt8(ascii: "\"") {
        i += 2
      } else {
        i += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
