import Foundation
import Testing
import _StrataTestSupport

@Suite("strata fit --split against separate R fits and the Wald test (Tests/Fixtures/split)")
struct SplitCommandTests {
  @Test func fixtureIsPresent() {
    #expect(referenceCases("Tests/Fixtures/split/split_reference.json").count == 3)
  }

  /// Per-group estimates and SEs, and the Wald χ²: 1e-6 relative (least squares is closed form,
  /// ~1e-12 here; the design logit is IRLS on both sides).
  @Test(arguments: referenceCases("Tests/Fixtures/split/split_reference.json"))
  func matchesR(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let run = try runStrata(args)
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let groups = try #require(doc["groups"] as? [[String: Any]])
    #expect(groups.map { $0["group"] as? String ?? "" } == (c.json["groups"] as? [String]))
    let estimates = try #require(c.json["estimate"] as? [[Double]])
    let errors = try #require(c.json["std_error"] as? [[Double]])
    for (g, group) in groups.enumerated() {
      let result = try #require(group["result"] as? [String: Any])
      let rows = try #require(result["coefficients"] as? [[String: Any]])
      for (i, row) in rows.enumerated() {
        let b = try #require(row["estimate"] as? Double)
        let s = try #require(row["std_error"] as? Double)
        #expect(abs(b - estimates[g][i]) <= 1e-6 * abs(estimates[g][i]), "\(c.id) group \(g) estimate \(i)")
        #expect(abs(s - errors[g][i]) <= 1e-6 * abs(errors[g][i]), "\(c.id) group \(g) SE \(i)")
      }
    }
    let test = try #require(doc["equality_test"] as? [String: Any])
    let w = try #require(c.json["wald"] as? Double)
    #expect(abs((test["statistic"] as? Double ?? 0) - w) <= 1e-6 * w)
    #expect(test["df"] as? Int == c.json["df"] as? Int)
    let design = args.contains("--psu") || args.contains("--strata")
    #expect(test["joint_covariance"] as? String == (design ? "design" : "independent"))
  }

  @Test func textShowsGroupsSideBySide() throws {
    let run = try runStrata([
      "fit", "ols", "api00 ~ ell + meals", "--data", "datasets/apistrat.csv", "--split", "stype", "--vce", "hc1",
    ])
    #expect(run.status == 0)
    #expect(run.stdout.contains("stype = E    stype = H    stype = M"))
    #expect(run.stdout.contains("chi2(6) = 166.976"))
  }
}
