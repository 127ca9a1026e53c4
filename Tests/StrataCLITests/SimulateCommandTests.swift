import Foundation
import Strata
import Testing
import _StrataTestSupport

@Suite("strata simulate flexwork")
struct SimulateCommandTests {
  @Test func writesSampleAndCensus() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-simulate-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let sample = dir.appendingPathComponent("s.csv").path
    let run = try runStrata(["simulate", "flexwork", "--population", "4000", "--sample", "400", "--seed", "3", "--out", sample])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("Design: --weights weight --strata stratum --psu psu,id --fpc n_points,point_size"))
    let again = dir.appendingPathComponent("t.csv").path
    _ = try runStrata(["simulate", "flexwork", "--population", "4000", "--sample", "400", "--seed", "3", "--out", again])
    #expect(try Data(contentsOf: URL(fileURLWithPath: sample)) == Data(contentsOf: URL(fileURLWithPath: again)))
    let census = dir.appendingPathComponent("c.csv").path
    let c = try runStrata(["simulate", "flexwork", "--population", "4000", "--seed", "3", "--out", census, "--census"])
    #expect(c.stdout.hasPrefix("Wrote \(census): simulated census of 4000 workers"), "\(c.stdout)")
    let lines = try String(contentsOfFile: census, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 4001)
  }

  /// `--margins` and `--truth` come from the population the sample is drawn from: the same bytes
  /// as the library's `totalsFrame`/`truthFrame`, whatever else is written beside them.
  @Test func writesMarginsAndTruth() throws {
    let dir = try temporaryDirectory()
    let (sample, margins, truth) = (
      dir.appendingPathComponent("s.csv").path, dir.appendingPathComponent("m.csv").path,
      dir.appendingPathComponent("t.csv").path
    )
    let run = try runStrata([
      "simulate", "flexwork", "--population", "4000", "--sample", "400", "--seed", "3", "--out", sample,
      "--margins", margins, "--truth", truth,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("Wrote \(margins): population totals of the 18 model-matrix columns of ~ region * city_tier + female + platform."))
    #expect(run.stdout.contains("Wrote \(truth): 31 population values"))
    let population = try FlexworkPopulation(size: 4_000, seed: 3)
    #expect(try String(contentsOfFile: margins, encoding: .utf8) == CSVWriter.text(of: try population.totalsFrame(formula: FlexworkModel.calibrationFormula)))
    #expect(try String(contentsOfFile: truth, encoding: .utf8) == CSVWriter.text(of: population.truthFrame()))
    #expect(try String(contentsOfFile: margins, encoding: .utf8).hasPrefix("term,total\n(Intercept),4000\nregioneast,"))

    let census = dir.appendingPathComponent("c.csv").path
    let other = dir.appendingPathComponent("m2.csv").path
    let c = try runStrata([
      "simulate", "flexwork", "--population", "4000", "--seed", "3", "--census", "--out", census,
      "--margins", other, "--margins-formula", "~ platform + age",
    ])
    #expect(c.status == 0, "\(c.stderr)")
    let lines = try String(contentsOfFile: other, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "term,total" && lines.count == 8 && lines[7].hasPrefix("age,"), "\(lines)")
  }

  @Test func badMarginsAreErrors() throws {
    let dir = try temporaryDirectory()
    let out = dir.appendingPathComponent("s.csv").path
    let margins = dir.appendingPathComponent("m.csv").path
    let twoSided = try runStrata([
      "simulate", "flexwork", "--population", "4000", "--sample", "400", "--out", out, "--margins", margins,
      "--margins-formula", "pension ~ platform",
    ])
    #expect(twoSided.status == 1)
    #expect(twoSided.stderr.contains("margins formula 'pension ~ platform' has a response"), "\(twoSided.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out), "nothing is written when the margins fail")
    let unknown = try runStrata([
      "simulate", "flexwork", "--population", "4000", "--sample", "400", "--out", out, "--margins", margins,
      "--margins-formula", "~ provinc",
    ])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("provinc"), "\(unknown.stderr)")
    let same = try runStrata(["simulate", "flexwork", "--out", out, "--margins", out])
    #expect(same.status != 0)
    #expect(same.stderr.contains("--out, --margins and --truth must be different files"))
    let lone = try runStrata(["simulate", "flexwork", "--out", out, "--margins-formula", "~ platform"])
    #expect(lone.status != 0)
    #expect(lone.stderr.contains("--margins-formula needs --margins FILE"))
  }

  @Test func badSizesAreErrors() throws {
    let small = try runStrata(["simulate", "flexwork", "--population", "500", "--out", "/tmp/never.csv"])
    #expect(small.status == 1)
    #expect(small.stderr == "strata: error: population of 500 workers is too small: the design needs at least 1000\n")
    let big = try runStrata(["simulate", "flexwork", "--population", "2000", "--sample", "900", "--out", "/tmp/never.csv"])
    #expect(big.status == 1)
    #expect(big.stderr.contains("sample size 900 is out of range"))
  }
}
