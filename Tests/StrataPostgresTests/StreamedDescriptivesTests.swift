import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Means, totals, proportions and ratios of a CSV read in small chunks (`StreamedDescriptives`,
/// several chunks a file) equal the in-memory `DescriptiveResult` (itself tested against R
/// survey): estimates, SEs and intervals to 1e-9 relative, n, df and notes equal. The cases are
/// the PostgreSQL pushdown's (`DescriptivePushdownTests.cases`): strata+FPC, PSUs, by, subpop,
/// a one-stage cluster sample, JK1 replicate columns. (In this target for that case list and
/// the JK1 file `APITables.files["apiclus1"]`.)
@Suite("Streamed CSV descriptives")
struct StreamedDescriptivesTests {
  /// The cases' CSV files by table name, and their in-memory frames.
  static func tables() throws -> (paths: [String: String], frames: [String: DataFrame]) {
    let replicates = try #require(APITables.files["apiclus1"])
    return (
      ["apistrat": datasetPath("apistrat.csv"), "apiclus1": replicates],
      try DescriptivePushdownTests.frames(replicates: replicates)
    )
  }

  @Test("mean, total, prop, ratio streamed in 2 KB chunks equal the in-memory results")
  func equalsInMemory() throws {
    let (paths, frames) = try Self.tables()
    var compared = 0
    for c in DescriptivePushdownTests.cases {
      let reference = try DescriptivePushdownTests.reference(c, frames: frames)
      let r = try StreamedDescriptives.estimate(
        path: try #require(paths[c.table]),
        StreamedDescriptiveSpecification(
          statistic: c.statistic, variables: c.variables, design: c.design, by: c.by, subpop: c.subpop,
          convention: c.convention, chunkBytes: 2048))
      let label = DescriptivePushdownTests.label(c)
      #expect(r.design.strata == reference.design.strata && r.design.psus == reference.design.psus, "\(label)")
      compared += DescriptivePushdownTests.expectSame(r, reference, label: label)
    }
    #expect(compared == DescriptivePushdownTests.expected)
  }

  @Test("tab streamed in 2 KB chunks: cells, margins, Rao-Scott test and shares equal the in-memory table")
  func tabEqualsInMemory() throws {
    let (paths, frames) = try Self.tables()
    var compared = 0
    for c in DescriptivePushdownTests.tabCases {
      let streamed = try StreamedDescriptives.tabulate(
        path: try #require(paths[c.table]), c.row, by: c.column,
        StreamedDescriptiveSpecification(
          statistic: .proportion, variables: [], design: c.design, subpop: c.subpop, convention: c.convention,
          chunkBytes: 2048))
      compared += try DescriptivePushdownTests.expectSame(streamed, c, frames: frames)
    }
    #expect(compared > DescriptivePushdownTests.tabCases.count * 30)
  }

  @Test("bad input: an unknown column, a stray text value (with its line), quantile are named")
  func badInput() throws {
    var text = "y,g,w,h\n"
    for i in 0..<400 { text += "\(i % 7),\(i % 2 == 0 ? "a" : "b"),\(1 + i % 3),\(i % 4 == 0 ? "x" : "y")\n" }
    text += "oops,a,1,x\n"
    let path = NSTemporaryDirectory() + "strata-streamed-desc-\(UUID().uuidString).csv"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    func message(_ spec: StreamedDescriptiveSpecification) -> String {
      do {
        _ = try StreamedDescriptives.estimate(path: path, spec)
        return ""
      } catch { return "\(error)" }
    }
    let unknown = message(.init(statistic: .mean, variables: ["nosuch"], chunkBytes: 512))
    #expect(unknown.contains("nosuch"), "\(unknown)")
    let group = message(.init(statistic: .mean, variables: ["w"], by: ["nosuchgroup"], chunkBytes: 512))
    #expect(group.contains("nosuchgroup"), "\(group)")
    // 'oops' is on line 402 (the header is line 1), in a chunk after the first.
    let stray = message(.init(statistic: .mean, variables: ["y"], chunkBytes: 512))
    #expect(stray.contains("'y'"), "\(stray)")
    #expect(stray.contains("402") && stray.contains("oops"), "\(stray)")
    let textVariable = message(.init(statistic: .mean, variables: ["g"], chunkBytes: 512))
    #expect(textVariable.contains("'g'") && textVariable.contains("not numeric"), "\(textVariable)")
    let total = message(.init(statistic: .total, variables: ["h"], chunkBytes: 512))
    #expect(total.contains("text column ('h')"), "\(total)")
    let quantile = message(.init(statistic: .quantile, variables: ["w"], chunkBytes: 512))
    #expect(quantile.contains("quantile"), "\(quantile)")
    // The stray value is a missing value nowhere: the in-memory reader refuses the same file.
    #expect(throws: (any Error).self) { _ = try SurveyDesign(data: try DataFrame(contentsOf: path)).estimate(.mean, variables: ["y"]) }
  }
}
