import Foundation
import Testing
import _StrataTestSupport

@testable import StrataData

/// Stata/SPSS fixtures written by Tests/Fixtures/data/make_data_fixtures.R; expected values
/// in labels_expected.json are what R `foreign::read.dta(convert.factors = TRUE)` read back.
@Suite("Stata and SPSS reader")
struct StatFileReaderTests {
  @Test("labels.dta and labels.sav read back as R reads labels.dta", arguments: ["labels.dta", "labels.sav"])
  func labelledFile(_ name: String) throws {
    let expected = try loadJSON(fixturePath("labels_expected.json"))
    let df = try DataReader.read(path: fixturePath(name))
    #expect(df.source == fixturePath(name))
    #expect(df.names == ["id", "income", "sex", "region", "city"])
    #expect(df.columns.map { $0.label ?? "" } == (expected["var_labels"] as? [String]))

    let id = try #require(df.columns[0].numeric)
    #expect(id.values == (expected["id"] as? [Any])?.compactMap(number))
    let income = try #require(df.columns[1].numeric)
    let incomeExpected = try #require(expected["income"] as? [Any])
    #expect(income.missing == incomeExpected.map { $0 is NSNull })
    for (v, e) in zip(income.values, incomeExpected) {
      if let e = number(e) { #expect(v == e) }
    }
    for (k, key) in [(2, "sex"), (3, "region"), (4, "city")] {
      let f = try #require(df.columns[k].factor, "\(key)")
      let e = try #require(expected[key] as? [String: Any])
      #expect(f.levels == (e["levels"] as? [String]), "\(key)")
      #expect(f.codes.map(Int.init) == (e["codes"] as? [Int]), "\(key)")
    }
    // The unused level of the label set is kept, in value order.
    #expect(df.columns[3].factor?.levels == ["北京", "上海", "广州"])
    #expect(df.columns[3].label == "地区 (region)")
  }

  @Test func partiallyLabelledStata() throws {
    let df = try StatFileReader(path: fixturePath("partial.dta")).read()
    let score = df.columns[0]
    #expect(score.label == "Score 1-5")
    let values = try #require(score.numeric)
    // .a and .b (extended missing) are missing.
    #expect(values.missing == [false, false, false, false, true, false, true])
    #expect(values.values.enumerated().filter { !values.missing[$0.offset] }.map(\.element) == [1, 2, 3, 5, 2])
    #expect(score.valueLabels == [1: "low", 5: "high"])
    let grade = try #require(df.columns[1].factor)
    #expect(grade.levels == ["pass", "fail"])
    #expect(grade.codes == [0, 1, 0, 1, 0, 1, 0])
  }

  @Test func partiallyLabelledSPSS() throws {
    let df = try StatFileReader(path: fixturePath("partial.sav")).read()
    let score = df.columns[0]
    let values = try #require(score.numeric)
    // -9 and -8 are user-missing.
    #expect(values.missing == [false, false, false, false, true, false, true])
    #expect(score.valueLabels[1] == "low")
    #expect(score.valueLabels[5] == "high")
    // The label of a user-missing value is not a factor level.
    let grade = try #require(df.columns[1].factor)
    #expect(grade.levels == ["pass", "fail"])
    #expect(grade.codes == [0, 1, 0, 1, 0, 1, -1])
    #expect(df.columns[1].label == "Grade")
  }

  @Test func oldStataFileInLatin1() throws {
    // Not valid UTF-8, so the reader falls back to Windows-1252 (a superset of Latin-1 here).
    let df = try StatFileReader(path: fixturePath("latin1.dta")).read()
    #expect(df.columns.map(\.label) == ["Ville", "Né(e)"])
    let city = try #require(df.columns[0].factor)
    #expect(city.levels == ["Genève", "Zürich"])
    #expect(city.codes == [1, 0])
    let born = try #require(df.columns[1].factor)
    #expect(born.levels == ["né", "née"])
    #expect(born.codes == [0, 1])
  }

  @Test func corruptFile() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("bad.dta", "this is not a Stata file at all, just text\n")
    #expect {
      try StatFileReader(path: path).read()
    } throws: { error in
      guard case .unreadable(let p, let reason)? = error as? DataError else { return false }
      return p == path && !reason.isEmpty
    }
  }

  @Test func dispatchAndErrors() throws {
    let dir = try TemporaryDirectory()
    let xls = try dir.write("data.xlsx", "x")
    #expect(throws: DataError.unsupportedFormat(path: xls)) { try DataReader.read(path: xls) }
    let missing = dir.url.appendingPathComponent("none.dta").path
    #expect(throws: DataError.unreadable(path: missing, reason: "no such file")) {
      try DataReader.read(path: missing)
    }
    let tsv = try dir.write("d.TSV", "a\tb\n1\t2\n")
    let df = try DataReader.read(path: tsv)
    #expect(df.names == ["a", "b"])
    #expect(df.source == tsv)
  }
}
