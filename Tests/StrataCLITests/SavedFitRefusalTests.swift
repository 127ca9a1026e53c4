import Foundation
import Testing
import _StrataTestSupport

/// Requests a saved fit cannot serve are refused before any work (no model or replicate refit).
@Suite("Saved fits refuse before work")
struct SavedFitRefusalTests {
  /// `--margins-vce unconditional` on a replicate-weights fit: refused before the refit. The
  /// saved coefficients are shifted, so a refit would stop with "refitted coefficients differ";
  /// the replicate refusal comes first.
  @Test func unconditionalMarginsOfReplicateFitRefusedBeforeRefit() throws {
    let path = try temporaryFile("jk1.json", "")
    let fit = try runStrata([
      "fit", "logit", "sch.wide ~ ell + meals", "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum",
      "--fpc", "fpc", "--replicate", "jk1", "--save", path,
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    var coefficients = try #require(json["coefficients"] as? [Double])
    coefficients[1] += 1
    json["coefficients"] = coefficients
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))

    let run = try runStrata(["margins", path, "--margins", "dydx", "--margins-vce", "unconditional"])
    #expect(run.status != 0)
    #expect(
      run.stderr.contains("--margins-vce unconditional is not available with replicate weights; use a linearization design"),
      "\(run.stderr)")
    #expect(!run.stderr.contains("refitted coefficients differ"), "\(run.stderr)")
    // Covariates fixed needs no refit: the edited file still gives margins.
    let fixed = try runStrata(["margins", path, "--margins", "dydx"])
    #expect(fixed.status == 0, "\(fixed.stderr)")
  }
}
