import Foundation
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

  @Test func badSizesAreErrors() throws {
    let small = try runStrata(["simulate", "flexwork", "--population", "500", "--out", "/tmp/never.csv"])
    #expect(small.status == 1)
    #expect(small.stderr == "strata: error: population of 500 workers is too small: the design needs at least 1000\n")
    let big = try runStrata(["simulate", "flexwork", "--population", "2000", "--sample", "900", "--out", "/tmp/never.csv"])
    #expect(big.status == 1)
    #expect(big.stderr.contains("sample size 900 is out of range"))
  }
}
