import Foundation
import Testing
import _StrataTestSupport

/// The calibration flags (`--calibrate`, `--poststratify`, `--rake`, `--totals`, `--calfun`,
/// `--bounds`) through the binary: numbers against the R fixture
/// (`Tests/Fixtures/calibration/calibration_reference.json`), the `svyset` summary, the `--design`
/// round trip, `--totals FILE.csv`, and each error.
@Suite("strata design flags: calibration, post-stratification, raking")
struct CalibrationCommandTests {
  let clus1 = ["--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"]
  let totals = "(Intercept)=6194,stypeH=755,stypeM=1018,enroll=3811472"

  func reference(_ id: String) throws -> [String: Any] {
    let cases = try loadFixture("Tests/Fixtures/calibration/calibration_reference.json")["cases"] as? [[String: Any]]
    return try #require(cases?.first { $0["id"] as? String == id })
  }

  /// `strata mean api00 ... --format json` against the case's svymean.
  func checkMean(_ args: [String], _ id: String) throws {
    let run = try runStrata(["mean", "api00"] + clus1 + args + ["--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let got = try #require((jsonObject(run.stdout)["estimates"] as? [[String: Any]])?.first)
    let want = try #require(try reference(id)["mean_api00"] as? [Double])
    #expect(close(got["estimate"], want[0]), "\(id) mean \(got["estimate"] ?? "nil") vs \(want[0])")
    #expect(close(got["std_error"], want[1]), "\(id) SE \(got["std_error"] ?? "nil") vs \(want[1])")
  }

  @Test func flagsMatchR() throws {
    try checkMean(["--calibrate", "~ stype + enroll", "--totals", totals], "clus1_linear")
    try checkMean(["--calibrate", "~ stype + enroll", "--totals", totals, "--calfun", "raking", "--bounds", "0.7,1.7"],
                  "clus1_raking_bounded")
    try checkMean(["--calibrate", "~ stype + enroll", "--totals", totals, "--calfun", "logit", "--bounds", "0.5,2.5"],
                  "clus1_logit")
    try checkMean(["--poststratify", "stype", "--totals", "E=4421,H=755,M=1018"], "clus1_poststratify")
    try checkMean(["--rake", "stype;sch.wide", "--totals", "stype:E=4421,stype:H=755,stype:M=1018,sch.wide:No=1072,sch.wide:Yes=5122"],
                  "clus1_rake")
    try checkMean(["--replicate", "jk1", "--calibrate", "~ stype + enroll", "--totals", totals], "clus1_jk1_linear")
  }

  @Test func totalsFromACSVFile() throws {
    let path = try temporaryFile(
      "totals.csv", "term,total\n\"(Intercept)\",6194\nstypeH,755\nstypeM,1018\nenroll,3811472\n")
    try checkMean(["--calibrate", "~ stype + enroll", "--totals", path], "clus1_linear")
    let bad = try temporaryFile("bad.csv", "name,value\nstypeH,755\n")
    let run = try runStrata(["mean", "api00"] + clus1 + ["--calibrate", "~ stype", "--totals", bad])
    #expect(run.status == 1)
    #expect(run.stderr == "strata: error: --totals \(bad): needs columns 'term' and 'total' (found name, value)\n")
  }

  @Test func svysetSummarySavesAndTheDesignFileReapplies() throws {
    let save = try temporaryFile("cal.json", "")
    let run = try runStrata(
      ["svyset"] + clus1 + ["--calibrate", "~ stype + enroll", "--totals", totals, "--calfun", "raking", "--bounds", "0.7,1.7",
                            "--save", save])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains("Declared: weights pw; PSU dnum; FPC fpc; calibrate ~ stype + enroll (raking, bounds 0.7,1.7)"))
    #expect(lines.contains { $0.hasPrefix("Calibration: g-weights min 0.791834, mean ") && $0.contains(", max 1.7; ") })
    #expect(lines.contains { $0.split(separator: " ") == ["enroll", "3811472", "3811472"] })
    #expect(lines.contains { $0.split(separator: " ") == ["Total", "Target", "Achieved"] })
    // The saved file holds the totals; --design reapplies them.
    let saved = try String(contentsOfFile: save, encoding: .utf8)
    #expect(saved.contains("\"calibration\"") && saved.contains("3811472"))
    let run2 = try runStrata(["mean", "api00", "--data", "datasets/apiclus1.csv", "--design", save, "--format", "json"])
    #expect(run2.status == 0, "\(run2.stderr)")
    let got = try #require((jsonObject(run2.stdout)["estimates"] as? [[String: Any]])?.first)
    let want = try #require(try reference("clus1_raking_bounded")["mean_api00"] as? [Double])
    #expect(close(got["estimate"], want[0]) && close(got["std_error"], want[1]))
    let design = try #require(jsonObject(run2.stdout)["design"] as? [String: Any])
    let calibration = try #require(design["calibration"] as? [String: Any])
    #expect(calibration["method"] as? String == "calibrate" && calibration["calfun"] as? String == "raking")
    #expect((calibration["totals"] as? [Any])?.count == 4)
  }

  @Test func errorsNameTheTermLevelOrMargin() throws {
    func error(_ args: [String]) throws -> (Int32, String) {
      let run = try runStrata(["mean", "api00"] + clus1 + args)
      return (run.status, run.stderr)
    }
    #expect(try error(["--calibrate", "~ stype", "--totals", "(Intercept)=6194,stypeH=755"]) == (1,
      "strata: error: no population total for calibration column 'stypeM'; --totals needs one for each of '(Intercept)', 'stypeH', 'stypeM'\n"))
    #expect(try error(["--calibrate", "~ stype", "--totals", "(Intercept)=6194,stypeH=755,stypeM=1018,stypeQ=1"]) == (1,
      "strata: error: 'stypeQ' in --totals is not a column of the calibration model matrix; its columns are '(Intercept)', 'stypeH', 'stypeM'\n"))
    #expect(try error(["--poststratify", "stype", "--totals", "E=4421,H=755,M=1018,Q=4"]) == (1,
      "strata: error: 'Q' in --totals is not a level of 'stype' in the data; its levels are 'E', 'H', 'M'\n"))
    #expect(try error(["--poststratify", "stype", "--totals", "E=4421,H=755"]) == (1,
      "strata: error: level 'M' of 'stype' is in the sample but has no population total in --totals\n"))
    #expect(try error(["--calibrate", "~ stype", "--totals", "(Intercept)=6194,stypeH=755,stypeM=1018", "--calfun", "logit"]) == (1,
      "strata: error: --calfun logit needs finite --bounds (lower < 1 < upper), as R's cal.logit\n"))
    #expect(try error(["--calibrate", "~ stype", "--totals", "(Intercept)=6194,stypeH=755,stypeM=1018", "--bounds", "1.1,2"]) == (1,
      "strata: error: --bounds 1.1,2 must satisfy lower < 1 < upper\n"))
    let (status, message) = try error(["--calibrate", "~ stype + enroll", "--totals", totals, "--bounds", "0.99,1.01"])
    #expect(status == 1)
    #expect(message.hasPrefix("strata: error: no g-weights within --bounds 0.99,1.01 meet the totals: after 50 iterations the total of '"))
    #expect(try error(["--rake", "stype;sch.wide", "--totals", "stype:E=4421,stype:H=755,stype:M=1018,Yes=5122"]) == (1,
      "strata: error: --totals 'Yes': with --rake each total is margin:level=value, margin one of stype, sch.wide\n"))
    let missing = try runStrata(
      ["mean", "api00", "--data", "datasets/apiclus2.csv", "--weights", "pw", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2",
       "--calibrate", "~ stype + enroll", "--totals", totals])
    #expect(missing.status == 1)
    #expect(missing.stderr.hasPrefix("strata: error: calibration variable 'enroll' is missing at row "))
    // Usage errors: caught before any data is read.
    for args in [["--totals", "E=1"], ["--poststratify", "stype"], ["--calfun", "raking"],
                 ["--calibrate", "~ stype", "--rake", "stype", "--totals", "E=1"]] {
      let (s, m) = try error(args)
      #expect(s == 64 && m.contains("--"), "\(args): \(m)")
    }
  }

  @Test func negativeWeightsWarn() throws {
    let run = try runStrata(
      ["svyset"] + clus1 + ["--calibrate", "~ stype + enroll", "--totals", "(Intercept)=6194,stypeH=755,stypeM=1018,enroll=400000"])
    #expect(run.status == 0, "\(run.stderr)")
    // The warning wraps at 100 columns; its words, in order, are what is checked.
    #expect(flattened(run.stdout).contains("calibrated weight(s) are negative (as R warns for calfun linear); bound them with --bounds LO,HI or use --calfun raking"))
  }
}
