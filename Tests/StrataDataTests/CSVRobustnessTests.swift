import Foundation
import Testing

@testable import StrataData

#if canImport(Glibc)
  import Glibc
#endif

/// Odd and hostile inputs to the CSV reader (issue 16): a file truncated while it is read,
/// the missing-value tokens on every path, encodings, line ends and number formats.
@Suite("CSV reader: odd inputs")
struct CSVRobustnessTests {
  let dir: TemporaryDirectory

  init() throws { dir = try TemporaryDirectory() }

  /// The same frame (bitwise values, masks, levels, codes) or the difference.
  func expectSameFrame(_ a: DataFrame, _ b: DataFrame, sourceLocation: SourceLocation = #_sourceLocation) {
    CSVParallelTests().expectSameFrame(a, b, "", sourceLocation: sourceLocation)
  }

  func parse(_ bytes: [UInt8], name: String = "t.csv", fastPath: Bool = true) throws -> DataFrame {
    try bytes.withUnsafeBufferPointer { try CSVReader(path: name).parse($0, fastPath: fastPath) }
  }

  func parseError(_ bytes: [UInt8], name: String = "t.csv") -> String {
    do {
      _ = try parse(bytes, name: name)
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  // MARK: Truncated while read

  /// Numbers (and, with `quoted`, a quoted text column, so the general path reads it).
  func numbersText(rows: Int, quoted: Bool) -> String {
    var lines = ["a,b,c"]
    for i in 0..<rows { lines.append("\(i),\(Double(i) / 7),\(quoted ? "\"t\(i % 5)\"" : "\(i % 9)")") }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A file truncated between mapping and parsing (to nothing, to a page boundary, mid-page,
  /// and by a few bytes within its last page, which raises no SIGBUS) is an error saying the
  /// file changed, never a signal; so is a file rewritten in place (same size, new time).
  @Test(arguments: [false, true])
  func truncatedWhileRead(quoted: Bool) throws {
    let text = numbersText(rows: 20_000, quoted: quoted)
    let size = text.utf8.count
    #expect(size > 300_000)
    for newSize in [0, 4096, 100_001, size - 5] {
      let path = try dir.write("trunc\(newSize).csv", text)
      #expect(throws: DataError.unreadable(path: path, reason: changedReason)) {
        try CSVReader(path: path).read(afterOpening: { truncate($0, off_t(newSize)) })
      }
    }
    let path = try dir.write("rewritten.csv", text)
    #expect(throws: DataError.unreadable(path: path, reason: changedReason)) {
      try CSVReader(path: path).read(afterOpening: { p in
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, p, &times, 0)
      })
    }
    // Untouched, the same reader reads it.
    #expect(try CSVReader(path: path).read().rowCount == 20_000)
  }

  /// Above 4 MiB the fast path parses on several threads: every thread's faults are caught.
  @Test func truncatedWhileReadInParallel() throws {
    let text = numbersText(rows: 300_000, quoted: false)
    #expect(text.utf8.count > 5 << 20)
    let path = try dir.write("big.csv", text)
    #expect(throws: DataError.unreadable(path: path, reason: changedReason)) {
      try CSVReader(path: path).read(afterOpening: { truncate($0, 1 << 20) })
    }
  }

  let changedReason =
    "the file changed while it was read (it was truncated or rewritten); read it again once nothing is writing to it"

  // MARK: Missing values

  /// Empty, `NA`, `.` and NaN in any case and sign are missing, on the fast and general paths,
  /// in numeric and text columns; `NaN` is not a level.
  @Test func missingTokensOnEveryPath() throws {
    let tokens = ["", "NA", ".", "NaN", "nan", "NAN", "-nan", "Nan", " NaN "]
    var lines = ["x,g"]
    for (i, t) in tokens.enumerated() {
      lines.append("\(i),g\(i % 2)")
      lines.append("\(t),\(t == "" ? "" : t.trimmingCharacters(in: .whitespaces).lowercased() == "nan" || t == "-nan" ? "NaN" : t)")
    }
    let text = lines.joined(separator: "\n") + "\n"
    let quotedText = text.replacingOccurrences(of: "x,g", with: "\"x\",g")
    let fast = try parse(Array(text.utf8))
    let general = try parse(Array(text.utf8), fastPath: false)
    let quoted = try parse(Array(quotedText.utf8))
    for frame in [fast, general, quoted] {
      let x = try #require(frame.columns[0].numeric)
      #expect(x.missing == tokens.flatMap { _ in [false, true] })
      #expect(x.values.enumerated().allSatisfy { i, v in i % 2 == 1 ? v.isNaN : v == Double(i / 2) })
      guard case .factor(let g) = frame.columns[1].storage else {
        Issue.record("g is not a factor")
        continue
      }
      #expect(g.levels == ["g0", "g1"])
      #expect(g.codes.enumerated().allSatisfy { i, c in i % 2 == 1 ? c == -1 : c == Int32(i / 2 % 2) })
    }
    expectSameFrame(fast, general)
    expectSameFrame(fast, quoted)
    #expect(CSVReader(path: "t.csv").naTokens == ["", "NA", ".", "NaN", "nan", "NAN"])
  }

  // MARK: Encodings and line ends

  let reference = "y,x,g\n1,2.5,ä\n2,NA,b\n3,-4e3,\"q,r\"\n"

  @Test func byteOrderMarks() throws {
    let expected = try parse(Array(reference.utf8))
    expectSameFrame(try parse([0xEF, 0xBB, 0xBF] + Array(reference.utf8)), expected)
    let utf16 = Array(reference.utf16)
    let little: [UInt8] = [0xFF, 0xFE] + utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let big: [UInt8] = [0xFE, 0xFF] + utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    expectSameFrame(try parse(little), expected)
    expectSameFrame(try parse(big), expected)
    // UTF-16 with CRLF line ends.
    let crlf = Array(reference.replacingOccurrences(of: "\n", with: "\r\n").utf16)
    expectSameFrame(try parse([UInt8]([0xFF, 0xFE]) + crlf.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), expected)
    let utf32: [UInt8] = [0xFF, 0xFE, 0, 0] + reference.unicodeScalars.flatMap { s in
      (0..<4).map { UInt8((s.value >> (8 * UInt32($0))) & 0xFF) }
    }
    #expect(
      parseError(utf32, name: "d/u.csv")
        == "d/u.csv:1: the file is UTF-32 text; convert it to UTF-8: iconv -f UTF-32 -t UTF-8 d/u.csv > u-utf8.csv")
  }

  @Test func nulInTheHeader() throws {
    let utf16 = Array(reference.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }  // no byte-order mark
    #expect(
      parseError(utf16)
        == "t.csv:1: NUL byte in the header (byte 2): this is not UTF-8 text but UTF-16 without a byte-order "
        + "mark or a binary file; convert UTF-16 text with iconv -f UTF-16 -t UTF-8 t.csv > t-utf8.csv, "
        + "or save the data as CSV (UTF-8)")
    #expect(parseError(Array("a,b\0c\n1,2\n".utf8)).hasPrefix("t.csv:1: NUL byte in the header (byte 4)"))
  }

  /// Old-Mac files end lines with CR alone: read as the same rows (errors count CR lines).
  @Test func crOnlyLineEnds() throws {
    let expected = try parse(Array(reference.utf8))
    let cr = Array(reference.replacingOccurrences(of: "\n", with: "\r").utf8)
    expectSameFrame(try parse(cr), expected)
    expectSameFrame(try parse(cr, fastPath: false), expected)
    let unquoted = "a,b\n1,2\n\n3,4\n"
    expectSameFrame(
      try parse(Array(unquoted.replacingOccurrences(of: "\n", with: "\r").utf8)), try parse(Array(unquoted.utf8)))
    #expect(parseError(Array("a,b\r1,2\r3\r".utf8)) == "t.csv:3:2: expected 2 fields, found 1")
  }

  // MARK: Number formats

  /// `;`-delimited with decimal commas: numbers, as R's read.csv2; a column with a point or a
  /// word stays text.
  @Test func decimalCommasInSemicolonFiles() throws {
    let text = "y;x;p;w\n1;1,5;1.5;a\n2;-2,25;2,5;1,5\n3;3;NA;b\n4;;4;2\n"
    for fastPath in [true, false] {
      let frame = try parse(Array(text.utf8), fastPath: fastPath)
      let x = try #require(frame.columns[1].numeric)
      #expect(x.values.map(\.bitPattern) == [1.5, -2.25, 3, .nan].map(\.bitPattern))
      #expect(x.missing == [false, false, false, true])
      #expect(frame.columns[2].numeric == nil)  // 1.5 and 2,5: mixed, text (as read.csv2)
      #expect(frame.columns[3].numeric == nil)
    }
    // With commas as the delimiter, "1,5" quoted stays text.
    #expect(try parse(Array("y,x\n1,\"1,5\"\n2,\"2,5\"\n".utf8)).columns[1].numeric == nil)
  }

  /// Thousands separators: the column is text (as in R) but remembers the first such cell, and
  /// numeric use is an error that says to remove the separators.
  @Test func thousandsSeparators() throws {
    let text = "y,income,name\n1,\"1,000\",a\n2,\"12,500.5\",b\n3,900,c\n4,NA,d\n5,\"-2,000\",e\n"
    for fastPath in [true, false] {
      let frame = try parse(Array(text.utf8), fastPath: fastPath)
      #expect(frame.columns[1].numeric == nil)
      #expect(
        frame.columns[1].strayText
          == StrayText(line: 2, field: 2, text: "1,000", numericCount: 1, textCount: 3))
      #expect(frame.columns[2].strayText == nil)
      let error = DataError.nonNumericValue(name: "income", path: "t.csv", stray: try #require(frame.columns[1].strayText))
      #expect(
        "\(error)"
          == "t.csv:2:2: value '1,000' in column 'income' has thousands separators, so the column was read as "
          + "text (1 values are plain numbers, 3 are not); remove the separators from the file (write 1000), "
          + "or use factor(income) to treat the column as categorical")
    }
    // A word among them: an ordinary text column.
    let words = try parse(Array("y,x\n1,\"1,000\"\n2,abc\n".utf8))
    #expect(words.columns[1].strayText == nil)
    #expect(isGroupedNumber(" 1,234,567.25 ") && isGroupedNumber("-999,000"))
    #expect(!isGroupedNumber("1,5") && !isGroupedNumber("1234,567") && !isGroupedNumber("1,000,00") && !isGroupedNumber("1,000x"))
  }

  // MARK: Wide files

  /// Wider than the nesting limit, with text columns that turn to text in a later chunk: the
  /// copied column buffers give the general path's frame.
  @Test func wideFileMatchesTheGeneralPath() throws {
    let columns = columnSinkNestingLimit * 2 + 3
    var lines = [(0..<columns).map { "c\($0)" }.joined(separator: ",")]
    for r in 0..<2_000 {
      lines.append((0..<columns).map { j in
        if j % 5 == 1 && r > 1_500 { return "w\(r % 4)" }
        if j % 11 == 0 && r % 9 == 0 { return "NA" }
        return "\((r * 31 + j) % 1_000)"
      }.joined(separator: ","))
    }
    try CSVParallelTests().expectSameResults(
      Array((lines.joined(separator: "\n") + "\n").utf8), chunkCounts: [1, 2, 5], naTokens: CSVReader.defaultNATokens)
  }
}
