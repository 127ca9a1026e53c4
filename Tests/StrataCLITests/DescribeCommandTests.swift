import Foundation
import Testing
import _StrataTestSupport

@Suite("strata describe")
struct DescribeCommandTests {
  /// Stata value labels become levels and variable labels (Chinese included) reach the text
  /// table; the file was written by Tests/Fixtures/data/make_data_fixtures.R.
  @Test(arguments: ["labels.dta", "labels.sav"])
  func labelsSurviveToText(_ name: String) throws {
    let run = try runStrata(["describe", "Tests/Fixtures/data/\(name)"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("地区 (region)"))
    #expect(run.stdout.contains("Sex of respondent"))
    for level in ["北京", "上海", "广州"] { #expect(run.stdout.contains(level)) }
    #expect(run.stdout.contains("region    factor(3)  5        1"))
  }

  /// Describe's numbers are R's mean/sd/min/max (fixture describe_wage1.json from the same R script).
  @Test func jsonMatchesR() throws {
    let run = try runStrata(["describe", "datasets/wage1.csv", "--format", "json"])
    #expect(run.status == 0)
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    #expect(doc["rows"] as? Int == 526)
    let vars = try #require(doc["variables"] as? [[String: Any]])
    let wage = try #require(vars.first { $0["name"] as? String == "wage" })
    let fixtureURL = repositoryRoot.appendingPathComponent("Tests/Fixtures/data/describe_wage1.json")
    let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL)) as? [String: Any])
    let reference = try #require(findObject(named: "wage", in: fixture))
    // Foundation's JSON reader may misread the last bit of 17-digit numbers: 1e-14 relative.
    for key in ["mean", "sd", "min", "max"] {
      let got = try #require(wage[key] as? Double, "\(key)")
      let expected = try #require(reference[key] as? Double, "\(key) in fixture")
      #expect(abs(got - expected) <= 1e-14 * abs(expected), "\(key): \(got) vs R \(expected)")
    }
    #expect(wage["n"] as? Int == reference["n"] as? Int)
  }
}

/// The first dictionary stored under `name` anywhere inside a JSON value.
func findObject(named name: String, in value: Any) -> [String: Any]? {
  if let d = value as? [String: Any] {
    if let hit = d[name] as? [String: Any] { return hit }
    for v in d.values { if let hit = findObject(named: name, in: v) { return hit } }
  } else if let a = value as? [Any] {
    for v in a { if let hit = findObject(named: name, in: v) { return hit } }
  }
  return nil
}
