import Foundation
import Testing
import _StrataTestSupport

/// `strata test`, `strata lincom`, `strata nlcom` on saved fits and `strata fit --test`, against
/// R `regTermTest`/`svycontrast` (Tests/Fixtures/tests/make_test_fixtures.R), and the slopes-only
/// test of `--split`.
@Suite("strata test / lincom / nlcom against R (Tests/Fixtures/tests)")
struct TestCommandTests {
  static let fixture = "Tests/Fixtures/tests/tests_reference.json"

  /// Fits a fixture case and saves it in a fresh folder; returns the saved file's path.
  static func saved(_ c: ReferenceCase) throws -> String {
    let args = try #require(c.json["args"] as? [String])
    let path = try temporaryFile("fit.json", "")
    let run = try runStrata(["fit"] + args + ["--save", path, "--format", "json"])
    try #require(run.status == 0, "\(run.stderr)")
    return path
  }

  static func json(_ run: CLIRun) throws -> [String: Any] {
    try #require(run.status == 0, "\(run.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
  }

  @Test func fixtureIsPresent() {
    #expect(referenceCases(Self.fixture).count == 4)
  }

  /// The JSON of `strata test` and of the combinations, to 1e-8 relative (the logit 1e-6: IRLS).
  @Test(arguments: referenceCases(Self.fixture))
  func savedFitMatchesR(_ c: ReferenceCase) throws {
    let path = try Self.saved(c)
    let rtol = c.id.contains("logit") ? 1e-6 : 1e-8
    for r in try #require(c.json["tests"] as? [[String: Any]]) {
      let terms = try #require(r["terms"] as? String)
      let doc = try Self.json(try runStrata(["test", path, terms, "--format", "json"]))
      let t = try #require(doc["test"] as? [String: Any])
      #expect(Set(t.keys) == ["terms", "columns", "statistic", "df_num", "df_den", "p_value", "chi2", "form"])
      #expect(t["terms"] as? [String] == TermListSplit.split(terms))
      for key in ["statistic", "chi2"] {
        expectClose(number(t[key]), number(r[key]), rtol: rtol, "\(c.id) \(terms) \(key)")
      }
      expectClose(number(t["p_value"]), number(r["p_value"]), rtol: 1e-6, "\(c.id) \(terms) p")
      #expect(t["df_num"] as? Int == r["df_num"] as? Int)
      if let den = number(r["df_den"]) {
        #expect(number(t["df_den"]) == den)
      } else {
        #expect(t["df_den"] is NSNull)
      }
    }
    for (command, key) in [("lincom", "lincom"), ("nlcom", "nlcom")] {
      let rows = try #require(c.json[key] as? [[String: Any]])
      let doc = try Self.json(try runStrata([command, path] + rows.compactMap { $0["expression"] as? String } + ["--format", "json"]))
      let got = try #require(doc["estimates"] as? [[String: Any]])
      try #require(got.count == rows.count)
      for (g, r) in zip(got, rows) {
        #expect(Set(g.keys) == ["label", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"])
        #expect(g["label"] as? String == r["expression"] as? String)
        for name in ["estimate", "std_error", "statistic", "conf_low", "conf_high"] {
          expectClose(number(g[name]), number(r[name]), rtol: rtol, "\(c.id) \(command) \(r["expression"] ?? "") \(name)")
        }
        expectClose(number(g["p_value"]), number(r["p_value"]), rtol: 1e-6, "\(c.id) \(command) p")
      }
    }
  }

  /// `strata fit --test`: the text after the fit's table, and a `test` member in JSON.
  @Test func fitWithTest() throws {
    let c = try #require(referenceCases(Self.fixture).first { $0.id == "apistrat_svyglm" })
    let args = try #require(c.json["args"] as? [String])
    let r = try #require((c.json["tests"] as? [[String: Any]])?.first)
    let doc = try Self.json(try runStrata(["fit"] + args + ["--test", "ell, meals", "--format", "json"]))
    let t = try #require(doc["test"] as? [String: Any])
    expectClose(number(t["statistic"]), number(r["statistic"]), rtol: 1e-8, "fit --test F")
    #expect(doc["coefficients"] != nil)
    let text = try runStrata(["fit"] + args + ["--test", "ell, meals"])
    #expect(text.status == 0)
    #expect(text.stdout.contains("Wald test of ell, meals (H0: these coefficients are all zero)\n  ( ell ) = 0\n  ( meals ) = 0\n  F(2, 193) = 307.614,  p-value: "))
    let csv = try runStrata(["fit"] + args + ["--test", "ell", "--format", "csv"])
    #expect(csv.status != 0)
    #expect(csv.stderr.contains("--test is reported in text and JSON output"))
  }

  /// A saved fit and the live fit give the same test: under Stata's convention a design-based
  /// fit's test is the adjusted F on (q, d − q + 1), d = 197 here.
  @Test func savedAndLiveAgreeUnderStataConvention() throws {
    let args = [
      "ols", "api00 ~ ell + meals + stype", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype",
      "--fpc", "fpc", "--convention", "stata",
    ]
    let path = try temporaryFile("stata.json", "")
    let live = try Self.json(try runStrata(["fit"] + args + ["--save", path, "--test", "stype", "--format", "json"]))
    let saved = try Self.json(try runStrata(["test", path, "stype", "--format", "json"]))
    let a = try #require(live["test"] as? [String: Any])
    let b = try #require(saved["test"] as? [String: Any])
    #expect(a["form"] as? String == "adjusted_f")
    #expect(b["form"] as? String == "adjusted_f")
    #expect(number(a["df_den"]) == 196)
    #expect(number(b["df_den"]) == 196)
    expectClose(number(b["statistic"]), number(a["statistic"]), rtol: 1e-14, "saved vs live F")
    expectClose(number(a["statistic"]), (number(a["chi2"]) ?? 0) * 196 / (197 * 2), rtol: 1e-14, "adjusted F")
  }

  /// The text reports, exactly.
  @Test func textReports() throws {
    let c = try #require(referenceCases(Self.fixture).first { $0.id == "apistrat_logit" })
    let path = try Self.saved(c)
    let test = try runStrata(["test", path, "stype"])
    #expect(test.status == 0)
    try assertSnapshot(test.stdout, named: "test_logit_stype.txt")
    let lincom = try runStrata(["lincom", path, "d=ell - meals", "`(Intercept)` + 20*ell"])
    #expect(lincom.status == 0)
    try assertSnapshot(lincom.stdout, named: "lincom_logit.txt")
    let nlcom = try runStrata(["nlcom", path, "exp(ell)", "ell / meals", "--level", "90"])
    #expect(nlcom.status == 0)
    try assertSnapshot(nlcom.stdout, named: "nlcom_logit.txt")
  }

  @Test func errorsNameTheProblem() throws {
    let c = try #require(referenceCases(Self.fixture).first { $0.id == "apistrat_svyglm" })
    let path = try Self.saved(c)
    let cases: [([String], String)] = [
      (["test", path, "ell, emer"], "'emer' is not a term or coefficient of the fit; the terms and coefficients are 'ell', 'meals', 'stype', '(Intercept)', 'stypeH', 'stypeM'"),
      (["test", path, " , "], "no term to test"),
      (["test", path], "no term to test"),
      (["lincom", path, "ell * meals"], "'ell * meals' is not a linear combination of coefficients: 'ell * meals' multiplies coefficients; use nlcom"),
      (["lincom", path, "ell - emer"], "'emer' in 'ell - emer' is not a coefficient of the fit; the coefficients are `(Intercept)`, `ell`, `meals`, `stypeH`, `stypeM`"),
      (["nlcom", path, "gamma(ell)"], "gamma"),
      (["nlcom", path, "log(ell)"], "'log(ell)' has no finite value or standard error"),
      (["nlcom", path, "ell / "], "unexpected end of input"),
      (["lincom", path], "no combination of coefficients given"),
      (["lincom", path, "ell", "--level", "120"], "--level must be between 0 and 100"),
    ]
    for (args, message) in cases {
      let run = try runStrata(args)
      #expect(run.status != 0, "\(args)")
      #expect(run.stderr.hasPrefix("strata: error: "), "\(args): \(run.stderr)")
      #expect(run.stderr.contains(message), "\(args): \(run.stderr)")
      #expect(run.stdout.isEmpty, "\(args)")
    }
  }

  @Test func collinearTermAndOtherVersionAreErrors() throws {
    let path = try temporaryFile("collinear.json", "")
    let fit = try runStrata([
      "fit", "ols", "api00 ~ ell + meals + I(2 * ell)", "--data", "datasets/apistrat.csv", "--save", path, "--format", "json",
    ])
    try #require(fit.status == 0, "\(fit.stderr)")
    let run = try runStrata(["test", path, "I(2 * ell)"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("'I(2 * ell)' was dropped for collinearity (no estimate for I(2 * ell)), so it cannot be tested"), "\(run.stderr)")
    // A file of a version this strata does not read.
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let future = try temporaryFile("future.json", text.replacingOccurrences(of: "\"version\" : 3", with: "\"version\" : 99"))
    #expect(future != path)
    for command in ["test", "lincom", "nlcom"] {
      let r = try runStrata([command, future, "ell"])
      #expect(r.status != 0)
      #expect(r.stderr.contains("has version 99; this strata reads versions 1 to 3"), "\(command): \(r.stderr)")
    }
  }

  /// `strata margins --lincom/--nlcom`: combinations of average marginal effects with their
  /// joint covariance (covariates fixed), against R (analytic AME gradients, vcov(svyglm),
  /// svycontrast): 1e-6 relative (IRLS on both sides).
  @Test func combinationsOfMarginsMatchR() throws {
    let c = try #require(referenceCases(Self.fixture, key: "margins").first)
    let path = try Self.saved(c)
    let doc = try Self.json(try runStrata([
      "margins", path, "--margins", "dydx", "--margins-variables", "ell,meals", "--lincom", "ell - meals",
      "--nlcom", "ell / meals", "--format", "json",
    ]))
    let margins = try #require(doc["margins"] as? [[String: Any]])
    let ame = try #require(c.json["ame"] as? [Double])
    let se = try #require(c.json["se"] as? [Double])
    try #require(margins.count == 2)
    for i in 0..<2 {
      expectClose(number(margins[i]["estimate"]), ame[i], rtol: 1e-6, "AME \(i)")
      expectClose(number(margins[i]["std_error"]), se[i], rtol: 1e-6, "AME SE \(i)")
    }
    for r in try #require(c.json["combinations"] as? [[String: Any]]) {
      let kind = try #require(r["kind"] as? String)
      let rows = try #require(doc[kind] as? [[String: Any]])
      try #require(rows.count == 1)
      #expect(rows[0]["label"] as? String == r["expression"] as? String)
      for name in ["estimate", "std_error", "statistic", "conf_low", "conf_high"] {
        expectClose(number(rows[0][name]), number(r[name]), rtol: 1e-6, "\(kind) \(name)")
      }
      expectClose(number(rows[0]["p_value"]), number(r["p_value"]), rtol: 1e-6, "\(kind) p")
    }
    let text = try runStrata(["margins", path, "--margins", "dydx", "--lincom", "ell - meals"])
    #expect(text.status == 0)
    #expect(text.stdout.contains("Linear combinations of the margins above (covariates fixed)\nt tests on 195 df\n"), "\(text.stdout)")
    // Margins with covariates sampled keep no gradients; names must be unique.
    let sampled = try runStrata(["margins", path, "--margins", "dydx", "--margins-vce", "unconditional", "--lincom", "ell - meals"])
    #expect(sampled.status != 0)
    #expect(sampled.stderr.contains("combinations of margins use the margins' covariance with the covariates fixed"), "\(sampled.stderr)")
    let over = try runStrata(["margins", path, "--margins", "dydx", "--over", "stype", "--lincom", "ell - meals"])
    #expect(over.status != 0)
    #expect(over.stderr.contains("combinations of margins name each margin once, but 'ell' is more than one margin"), "\(over.stderr)")
  }

  /// `--split`: the slopes-only test (intercepts free) beside the test of all coefficients.
  @Test(arguments: referenceCases(Self.fixture, key: "split"))
  func splitSlopesTestMatchesR(_ c: ReferenceCase) throws {
    let doc = try Self.json(try runStrata(try #require(c.json["args"] as? [String])))
    let slopes = try #require(doc["slopes_test"] as? [String: Any])
    #expect(slopes["terms"] as? [String] == ["ell", "meals"])
    // Least squares on both sides: 1e-8.
    expectClose(number(slopes["statistic"]), number(c.json["statistic"]), rtol: 1e-8, "\(c.id) slopes chi2")
    expectClose(number(slopes["p_value"]), number(c.json["p_value"]), rtol: 1e-6, "\(c.id) slopes p")
    #expect(slopes["df"] as? Int == c.json["df"] as? Int)
    #expect(doc["equality_test"] != nil)
  }

  @Test func splitTextShowsBothTests() throws {
    let run = try runStrata([
      "fit", "ols", "api00 ~ ell + meals", "--data", "datasets/apistrat.csv", "--split", "stype", "--vce", "hc1",
    ])
    #expect(run.status == 0)
    #expect(run.stdout.contains("chi2(6) = 166.976"))
    #expect(run.stdout.contains("Wald test of equal slopes, intercepts free (ell, meals):\n  chi2(4) = 9.20505,  p-value: 0.0562"), "\(run.stdout)")
  }
}

/// The terms `strata test` reports for a term list (as the fixture writes it).
enum TermListSplit {
  static func split(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
  }
}
