import Foundation
import Testing
import _StrataTestSupport

/// `strata fit|mean ... --stream` on a Stata `.dta`, an SPSS `.sav` and a `.csv.gz`: the
/// streamed output is the in-memory output on the same file (the data of
/// `Tests/Fixtures/stream-formats/make_stream_formats.R`).
@Suite("strata --stream on .dta, .sav, .csv.gz")
struct StreamFormatCommandTests {
  static let files = ["apisample.dta", "apisample.sav", "apisample.csv.gz"].map { "Tests/Fixtures/stream-formats/\($0)" }

  @Test func streamedOutputIsTheInMemoryOutput() throws {
    for file in Self.files {
      let fit = [
        "fit", "logit", "sch_wide ~ ell + meals + yr_rnd + stype", "--data", file, "--weights", "pw", "--strata", "stype",
        "--psu", "dnum", "--nest",
      ]
      let a = try runStrata(fit)
      let b = try runStrata(fit + ["--stream", "--stream-chunk-bytes", "1024"])
      #expect(a.status == 0 && b.status == 0, "\(file): \(a.stderr) \(b.stderr)")
      #expect(a.stdout == b.stdout, "\(file)\n\(a.stdout)\n\(b.stdout)")
      let mean = ["mean", "api00", "--data", file, "--weights", "pw", "--strata", "stype", "--psu", "dnum", "--nest", "--by", "sch_wide"]
      let c = try runStrata(mean)
      let d = try runStrata(mean + ["--stream", "--stream-chunk-bytes", "1024"])
      #expect(c.status == 0 && d.status == 0, "\(file): \(c.stderr) \(d.stderr)")
      #expect(c.stdout == d.stdout, "\(file)\n\(c.stdout)\n\(d.stdout)")
    }
  }

  @Test func aGzipCompressedStataFileIsRefusedByName() throws {
    let run = try runStrata(["fit", "ols", "y ~ x", "--data", "Tests/Fixtures/formats/nhanes.dta.gz", "--stream"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("gzip-compressed .dta files") && run.stderr.contains("gunzip"), "\(run.stderr)")
  }
}
