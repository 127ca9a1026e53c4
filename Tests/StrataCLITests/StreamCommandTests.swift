import Foundation
import Testing
import _StrataTestSupport

/// `strata fit ... --stream` / `--memory SIZE`: a streamed fit prints what the in-memory fit
/// prints (text and JSON), and what cannot stream yet is a clear error.
@Suite("strata fit --stream, --memory")
struct StreamCommandTests {
  static let design = [
    "fit", "logit", "sch.wide ~ ell + meals + mobility", "--data", "datasets/apistrat.csv", "--weights", "pw",
    "--strata", "stype", "--fpc", "fpc",
  ]

  @Test func streamedOutputIsTheInMemoryOutput() throws {
    for format in ["text", "json", "csv"] {
      let memory = try runStrata(Self.design + ["--format", format])
      let streamed = try runStrata(Self.design + ["--format", format, "--stream", "--stream-chunk-bytes", "4096"])
      #expect(memory.status == 0, "\(memory.stderr)")
      #expect(streamed.status == 0, "\(streamed.stderr)")
      if format == "text" {
        #expect(streamed.stdout == memory.stdout)
      } else {
        // Full-precision numbers differ in the last bits (sums in another order).
        #expect(sameUpToRounding(streamed.stdout, memory.stdout, atol: 1e-15), "\(format)\n\(streamed.stdout)\n\(memory.stdout)")
      }
    }
    let ols = ["fit", "ols", "api00 ~ ell + meals + stype", "--data", "datasets/apiclus1.csv", "--cluster", "dnum"]
    let a = try runStrata(ols)
    let b = try runStrata(ols + ["--stream", "--stream-mode", "reparse", "--stream-chunk-bytes", "2048"])
    #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
    #expect(a.stdout == b.stdout)
  }

  @Test func aMemoryBudgetBelowTheFitsSizeStreams() throws {
    // 1K is below any in-memory fit: the fit streams, and HC3 (not streamable) says so.
    let run = try runStrata(["fit", "ols", "api00 ~ ell", "--data", "datasets/apistrat.csv", "--vce", "hc3", "--memory", "1K"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("HC3 (it needs each row's leverage) cannot be fitted streamed"), "\(run.stderr)")
    // With the default budget the same fit runs in memory.
    let memory = try runStrata(["fit", "ols", "api00 ~ ell", "--data", "datasets/apistrat.csv", "--vce", "hc3"])
    #expect(memory.status == 0, "\(memory.stderr)")
  }

  @Test func whatDoesNotStreamIsAClearError() throws {
    let bad = try runStrata(Self.design + ["--stream", "--memory", "2X"])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--memory takes a size such as 2G, 512M"), "\(bad.stderr)")
    // Covariates sampled need a robust, cluster or design variance: refused before the fit, as in memory.
    let margins = try runStrata([
      "fit", "logit", "sch.wide ~ ell", "--data", "datasets/apistrat.csv", "--stream", "--margins", "dydx",
      "--margins-vce", "unconditional",
    ])
    #expect(margins.status != 0)
    #expect(
      margins.stderr.contains("--margins-vce unconditional needs a robust, cluster or design variance (the fit used classical)"),
      "\(margins.stderr)")
    let ordered = try runStrata(["fit", "ologit", "stype ~ ell", "--data", "datasets/apistrat.csv", "--stream"])
    #expect(ordered.status != 0)
    #expect(ordered.stderr.contains("ologit fits cannot be fitted streamed"), "\(ordered.stderr)")
  }
}
