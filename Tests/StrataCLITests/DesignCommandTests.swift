import Foundation
import Testing
import _StrataTestSupport

/// The R reference values of `Tests/Fixtures/design/design_reference.json` for a case id.
func designCase(_ id: String) throws -> [String: Any] {
  let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/design/design_reference.json")
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
  let cases = json?["cases"] as? [[String: Any]] ?? []
  return cases.first { $0["id"] as? String == id } ?? [:]
}

func jsonObject(_ text: String) -> [String: Any] {
  (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}

/// Relative closeness; the CLI prints shortest round-trip doubles, so 1e-8 as the library tests.
func close(_ a: Any?, _ b: Any?, rtol: Double = 1e-8) -> Bool {
  guard let x = (a as? NSNumber)?.doubleValue, let y = (b as? NSNumber)?.doubleValue else { return false }
  return abs(x - y) <= rtol * abs(y)
}

@Suite("strata mean|total|prop|quantile|ratio|tab|svyset")
struct DesignCommandTests {
  let strat = ["--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc"]
  let clus1 = ["--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"]

  /// Runs a command with `--format json` and compares every estimate and SE with R's.
  func check(_ args: [String], against id: String) throws {
    let run = try runStrata(args + ["--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let got = jsonObject(run.stdout)["estimates"] as? [[String: Any]] ?? []
    let want = try designCase(id)["estimates"] as? [[String: Any]] ?? []
    #expect(got.count == want.count && !want.isEmpty, "\(id): \(got.count) estimates")
    for (g, w) in zip(got, want) {
      #expect(close(g["estimate"], w["estimate"]), "\(id) estimate \(g["estimate"] ?? "nil") vs \(w["estimate"] ?? "nil")")
      #expect(close(g["std_error"], w["std_error"]), "\(id) SE")
      if w["deff"] != nil { #expect(close(g["deff"], w["deff"]), "\(id) deff") }
    }
  }

  @Test func mean() throws { try check(["mean", "api00"] + strat, against: "strat_mean") }
  @Test func total() throws { try check(["total", "enroll"] + strat, against: "strat_total") }
  @Test func prop() throws { try check(["prop", "stype"] + clus1, against: "clus1_prop") }
  @Test func quantile() throws {
    try check(["quantile", "api00", "--quantiles", "0.25,0.5"] + clus1, against: "clus1_quantile")
  }
  @Test func ratio() throws { try check(["ratio", "api.stu/enroll"] + clus1, against: "clus1_ratio") }
  @Test func byTable() throws { try check(["mean", "api00", "--by", "stype"] + clus1, against: "clus1_by_mean") }
  @Test func subpop() throws {
    try check(["mean", "api00", "--subpop", "sch.wide == \"Yes\" & meals > 20"] + clus1, against: "clus1_subpop_mean")
  }
  @Test func twoStage() throws {
    try check(
      ["mean", "api00", "--data", "datasets/apiclus2.csv", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"],
      against: "clus2_mean")
  }
  @Test func builtJackknife() throws {
    try check(["mean", "api00", "--replicate", "jk1"] + clus1, against: "clus1_jk1_built_mean")
  }
  @Test func replicateColumns() throws {
    try check(
      ["total", "enroll", "--data", "Tests/Fixtures/design/apistrat_brr.csv", "--weights", "pw", "--repweights", "repw*",
       "--reptype", "brr"], against: "strat_brr_columns_total")
  }
  @Test func lonelyAverage() throws {
    try check(
      ["mean", "api00", "--data", "Tests/Fixtures/design/lonely.csv", "--weights", "pw", "--strata", "str", "--psu", "dnum",
       "--lonely-psu", "average"], against: "lonely_average_mean")
  }

  @Test func tab() throws {
    let run = try runStrata(["tab", "sch.wide", "stype"] + clus1 + ["--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let test = jsonObject(run.stdout)["test"] as? [String: Any] ?? [:]
    let want = try designCase("clus1_tab")["chisq"] as? [String: Any] ?? [:]
    #expect(close(test["statistic"], want["statistic"]) && close(test["p_value"], want["p_value"]))
    let text = try runStrata(["tab", "sch.wide", "stype"] + clus1)
    #expect(text.stdout.contains("Rao & Scott adjustment: F = "))
  }

  @Test func textHasDesignLine() throws {
    let run = try runStrata(["mean", "api00"] + strat)
    #expect(run.stdout.contains("Design:  3 strata, 200 PSUs, population size 6,194, df 197"), "\(run.stdout)")
    let csv = try runStrata(["mean", "api00"] + strat + ["--format", "csv"])
    #expect(csv.stdout.hasPrefix("variable,level,estimate,std_error,conf_low,conf_high,deff,cv\n"))
  }

  @Test func svysetSavesAndDesignReuses() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("design-\(UUID().uuidString).json").path
    let set = try runStrata(["svyset"] + clus1 + ["--save", path])
    #expect(set.status == 0, "\(set.stderr)")
    #expect(set.stdout.contains("15 PSUs"))
    try check(["mean", "api00", "--data", "datasets/apiclus1.csv", "--design", path], against: "clus1_mean")
  }
}

@Suite("Bad survey designs are clear errors")
struct BadDesignTests {
  /// A small CSV: stratum h, PSU c, weight w, FPC N, replicate weights r1–r3.
  func data(_ rows: [String]) throws -> String {
    try temporaryFile("design.csv", (["y,h,c,w,N,r1,r2,r3"] + rows).joined(separator: "\n") + "\n")
  }
  let good = ["1,1,1,2,10,1,2,1", "2,1,2,2,10,2,1,1", "3,2,3,3,10,1,1,2", "4,2,4,3,10,2,2,1"]

  func expectError(_ args: [String], _ fragment: String) throws {
    let run = try runStrata(args)
    #expect(run.status == 1, "exit \(run.status): \(run.stdout)")
    #expect(run.stderr.contains(fragment), "stderr: \(run.stderr)")
  }

  @Test func missingWeight() throws {
    var rows = good
    rows[1] = "2,1,2,,10,2,1,1"
    try expectError(["mean", "y", "--data", try data(rows), "--weights", "w"], "design variable 'w' is missing at row 2")
  }

  @Test func negativeWeight() throws {
    var rows = good
    rows[2] = "3,2,3,-3,10,1,1,2"
    try expectError(["mean", "y", "--data", try data(rows), "--weights", "w"], "sampling weight 'w' is negative at row 3")
  }

  @Test func psuAcrossStrata() throws {
    let rows = ["1,1,1,2,10,1,2,1", "2,1,2,2,10,2,1,1", "3,2,1,3,10,1,1,2", "4,2,2,3,10,2,2,1"]
    try expectError(
      ["mean", "y", "--data", try data(rows), "--weights", "w", "--strata", "h", "--psu", "c"], "declare --nest")
  }

  @Test func singlePSUStratum() throws {
    let rows = ["1,1,1,2,10,1,2,1", "2,1,2,2,10,2,1,1", "3,2,3,3,10,1,1,2", "4,2,3,3,10,2,2,1"]
    try expectError(
      ["mean", "y", "--data", try data(rows), "--weights", "w", "--strata", "h", "--psu", "c"],
      "stratum '2' has only one PSU at stage 1")
  }

  @Test func fpcSmallerThanSample() throws {
    var rows = good
    rows = rows.map { $0.replacingOccurrences(of: ",10,", with: ",1.5,") }
    try expectError(
      ["mean", "y", "--data", try data(rows), "--strata", "h", "--psu", "c", "--fpc", "N"], "over 100% sampling")
  }

  /// Options the saved declaration already fixes, or that a replicate type overrides, are errors
  /// rather than silently dropped.
  @Test func ignoredOptionsAreRefused() throws {
    let csv = try data(good)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("design-\(UUID().uuidString).json").path
    let set = try runStrata(["svyset", "--data", csv, "--weights", "w", "--strata", "h", "--psu", "c", "--save", path])
    #expect(set.status == 0, "\(set.stderr)")
    for (extra, fragment) in [
      (["--nest"], "do not combine it with --nest"),
      (["--lonely-psu", "adjust", "--mse"], "do not combine it with --lonely-psu, --mse"),
      (["--weights", "w"], "carries its own weights; drop --weights w"),
    ] {
      let run = try runStrata(["mean", "y", "--data", csv, "--design", path] + extra)
      #expect(run.status != 0 && run.stderr.contains(fragment), "\(extra): \(run.stderr)")
    }
    let brr = try runStrata(
      ["mean", "y", "--data", csv, "--weights", "w", "--repweights", "r*", "--reptype", "brr", "--scale", "2"])
    #expect(brr.status != 0 && brr.stderr.contains("a scale does not apply to brr replicates"), "\(brr.stderr)")
  }

  @Test func wrongReplicateCount() throws {
    try expectError(
      ["mean", "y", "--data", try data(good), "--weights", "w", "--repweights", "r*", "--reptype", "brr"],
      "wrong number of replicate weights")
  }

  @Test func zeroWeightsAreReported() throws {
    var rows = good
    rows[0] = "1,1,1,0,10,1,2,1"
    let run = try runStrata(["mean", "y", "--data", try data(rows), "--weights", "w"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("1 row(s) have zero sampling weight"))
  }
}
