import Foundation
import Testing
import _StrataTestSupport

/// `--replicate jkn|brr|subbootstrap|mrbbootstrap|sdr` on the command line and `strata weights`,
/// against `Tests/Fixtures/replicates/replicate_reference.json` (R survey 4.1-1).
@Suite("Replicate designs and strata weights on the command line")
struct ReplicateCommandTests {
  static let strat = ["--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc"]

  static func fixture(_ key: String, _ id: String) throws -> [String: Any] {
    let root = try loadFixture("Tests/Fixtures/replicates/replicate_reference.json")
    let list = try #require(root[key] as? [[String: Any]])
    return try #require(list.first { $0["id"] as? String == id }, "\(id) in the replicate fixture")
  }

  /// A fixture number written alone (R's length-1 vectors) or first of an array.
  static func first(_ v: Any?) -> Double? { (v as? [Double])?.first ?? number(v) }

  static func json(_ run: CLIRun) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "stdout: \(run.stdout)")
  }

  /// A CSV of numbers: the header and the columns.
  static func columns(_ path: String) throws -> (header: [String], columns: [[Double]]) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    let header = lines.first?.split(separator: ",").map(String.init) ?? []
    var columns = Array(repeating: [Double](), count: header.count)
    for line in lines.dropFirst() {
      for (k, field) in line.split(separator: ",").enumerated() where k < columns.count {
        columns[k].append(Double(field) ?? .nan)
      }
    }
    return (header, columns)
  }

  @Test func jknMeanAndTotalMatchR() throws {
    for (statistic, variable) in [("mean", "api00"), ("total", "enroll")] {
      let run = try runStrata([statistic, variable] + Self.strat + ["--replicate", "jkn", "--format", "json"])
      #expect(run.status == 0, "\(run.stderr)")
      let estimates = try Self.json(run)["estimates"] as? [[String: Any]]
      let want = try Self.fixture("cases", "apistrat_jkn_\(statistic)")
      expectClose(number(estimates?.first?["std_error"]), Self.first(want["std_error"]), rtol: 1e-8, "\(statistic) SE")
    }
  }

  @Test func jknLogitMatchesR() throws {
    let run = try runStrata(["fit", "logit", "sch.wide ~ ell + meals"] + Self.strat + ["--replicate", "jkn", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let rows = try Self.json(run)["coefficients"] as? [[String: Any]] ?? []
    let want = try #require(try Self.fixture("cases", "apistrat_jkn_logit")["std_error"] as? [Double])
    #expect(rows.count == want.count)
    for (row, se) in zip(rows, want) { expectClose(number(row["std_error"]), se, rtol: 1e-6, "logit SE") }
  }

  /// The replicate analysis weights written by `strata weights --replicates` are R's
  /// `weights(as.svrepdesign(d, "JKn"), "analysis")` (column sums and first row), and `weight` is pw.
  @Test func weightsWritesReplicateWeights() throws {
    let out = try temporaryFile("repw.csv", "")
    let run = try runStrata(["weights"] + Self.strat + ["--replicate", "jkn", "--replicates", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.hasPrefix("Wrote 200 analysis weights (sum 6194"), "\(run.stderr)")
    #expect(run.stderr.contains("and 200 replicate weights to \(out)"))
    let (header, columns) = try Self.columns(out)
    #expect(header == ["weight"] + (1...200).map { "repw\($0)" })
    let design = try Self.fixture("designs", "apistrat_jkn")
    let sums = try #require(design["replicate_sums"] as? [Double])
    for r in 0..<min(sums.count, columns.count - 1) {
      expectClose(columns[r + 1].reduce(0, +), sums[r], rtol: 1e-12, "repw\(r + 1) sum")
    }
    #expect(columns[0].count == 200)
    // pw in apistrat.csv carries single-precision noise: it sums to 6194 within 1e-8.
    expectClose(columns[0].reduce(0, +), 6194, rtol: 1e-8, "sum of weights")
  }

  /// Weights written by `strata weights --replicates`, pasted beside the data, are read back as
  /// a replicate-weight design (`--repweights 'repw*' --reptype brr --weights weight`) with R's
  /// standard error of the split-BRR mean.
  @Test func writtenReplicateWeightsReadBack() throws {
    let data = "Tests/Fixtures/replicates/apistrat_psu.csv"
    let out = try temporaryFile("brr.csv", "")
    let run = try runStrata([
      "weights", "--data", data, "--weights", "pw", "--strata", "stype", "--psu", "psu", "--nest", "--replicate", "brr",
      "--replicates", "--output", out,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let left = try String(contentsOfFile: repositoryPath(data), encoding: .utf8).split(separator: "\n")
    let right = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(left.count == right.count)
    let joined = zip(left, right).map { "\($0),\($1)" }.joined(separator: "\n") + "\n"
    let combined = try temporaryFile("combined.csv", joined)
    let mean = try runStrata([
      "mean", "api00", "--data", combined, "--weights", "weight", "--repweights", "repw*", "--reptype", "brr",
      "--format", "json",
    ])
    #expect(mean.status == 0, "\(mean.stderr)")
    let estimates = try Self.json(mean)["estimates"] as? [[String: Any]]
    let want = try Self.fixture("cases", "apistrat_brr_split_mean")
    expectClose(number(estimates?.first?["std_error"]), Self.first(want["std_error"]), rtol: 1e-8, "read-back BRR SE")
  }

  /// The JSON summary gives what reading JKn weights back needs: the type, scale and rscales
  /// (R's), and the read-back design has R's SE.
  @Test func jknWeightsReadBackWithRscales() throws {
    let out = try temporaryFile("jkn.csv", "")
    let run = try runStrata(
      ["weights"] + Self.strat + ["--replicate", "jkn", "--replicates", "--output", out, "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let summary = try Self.json(run)
    let design = try Self.fixture("designs", "apistrat_jkn")
    let rscales = try #require(summary["rscales"] as? [Double])
    #expect(rscales == design["rscales"] as? [Double])
    #expect((summary["design"] as? [String: Any])?["replicate_type"] as? String == "jkn")
    let data = try String(contentsOfFile: repositoryPath("datasets/apistrat.csv"), encoding: .utf8).split(separator: "\n")
    let weights = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    let combined = try temporaryFile(
      "combined.csv", zip(data, weights).map { "\($0),\($1)" }.joined(separator: "\n") + "\n")
    let mean = try runStrata([
      "mean", "api00", "--data", combined, "--weights", "weight", "--repweights", "repw*", "--reptype", "jkn",
      "--scale", "1", "--rscales", rscales.map { "\($0)" }.joined(separator: ","), "--format", "json",
    ])
    #expect(mean.status == 0, "\(mean.stderr)")
    let estimates = try Self.json(mean)["estimates"] as? [[String: Any]]
    let want = try Self.fixture("cases", "apistrat_jkn_mean")
    expectClose(number(estimates?.first?["std_error"]), Self.first(want["std_error"]), rtol: 1e-8, "read-back JKn SE")
  }

  /// Without --replicates: the weight column only; --format json prints the summary on stdout.
  @Test func weightsSummaryAsJSON() throws {
    let out = try temporaryFile("w.csv", "")
    let run = try runStrata(["weights"] + Self.strat + ["--output", out, "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let summary = try Self.json(run)
    #expect(summary["rows"] as? Int == 200)
    #expect(summary["replicates"] as? Int == 0)
    #expect(summary["columns"] as? [String] == ["weight"])
    expectClose(number(summary["sum"]), 6194, rtol: 1e-8, "sum")
    let (header, columns) = try Self.columns(out)
    #expect(header == ["weight"])
    #expect(columns[0].count == 200)
  }

  @Test func weightsErrors() throws {
    let noReplicates = try runStrata(["weights"] + Self.strat + ["--replicates"])
    #expect(noReplicates.status != 0)
    #expect(noReplicates.stderr.contains("the design has no replicate weights; build them with --replicate"), "\(noReplicates.stderr)")
    let json = try runStrata(["weights"] + Self.strat + ["--format", "json"])
    #expect(json.stderr.contains("give --output FILE for the weights"), "\(json.stderr)")
    let subpop = try runStrata(["weights"] + Self.strat + ["--subpop", "stype == \"E\""])
    #expect(subpop.stderr.contains("drop --subpop"), "\(subpop.stderr)")
    // The weights never replace the data.
    let data = try temporaryFile("d.csv", try String(contentsOfFile: repositoryPath("datasets/apistrat.csv"), encoding: .utf8))
    let before = try String(contentsOfFile: data, encoding: .utf8)
    let over = try runStrata(["weights", "--data", data, "--weights", "pw", "--output", data])
    #expect(over.status != 0)
    #expect(try String(contentsOfFile: data, encoding: .utf8) == before)
  }

  @Test func replicateFlagErrors() throws {
    let jk1 = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", "jk1"])
    #expect(jk1.stderr.contains("the design is stratified; use --replicate jkn"), "\(jk1.stderr)")
    let odd = try temporaryFile("odd.csv", "y,h,c\n1,a,1\n2,a,2\n3,a,3\n4,b,4\n5,b,5\n")
    let brr = try runStrata(["mean", "y", "--data", odd, "--strata", "h", "--psu", "c", "--replicate", "brr"])
    #expect(brr.stderr.contains("stratum 'a' has 3 PSU(s); BRR needs 2 PSUs per stratum"), "\(brr.stderr)")
    #expect(brr.stderr.contains("use --replicate jkn or --replicate bootstrap"), "\(brr.stderr)")
    let sdr = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", "sdr", "--reps", "50"])
    #expect(sdr.stderr.contains("--reps 50 is not a Hadamard order"), "\(sdr.stderr)")
    #expect(sdr.stderr.contains("use --reps 48 or --reps 60"), "\(sdr.stderr)")
    let sort = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", "jkn", "--sort", "api00"])
    #expect(sort.stderr.contains("--sort goes with --replicate sdr"), "\(sort.stderr)")
    let unknown = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", "sdr", "--sort", "nosuch"])
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
  }

  /// BRR with strata of 4 and 6 PSUs (split into pairs, as R) through the CLI.
  @Test func brrSplitMatchesR() throws {
    let run = try runStrata([
      "mean", "api00", "--data", "Tests/Fixtures/replicates/apistrat_psu.csv", "--weights", "pw", "--strata", "stype",
      "--psu", "psu", "--nest", "--replicate", "brr", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let estimates = try Self.json(run)["estimates"] as? [[String: Any]]
    let want = try Self.fixture("cases", "apistrat_brr_split_mean")
    expectClose(number(estimates?.first?["std_error"]), Self.first(want["std_error"]), rtol: 1e-8, "BRR split SE")
  }

  /// The bootstrap types and SDR run from the flags, seeded, and say what they built.
  @Test func otherTypesRun() throws {
    for type in ["subbootstrap", "mrbbootstrap", "sdr"] {
      let a = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", type, "--seed", "5"])
      let b = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", type, "--seed", "5"])
      #expect(a.status == 0, "\(type): \(a.stderr)")
      #expect(a.stdout == b.stdout)
      #expect(a.stdout.contains("\(type == "sdr" ? 80 : 50) \(type.uppercased()) replicates"), "\(a.stdout)")
    }
    let sorted = try runStrata(["mean", "api00"] + Self.strat + ["--replicate", "sdr", "--sort", "stype,api99"])
    #expect(sorted.status == 0, "\(sorted.stderr)")
  }
}
