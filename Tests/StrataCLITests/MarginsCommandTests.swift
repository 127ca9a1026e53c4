import Foundation
import Testing
import _StrataTestSupport

/// The R reference cases of `Tests/Fixtures/margins/margins_reference.json` (see
/// `make_margins_fixtures.R`).
func marginsFixture(_ id: String) throws -> [String: Any] {
  let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/margins/margins_reference.json")
  let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
  let cases = try #require(root["cases"] as? [[String: Any]])
  return try #require(cases.first { $0["id"] as? String == id })
}

/// The fixture row of a plain AME (no at, not at means).
func fixtureMargin(_ c: [String: Any], _ variable: String, _ type: String, level: String? = nil) throws -> [String: Any] {
  let rows = try #require(c["margins"] as? [[String: Any]])
  return try #require(
    rows.first {
      $0["variable"] as? String == variable && $0["type"] as? String == type && ($0["level"] as? String) == level
        && $0["at_variable"] is NSNull && ($0["atmeans"] as? Bool) == false
    })
}

func parseJSON(_ text: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

func marginsClose(_ a: Any?, _ b: Any?, rtol: Double) -> Bool {
  guard let x = (a as? NSNumber)?.doubleValue, let y = (b as? NSNumber)?.doubleValue else { return false }
  return abs(x - y) <= rtol * abs(y)
}

@Suite("strata fit --margins, strata margins/predict/elasticities")
struct MarginsCommandTests {
  static let probit = [
    "fit", "probit", "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + kidsge6", "--data",
    "datasets/mroz.csv",
  ]

  /// `fit --margins` JSON: the `margins` array with `variable` the data column, against R within
  /// 1e-6 relative (estimates and errors; the fits themselves agree to ~1e-9).
  @Test func fitMarginsJSONMatchesR() throws {
    let c = try marginsFixture("mroz_probit_hc0")
    let run = try runStrata(
      Self.probit + ["--vce", "hc0", "--margins", "dydx,eyex", "--margins-variables", "exper,educ", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let j = try parseJSON(run.stdout)
    let margins = try #require(j["margins"] as? [[String: Any]])
    #expect(margins.map { $0["variable"] as? String } == ["exper", "exper", "educ", "educ"])
    #expect(Set(margins[0].keys).isSuperset(of: [
      "variable", "type", "level", "base", "outcome", "at", "estimate", "std_error", "statistic", "p_value", "conf_low",
      "conf_high",
    ]))
    for m in margins {
      let r = try fixtureMargin(c, m["variable"] as? String ?? "", m["type"] as? String ?? "")
      #expect(marginsClose(m["estimate"], r["estimate"], rtol: 1e-6), "\(m)")
      #expect(marginsClose(m["std_error"], r["std_error"], rtol: 1e-6), "\(m)")
    }
    let vce = try #require(j["margins_vce"] as? [String: Any])
    #expect(vce["covariates"] as? String == "fixed")
  }

  /// A design-based fit (`--strata --fpc --weights`): fixed-covariate and unconditional errors
  /// of the AMEs and of a factor's discrete changes equal R's svyglm + svyrecvar (1e-6 relative).
  @Test func designUnconditionalMatchesR() throws {
    let c = try marginsFixture("apistrat_svy_ols_design")
    let base = [
      "fit", "ols", "api00 ~ ell + meals + I(meals^2) + mobility + stype", "--data", "datasets/apistrat.csv",
      "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--margins", "dydx", "--format", "json",
    ]
    for (vce, key) in [("fixed", "std_error"), ("unconditional", "std_error_unconditional")] {
      let run = try runStrata(base + ["--margins-vce", vce])
      #expect(run.status == 0, "\(run.stderr)")
      let margins = try #require(try parseJSON(run.stdout)["margins"] as? [[String: Any]])
      #expect(margins.count == 5)  // ell, meals, mobility, stype H vs E, M vs E
      for m in margins {
        let r = try fixtureMargin(c, m["variable"] as? String ?? "", "dydx", level: m["level"] as? String)
        #expect(marginsClose(m["estimate"], r["estimate"], rtol: 1e-6), "\(m)")
        #expect(marginsClose(m["std_error"], r[key], rtol: 1e-6), "\(vce) \(m)")
      }
    }
  }

  /// `--save` then `strata margins` reproduces `fit --margins` exactly (same arithmetic, no
  /// refit), also with the unconditional variance (which refits); `predict --scenario` matches R.
  @Test func savedFitRoundTrip() throws {
    let path = try temporaryFile("probit.json", "")
    let margins = ["--margins", "dydx", "--at", "kidslt6=0,1", "--margins-variables", "nwifeinc"]
    let direct = try runStrata(
      Self.probit + ["--vce", "cluster", "--cluster", "age", "--save", path, "--format", "json"] + margins
        + ["--margins-vce", "unconditional"])
    #expect(direct.status == 0, "\(direct.stderr)")
    let saved = try runStrata(["margins", path, "--format", "json", "--margins-vce", "unconditional"] + margins)
    #expect(saved.status == 0, "\(saved.stderr)")
    let a = try #require(try parseJSON(direct.stdout)["margins"] as? [[String: Any]])
    let b = try #require(try parseJSON(saved.stdout)["margins"] as? [[String: Any]])
    #expect(a.count == 2 && b.count == 2)
    for (x, y) in zip(a, b) {
      #expect(marginsClose(x["estimate"], y["estimate"], rtol: 1e-12))
      #expect(marginsClose(x["std_error"], y["std_error"], rtol: 1e-10))
    }
    let c = try marginsFixture("mroz_probit_cluster")
    let rows = try #require(c["margins"] as? [[String: Any]])
    for (m, value) in zip(b, [0.0, 1.0]) {
      let r = try #require(rows.first { ($0["at_value"] as? Double) == value })
      #expect(marginsClose(m["estimate"], r["estimate"], rtol: 1e-6))
      #expect(marginsClose(m["std_error"], r["std_error_unconditional"], rtol: 1e-6))
    }
    let scenario = try runStrata([
      "predict", path, "--scenario", try #require(c["scenario"] as? String), "--format", "json",
    ])
    #expect(scenario.status == 0, "\(scenario.stderr)")
    let s = try #require((try parseJSON(scenario.stdout)["scenarios"] as? [[String: Any]])?.first)
    for r in try #require(c["scenarios"] as? [[String: Any]]) {
      let got = try #require(s[r["quantity"] as? String ?? ""] as? [String: Any])
      #expect(marginsClose(got["estimate"], r["estimate"], rtol: 1e-6))
      #expect(marginsClose(got["std_error"], r["std_error"], rtol: 1e-6))
    }
    let table = try runStrata(["elasticities", path, path, "--variables", "educ"])
    #expect(table.status == 0, "\(table.stderr)")
    #expect(table.stdout.contains("ey/ex") && table.stdout.contains("educ"))
    let newdata = try temporaryFile(
      "new.csv", "nwifeinc,educ,exper,age,kidslt6,kidsge6\n10,12,5,30,1,0\n20,16,10,40,0,2\n")
    let p = try runStrata(["predict", path, "--newdata", newdata, "--format", "csv"])
    #expect(p.status == 0, "\(p.stderr)")
    #expect(p.stdout.split(separator: "\n").count == 3)
  }

  @Test(arguments: [
    (["--margins", "dydx", "--margins-variables", "wage"], "variable 'wage' is not in the model"),
    (["--margins", "dydx", "--at", "educ=abc"], "'abc' is not valid for 'educ'"),
    (["--margins", "elasticity"], "'elasticity' is not one of dydx, eyex, eydx, dyex"),
    (["--margins", "dydx", "--margins-vce", "unconditional"], "needs a robust, cluster or design variance"),
    (["--margins", "dydx", "--atmeans", "--margins-vce", "unconditional"], "not to --atmeans"),
    (["--margins-variables", "educ"], "go with --margins KINDS"),
  ])
  func badInput(_ extra: [String], _ message: String) throws {
    let run = try runStrata(Self.probit + extra)
    #expect(run.status != 0)
    #expect(run.stderr.contains(message), "\(run.stderr)")
  }

  @Test func eyexAtZeroPredictionIsAnError() throws {
    let data = try temporaryFile("zero.csv", "x,y\n-2,-2.1\n-1,-0.9\n0,0.3\n1,0.8\n2,2.2\n3,2.9\n")
    let run = try runStrata(["fit", "ols", "y ~ x - 1", "--data", data, "--margins", "eyex"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("eyex of 'x' divides by the prediction, which is 0 at data row 3"), "\(run.stderr)")
  }

  @Test func notASavedFit() throws {
    let path = try temporaryFile("x.json", "{\"a\": 1}")
    let run = try runStrata(["margins", path])
    #expect(run.status != 0)
    #expect(run.stderr.contains("is not a fit saved by strata fit --save"), "\(run.stderr)")
  }
}
