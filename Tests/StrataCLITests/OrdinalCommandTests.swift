import Foundation
import Testing
import _StrataTestSupport

/// The cases of a fixture under `Tests/Fixtures/ordinal/` (make_ordinal_fixtures.R).
func ordinalCases(_ file: String) -> [ReferenceCase] { referenceCases("Tests/Fixtures/ordinal/\(file)") }

@Suite("strata fit ologit/oprobit/mlogit against MASS::polr, survey::svyolr, nnet::multinom")
struct OrdinalCommandTests {
  @Test func fixturesArePresent() {
    #expect(ordinalCases("ordinal_reference.json").count == 28)
    #expect(ordinalCases("ordinal_margins_reference.json").count == 2)
  }

  /// Estimates, SEs and log-likelihood within 1e-6 relative: both sides are Newton with analytic
  /// Hessians to a decrement below 1e-20 (R polished from polr/multinom/svyolr); what is left is
  /// rounding in the solves. R's own (unpolished, numerical-Hessian) values agree to 1e-3.
  @Test(arguments: ordinalCases("ordinal_reference.json"))
  func matchesR(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let run = try runStrata(args)
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    #expect(rows.map { $0["term"] as? String ?? "" } == (c.json["terms"] as? [String]))
    #expect(doc["nobs"] as? Int == c.json["nobs"] as? Int)
    let fit = try #require(doc["fit"] as? [String: Any])
    if let df = c.json["df"] as? Double, let wald = c.json["wald_f"] as? [Double] {
      // svyolr: t tests and regTermTest's Wald F on degf − (number of slopes).
      let vce = try #require(doc["vce"] as? [String: Any])
      #expect(vce["df"] as? Double == df, "\(c.id) df")
      expectClose(fit["wald_f"] as? Double, wald[0], rtol: 1e-6, "\(c.id) Wald F")
      #expect(fit["wald_f_df2"] as? Double == wald[2], "\(c.id) Wald F df")
      expectClose(fit["wald_f_p_value"] as? Double, wald[3], rtol: 1e-6, "\(c.id) Wald F p")
    }
    let ll = try #require(c.json["logLik"] as? Double)
    #expect(abs((fit["logLik"] as? Double ?? 0) - ll) <= 1e-8 * abs(ll))
    for key in ["estimate", "std_error"] {
      let expected = try #require(c.json[key] as? [Double])
      let loose = try #require(c.json["r_" + key] as? [Double])
      for (i, (row, e)) in zip(rows, expected).enumerated() {
        let got = try #require(row[key] as? Double, "\(key) missing")
        #expect(abs(got - e) <= 1e-6 * abs(e), "\(c.id) \(key) \(row["term"] ?? ""): \(got) vs R \(e)")
        if key == "estimate" || c.id.hasSuffix("classical") {
          #expect(abs(got - loose[i]) <= 1e-3 * abs(loose[i]) + 1e-6, "\(c.id) \(key) vs unpolished R")
        }
      }
    }
  }

  /// Per-outcome AMEs and delta-method SEs: 1e-6 relative (both sides use a central-difference
  /// Jacobian with the same step; the fits agree to ~1e-9).
  @Test(arguments: ordinalCases("ordinal_margins_reference.json"))
  func marginsMatchR(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let run = try runStrata(args)
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["margins"] as? [[String: Any]])
    #expect(rows.map { $0["variable"] as? String ?? "" } == (c.json["variable"] as? [String]))
    #expect(rows.map { $0["outcome"] as? String ?? "" } == (c.json["outcome"] as? [String]))
    for key in ["estimate", "std_error"] {
      let expected = try #require(c.json[key] as? [Double])
      for (row, e) in zip(rows, expected) {
        let got = try #require(row[key] as? Double)
        #expect(abs(got - e) <= 1e-6 * abs(e), "\(c.id) \(key) \(row["variable"] ?? "") \(row["outcome"] ?? "")")
      }
    }
    // Probabilities sum to one, so the effects on all outcomes sum to zero.
    var sums: [String: Double] = [:]
    for row in rows { sums[row["variable"] as? String ?? "", default: 0] += row["estimate"] as? Double ?? 0 }
    for (v, s) in sums { #expect(abs(s) < 1e-12, "\(v): effects sum to \(s)") }
  }

  @Test func hc3IsRefusedWithAReason() throws {
    let run = try runStrata(["fit", "mlogit", "stype ~ meals", "--data", "datasets/apiclus1.csv", "--vce", "hc3"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("HC2/HC3 need leverages"))
  }

  @Test func unknownBaseIsNamed() throws {
    let run = try runStrata(["fit", "mlogit", "stype ~ meals", "--data", "datasets/apiclus1.csv", "--base", "X"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("--base 'X' is not a level of the response 'stype' (levels: E, H, M)"))
  }

  @Test func orderedNeedsThreeLevels() throws {
    let run = try runStrata(["fit", "ologit", "sch.wide ~ meals", "--data", "datasets/apiclus1.csv"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("needs at least 3"))
  }
}
