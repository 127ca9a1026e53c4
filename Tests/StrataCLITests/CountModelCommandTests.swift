import Foundation
import Testing
import _StrataTestSupport

/// `strata fit poisson ... offset(log(t))` / `--exposure`, grouped binomial `cbind(s, f)`
/// responses, and predictions from a saved exposure fit, through the binary, against
/// `Tests/Fixtures/counts/make_count_fixtures.R` (run in the fixture folder, as the R script
/// writes the command lines). Estimates and standard errors within 1e-8 relative (observed ≤ 1e-11).
@Suite("strata fit with offsets, exposure and grouped binomial responses")
struct CountModelCommandTests {
  static let folder = repositoryRoot.appendingPathComponent("Tests/Fixtures/counts")
  static func cases() -> [ReferenceCase] { referenceCases("Tests/Fixtures/counts/counts_reference.json") }

  static func json(_ run: CLIRun) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
  }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 21)
  }

  @Test(arguments: cases())
  func matchesR(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let run = try runStrata(["fit"] + args + ["--format", "json"], in: Self.folder)
    #expect(run.status == 0, "\(c.id): \(run.stderr)")
    let doc = try Self.json(run)
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    #expect(rows.compactMap { $0["term"] as? String } == (c.json["terms"] as? [String]), "\(c.id) terms")
    for (key, reference) in [("estimate", "coef"), ("std_error", "se")] {
      let expected = try #require(c.json[reference] as? [Double])
      for (row, e) in zip(rows, expected) {
        expectClose(number(row[key]), e, rtol: 1e-8, "\(c.id) \(key) \(row["term"] ?? "")")
      }
    }
    if let theta = number(c.json["theta"]) {
      let fit = try #require(doc["fit"] as? [String: Any])
      #expect(fit["family"] as? String == "negative.binomial")
      expectClose(number(fit["theta"]), theta, rtol: 1e-8, "\(c.id) theta")
      expectClose(number(fit["alpha"]), number(c.json["alpha"]), rtol: 1e-8, "\(c.id) alpha")
      // Under a design θ's model-based error is not reported.
      expectClose(number(fit["theta_std_error"]), number(c.json["se_theta"]), rtol: 1e-8, "\(c.id) SE(theta)")
    }
    if let deviance = number(c.json["deviance"]) {
      let fit = try #require(doc["fit"] as? [String: Any])
      expectClose(number(fit["deviance"]), deviance, rtol: 1e-10, "\(c.id) deviance")
      expectClose(number(fit["null_deviance"]), number(c.json["null_deviance"]), rtol: 1e-10, "\(c.id) null deviance")
      expectClose(number(fit["logLik"]), number(c.json["logLik"]), rtol: 1e-10, "\(c.id) logLik")
    }
  }

  /// A saved `--exposure` fit predicts at the observed exposure by default and at a set one
  /// with a scenario: claims per 1000 holders, as R's mean of `predict(fit, newdata, "response")`
  /// with its delta-method error.
  @Test func savedExposureFitPredicts() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-counts-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let saved = dir.appendingPathComponent("insurance-fit.json").path
    let fit = try runStrata(
      [
        "fit", "poisson", "Claims ~ factor(District) + factor(Group) + factor(Age)", "--exposure", "Holders",
        "--data", "insurance.csv", "--save", saved,
      ], in: Self.folder)
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(fit.stdout.contains("Formula:     Claims ~ factor(District) + factor(Group) + factor(Age) + offset(log(Holders))"))
    let run = try runStrata(["predict", saved, "--scenario", "Holders = 1000", "--format", "json"], in: Self.folder)
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try Self.json(run)
    let scenario = try #require((doc["scenarios"] as? [[String: Any]])?.first)
    let predicted = try #require(scenario["predicted"] as? [String: Any])
    let baseline = try #require(scenario["baseline"] as? [String: Any])
    let c = try #require(Self.cases().first { $0.id == "insurance_poisson_offset_predictions" })
    expectClose(number(predicted["estimate"]), number(c.json["mean_at_1000"]), rtol: 1e-10, "mean at 1000")
    expectClose(number(predicted["std_error"]), number(c.json["mean_at_1000_se"]), rtol: 1e-8, "its std. error")
    let fitted = try #require(c.json["fitted"] as? [Double])
    expectClose(number(baseline["estimate"]), fitted.reduce(0, +) / Double(fitted.count), rtol: 1e-10, "baseline")
    // Margins of the saved fit work too (discrete changes of the factors at Holders = 1000).
    let margins = try runStrata(["margins", saved, "--margins", "dydx", "--at", "Holders=1000"], in: Self.folder)
    #expect(margins.status == 0, "\(margins.stderr)")
    #expect(margins.stdout.contains("Holders=1000"))
  }

  @Test func badCountsAndExposuresAreNamed() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-counts-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let csv = dir.appendingPathComponent("counts.csv")
    try "y,t,x\n1,2,0.5\n2,0,1.5\n3,4,2\n1,3,1\n".write(to: csv, atomically: true, encoding: .utf8)
    let exposure = try runStrata(["fit", "poisson", "y ~ x", "--data", csv.path, "--exposure", "t"])
    #expect(exposure.status != 0)
    #expect(exposure.stderr.hasPrefix(
      "strata: error: the exposure 't' must be positive (its log is the offset), but data row 2 has 0"))
    let logit = try runStrata(["fit", "logit", "I(y > 1) ~ x", "--data", csv.path, "--exposure", "t"])
    #expect(logit.stderr.hasPrefix(
      "strata: error: logit does not take an exposure, which is for count models (poisson, nbreg); write the offset in the formula instead, as 'y ~ x + offset(log(t))'"))
    let negative = try runStrata(["fit", "logit", "cbind(y, t - 2) ~ x", "--data", csv.path])
    #expect(negative.stderr == """
      strata: error: the counts 't - 2' of a grouped binomial response cbind(successes, failures) must be non-negative, but data row 2 has -2

      """)
    let empty = try runStrata(["fit", "probit", "cbind(t - t, t) ~ x", "--data", csv.path])
    #expect(empty.stderr == """
      strata: error: data row 2 has no trials: t - t + t is 0 in the grouped binomial response cbind(t - t, t); drop such rows with a subset

      """)
    let poisson = try runStrata(["fit", "poisson", "cbind(y, t) ~ x", "--data", csv.path])
    #expect(poisson.stderr.hasPrefix("strata: error: poisson does not accept a grouped response cbind(successes, failures)"))
  }
}
