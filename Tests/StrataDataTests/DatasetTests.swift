import Foundation
import Testing
import _StrataTestSupport

@testable import StrataData

/// Every CSV in datasets/ reads with the dimensions R's `read.csv` gives
/// (`dim(read.csv(f))`, R 4.2.2), and text columns where R finds character columns.
@Suite("datasets/*.csv")
struct DatasetTests {
  static let apiText: Set<String> = [
    "stype", "name", "sname", "dname", "cname", "sch.wide", "comp.imp", "both", "awards", "yr.rnd",
  ]
  static let shapes: [(String, Int, Int)] = [
    ("apiclus1.csv", 183, 39), ("apiclus2.csv", 126, 40), ("apipop.csv", 6194, 37),
    ("apistrat.csv", 200, 39), ("card.csv", 3010, 34), ("k401k.csv", 1534, 8),
    ("k401ksubs.csv", 9275, 11), ("mroz.csv", 753, 22), ("wage1.csv", 526, 24),
  ]

  @Test func allDatasetsAreCovered() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: datasetPath(""))
      .filter { $0.hasSuffix(".csv") }
    #expect(Set(files) == Set(Self.shapes.map(\.0)))
  }

  @Test(arguments: shapes)
  func shape(_ file: String, rows: Int, columns: Int) throws {
    let df = try DataReader.read(path: datasetPath(file))
    #expect(df.rowCount == rows)
    #expect(df.columns.count == columns)
    let text = Set(df.columns.filter { !$0.isNumeric }.map(\.name))
    #expect(text == (file.hasPrefix("api") ? Self.apiText : []))
  }

  @Test func wage1FirstRowEqualsText() throws {
    let path = datasetPath("wage1.csv")
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let header = lines[0].split(separator: ",").map(String.init)
    let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
    let df = try CSVReader(path: path).read()
    #expect(df.names == header)
    for (j, token) in first.enumerated() {
      let v = try #require(df.columns[j].numeric?.values[0])
      #expect(v == Double(token), "\(header[j])")
    }
    #expect(try df.numericValues(of: "wage").values[0] == 3.0999999046325684)
    #expect(try df.numericValues(of: "lwage").values[0] == 1.1314021348953247)
  }

  @Test func apiclus1SpotValues() throws {
    let df = try DataReader.read(path: datasetPath("apiclus1.csv"))
    let name = try #require(df.column(named: "name").factor)
    #expect(name.levels[Int(name.codes[0])] == "San Leandro Hig")
    #expect(try df.numericValues(of: "cds").values[0] == 1_612_910_137_588)
    #expect(try df.numericValues(of: "flag").missing[0])
    #expect(try df.numericValues(of: "acs.k3").missing[0])
    #expect(try df.numericValues(of: "avg.ed").values[0] == 2.9300000667572021)
    #expect(try df.numericValues(of: "pw").values[0] == 33.846996307373047)
    let stype = try #require(df.column(named: "stype").factor)
    #expect(stype.levels == ["E", "H", "M"])
  }
}
