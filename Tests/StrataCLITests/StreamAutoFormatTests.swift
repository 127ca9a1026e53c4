import Foundation
import Testing
import _StrataTestSupport

/// `--memory SIZE` streams every format `--stream` reads: a budget below the file's in-memory
/// size makes a fit and a mean on a Stata `.dta`, an SPSS `.sav` and a `.csv.gz` stream, and the
/// output is the in-memory output on the same file (`make_stream_formats.R`'s data).
@Suite("strata --memory streams .dta, .sav, .csv.gz")
struct StreamAutoFormatTests {
  static let files = StreamFormatCommandTests.files

  @Test func aSmallBudgetStreamsAndPrintsTheInMemoryOutput() throws {
    for file in Self.files {
      let fit = [
        "fit", "logit", "sch_wide ~ ell + meals + yr_rnd + stype", "--data", file, "--weights", "pw", "--strata", "stype",
        "--psu", "dnum", "--nest",
      ]
      let mean = ["mean", "api00", "--data", file, "--weights", "pw", "--strata", "stype", "--psu", "dnum", "--nest", "--by", "sch_wide"]
      for command in [fit, mean] {
        let memory = try runStrata(command)
        let budget = try runStrata(command + ["--memory", "4K", "--stream-chunk-bytes", "1024"])
        #expect(memory.status == 0 && budget.status == 0, "\(file): \(memory.stderr) \(budget.stderr)")
        #expect(budget.stdout == memory.stdout, "\(file)\n\(memory.stdout)\n\(budget.stdout)")
        // The streamed path prints nothing more than the in-memory one (as for a CSV).
        #expect(budget.stderr == memory.stderr, "\(file): \(budget.stderr)")
      }
    }
  }

  /// What has no streamed path says so under a small budget (so the budget did stream), and runs
  /// in memory under the default budget.
  @Test func aSmallBudgetTakesTheStreamedPath() throws {
    for file in Self.files {
      let hc3 = ["fit", "ols", "api00 ~ ell", "--data", file, "--vce", "hc3"]
      let quantile = ["quantile", "api00", "--data", file, "--weights", "pw"]
      let streamed = try runStrata(hc3 + ["--memory", "1K"])
      #expect(streamed.status != 0)
      #expect(streamed.stderr.contains("HC3 (it needs each row's leverage) cannot be fitted streamed"), "\(file): \(streamed.stderr)")
      let refused = try runStrata(quantile + ["--memory", "1K"])
      #expect(refused.status != 0)
      #expect(refused.stderr.contains("quantile is not available streamed"), "\(file): \(refused.stderr)")
      for command in [hc3, quantile] {
        let memory = try runStrata(command)
        #expect(memory.status == 0, "\(file): \(memory.stderr)")
      }
    }
  }

  @Test func aGzipCompressedStataFileIsReadInMemoryWhateverTheBudget() throws {
    // ReadStat cannot stream it, so --memory leaves it to the in-memory reader (--stream refuses it).
    let run = try runStrata(["mean", "RIAGENDR", "--data", "Tests/Fixtures/formats/nhanes.dta.gz", "--memory", "1K"])
    #expect(run.status == 0, "\(run.stderr)")
    let plain = try runStrata(["mean", "RIAGENDR", "--data", "Tests/Fixtures/formats/nhanes.dta.gz"])
    #expect(run.stdout == plain.stdout)
  }
}
