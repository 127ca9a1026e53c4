import Foundation
import Testing
import _StrataTestSupport

/// The R reference values of `Tests/Fixtures/descriptives/desc_reference.json` for a case id.
func descCase(_ id: String) throws -> [String: Any] {
  let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/descriptives/desc_reference.json")
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
  let cases = json?["cases"] as? [[String: Any]] ?? []
  return cases.first { $0["id"] as? String == id } ?? [:]
}

/// A fixture entry R wrote as a scalar when it had length 1, as an array.
private func list(_ v: Any?) -> [Any] {
  if let a = v as? [Any] { return a }
  return v.map { [$0] } ?? []
}

/// `strata total` of a text column, `strata var [--cov]`, `strata prop --ci METHOD` and
/// is.na / %in% / ifelse subpopulations against R survey (make_desc_fixtures.R), 1e-8 relative;
/// the likelihood interval against the exact profile roots (R's glm.fit deviance solved by uniroot).
@Suite("strata total (factor), var, prop --ci, expression subpopulations")
struct DescriptivesIssue19CommandTests {
  let clus1 = ["--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"]

  func json(_ args: [String]) throws -> [[String: Any]] {
    let run = try runStrata(args + ["--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    return jsonObject(run.stdout)["estimates"] as? [[String: Any]] ?? []
  }

  @Test(arguments: [("total_stype", [String]()), ("total_stype_both_yes", ["--subpop", "both == \"Yes\""])])
  func totalOfATextColumn(_ id: String, _ extra: [String]) throws {
    let want = try descCase(id)
    let got = try json(["total", "stype"] + clus1 + extra)
    let levels = list(want["levels"]).compactMap { $0 as? String }
    #expect(got.map { $0["level"] as? String } == levels)
    for (k, g) in got.enumerated() {
      #expect(close(g["estimate"], list(want["estimate"])[k]), "\(id) \(levels[k]) total")
      #expect(close(g["std_error"], list(want["std_error"])[k]), "\(id) \(levels[k]) SE")
      #expect(close(g["deff"], list(want["deff"])[k]), "\(id) \(levels[k]) deff")
    }
  }

  @Test(arguments: [
    ("var_api00", ["var", "api00"]), ("cov_api00_api99_enroll", ["var", "api00", "api99", "enroll", "--cov"]),
    ("var_api00_jk1", ["var", "api00", "--replicate", "jk1"]),
  ])
  func variance(_ id: String, _ args: [String]) throws {
    try checkVariance(id, args + clus1)
  }

  /// svyby(~stype, ~sch.wide, svytotal) as `--by`.
  @Test func totalOfATextColumnByGroups() throws {
    let want = try descCase("total_stype_by_sch.wide")
    let got = try json(["total", "stype", "--by", "sch.wide"] + clus1)
    let groups = list(want["groups"]).compactMap { $0 as? String }
    let levels = list(want["levels"]).compactMap { $0 as? String }
    #expect(got.count == groups.count)
    for k in groups.indices {
      let row = got.first {
        $0["level"] as? String == levels[k] && ($0["by"] as? [String: Any])?["sch.wide"] as? String == groups[k]
      }
      #expect(close(row?["estimate"], list(want["estimate"])[k]), "\(groups[k]) \(levels[k]) total")
      #expect(close(row?["std_error"], list(want["std_error"])[k]), "\(groups[k]) \(levels[k]) SE")
    }
  }

  /// Without a design: equal weights, R svydesign(ids = ~1, data = apiclus1).
  @Test func varianceWithoutADesign() throws {
    try checkVariance("cov_api00_api99_srs", ["var", "api00,api99", "--cov", "--data", "datasets/apiclus1.csv"])
  }

  func checkVariance(_ id: String, _ args: [String]) throws {
    let want = try descCase(id)
    let got = try json(args)
    let est = list(want["estimate"])
    #expect(got.count == est.count && !est.isEmpty, "\(id): \(got.count) entries")
    for (k, g) in got.enumerated() {
      // R's matrix is symmetric: compare the unordered pair.
      let pair = Set([g["variable"] as? String ?? "", g["with"] as? String ?? ""])
      let wantPair = Set([list(want["variable"])[k] as? String ?? "", list(want["with"])[k] as? String ?? ""])
      #expect(pair == wantPair, "\(id) entry \(k)")
      #expect(close(g["estimate"], est[k]), "\(id) \(pair) estimate")
      #expect(close(g["std_error"], list(want["std_error"])[k]), "\(id) \(pair) SE")
    }
  }

  @Test(arguments: ["logit", "likelihood", "asin", "beta", "mean", "xlogit"])
  func ciprop(_ method: String) throws {
    for (id, extra) in [
      ("ciprop_sch.wide_yes", [String]()), ("ciprop_yr.rnd_yes_elementary", ["--subpop", "stype == \"E\""]),
      ("ciprop_sch.wide_yes_high", ["--subpop", "stype == \"H\""]),
    ] {
      let want = try descCase(id)
      let variable = want["variable"] as? String ?? ""
      let got = try json(["prop", variable, "--ci", method] + clus1 + extra)
      let row = try #require(got.first { $0["level"] as? String == want["level"] as? String }, "\(id)")
      let k = try #require(list(want["methods"]).firstIndex { $0 as? String == method })
      #expect(row["interval"] as? String == method)
      #expect(row["df"] as? Int == want["df"] as? Int, "\(id) df")
      #expect(close(row["estimate"], want["estimate"]), "\(id) estimate")
      let (low, high): (Any?, Any?) =
        method == "likelihood"
        ? (list(want["likelihood_exact"])[0], list(want["likelihood_exact"])[1])
        : (list(want["conf_low"])[k], list(want["conf_high"])[k])
      #expect(close(row["conf_low"], low), "\(id) \(method) lower \(row["conf_low"] ?? "nil") vs \(low ?? "nil")")
      #expect(close(row["conf_high"], high), "\(id) \(method) upper \(row["conf_high"] ?? "nil") vs \(high ?? "nil")")
    }
  }

  @Test(arguments: [
    ("mean_api00_acs.k3_present", "!is.na(acs.k3)"), ("mean_api00_acs.k3_missing", "is.na(acs.k3)"),
    ("mean_api00_stype_in_EM", "stype %in% c(\"E\", \"M\")"),
    ("mean_api00_ifelse", "ifelse(is.na(acs.k3), 0, acs.k3) > 18"),
  ])
  func expressionSubpopulation(_ id: String, _ subpop: String) throws {
    let want = try descCase(id)
    let got = try json(["mean", "api00", "--subpop", subpop] + clus1)
    #expect(got.count == 1)
    #expect(close(got.first?["estimate"], want["estimate"]), "\(id) mean")
    #expect(close(got.first?["std_error"], want["std_error"]), "\(id) SE")
    #expect(close(got.first?["deff"], want["deff"]), "\(id) deff")
    #expect(got.first?["n"] as? Int == want["n"] as? Int, "\(id) rows")
  }

  /// The text report names the method and the design df; the levels are complements.
  @Test func cipropText() throws {
    let run = try runStrata(["prop", "sch.wide", "--ci", "beta"] + clus1)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stdout == """
        Survey proportions (linearization design)
        Data:    datasets/apiclus1.csv, 183 observations
        Design:  1 stratum, 15 PSUs, population size 6,194, df 14 (FPC; lonely PSU: fail)

                  level  Estimate  Std. Err.  [95% Conf.  Interval]    Deff       CV
        sch.wide  No      0.12568   0.020359    0.085296    0.17630  0.7074    0.162
        sch.wide  Yes     0.87432   0.020359    0.823702    0.91470  0.7074  0.02329
        Intervals: beta (R svyciprop method = "beta"), t with 14 design df.

        """)
  }

  /// Under --convention stata the interval's t uses the full design's df (svy: proportion,
  /// subpop()), not the domain's.
  @Test func cipropStataConventionUsesTheFullDesignDF() throws {
    let got = try json(["prop", "sch.wide", "--ci", "logit", "--subpop", "stype == \"H\"", "--convention", "stata"] + clus1)
    #expect(got.map { $0["df"] as? Int } == [14, 14])
    let r = try json(["prop", "sch.wide", "--ci", "logit", "--subpop", "stype == \"H\""] + clus1)
    #expect(r.map { $0["df"] as? Int } == [7, 7])
    #expect(close(got.first?["estimate"], r.first?["estimate"], rtol: 1e-15))
    #expect(((got.last?["conf_low"] as? Double) ?? 0) > ((r.last?["conf_low"] as? Double) ?? 1))
  }

  /// The text report of variances: no deff column (svyvar has none).
  @Test func varianceText() throws {
    let run = try runStrata(["var", "api00", "api99"] + clus1)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stdout == """
        Survey variance (linearization design)
        Data:    datasets/apiclus1.csv, 183 observations
        Design:  1 stratum, 15 PSUs, population size 6,194, df 14 (FPC; lonely PSU: fail)

               Estimate  Std. Err.  [95% Conf.  Interval]      CV
        api00     11183     1386.4      8465.5      13900   0.124
        api99     12735     1450.1      9893.1      15577  0.1139
        Intervals: normal (R convention, as confint() of svymean/svytotal).

        """)
  }

  @Test func varianceCSVHasTheSecondVariable() throws {
    let run = try runStrata(["var", "api00", "api99", "--cov", "--format", "csv"] + clus1)
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "variable,with,level,estimate,std_error,conf_low,conf_high,deff,cv")
    #expect(lines.count == 5)
    #expect(lines.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
      == ["api00,api00", "api00,api99", "api99,api00", "api99,api99"])
  }

  /// A domain where every row is in one level (no year-round high schools) has no interval for
  /// either level, not an interval of rounding noise around 0.9999999999999997.
  @Test func cipropOfAConstantDomainIsNaN() throws {
    let got = try json(["prop", "yr.rnd", "--ci", "beta", "--subpop", "stype == \"H\""] + clus1)
    #expect(got.count == 2)
    for row in got {
      #expect(row["conf_low"] is NSNull && row["conf_high"] is NSNull, "\(row)")
    }
  }

  @Test func cipropNeedsABinaryVariable() throws {
    let run = try runStrata(["prop", "stype", "--ci", "logit"] + clus1)
    #expect(run.status != 0)
    #expect(
      run.stderr
        == "strata: error: 'stype' has 3 categories (E, H, M); a proportion interval (svyciprop) needs a binary variable: 0/1 or two categories\n"
    )
    let numeric = try runStrata(["prop", "api00", "--ci", "mean"] + clus1)
    #expect(numeric.status != 0)
    #expect(numeric.stderr.hasPrefix("strata: error: 'api00' has "), "\(numeric.stderr)")
  }

  @Test func cipropUnknownMethod() throws {
    let run = try runStrata(["prop", "sch.wide", "--ci", "wilson"] + clus1)
    #expect(run.status != 0)
    #expect(run.stderr.contains("The value 'wilson' is invalid for '--ci <ci>'"), "\(run.stderr)")
    #expect(run.stderr.contains("- likelihood"))
  }

  @Test func varianceOfATextColumnIsAnError() throws {
    let run = try runStrata(["var", "stype"] + clus1)
    #expect(run.status != 0)
    #expect(run.stderr.hasPrefix("strata: error: ") && run.stderr.contains("stype"), "\(run.stderr)")
  }
}
