import Foundation
import Testing
import _StrataTestSupport

/// The cases of `Tests/Fixtures/svyglm/svyglm_reference.json` (make_svyglm_fixtures.R, R survey 4.1-1).
func svyglmCases() -> [ReferenceCase] { referenceCases("Tests/Fixtures/svyglm/svyglm_reference.json") }

@Suite("strata fit --vce design against R svyglm")
struct DesignFitTests {
  @Test func fixtureIsPresent() {
    #expect(svyglmCases().count == 16)
  }

  /// Linear models are closed form: 1e-8 relative. GLMs are iterative (R refitted with
  /// epsilon = 1e-14; Strata stops at a relative deviance change of 1e-10): 1e-6 relative.
  @Test(arguments: svyglmCases())
  func matchesSvyglm(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let run = try runStrata(args)
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    #expect(rows.map { $0["term"] as? String ?? "" } == (c.json["terms"] as? [String]))
    #expect(doc["nobs"] as? Int == c.json["nobs"] as? Int)
    let vce = try #require(doc["vce"] as? [String: Any])
    #expect(vce["type"] as? String == "design")
    #expect(vce["df"] as? Double == (c.json["df"] as? NSNumber)?.doubleValue)
    let design = try #require(vce["design"] as? [String: Any])
    #expect(design["df"] as? Int == c.json["design_df"] as? Int)
    let rtol = args[1] == "ols" ? 1e-8 : 1e-6
    // The model Wald test: R regTermTest (F = W/q on the fit's df) or Stata's adjusted F.
    let fitStats = try #require(doc["fit"] as? [String: Any])
    let wald = try #require(c.json["wald_f"] as? [Double])
    let (fKey, dfKey, pKey) = args[1] == "ols" ? ("statistic", "df_denominator", "p_value") : ("wald_f", "wald_f_df2", "wald_f_p_value")
    expectClose((fitStats[fKey] as? NSNumber)?.doubleValue, wald[0], rtol: rtol, "\(c.id) Wald F")
    #expect((fitStats[dfKey] as? NSNumber)?.doubleValue == wald[2], "\(c.id) Wald F denominator df")
    // p-values compared on the log scale: far in the tail (flexwork: 3e-129) a 1e-7 relative
    // difference in F moves p by ~1e-5 relative.
    expectClose(
      (fitStats[pKey] as? NSNumber).map { log($0.doubleValue) }, log(wald[3]), rtol: max(rtol, 1e-7), "\(c.id) Wald F log p-value")
    if args[1] != "ols" {
      #expect(fitStats["lr_statistic"] is NSNull && fitStats["AIC"] is NSNull, "\(c.id): no LR test or AIC under a design")
    }
    for key in ["estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"] {
      let expected = try #require(c.json[key] as? [Double])
      for (row, e) in zip(rows, expected) {
        let got = try #require(row[key] as? Double, "\(key) missing")
        let tol = key == "p_value" ? max(rtol, 1e-7) : rtol
        #expect(abs(got - e) <= tol * abs(e), "\(c.id) \(key) \(row["term"] ?? ""): \(got) vs R \(e)")
      }
    }
  }

  @Test func textReportShowsTheDesignLine() throws {
    let run = try runStrata([
      "fit", "ols", "api00 ~ ell + meals", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata",
      "stype", "--fpc", "fpc",
    ])
    #expect(run.status == 0)
    #expect(run.stdout.contains("Std. errors: design-based (Taylor linearization)"))
    #expect(run.stdout.contains("Design:      3 strata, 200 PSUs, population size 6,194, design df 197, t tests on 195 df"))
  }

  @Test func clusterFlagWithDesignIsRefused() throws {
    let run = try runStrata([
      "fit", "ols", "api00 ~ ell", "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum",
      "--cluster", "dnum",
    ])
    #expect(run.status != 0)
    #expect(run.stderr.contains("--psu"))
  }

  @Test func designVCENeedsADesign() throws {
    let run = try runStrata(["fit", "ols", "api00 ~ ell", "--data", "datasets/apiclus1.csv", "--vce", "design"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("needs a design"))
  }

  @Test func subpopNeedsADesign() throws {
    let run = try runStrata(["fit", "ols", "api00 ~ ell", "--data", "datasets/apiclus1.csv", "--subpop", "ell > 5"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("--subset"))
  }
}
