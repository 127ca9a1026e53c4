import Foundation
import StrataSupport
import Testing

@testable import StrataData

@Suite("CSV reader")
struct CSVReaderTests {
  let dir: TemporaryDirectory

  init() throws { dir = try TemporaryDirectory() }

  func read(_ text: String, name: String = "t.csv") throws -> DataFrame {
    try CSVReader(path: try dir.write(name, text)).read()
  }

  func readError(_ text: String, name: String = "t.csv") throws -> (String, DataError?) {
    let path = try dir.write(name, text)
    do {
      _ = try CSVReader(path: path).read()
      return (path, nil)
    } catch let e as DataError {
      return (path, e)
    }
  }

  @Test("detects the delimiter", arguments: [",", ";", "\t"])
  func delimiter(_ d: String) throws {
    let df = try read("x\(d)y\(d)\"a\(d)b\"\n1\(d)2.5\(d)u\n3\(d)-4\(d)v\n")
    #expect(df.names == ["x", "y", "a\(d)b"])
    #expect(df.rowCount == 2)
    #expect(df.columns[0].numeric?.values == [1, 3])
    #expect(df.columns[1].numeric?.values == [2.5, -4])
    #expect(df.columns[2].factor?.levels == ["u", "v"])
  }

  @Test func explicitDelimiterAndTSVDefault() throws {
    let df = try CSVReader(path: try dir.write("a.txt", "x|y\n1|2\n"), delimiter: UInt8(ascii: "|")).read()
    #expect(df.names == ["x", "y"])
    let single = try read("only\n1\n2\n", name: "s.tsv")
    #expect(single.names == ["only"])
    #expect(single.columns[0].numeric?.values == [1, 2])
  }

  @Test func quotedFields() throws {
    let text = "id,text,n\n1,\"a, b\",2\n2,\"line one\nline two\",3\n3,\"say \"\"hi\"\"\",4\n4,\"\",5\n"
    let df = try read(text)
    #expect(df.rowCount == 4)
    let f = try #require(df.columns[1].factor)
    #expect(f.levels == ["a, b", "line one\nline two", "say \"hi\""])
    #expect(f.codes == [0, 1, 2, -1])
    #expect(df.columns[2].numeric?.values == [2, 3, 4, 5])
  }

  @Test func quotedNumbersAreNumbers() throws {
    let df = try read("\"x\",\"y\"\n\"1.5\",\" 2 \"\n")
    #expect(df.names == ["x", "y"])
    #expect(df.columns[0].numeric?.values == [1.5])
    #expect(df.columns[1].numeric?.values == [2])
  }

  @Test func byteOrderMarkAndCRLF() throws {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,x\r\n2,\"y\"\r\n\r\n\r\n".utf8)
    let df = try CSVReader(path: try dir.write("bom.csv", bytes: bytes)).read()
    #expect(df.names == ["a", "b"])
    #expect(df.rowCount == 2)
    #expect(df.columns[0].numeric?.values == [1, 2])
    #expect(df.columns[1].factor?.levels == ["x", "y"])
  }

  @Test func noTrailingNewline() throws {
    let df = try read("a,b\n1,2\n3,4")
    #expect(df.columns[1].numeric?.values == [2, 4])
    let crlf = try read("a,b\r\n1,2\r\n3,\"4\"\r")
    #expect(crlf.columns[1].numeric?.values == [2, 4])
  }

  @Test func missingTokens() throws {
    let df = try read("a,b,c\n1,x,\nNA,NA,2\n.,y,NaN\n 4 , ,5\n")
    let a = try #require(df.columns[0].numeric)
    #expect(a.missing == [false, true, true, false])
    #expect(a.values[0] == 1 && a.values[3] == 4)
    let b = try #require(df.columns[1].factor)
    #expect(b.levels == ["x", "y"])
    #expect(b.codes == [0, -1, 1, -1])
    #expect(df.columns[2].numeric?.missing == [true, false, true, false])
  }

  @Test func customMissingTokens() throws {
    let path = try dir.write("na.csv", "a,b\n-99,NA\n1,2\n")
    let df = try CSVReader(path: path, naTokens: ["-99"]).read()
    #expect(df.columns[0].numeric?.missing == [true, false])
    // "NA" is no longer missing, so b is text.
    #expect(df.columns[1].factor?.levels == ["2", "NA"])
  }

  @Test func typeInference() throws {
    let df = try read("n,e,s,m,i\n1,1e3,a,1,Inf\n-2.5,+2.5E-2,1,x,-inf\n.5, 3 ,2,3,-Infinity\n")
    #expect(df.columns[0].numeric?.values == [1, -2.5, 0.5])
    #expect(df.columns[1].numeric?.values == [1000, 0.025, 3])
    #expect(df.columns[2].factor?.levels == ["1", "2", "a"])
    #expect(df.columns[3].factor?.levels == ["1", "3", "x"])
    #expect(df.columns[4].numeric?.values == [.infinity, -.infinity, -.infinity])
  }

  @Test func notNumbers() throws {
    for token in ["1e", "--1", "1.2.3", "0x10", "1,5", "e5", "+", "1 2", "infinit"] {
      let df = try read("a\n\"\(token)\"\n")
      #expect(df.columns[0].factor?.levels == [token], "\(token)")
    }
  }

  @Test func levelsInCLocaleByteOrder() throws {
    let df = try read("s\né\na\nB\n北京\nb\n上海\nA\n")
    let f = try #require(df.columns[0].factor)
    // UTF-8 bytes: A(41) < B(42) < a(61) < b(62) < é(C3 A9) < 上(E4 B8 8A) < 北(E5 8C 97)
    #expect(f.levels == ["A", "B", "a", "b", "é", "上海", "北京"])
    #expect(f.codes == [4, 2, 1, 6, 3, 5, 0])
  }

  @Test func numbersMatchStrtod() throws {
    var rng = SplitMix64(state: 20_240_611)
    var texts: [String] = []
    for k in 0..<4000 {
      let bits = rng.next()
      switch k % 8 {
      case 0: texts.append("\(Double(bitPattern: bits & 0x7FEF_FFFF_FFFF_FFFF))")  // any finite double
      case 1: texts.append("\(Double(Int64(bitPattern: bits) >> Int64(bits % 60)))")
      case 2: texts.append(String(Int64(bitPattern: bits) >> Int64(bits % 63)))
      case 3: texts.append("\(Double.random(in: -1000...1000, using: &rng))")
      case 4: texts.append(String(format: "%.17g", Double.random(in: 0...1, using: &rng)))
      case 5: texts.append(String(format: "%.6f", Double.random(in: -1e6...1e6, using: &rng)))
      case 6: texts.append("\(bits % 100_000)e\(Int(bits % 700) - 350)")
      default: texts.append(String(format: "%.15g", Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits) & 0x7F7F_FFFF))))
      }
    }
    texts += [
      "0.1", "1e22", "1e23", "9007199254740993", "9007199254740992", "123456789012345678901234",
      "4.9e-324", "2.2250738585072011e-308", "1e-400", "1.7976931348623157e308", "-0", "0.000",
      "00012.5000", "3.0999999046325684", "1.1314021348953247", "179769313486231580793728971405301e276",
    ]
    let text = "x\n" + texts.joined(separator: "\n") + "\n"
    let df = try read(text)
    let values = try #require(df.columns[0].numeric).values
    #expect(values.count == texts.count)
    for (t, v) in zip(texts, values) {
      let expected = try #require(Double(t), "\(t)")
      #expect(v.bitPattern == expected.bitPattern, "\(t): \(v) vs \(expected)")
    }
  }

  @Test func wrongFieldCount() throws {
    let (path, e) = try readError("a,b,c\n1,2,3\n4,5\n")
    #expect(e == .malformed(path: path, line: 3, column: 3, reason: "expected 3 fields, found 2"))
    #expect(e?.description == "\(path):3:3: expected 3 fields, found 2")
  }

  @Test func lineNumbersCountPhysicalLines() throws {
    let (path, e) = try readError("a,b\n\"x\ny\",1\n\n2,3,4\n")
    #expect(e == .malformed(path: path, line: 5, column: 3, reason: "expected 2 fields, found 3"))
    let (path2, e2) = try readError("a,b\r\n\"x\r\ny\",1\r\n2,3,4\r\n")
    #expect(e2 == .malformed(path: path2, line: 4, column: 3, reason: "expected 2 fields, found 3"))
  }

  @Test func unterminatedQuote() throws {
    let (path, e) = try readError("a,b\n1,2\n3,\"abc\n4,5\n")
    #expect(e == .malformed(path: path, line: 3, column: 2, reason: "unterminated quoted field (quote opened here)"))
  }

  @Test func strayQuote() throws {
    let (path, e) = try readError("a,b\n1,2\n3,ab\"c\n")
    #expect(
      e == .malformed(
        path: path, line: 3, column: 2,
        reason: "stray quote in an unquoted field (quote the whole field and double inner quotes)"))
    let (path2, e2) = try readError("a,b\n\"x\"y,2\n")
    #expect(
      e2 == .malformed(
        path: path2, line: 2, column: 1, reason: "unexpected text after the closing quote of a quoted field"))
  }

  @Test func emptyAndHeaderOnly() throws {
    let (path, e) = try readError("")
    #expect(e == .malformed(path: path, line: 1, column: nil, reason: "the file is empty"))
    let (path2, e2) = try readError("\n\r\n", name: "blank.csv")
    #expect(e2 == .malformed(path: path2, line: 1, column: nil, reason: "the file is empty"))
    let (path3, e3) = try readError("a,b\n", name: "header.csv")
    #expect(e3 == .malformed(path: path3, line: 1, column: nil, reason: "the file has a header but no data rows"))
  }

  @Test func badHeaderNames() throws {
    let (path, e) = try readError("a,b,\"a\"\n1,2,3\n")
    #expect(
      e == .malformed(path: path, line: 1, column: 3, reason: "duplicate column name 'a' (header fields 1 and 3)"))
    let (path2, e2) = try readError("a,,c\n1,2,3\n", name: "empty.csv")
    #expect(e2 == .malformed(path: path2, line: 1, column: 2, reason: "empty column name in header field 2"))
  }

  @Test func missingFile() throws {
    let path = dir.url.appendingPathComponent("nope.csv").path
    #expect(throws: DataError.unreadable(path: path, reason: "No such file or directory")) {
      try CSVReader(path: path).read()
    }
  }

  @Test func twoChunkParseMatchesOneChunk() throws {
    // Above 4 MiB without quotes the body is parsed on two threads; the result must be the
    // same as reading the same rows from a quoted (single-chunk) file.
    var rng = SplitMix64(state: 7)
    var lines = ["a,b,c"]
    var quotedLines = ["\"a\",b,c"]
    for i in 0..<300_000 {
      let x = Double(Int64(bitPattern: rng.next() % 2_000_000) - 1_000_000) / 1000
      let line = "\(i),\(x),\(i % 7 == 0 ? "NA" : "\(rng.next() % 1000)")"
      lines.append(line)
      quotedLines.append(line)
    }
    let plain = try CSVReader(path: try dir.write("big.csv", lines.joined(separator: "\n"))).read()
    let quoted = try CSVReader(path: try dir.write("bigq.csv", quotedLines.joined(separator: "\n"))).read()
    #expect(plain.rowCount == 300_000)
    for j in 0..<3 {
      #expect(plain.columns[j].numeric?.values.map(\.bitPattern) == quoted.columns[j].numeric?.values.map(\.bitPattern))
      #expect(plain.columns[j].numeric?.missing == quoted.columns[j].numeric?.missing)
    }
    // An error in the second half reports the physical line of the whole file.
    lines[250_001] += ",9"
    let (path, e) = try readError(lines.joined(separator: "\n"), name: "bad.csv")
    #expect(e == .malformed(path: path, line: 250_002, column: 4, reason: "expected 3 fields, found 4"))
  }
}
