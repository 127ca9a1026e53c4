import Foundation
import Testing
import _StrataTestSupport

/// One case of `Tests/Fixtures/tab/tab_margins.json` (written by `make_tab_margins.R`).
struct TabMarginsCase: CustomStringConvertible, @unchecked Sendable {
  var json: [String: Any]
  var id: String { json["id"] as? String ?? "?" }
  var arguments: [String] { json["args"] as? [String] ?? [] }
  var description: String { id }
}

func tabMarginsCases() -> [TabMarginsCase] {
  let fixture = (try? loadFixture("Tests/Fixtures/tab/tab_margins.json")) ?? [:]
  return (fixture["cases"] as? [[String: Any]] ?? []).map(TabMarginsCase.init)
}

/// Issue 20: `strata tab`'s Total row and column carry standard errors, in the layout of
/// Stata's `svy: tab` (and `--long`), equal to R `svymean` of each variable on the rows where
/// both are observed.
@Suite("strata tab: margins with standard errors")
struct TabMarginsTests {
  /// Relative tolerance against R. An SE that is exactly zero in R (the margins of the stratum
  /// variable of a stratified sample) must be zero here too: the sum of the cells' covariances
  /// that cancels is set to zero below its rounding error, so zeros compare with an absolute 1e-14.
  static let rtol = 1e-8

  @Test func fixtureHasCases() {
    #expect(tabMarginsCases().count == 5)
  }

  @Test(arguments: tabMarginsCases())
  func marginsMatchR(_ c: TabMarginsCase) throws {
    let run = try runStrata(["tab"] + c.arguments + ["--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let object = try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rowVariable = try #require(object["rows"] as? String)
    let columnVariable = try #require(object["columns"] as? String)
    for (key, variable) in [("row_margins", rowVariable), ("column_margins", columnVariable)] {
      let got = try #require(object[key] as? [[String: Any]], "\(c.id): no \(key)")
      let want = try #require(c.json[key] as? [[String: Any]])
      try #require(got.count == want.count, "\(c.id) \(key): \(got.count) levels, R has \(want.count)")
      for (g, w) in zip(got, want) {
        let level = g[variable] as? String
        #expect(level == w["level"] as? String, "\(c.id) \(key)")
        expectClose(number(g["proportion"]), number(w["proportion"]), rtol: Self.rtol, atol: 1e-14, "\(c.id) \(key) \(level ?? "")")
        expectClose(
          number(g["std_error"]), number(w["std_error"]), rtol: Self.rtol, atol: 1e-14,
          "\(c.id) \(key) SE \(level ?? "")")
      }
      // The margins total one, and their estimated totals the cells' total.
      let sum = got.compactMap { number($0["proportion"]) }.reduce(0, +)
      expectClose(sum, 1, rtol: 1e-12, "\(c.id) \(key) sum")
    }
    // The cells are on the same rows as R's (missing values and the domain handled alike).
    let cells = try #require(object["cells"] as? [[String: Any]])
    let cellSE = try #require(c.json["cell_std_errors"] as? [Any])
    try #require(cells.count == cellSE.count)
    for (g, w) in zip(cells, cellSE) {
      expectClose(number(g["std_error"]), number(w), rtol: Self.rtol, atol: 1e-14, "\(c.id) cell SE")
    }
  }

  /// The text layout: the Total column's cell % and column % and the Total row's cell % and
  /// row % have their SE beneath, formatted as the JSON's, in percent to two decimals.
  @Test func totalRowAndColumnCarryStandardErrorsInStataLayout() throws {
    let c = try #require(tabMarginsCases().first { $0.id == "clus1" })
    let text = try runStrata(["tab"] + c.arguments)
    #expect(text.status == 0, "\(text.stderr)")
    let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    func words(_ line: String) -> [String] { line.split(separator: " ").map(String.init) }
    func pct(_ x: Double) -> String { String(format: "%.2f", 100 * x) }
    let rows = try #require(c.json["row_margins"] as? [[String: Any]])
    let columns = try #require(c.json["column_margins"] as? [[String: Any]])
    // Row level E (stype): its block's cell % line ends with the margin, the SE line beneath
    // ends with its SE; its column % line likewise.
    let e = try #require(lines.firstIndex { $0.hasPrefix("E ") })
    let marginE = try #require(number(rows[0]["proportion"]))
    let seE = try #require(number(rows[0]["std_error"]))
    #expect(words(lines[e]).last == pct(marginE), "\(lines[e])")
    #expect(words(lines[e + 1]).last == "(\(pct(seE)))", "\(lines[e + 1])")
    #expect(words(lines[e + 2]).last == "100.00", "\(lines[e + 2])")
    #expect(words(lines[e + 4]).last == pct(marginE), "\(lines[e + 4])")
    #expect(words(lines[e + 5]).last == "(\(pct(seE)))", "\(lines[e + 5])")
    // The Total row: cell % and row % of each column level with SEs beneath, then column % 100.
    let total = try #require(lines.firstIndex { $0.hasPrefix("Total ") })
    let shares = columns.compactMap { number($0["proportion"]) }.map(pct)
    let ses = columns.compactMap { number($0["std_error"]) }.map { "(\(pct($0)))" }
    #expect(Array(words(lines[total]).dropFirst(3).prefix(2)) == shares, "\(lines[total])")
    #expect(words(lines[total + 1]) == ses, "\(lines[total + 1])")
    #expect(Array(words(lines[total + 2]).dropFirst(2).prefix(2)) == shares, "\(lines[total + 2])")
    #expect(words(lines[total + 3]) == ses, "\(lines[total + 3])")
    #expect(words(lines[total + 4]) == ["column", "%", "100.00", "100.00", "100.00"], "\(lines[total + 4])")
    #expect(text.stdout.contains("Total: the margins of"))
  }

  /// `--long`: after the cells, one `level Total` line per row level, one `Total level` line per
  /// column level (proportion, SE, interval, estimated total) and the grand total.
  @Test func longFormListsTheMarginsWithStandardErrors() throws {
    let c = try #require(tabMarginsCases().first { $0.id == "strat" })
    let run = try runStrata(["tab"] + c.arguments + ["--long"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    let rows = try #require(c.json["row_margins"] as? [[String: Any]])
    for m in rows {
      let level = try #require(m["level"] as? String)
      let line = try #require(lines.first { $0.count >= 4 && $0[0] == level && $0[1] == "Total" }, "no '\(level) Total' line")
      expectClose(Double(line[2]), number(m["proportion"]), rtol: 1e-4, "\(level) Total proportion as printed")
      expectClose(Double(line[3]), number(m["std_error"]), rtol: 1e-4, "\(level) Total SE as printed")
    }
    let columns = try #require(c.json["column_margins"] as? [[String: Any]])
    for m in columns {
      let level = try #require(m["level"] as? String)
      #expect(lines.contains { $0.count >= 4 && $0[0] == "Total" && $0[1] == level }, "no 'Total \(level)' line")
    }
    #expect(lines.contains { $0.count >= 3 && $0[0] == "Total" && $0[1] == "Total" && Double($0[2]) == 1 })
  }
}
