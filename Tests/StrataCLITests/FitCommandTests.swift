import Foundation
import StrataReport
import Testing
import _StrataTestSupport

@Suite("strata fit")
struct FitCommandTests {
  /// JSON output carries broom's names and full precision: the HC1 fit of the R fixture
  /// (Tests/Fixtures/ols/make_ols_fixtures.R, case mroz_lwage_hc1) comes back to 1e-8 relative.
  @Test func jsonMatchesRFixture() throws {
    let formula = "lwage ~ exper + expersq + educ + age + kidslt6 + kidsge6"
    let run = try runStrata(["fit", "ols", formula, "--data", "datasets/mroz.csv", "--vce", "hc1", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    #expect(Set(doc.keys) == ["model", "formula", "data", "nobs", "vce", "coefficients", "vcov", "fit", "warnings"])
    #expect(doc["model"] as? String == "ols")
    #expect(doc["nobs"] as? Int == 428)
    #expect((doc["warnings"] as? [String])?.first == "325 row(s) dropped because of missing values")

    let fixtureURL = repositoryRoot.appendingPathComponent("Tests/Fixtures/ols/ols_reference.json")
    let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL)) as? [String: Any])
    let cases = try #require(fixture["cases"] as? [[String: Any]])
    let reference = try #require(cases.first { $0["id"] as? String == "mroz_lwage_hc1" })
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    #expect(rows.map { $0["term"] as? String } == (reference["terms"] as? [String]).map { $0.map { Optional($0) } })
    for key in ["estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"] {
      let expected = try #require(reference[key] as? [Double])
      for (row, e) in zip(rows, expected) {
        let got = try #require(row[key] as? Double, "\(key) missing")
        #expect(abs(got - e) <= 1e-8 * abs(e), "\(key) \(String(describing: row["term"])): \(got) vs \(e)")
      }
    }
    let keys = try #require(rows.first?.keys)
    #expect(Set(keys) == ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"])
  }

  /// Collinear terms come back as JSON null and are reported, as R's lm reports NA.
  @Test func collinearTermIsNullAndReported() throws {
    let run = try runStrata([
      "fit", "ols", "lwage ~ educ + exper + I(educ + exper)", "--data", "datasets/wage1.csv", "--format", "json",
    ])
    #expect(run.status == 0)
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    let aliased = try #require(rows.first { $0["term"] as? String == "I(educ + exper)" })
    #expect(aliased["estimate"] is NSNull)
    #expect(aliased["std_error"] is NSNull)
    let warnings = try #require(doc["warnings"] as? [String])
    #expect(warnings.contains { $0.contains("singularities") && $0.contains("I(educ + exper)") })
    let vcov = try #require(doc["vcov"] as? [String: Any])
    #expect(vcov["terms"] as? [String] == ["(Intercept)", "educ", "exper"])
  }

  /// Text output of Wooldridge Example 3.2, pinned as a snapshot.
  @Test func textReportSnapshot() throws {
    let run = try runStrata(["fit", "ols", "lwage ~ educ + exper + tenure", "--data", "datasets/wage1.csv"])
    #expect(run.status == 0)
    try assertSnapshot(run.stdout, named: "wage1_ex3_2.txt")
  }

  @Test func csvOutputToFile() throws {
    let path = try temporaryFile("out.csv", "")
    let run = try runStrata([
      "fit", "wls", "nettfa ~ inc + I((age - 25)^2) + male + e401k", "--data", "datasets/k401ksubs.csv",
      "--weights", "1/inc", "--subset", "fsize == 1", "--vce", "hc3", "--format", "csv", "--output", path,
    ])
    #expect(run.status == 0)
    #expect(run.stdout.isEmpty)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.first == "term,estimate,std_error,statistic,p_value,conf_low,conf_high")
    #expect(lines.count == 6)
    #expect(lines[2].hasPrefix("inc,0.7"))
  }

  /// Chinese column names and factor levels survive into the aligned text table.
  @Test func chineseTermsAlignInTextTable() throws {
    let csv = "收入,地区,职业\n1200.5,北京,外卖骑手\n980,上海,网约车司机\n1500,北京,网店店主\n700,广州,外卖骑手\n"
      + "1100,上海,外卖骑手\n1300,广州,网店店主\n1250,北京,外卖骑手\n"
    let path = try temporaryFile("gig.csv", csv)
    let run = try runStrata(["fit", "ols", "收入 ~ 地区 + 职业", "--data", path])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = try #require(lines.firstIndex { $0.contains("Estimate") })
    let table = Array(lines[header..<(header + 6)])
    #expect(table.map { $0.split(separator: " ").first.map(String.init) } == [
      "Estimate", "(Intercept)", "地区北京", "地区广州", "职业网店店主", "职业网约车司机",
    ])
    // The right edge of the Estimate column lines up in display columns on every row.
    func edge(_ line: String) -> Int {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      let second = fields.count > 1 && line.hasPrefix(" ") == false ? fields[1] : fields[0]
      guard let range = line.range(of: " " + second) else { return -1 }
      return displayWidth(String(line[..<range.upperBound]))
    }
    let edges = table.map(edge)
    #expect(Set(edges).count == 1, "misaligned: \(edges)\n\(table.joined(separator: "\n"))")
  }
}
