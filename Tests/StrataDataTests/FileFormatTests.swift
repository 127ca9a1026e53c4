import Foundation
import Testing
import _StrataTestSupport

@testable import StrataData

/// `Tests/Fixtures/formats/<name>` (written by make_format_fixtures.R).
func formatFixture(_ name: String) -> String {
  repositoryPath("Tests/Fixtures/formats/\(name)")
}

/// A fresh temporary folder for one test's files (removed by the caller's `defer`).
func temporaryFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-formats-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The gzip tool's compression of `bytes` (gzip is on every Debian system; the tests use it to
/// make multi-member files).
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
  let folder = try temporaryFolder()
  defer { try? FileManager.default.removeItem(at: folder) }
  let file = folder.appendingPathComponent("part")
  try Data(bytes).write(to: file)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/gzip")
  process.arguments = ["-n", file.path]
  try process.run()
  process.waitUntilExit()
  return Array(try Data(contentsOf: folder.appendingPathComponent("part.gz")))
}

/// The columns of `frame` equal those of `reference` value for value: the same names, numbers
/// (missing in the same rows), factor levels and codes.
func expectSameValues(_ frame: DataFrame, _ reference: DataFrame, _ what: String) {
  #expect(frame.names == reference.names, "\(what)")
  #expect(frame.rowCount == reference.rowCount, "\(what)")
  for (a, b) in zip(frame.columns, reference.columns) {
    switch (a.storage, b.storage) {
    case (.numeric(let x), .numeric(let y)):
      #expect(x.missing == y.missing, "\(what) \(a.name)")
      let same = zip(zip(x.values, y.values), x.missing).allSatisfy { pair, missing in missing || pair.0 == pair.1 }
      #expect(same, "\(what) \(a.name)")
    case (.factor(let x), .factor(let y)):
      #expect(x.levels == y.levels, "\(what) \(a.name)")
      #expect(x.codes == y.codes, "\(what) \(a.name)")
    default:
      Issue.record("\(what): column \(a.name) is \(a.isNumeric ? "numeric" : "a factor") here, not in the CSV")
    }
  }
}

@Suite("File formats: SAS, gzip, writing .dta")
struct FileFormatTests {
  static let labels: [String: String] = [
    "SDMVPSU": "Masked variance pseudo-PSU", "SDMVSTRA": "Masked variance pseudo-stratum",
    "WTMEC2YR": "Full sample 2 year MEC exam weight", "HI_CHOL": "High total cholesterol",
    "race": "Race/ethnicity", "agecat": "Age group", "RIAGENDR": "Gender", "LBXTC": "Total cholesterol (mg/dL)",
    "EXAMDATE": "Date of the examination",
  ]

  @Test(
    "each format reads as the same values as its CSV",
    arguments: [
      "nhanes.xpt", "nhanes.sas7bdat", "nhanes.dta", "nhanes.csv.gz", "nhanes.tsv.gz", "nhanes.dta.gz",
      "nhanes.xpt.gz",
    ])
  func sameValuesAsCSV(_ name: String) throws {
    let csv = try DataReader.read(path: formatFixture("nhanes.csv"))
    let frame = try DataReader.read(path: formatFixture(name))
    #expect(frame.source == formatFixture(name))
    expectSameValues(frame, csv, name)
    // 1,200 rows; LBXTC has missing values of three kinds (., .A/.a, .B/.b), all missing.
    #expect(frame.rowCount == 1200)
    #expect(frame.columns[7].isMissing(1))
    let lbxtc = try #require(frame.columns[7].numeric)
    #expect(lbxtc.missingCount == csv.columns[7].numeric?.missingCount)
    #expect(lbxtc.missingCount > 100)
  }

  @Test("variable labels come through", arguments: ["nhanes.xpt", "nhanes.sas7bdat", "nhanes.dta", "nhanes.xpt.gz"])
  func variableLabels(_ name: String) throws {
    let frame = try DataReader.read(path: formatFixture(name))
    for column in frame.columns {
      #expect(column.label == Self.labels[column.name], "\(name) \(column.name)")
    }
  }

  @Test func stataValueLabelsMakeAFactor() throws {
    // agecat is a labelled integer in the .dta: its labels are the levels, in value order.
    let frame = try DataReader.read(path: formatFixture("nhanes.dta.gz"))
    let agecat = try #require(frame.columns[5].factor)
    #expect(agecat.levels == ["(0,19]", "(19,39]", "(39,59]", "(59,Inf]"])
  }

  @Test func datesAreNumbersOfDaysSince1960() throws {
    for name in ["nhanes.xpt", "nhanes.sas7bdat", "nhanes.dta"] {
      let frame = try DataReader.read(path: formatFixture(name))
      // 2009-03-12 is day 17,968 after 1960-01-01.
      #expect(frame.columns[8].numeric?.values.first == 17968, "\(name)")
    }
  }

  @Test func gzipProgressCountsCompressedBytes() throws {
    for reader in ["csv", "readstat"] {
      let seen = LockedList()
      let target = formatFixture(reader == "csv" ? "nhanes.csv.gz" : "nhanes.dta.gz")
      let total = try #require(try FileManager.default.attributesOfItem(atPath: target)[.size] as? Int)
      _ = try DataReader.read(path: target, progress: { seen.append($0.completed, $0.total) })
      let reports = seen.items
      #expect(!reports.isEmpty)
      #expect(reports.allSatisfy { $0.1 == total }, "\(reader)")
      #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "\(reader)")
      #expect(reports.last?.0 == total, "\(reader)")
    }
  }

  @Test func concatenatedGzipMembersReadAsOneFile() throws {
    let text = Array(try Data(contentsOf: URL(fileURLWithPath: formatFixture("nhanes.csv"))))
    let cut = text.firstIndex(of: UInt8(ascii: "\n"))! + 1 + 20_000
    let split = text[cut...].firstIndex(of: UInt8(ascii: "\n"))! + 1
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("two.csv.gz").path
    try Data(try gzipped(Array(text[..<split])) + (try gzipped(Array(text[split...])))).write(
      to: URL(fileURLWithPath: path))
    let frame = try DataReader.read(path: path)
    expectSameValues(frame, try DataReader.read(path: formatFixture("nhanes.csv")), "two members")
  }

  @Test(arguments: ["labels.sav", "labels.dta", "partial.sav"])
  func gzipOfAnySPSSOrStataFile(_ name: String) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(name + ".gz").path
    let plain = try DataReader.read(path: fixturePath(name))
    try Data(try gzipped(Array(try Data(contentsOf: URL(fileURLWithPath: fixturePath(name)))))).write(
      to: URL(fileURLWithPath: path))
    let frame = try DataReader.read(path: path)
    expectSameValues(frame, plain, name)
    #expect(frame.columns.map(\.label) == plain.columns.map(\.label))
    #expect(frame.columns.map(\.valueLabels) == plain.columns.map(\.valueLabels))
  }

  // MARK: Errors

  /// The message of the error reading `bytes` saved as `name`.
  func readError(_ bytes: [UInt8], as name: String) throws -> String {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    do {
      _ = try DataReader.read(path: path)
    } catch let error as DataError {
      return error.description.replacingOccurrences(of: folder.path + "/", with: "")
    }
    Issue.record("\(name) was read without an error")
    return ""
  }

  func fixtureBytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: formatFixture(name))))
  }

  @Test func truncatedGzip() throws {
    let bytes = try fixtureBytes("nhanes.csv.gz")
    let cut = Array(bytes.prefix(bytes.count / 2))
    #expect(
      try readError(cut, as: "cut.csv.gz")
        == "cannot read cut.csv.gz: the gzip file is truncated: its compressed data stops at byte \(cut.count) "
        + "before the end of the stream; copy or download it again")
    let dta = try fixtureBytes("nhanes.dta.gz")
    #expect(try readError(Array(dta.prefix(5000)), as: "cut.dta.gz").contains("the gzip file is truncated"))
  }

  @Test func damagedGzipNamesTheByteOffset() throws {
    var bytes = try fixtureBytes("nhanes.csv.gz")
    for i in 4000..<4040 { bytes[i] ^= 0x5a }
    let message = try readError(bytes, as: "bad.csv.gz")
    #expect(message.hasPrefix("cannot read bad.csv.gz: the gzip data is damaged at byte "))
    #expect(message.hasSuffix("; copy or download it again"))
    // The offset is where zlib stopped: at or after the first changed byte, within the file.
    let digits = message.dropFirst("cannot read bad.csv.gz: the gzip data is damaged at byte ".count).prefix {
      $0.isNumber
    }
    let offset = try #require(Int(digits))
    #expect(offset >= 4000 && offset <= bytes.count)
  }

  @Test func wrongChecksumIsDamage() throws {
    var bytes = try fixtureBytes("nhanes.csv.gz")
    bytes[bytes.count - 6] ^= 0xff  // the CRC-32 in the trailer
    #expect(try readError(bytes, as: "crc.csv.gz").contains("the gzip data is damaged at byte"))
  }

  @Test func notGzip() throws {
    let text = try fixtureBytes("nhanes.csv")
    #expect(
      try readError(text, as: "plain.csv.gz")
        == "cannot read plain.csv.gz: this is not a gzip file (it does not start with the bytes 1f 8b as gzip "
        + "data does); if it is not compressed, remove the .gz from its name")
    #expect(
      try readError([], as: "empty.dta.gz") == "cannot read empty.dta.gz: the file is empty; copy or download it again")
  }

  @Test func bytesAfterTheGzipData() throws {
    let bytes = try fixtureBytes("nhanes.csv.gz") + Array("junk at the end".utf8)
    let size = try fixtureBytes("nhanes.csv.gz").count
    #expect(
      try readError(bytes, as: "junk.csv.gz")
        == "cannot read junk.csv.gz: unexpected bytes after the end of the gzip data, at byte \(size) of the file; "
        + "copy or download it again")
  }

  @Test func notATransportFile() throws {
    let text = try fixtureBytes("nhanes.csv")
    #expect(
      try readError(text, as: "nhanes.xpt")
        == "cannot read nhanes.xpt: this is not a SAS transport (.xpt) file (it does not start with HEADER "
        + "RECORD*******LIBRARY HEADER RECORD as one does); if it is another format, give it that format's "
        + "extension (.csv, .dta, .sas7bdat)")
    #expect(try readError(Array("**COMPRESSED** **COMPRESSED**".utf8), as: "c.xpt").contains("SAS CPORT file"))
    #expect(try readError(text, as: "nhanes.sas7bdat").contains("this is not a SAS data set (.sas7bdat) file"))
    #expect(try readError([], as: "empty.xpt") == "cannot read empty.xpt: the file is empty; copy or export it again")
  }

  @Test func truncatedSASFiles() throws {
    let xpt = try fixtureBytes("nhanes.xpt")
    #expect(
      try readError(Array(xpt.prefix(50_001)), as: "cut.xpt")
        == "cannot read cut.xpt: the file is truncated (a SAS transport file is made of 80-byte records, and this "
        + "one has 50001 bytes, not a multiple of 80); copy or export it again")
    let sas = try fixtureBytes("nhanes.sas7bdat")
    #expect(
      try readError(Array(sas.prefix(50_000)), as: "cut.sas7bdat")
        == "cannot read cut.sas7bdat: the file is truncated (its header announces 23 pages of 4096 bytes, 102400 "
        + "bytes in all, and it has 50000); copy or export it again")
    // The same checks on a file inflated from gzip.
    #expect(
      try readError(try gzipped(Array(xpt.prefix(50_001))), as: "cut.xpt.gz").contains("the file is truncated"))
  }

  @Test func unknownExtensions() throws {
    for name in ["data.xyz", "data.xyz.gz", "data.gz", "data.sas7bcat"] {
      #expect(
        try readError(Array("a,b\n1,2\n".utf8), as: name)
          == "\(name): unsupported file format (expected .csv, .tsv, .txt, .dta, .sav, .zsav, .xpt or .sas7bdat, "
          + "or one of these compressed with gzip: .csv.gz, .dta.gz, …)")
    }
  }

  @Test func missingGzipFile() throws {
    #expect(throws: DataError.unreadable(path: "/nonexistent/x.csv.gz", reason: "no such file")) {
      try DataReader.read(path: "/nonexistent/x.csv.gz")
    }
  }

  // MARK: Writing .dta

  /// `frame` written by `DTAWriter` and read back by `StatFileReader`.
  func roundTrip(_ frame: DataFrame, factors: DTAWriter.FactorStorage = .labelledIntegers) throws -> DataFrame {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("out.dta").path
    try Data(try DTAWriter.bytes(of: frame, factors: factors)).write(to: URL(fileURLWithPath: path))
    var back = try DataReader.read(path: path)
    back.source = frame.source
    return back
  }

  @Test("a .dta written by Strata reads back identical", arguments: ["nhanes.csv", "nhanes.dta", "nhanes.xpt"])
  func dtaRoundTrip(_ name: String) throws {
    let frame = try DataReader.read(path: formatFixture(name))
    let back = try roundTrip(frame)
    expectSameValues(back, frame, name)
    #expect(back.columns.map(\.label) == frame.columns.map(\.label))
  }

  @Test func dtaRoundTripOfValueLabelsAndUnusedLevels() throws {
    let frame = DataFrame(columns: [
      Column(
        name: "score", label: "Score", valueLabels: [1: "low", 5: "high"],
        storage: .numeric(NumericColumn(values: [1, 2, .nan, 5, 0.25], missing: [false, false, true, false, false]))),
      Column(name: "region", storage: .factor(FactorColumn(codes: [2, 0, -1, 2, 0], levels: ["北京", "上海", "广州"]))),
    ])
    let back = try roundTrip(frame)
    expectSameValues(back, frame, "labels")
    #expect(back.columns[0].valueLabels == [1: "low", 5: "high"])
    #expect(back.columns[1].factor?.levels == ["北京", "上海", "广州"])
  }

  @Test func dtaStringColumns() throws {
    let frame = DataFrame(columns: [
      Column(name: "term", storage: .factor(FactorColumn(codes: [1, 0, -1], levels: ["(Intercept)", "x"]))),
      Column(name: "estimate", storage: .numeric(NumericColumn(values: [1.5, -2e-300, 1e300]))),
    ])
    let back = try roundTrip(frame, factors: .strings)
    // Strings read back as factors with levels in C-locale order; the empty string is missing.
    #expect(back.columns[0].factor?.levels == ["(Intercept)", "x"])
    #expect(back.columns[0].factor?.codes == [1, 0, -1])
    #expect(back.columns[1].numeric?.values == [1.5, -2e-300, 1e300])
  }

  @Test func dtaNamesBecomeStataNames() throws {
    #expect(
      DTAWriter.stataNames(["log(inc)", "2010", "x.y", "x_y", "if", "_n", String(repeating: "a", count: 40), ""])
        == ["log_inc_", "_2010", "x_y", "x_y_2", "if_", "_n_", String(repeating: "a", count: 32), "var"])
    let frame = DataFrame(columns: [
      Column(name: "log(inc)", storage: .numeric(NumericColumn(values: [1]))),
      Column(name: "age", label: "Age", storage: .numeric(NumericColumn(values: [2]))),
    ])
    let back = try roundTrip(frame)
    #expect(back.names == ["log_inc_", "age"])
    // The original name becomes the label of a renamed column.
    #expect(back.columns.map(\.label) == ["log(inc)", "Age"])
  }

  @Test func dtaRefusesInfiniteValues() throws {
    let frame = DataFrame(columns: [Column(name: "x", storage: .numeric(NumericColumn(values: [1, .infinity])))])
    #expect(
      throws: DataWriteError(
        reason: "column 'x' has an infinite value at row 2, which a Stata file cannot hold")
    ) { try DTAWriter.bytes(of: frame) }
  }

  /// strata_written.dta is what `DTAWriter` writes for nhanes.csv (time stamp 2010-01-01); the R
  /// script reads it with `haven::read_dta` into strata_written_by_haven.csv. So the file
  /// Strata writes today is byte for byte the one haven read, and haven read the CSV's values.
  /// `STRATA_RECORD_SNAPSHOTS=1` rewrites strata_written.dta (then run the R script again).
  @Test func dtaWrittenByStrataIsReadByHaven() throws {
    let frame = try DataReader.read(path: formatFixture("nhanes.csv"))
    let bytes = try DTAWriter.bytes(of: frame, timestamp: Date(timeIntervalSince1970: 1_262_304_000))
    let committed = formatFixture("strata_written.dta")
    if ProcessInfo.processInfo.environment["STRATA_RECORD_SNAPSHOTS"] == "1" {
      try Data(bytes).write(to: URL(fileURLWithPath: committed))
    }
    #expect(bytes == Array(try Data(contentsOf: URL(fileURLWithPath: committed))))
    var haven = try DataReader.read(path: formatFixture("strata_written_by_haven.csv"))
    haven.source = frame.source
    expectSameValues(haven, frame, "haven::read_dta of strata_written.dta")
  }

  @Test func dtaBytesAreAFunctionOfFrameAndTime() throws {
    let frame = try DataReader.read(path: formatFixture("nhanes.csv"))
    let time = Date(timeIntervalSince1970: 1_262_304_000)
    #expect(try DTAWriter.bytes(of: frame, timestamp: time) == DTAWriter.bytes(of: frame, timestamp: time))
  }
}

/// Progress reports collected from any thread.
final class LockedList: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [(Int, Int)] = []
  func append(_ completed: Int, _ total: Int) { lock.withLock { list.append((completed, total)) } }
  var items: [(Int, Int)] { lock.withLock { list } }
}
