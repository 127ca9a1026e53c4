import Foundation
import Testing
import _StrataTestSupport

/// `strata mean|total|prop|ratio --stream` (or a CSV over a quarter of `--memory`) prints the
/// in-memory numbers; commands and flags without a streamed path are refused by name. The
/// numbers themselves are checked case by case in `StrataPostgresTests/StreamedDescriptivesTests`.
@Suite("Streamed descriptives (CLI)")
struct StreamedDescriptivesCommandTests {
  static func numbers(_ text: String) throws -> [[Double]] {
    let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let rows = try #require(json["estimates"] as? [[String: Any]])
    return rows.map { row in ["estimate", "std_error", "se"].compactMap { row[$0] as? Double } }
  }

  @Test("mean, prop, ratio, total with --stream and with --memory equal the in-memory output")
  func equalsInMemory() throws {
    let data = ["--data", datasetPath("apistrat.csv")]
    let design = ["--weights", "pw", "--strata", "stype", "--psu", "dnum", "--nest", "--by", "stype", "--format", "json"]
    for command in [["mean", "api00"], ["prop", "sch.wide"], ["ratio", "api.stu/enroll"], ["total", "enroll"]] {
      let memory = try runStrata(command + data + design)
      #expect(memory.status == 0, "\(memory.stderr)")
      let expected = try Self.numbers(memory.stdout)
      #expect(!expected.isEmpty && expected.allSatisfy { $0.count == 2 }, "\(command)")
      for flags in [["--stream", "--stream-chunk-bytes", "4096"], ["--memory", "4K", "--stream-chunk-bytes", "8192"]] {
        let streamed = try runStrata(command + data + design + flags)
        #expect(streamed.status == 0, "\(command) \(flags): \(streamed.stderr)")
        let got = try Self.numbers(streamed.stdout)
        #expect(got.count == expected.count, "\(command) \(flags)")
        for (x, y) in zip(got, expected) {
          #expect(x.count == y.count, "\(command)")
          for (u, v) in zip(x, y) { #expect(isClose(u, v, rtol: 1e-9), "\(command) \(flags): \(u) vs \(v)") }
        }
      }
    }
  }

  @Test("tab --stream prints the in-memory table: text grid, --long, csv and json, numbers to 1e-9")
  func tabEqualsInMemory() throws {
    let runs: [[String]] = [
      ["tab", "sch.wide", "stype", "--data", datasetPath("apistrat.csv"), "--weights", "pw", "--strata", "stype", "--fpc", "fpc"],
      [
        "tab", "sch.wide", "yr.rnd", "--data", datasetPath("apistrat.csv"), "--weights", "pw", "--strata", "stype",
        "--psu", "dnum", "--nest", "--subpop", "meals > 20",
      ],
      ["tab", "stype", "sch.wide", "--data", datasetPath("apiclus1.csv"), "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"],
    ]
    for base in runs {
      for format in [[], ["--long"], ["--format", "csv"], ["--format", "json"]] {
        let memory = try runStrata(base + format)
        #expect(memory.status == 0 && !memory.stdout.isEmpty, "\(base) \(format): \(memory.stderr)")
        let streamed = try runStrata(base + format + ["--stream", "--stream-chunk-bytes", "4096"])
        #expect(streamed.status == 0, "\(base) \(format): \(streamed.stderr)")
        // The same text; numbers to 1e-9, or one unit in the last printed place (a share of
        // exactly 6.875% is 0.06874999999999999 in memory and 0.06875 from the compensated sums).
        let difference = textDifference(streamed.stdout, memory.stdout, rtol: 1e-9)
        #expect(difference == nil, "\(base) \(format): \(difference ?? "")")
      }
    }
  }

  @Test("var, quantile, prop --ci, --replicate and an unknown column are refused by name when streamed")
  func refusals() throws {
    let data = ["--data", datasetPath("apistrat.csv"), "--weights", "pw", "--stream"]
    for (command, name) in [
      (["var", "api00"], "var"), (["quantile", "api00"], "quantile"), (["tab", "stype", "sch.wide", "--by", "cname"], "--by"), (["prop", "sch.wide", "--ci", "beta"], "prop --ci"),
      (["mean", "api00", "--strata", "stype", "--replicate", "jk1"], "--replicate"), (["mean", "nosuchcolumn"], "nosuchcolumn"),
    ] {
      let run = try runStrata(command + data)
      #expect(run.status != 0 && run.stderr.contains(name), "\(command): \(run.stderr)")
    }
    // A database is summed by its server: the chunked-file flags are refused, not ignored.
    for flag in [["--stream"], ["--memory", "1G"]] {
      let run = try runStrata(["mean", "api00", "--data", "postgresql://u@127.0.0.1:1/db?table=t"] + flag)
      #expect(run.status != 0 && run.stderr.contains("--memory and --stream"), "\(flag): \(run.stderr)")
    }
  }
}
