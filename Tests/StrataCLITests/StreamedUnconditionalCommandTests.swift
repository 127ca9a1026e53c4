import Foundation
import Testing
import _StrataTestSupport

/// `--margins-vce unconditional` after a streamed fit (`fit --stream --margins`, `margins` and
/// `predict --scenario` on a saved streamed fit) and `strata elasticities` on a saved streamed
/// fit (its data streamed): the in-memory commands' numbers (1e-10 relative) and text.
extension StreamedMarginsCommandTests {
  static let unconditional = ["--margins-vce", "unconditional"]

  @Test func fitStreamUnconditionalMarginsAreTheInMemoryOnes() throws {
    let margins = ["--margins", "dydx,eyex", "--over", "awards", "--format", "json"] + Self.unconditional
    let memory = try runStrata(Self.design + margins)
    let streamed = try runStrata(Self.design + margins + Self.streamed)
    #expect(memory.status == 0, "\(memory.stderr)")
    #expect(streamed.status == 0, "\(streamed.stderr)")
    try compareEntries(streamed.stdout, memory.stdout, key: "margins")
    let a = try #require(try parseJSON(memory.stdout)["margins_vce"] as? [String: Any])
    let b = try #require(try parseJSON(streamed.stdout)["margins_vce"] as? [String: Any])
    #expect(a["type"] as? String == b["type"] as? String && a["title"] as? String == b["title"] as? String, "\(a) \(b)")
    // The text report, a cluster-robust least-squares fit: the same table as printed.
    let ols = [
      "fit", "ols", "api00 ~ ell + meals + stype", "--data", "datasets/apistrat.csv", "--vce", "cluster",
      "--cluster", "dnum", "--margins", "dydx", "--contrast", "pairwise",
    ] + Self.unconditional
    let c = try runStrata(ols)
    let d = try runStrata(ols + Self.streamed)
    #expect(c.status == 0 && d.status == 0, "\(c.stderr)\(d.stderr)")
    #expect(c.stdout == d.stdout, "\(c.stdout)\n\(d.stdout)")
  }

  @Test func savedStreamedFitUnconditionalMarginsScenariosAndElasticities() throws {
    let (memoryPath, streamedPath) = try savedFits()
    let margins = ["--margins", "dydx", "--over", "awards", "--format", "json"] + Self.unconditional
    let a = try runStrata(["margins", memoryPath] + margins)
    let b = try runStrata(["margins", streamedPath] + margins)
    #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
    try compareEntries(b.stdout, a.stdout, key: "margins")
    let scenario = ["--scenario", "meals = meals * 0.8", "--by", "awards", "--format", "json"] + Self.unconditional
    let p = try runStrata(["predict", memoryPath] + scenario)
    let q = try runStrata(["predict", streamedPath] + scenario)
    #expect(p.status == 0 && q.status == 0, "\(q.stderr)")
    let key = try #require(try parseJSON(p.stdout).first { $0.value is [[String: Any]] }?.key, "\(p.stdout)")
    try compareEntries(q.stdout, p.stdout, key: key)
    // Elasticities: the same text (covariates fixed and sampled) and JSON numbers.
    for vce in [[], Self.unconditional] {
      let e = try runStrata(["elasticities", memoryPath, "--variables", "ell,meals,stype"] + vce)
      let f = try runStrata(["elasticities", streamedPath, "--variables", "ell,meals,stype"] + vce)
      #expect(e.status == 0 && f.status == 0, "\(f.stderr)")
      #expect(e.stdout == f.stdout, "\(e.stdout)\n\(f.stdout)")
      #expect(!e.stdout.isEmpty)
    }
    let e = try runStrata(["elasticities", memoryPath, "--format", "csv"])
    let f = try runStrata(["elasticities", streamedPath, "--format", "csv"])
    #expect(e.status == 0 && f.status == 0, "\(f.stderr)")
    // CSV prints every digit: the same cells, numbers to 1e-10 relative (p-values 1e-8).
    let (x, y) = (e.stdout.split(separator: "\n"), f.stdout.split(separator: "\n"))
    #expect(x.count == y.count && x.count > 1)
    for (r, s) in zip(x, y) {
      let (u, v) = (r.split(separator: ",", omittingEmptySubsequences: false), s.split(separator: ",", omittingEmptySubsequences: false))
      #expect(u.count == v.count)
      for (k, (a, b)) in zip(u, v).enumerated() {
        if let a = Double(a), let b = Double(b) {
          #expect(isClose(a, b, rtol: k == 10 ? 1e-8 : 1e-10), "\(r) vs \(s)")
        } else {
          #expect(a == b, "\(r) vs \(s)")
        }
      }
    }
    // At the means is not a sum over rows.
    let atMeans = try runStrata(["elasticities", streamedPath, "--atmeans"])
    #expect(atMeans.status != 0)
    #expect(atMeans.stderr.contains("effects at the means (--atmeans) is not available when the data are read in parts"), "\(atMeans.stderr)")
  }

  @Test func unconditionalRefusedAsInMemory() throws {
    // A classical variance has no unconditional form: the in-memory command's message.
    let fit = [
      "fit", "logit", "sch.wide ~ ell + meals", "--data", "datasets/apistrat.csv", "--margins", "dydx",
    ] + Self.unconditional
    let memory = try runStrata(fit)
    let streamed = try runStrata(fit + Self.streamed)
    #expect(memory.status != 0 && streamed.status != 0)
    #expect(!memory.stderr.isEmpty && memory.stderr == streamed.stderr, "\(memory.stderr)\n\(streamed.stderr)")
  }
}
