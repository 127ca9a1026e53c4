import Foundation
import Testing
import _StrataTestSupport

/// A `strata reproduce --format json` report, parsed.
private struct ReproduceReport {
  var status: Int32
  var cases: [[String: Any]]
  var summary: [String: Any]
  var stderr: String

  init(_ arguments: [String]) throws {
    let run = try runStrata(["reproduce"] + arguments + ["--format", "json"])
    status = run.status
    stderr = run.stderr
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    cases = object?["cases"] as? [[String: Any]] ?? []
    summary = object?["summary"] as? [String: Any] ?? [:]
  }

  func `case`(_ id: String) -> [String: Any]? { cases.first { $0["id"] as? String == id } }

  func status(of id: String) -> String? { self.case(id)?["status"] as? String }

  /// The items of a case, keyed by their JSON path.
  func items(of id: String) -> [String: [String: Any]] {
    var out: [String: [String: Any]] = [:]
    for item in self.case(id)?["items"] as? [[String: Any]] ?? [] {
      if let key = item["item"] as? String { out[key] = item }
    }
    return out
  }
}

/// The ids and commands of every case in `datasets/published/`, read straight from the files.
private func registryCases() throws -> [(id: String, command: String, requires: [String])] {
  let dir = repositoryRoot.appendingPathComponent("datasets/published")
  var out: [(String, String, [String])] = []
  for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).filter({ $0.hasSuffix(".json") }).sorted() {
    let data = try Data(contentsOf: dir.appendingPathComponent(file))
    let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    for c in doc?["cases"] as? [[String: Any]] ?? [] {
      out.append((c["id"] as? String ?? "", c["command"] as? String ?? "", c["requires"] as? [String] ?? []))
    }
  }
  return out
}

@Suite("strata reproduce: published estimates re-derived")
struct ReproduceCommandTests {
  /// Every case of the shipped registry passes, except cases whose model this build lacks, which
  /// are skipped (and must pass once the command exists).
  @Test func allPublishedCasesPass() throws {
    let report = try ReproduceReport(["--all"])
    #expect(report.status == 0, "\(report.stderr)")
    let cases = try registryCases()
    #expect(report.cases.count == cases.count)
    #expect(cases.count >= 39)
    // `strata reproduce list` says whether this build has each required command.
    let list = try runStrata(["reproduce", "list"])
    let ivAvailable = list.stdout.contains("strata fit iv") && !list.stdout.contains("strata fit iv (not in this build)")
    for c in cases {
      let status = report.status(of: c.id)
      if c.requires.contains("fit iv") && !ivAvailable {
        #expect(status == "skipped", "\(c.id)")
        #expect((report.case(c.id)?["reason"] as? String)?.contains("model not available") == true)
      } else {
        #expect(status == "passed", "\(c.id): \(report.case(c.id)?["reason"] ?? "")")
      }
    }
    // Every printed number of a passing case was compared (or is declared not computed).
    for c in report.cases where c["status"] as? String == "passed" {
      for item in c["items"] as? [[String: Any]] ?? [] {
        let match = item["match"] as? String
        #expect(match == "yes" || match == "not compared", "\(c["id"] ?? ""): \(item["item"] ?? "")")
      }
    }
    checkCoverage(report)
  }

  /// The passing cases cover OLS, WLS, robust variance, logit, probit, a design-based fit and
  /// design-based means and totals (checked on the report of `allPublishedCasesPass`, so the whole
  /// registry runs once).
  private func checkCoverage(_ report: ReproduceReport) {
    let passed = report.cases.filter { $0["status"] as? String == "passed" }.compactMap { $0["command"] as? String }
    func some(_ what: String, _ predicate: (String) -> Bool) {
      let found = passed.contains(where: predicate)
      #expect(found, "no passing case for \(what)")
    }
    let design = { (s: String) in s.contains("--strata") || s.contains("--psu") }
    some("OLS") { $0.hasPrefix("strata fit ols") && !design($0) && !$0.contains("--vce") }
    some("WLS") { $0.hasPrefix("strata fit wls") }
    some("robust variance") { $0.contains("--vce hc1") || $0.contains("--vce hc3") }
    some("logit") { $0.hasPrefix("strata fit logit") && !design($0) }
    some("probit") { $0.hasPrefix("strata fit probit") }
    some("design-based linear fit") { $0.hasPrefix("strata fit ols") && design($0) }
    some("design-based logit") { $0.hasPrefix("strata fit logit") && design($0) }
    some("survey mean") { $0.hasPrefix("strata mean") }
    some("survey total") { $0.hasPrefix("strata total") }
    some("replicate design") { $0.contains("--replicate jk1") }
  }

  /// One printed digit changed in a fixture registry is a mismatch with a non-zero exit; so is a
  /// case whose stated exception is removed; an unchanged copy still passes.
  @Test func alteredDigitIsAMismatch() throws {
    let report = try ReproduceReport(["--all", "--registry", "Tests/Fixtures/reproduce/altered"])
    #expect(report.status == 1)
    #expect(report.status(of: "altered_ex2_10_educ_digit") == "failed")
    #expect(report.status(of: "altered_ex8_1_without_exception") == "failed")
    #expect(report.status(of: "unaltered_ex2_10") == "passed")
    let items = report.items(of: "altered_ex2_10_educ_digit")
    let educ = items["coefficients[term=educ].estimate"]
    #expect(educ?["match"] as? String == "no")
    #expect(educ?["printed"] as? String == "0.08275")
    // Only the altered number fails.
    #expect(items.values.filter { $0["match"] as? String == "no" }.count == 1)
    let marrmale = report.items(of: "altered_ex8_1_without_exception")["coefficients[term=I((1 - female) * married)].estimate"]
    #expect(marrmale?["match"] as? String == "no")
    #expect(report.summary["failed"] as? Int == 2)
  }

  /// The text report shows printed and computed side by side with a match column, and exits 1.
  @Test func textReportOfAMismatch() throws {
    let run = try runStrata(["reproduce", "altered_ex2_10_educ_digit", "--registry", "Tests/Fixtures/reproduce/altered"])
    #expect(run.status == 1)
    #expect(run.stdout.contains("[FAIL] altered_ex2_10_educ_digit"))
    #expect(run.stdout.contains("item"), "\(run.stdout)")
    let line = run.stdout.split(separator: "\n").first { $0.contains("educ estimate") }
    #expect(line.map { $0.contains("0.08275") && $0.contains("0.0827444") && $0.hasSuffix("no") } == true, "\(line ?? "")")
    #expect(run.stdout.contains("1 case: 0 passed, 1 failed, 0 skipped, 0 errors"))
  }

  /// A stated exception is applied and reported with its reason.
  @Test func exceptionIsAppliedAndExplained() throws {
    let report = try ReproduceReport(["wooldridge_ex8_1_robust"])
    #expect(report.status == 0)
    let item = report.items(of: "wooldridge_ex8_1_robust")["coefficients[term=I((1 - female) * married)].estimate"]
    #expect(item?["match"] as? String == "yes")
    #expect(item?["rule"] as? String == "±1 unit")
    #expect((item?["exception"] as? String)?.contains(".2126756") == true)
    // A difference above half a unit, within one unit.
    let difference = item?["difference"] as? Double ?? 0
    #expect(difference > 0.5e-7 && difference <= 1e-7)
  }

  /// A missing command is a skip (exit 0); a present one runs.
  @Test func requiredCommands() throws {
    let report = try ReproduceReport(["--all", "--registry", "Tests/Fixtures/reproduce/skips"])
    #expect(report.status == 0)
    #expect(report.status(of: "needs_missing_command") == "skipped")
    #expect((report.case("needs_missing_command")?["reason"] as? String)?.contains("strata fit no-such-model") == true)
    #expect(report.status(of: "needs_present_command") == "passed")
  }

  /// A command that fails and a printed number with no computed counterpart both fail the run.
  @Test func errorsAndMissingNumbersFail() throws {
    let report = try ReproduceReport(["--all", "--registry", "Tests/Fixtures/reproduce/errors"])
    #expect(report.status == 1)
    #expect(report.status(of: "missing_data_file") == "error")
    #expect((report.case("missing_data_file")?["reason"] as? String)?.contains("no-such-file.csv") == true)
    #expect(report.status(of: "statistic_path_missing") == "failed")
    #expect(report.items(of: "statistic_path_missing")["fit.no_such_statistic"]?["match"] as? String == "missing")
  }

  @Test func listShowsEveryCase() throws {
    let run = try runStrata(["reproduce", "list"])
    #expect(run.status == 0)
    for c in try registryCases() { #expect(run.stdout.contains(c.id), "\(c.id)") }
    #expect(run.stdout.contains("strata fit iv"))
  }

  @Test func markdownReport() throws {
    let run = try runStrata(["reproduce", "wooldridge_ex2_10", "--format", "markdown"])
    #expect(run.status == 0)
    #expect(run.stdout.hasPrefix("# Published estimates re-derived by Strata"))
    #expect(run.stdout.contains("| item | printed | computed | within | match |"))
    #expect(run.stdout.contains("| educ estimate | 0.08274 | 0.0827444 |"))
  }

  @Test func badInvocations() throws {
    let unknown = try runStrata(["reproduce", "wooldridge_ex2_1"])
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("no published case 'wooldridge_ex2_1'"))
    #expect(unknown.stderr.contains("wooldridge_ex2_10"))
    let nothing = try runStrata(["reproduce"])
    #expect(nothing.status != 0)
    #expect(nothing.stderr.contains("--all"))
    let noRegistry = try runStrata(["reproduce", "--all", "--registry", "no/such/dir"])
    #expect(noRegistry.status != 0)
    #expect(noRegistry.stderr.contains("no registry of published cases at no/such/dir"))
  }
}
