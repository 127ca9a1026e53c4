import Foundation
import Testing
import _StrataTestSupport

@Suite("per-outcome margins with --atmeans, --at, --over, discrete changes and eyex after ologit/mlogit")
struct OrdinalMarginsOptionsTests {
  static let file = "ordinal_margins_options_reference.json"

  @Test func fixturesArePresent() {
    #expect(ordinalCases(Self.file).count == 9)
  }

  /// Estimates and SEs within 1e-6 relative of R (make_ordinal_margins_fixtures.R): R computes the
  /// margins by formula with analytic Jacobians (checked there against central differences to
  /// 1e-7); Strata's central-difference Jacobian is good to ~1e-10 relative and both fits are
  /// Newton-polished to ~1e-9, so 1e-6 leaves room for neither more.
  @Test(arguments: ordinalCases(OrdinalMarginsOptionsTests.file))
  func matchesR(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let run = try runStrata(args)
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["margins"] as? [[String: Any]])
    func strings(_ key: String) -> [String] { rows.map { $0[key] as? String ?? "" } }
    #expect(strings("variable") == (c.json["variable"] as? [String]))
    #expect(strings("type") == (c.json["type"] as? [String]))
    #expect(strings("outcome") == (c.json["outcome"] as? [String]))
    #expect(strings("level") == (c.json["level"] as? [String]))
    #expect(strings("base") == (c.json["base"] as? [String]))
    let groups = rows.map { ($0["group"] as? [String: Any])?.values.first as? String ?? "" }
    #expect(groups == (c.json["group"] as? [String]))
    for key in ["estimate", "std_error"] {
      let expected = try #require(c.json[key] as? [Double])
      #expect(rows.count == expected.count)
      for (i, (row, e)) in zip(rows, expected).enumerated() {
        let got = try #require(row[key] as? Double)
        #expect(abs(got - e) <= 1e-6 * abs(e), "\(c.id) \(key) row \(i): \(got) vs R \(e)")
      }
    }
  }

  /// Probabilities sum to one at every x, so marginal effects and discrete changes on all outcomes
  /// sum to zero (to rounding) for every variable, level, group and grid point.
  @Test(arguments: [
    ["ologit", "I(1 + (meals > 25) + (meals > 50) + (meals > 75)) ~ avg.ed + mobility + stype", "--atmeans"],
    ["oprobit", "I(1 + (meals > 25) + (meals > 50) + (meals > 75)) ~ avg.ed + I(avg.ed^2) + stype", "--over", "sch.wide"],
    ["mlogit", "stype ~ I(api00/100) + log(meals + 1) + sch.wide", "--at", "api00=500,700", "--contrast", "pairwise"],
  ])
  func effectsSumToZeroAcrossOutcomes(_ spec: [String]) throws {
    let run = try runStrata(
      ["fit", spec[0], spec[1], "--data", "datasets/apiclus1.csv", "--margins", "dydx", "--format", "json"]
        + spec.dropFirst(2))
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["margins"] as? [[String: Any]])
    #expect(rows.count >= 6)
    var sums: [String: Double] = [:]
    var outcomes: [String: Int] = [:]
    for row in rows {
      let key = ["variable", "level", "base", "group", "at"].map { "\(row[$0] ?? "")" }.joined(separator: "|")
      sums[key, default: 0] += row["estimate"] as? Double ?? 0
      outcomes[key, default: 0] += 1
    }
    for (k, s) in sums { #expect(abs(s) < 1e-12, "\(k): effects sum to \(s)") }
    #expect(Set(outcomes.values).count == 1)
  }

  @Test func unconditionalVarianceIsRefused() throws {
    let run = try runStrata([
      "fit", "mlogit", "stype ~ meals", "--data", "datasets/apiclus1.csv", "--vce", "robust", "--margins", "dydx",
      "--margins-vce", "unconditional",
    ])
    #expect(run.status != 0)
    #expect(run.stderr.contains("covariates fixed only"))
  }

  @Test func elasticityOfAFactorIsRefused() throws {
    let run = try runStrata([
      "fit", "mlogit", "stype ~ meals + sch.wide", "--data", "datasets/apiclus1.csv", "--margins", "eyex",
      "--margins-variables", "sch.wide",
    ])
    #expect(run.status != 0)
    #expect(run.stderr.contains("sch.wide"))
  }

  @Test func nonBinaryDiscreteIsRefused() throws {
    let run = try runStrata([
      "fit", "ologit", "I(1 + (meals > 25) + (meals > 50)) ~ mobility", "--data", "datasets/apiclus1.csv",
      "--margins", "dydx", "--discrete", "mobility",
    ])
    #expect(run.status != 0)
    #expect(run.stderr.contains("mobility"))
  }
}
