import Foundation
import StrataSupport
import Testing

@testable import StrataData

/// The unquoted fast path, run on 1–7 chunks, against the general single-threaded path.
@Suite("CSV reader: parallel fast path")
struct CSVParallelTests {
  /// Parses `bytes` by the general path and by the fast path with each chunk count; checks that
  /// all give the same frame (bitwise values, masks, levels, codes, stray cells) or the same error.
  func expectSameResults(
    _ bytes: [UInt8], chunkCounts: [Int] = [1, 2, 3, 7], naTokens: Set<String> = ["", "NA", ".", "NaN"],
    fails: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let reader = CSVReader(path: "t.csv", naTokens: naTokens)
    let reference = bytes.withUnsafeBufferPointer { b in Result { try reader.parse(b, fastPath: false) } }
    if case .failure = reference {
      #expect(fails, "the general path fails: \(reference)", sourceLocation: sourceLocation)
    } else {
      #expect(!fails, "the general path succeeds", sourceLocation: sourceLocation)
    }
    for k in chunkCounts {
      let fast = bytes.withUnsafeBufferPointer { b in Result { try reader.parse(b, chunks: k) } }
      switch (reference, fast) {
      case (.success(let a), .success(let b)):
        expectSameFrame(a, b, "\(k) chunks", sourceLocation: sourceLocation)
      case (.failure(let a), .failure(let b)):
        #expect("\(a)" == "\(b)", "\(k) chunks", sourceLocation: sourceLocation)
      default:
        Issue.record("\(k) chunks: \(reference) vs \(fast)", sourceLocation: sourceLocation)
      }
    }
  }

  func expectSameFrame(_ a: DataFrame, _ b: DataFrame, _ note: String, sourceLocation: SourceLocation) {
    #expect(a.names == b.names, "\(note)", sourceLocation: sourceLocation)
    #expect(a.rowCount == b.rowCount, "\(note)", sourceLocation: sourceLocation)
    for (x, y) in zip(a.columns, b.columns) {
      switch (x.storage, y.storage) {
      case (.numeric(let p), .numeric(let q)):
        #expect(p.values.map(\.bitPattern) == q.values.map(\.bitPattern), "\(note) \(x.name)", sourceLocation: sourceLocation)
        #expect(p.missing == q.missing, "\(note) \(x.name)", sourceLocation: sourceLocation)
      case (.factor(let p), .factor(let q)):
        #expect(p.levels == q.levels, "\(note) \(x.name)", sourceLocation: sourceLocation)
        #expect(p.codes == q.codes, "\(note) \(x.name)", sourceLocation: sourceLocation)
      default:
        Issue.record("\(note): column \(x.name) differs in kind", sourceLocation: sourceLocation)
      }
      #expect(x.strayText == y.strayText, "\(note) \(x.name)", sourceLocation: sourceLocation)
    }
  }

  /// A survey-like file: numbers, a factor whose levels first appear late, NA cells, a column
  /// numeric until a word in its last rows, and a mostly numeric column with one stray word.
  func surveyText(rows: Int, lineEnd: String = "\n", seed: UInt64) -> String {
    var rng = SplitMix64(state: seed)
    var lines = ["y,x,region,late,stray,code"]
    for i in 0..<rows {
      let x = Double(Int64(bitPattern: rng.next() % 2_000_000) - 1_000_000) / 997
      // Levels R00..R(i/10): new levels keep appearing, so each chunk sees some first.
      let region = i % 13 == 0 ? "NA" : "R\(Int(rng.next() % UInt64(1 + i / 10)))"
      let late = i == rows - 3 ? "word" : (i % 5 == 0 ? "" : "\(rng.next() % 50)")
      let stray = i == rows * 2 / 3 ? "oops" : "\(Double(rng.next() % 1000) / 8)"
      let code = i % 2 == 0 ? "\(i % 9)" : "c\(i % 4)"
      lines.append("\(i % 2),\(x),\(region),\(late),\(stray),\(code)")
    }
    return lines.joined(separator: lineEnd) + lineEnd
  }

  @Test func factorLevelsFirstSeenInDifferentChunks() throws {
    try expectSameResults(Array(surveyText(rows: 2_000, seed: 1).utf8))
    let df = try Array(surveyText(rows: 2_000, seed: 1).utf8).withUnsafeBufferPointer { b in
      try CSVReader(path: "t.csv").parse(b, chunks: 3)
    }
    let region = try #require(df.columns[2].factor)
    #expect(region.levels.first == "R0" && region.levels == region.levels.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    #expect(df.columns[3].factor?.levels.contains("word") == true)
    let stray = try #require(df.columns[4].strayText)
    #expect(stray.text == "oops" && stray.line == 2_000 * 2 / 3 + 2 && stray.field == 5)
    #expect(stray.numericCount == 1_999 && stray.textCount == 1)
  }

  @Test func splitPointsInsideRows() throws {
    // Every chunk count puts split points mid-row; rows of very different lengths.
    var lines = ["a;b;c"]
    for i in 0..<300 {
      let wide = String(repeating: "z", count: (i * 37) % 200)
      lines.append("\(i);\(i % 3 == 0 ? wide : "\(i)")1;\(Double(i) / 3)")
    }
    let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
    try expectSameResults(bytes, chunkCounts: [1, 2, 3, 4, 5, 6, 7, 8, 13, 64, 1000])
  }

  @Test func crlfEmptyLinesBOMAndNoTrailingLineEnd() throws {
    let text = surveyText(rows: 500, lineEnd: "\r\n", seed: 2)
    try expectSameResults(Array(text.utf8))
    // Empty lines (LF and CRLF) in every part of the file leave gaps the fast path closes.
    var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
    for k in stride(from: 400, to: 1, by: -37) { lines[k] += k % 2 == 0 ? "\r\n" : "\n\n" }
    let withGaps = lines.joined(separator: "\r\n")
    #expect(withGaps.utf8.count == text.utf8.count + 22)
    try expectSameResults(Array(withGaps.utf8))
    try expectSameResults([0xEF, 0xBB, 0xBF] + Array(withGaps.utf8))
    // No line end after the last record, with and without a final CR.
    let trimmed = String(text.dropLast())  // "\r\n" is one Character
    try expectSameResults(Array(trimmed.utf8))
    try expectSameResults(Array((trimmed + "\r").utf8))
  }

  @Test func missingTokensAndTextInEveryChunk() throws {
    var lines = ["a\tb\tc"]
    for i in 0..<400 {
      lines.append("\(i % 7 == 0 ? " NA " : "\(i)")\t\(i % 11 == 0 ? "-99" : "x\(i % 5)")\t\(i % 3 == 0 ? "." : "1e\(i % 30)")")
    }
    let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
    try expectSameResults(bytes)
    try expectSameResults(bytes, naTokens: ["-99", "x1"])
  }

  @Test func undecodableBytesMergeAcrossChunks() throws {
    // 0xFF and 0xFE both decode to U+FFFD, so they are one level (as in the general path).
    var bytes = Array("s,n\n".utf8)
    for i in 0..<200 {
      bytes += (i % 2 == 0 ? [0xFF] : [0xFE]) + Array(",\(i)\n".utf8)
      bytes += Array("ok\(i % 3),\(i)\n".utf8)
    }
    try expectSameResults(bytes)
  }

  @Test func errorsNameTheWholeFilesLine() throws {
    let text = surveyText(rows: 600, seed: 3)
    var lines = text.split(separator: "\n").map(String.init)
    lines[450] += ",extra"
    try expectSameResults(Array((lines.joined(separator: "\n") + "\n").utf8), fails: true)
    lines[450] = "1,2"
    try expectSameResults(Array(lines.joined(separator: "\n").utf8), fails: true)
    let shortLast = text.dropLast() + ",9"
    try expectSameResults(Array(shortLast.utf8), fails: true)
    // A header with no rows, and rows that are all empty lines.
    try expectSameResults(Array("a,b\n\n\r\n\n".utf8), fails: true)
    let df = try Array(text.utf8).withUnsafeBufferPointer { b in try CSVReader(path: "t.csv").parse(b, chunks: 2) }
    #expect(df.rowCount == 600)
    var bad = lines
    bad[300] = "0,1,R1,2,3"
    let error = #expect(throws: DataError.self) {
      try Array(bad.joined(separator: "\n").utf8).withUnsafeBufferPointer { b in
        try CSVReader(path: "t.csv").parse(b, chunks: 2)
      }
    }
    #expect(error == .malformed(path: "t.csv", line: 301, column: 6, reason: "expected 6 fields, found 5"))
  }

  @Test func quotedFilesTakeTheGeneralPath() throws {
    // A quote anywhere (here in the last chunk) sends the whole file to the general path.
    var text = surveyText(rows: 300, seed: 4)
    text += "1,2.5,\"R,9\",1,2,3\n"
    let df = try Array(text.utf8).withUnsafeBufferPointer { b in try CSVReader(path: "t.csv").parse(b, chunks: 4) }
    #expect(df.columns[2].factor?.levels.contains("R,9") == true)
    try expectSameResults(Array(text.utf8))
  }

  @Test func lineFeedCountMatchesAByteLoop() {
    var rng = SplitMix64(state: 9)
    // All byte values, with line feeds and bytes that differ from one only in the high bit.
    let bytes = (0..<4_099).map { _ -> UInt8 in
      let r = rng.next()
      return r % 5 == 0 ? 0x0A : (r % 7 == 0 ? 0x8A : UInt8(truncatingIfNeeded: r >> 8))
    }
    bytes.withUnsafeBufferPointer { b in
      guard let base = b.baseAddress else { return }
      for (start, end) in [(0, 4_099), (1, 4_098), (3, 3), (5, 17), (100, 4_000)] {
        #expect(lineFeedCount(base, start, end) == bytes[start..<end].filter { $0 == 0x0A }.count)
      }
    }
  }
}

extension CSVParallelTests {
  @Test(arguments: [columnSinkNestingLimit, columnSinkNestingLimit + 1, 3_000])
  func wideFileOnASmallStack(columns: Int) throws {
    // The fast path's stack use does not grow with the column count: up to the nesting limit
    // the column arrays are held by nested scopes (bounded), beyond it they are copied from
    // plain buffers. Both parse on a thread with a 512 KiB stack (at the limit a debug build
    // needs more than 256 KiB, a release build far less), with text columns, and match the
    // general path.
    let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
    let rows = (0..<5).map { r in (0..<columns).map { j in j % 7 == 3 ? "t\((r + j) % 3)" : "\((r * j) % 10)" }.joined(separator: ",") }
    let bytes = Array((header + "\n" + rows.joined(separator: "\n") + "\n").utf8)
    final class Box: @unchecked Sendable { var rows = -1 }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      box.rows = (try? bytes.withUnsafeBufferPointer { b in try CSVReader(path: "w.csv").parse(b, chunks: 2) })?.rowCount ?? -2
      done.signal()
    }
    thread.stackSize = 512 << 10
    thread.start()
    done.wait()
    #expect(box.rows == 5)
    try expectSameResults(bytes, chunkCounts: [1, 2, 3])
  }

  /// The vectorized line-feed count equals a byte-by-byte count for every start and end offset
  /// around the 16-byte and 255-vector boundaries (bytes of every value, line feeds dense and sparse).
  @Test func lineFeedCountMatchesAByteCount() {
    var state: UInt32 = 7
    let bytes: [UInt8] = (0..<9_000).map { i in
      state = state &* 1_664_525 &+ 1_013_904_223
      if i > 4_000 { return 0x0A }  // 5,000 line feeds in a row: every lane counts up to 255
      return (state >> 24) % 5 == 0 ? 0x0A : UInt8(truncatingIfNeeded: state >> 16)
    }
    bytes.withUnsafeBufferPointer { b in
      let base = b.baseAddress!
      for (start, end) in [(0, 9_000), (3, 4_083), (1, 17), (5, 5), (0, 4_080), (17, 8_999), (4_000, 9_000)] {
        let expected = (start..<end).filter { bytes[$0] == 0x0A }.count
        #expect(lineFeedCount(base, start, end) == expected, "\(start)..<\(end)")
      }
    }
  }
}
