import Foundation
import Testing
import _StrataTestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Runs `strata` as `runStrata` does, spawned here so that its peak resident memory can be
/// read while it runs (`VmHWM` in `/proc/PID/status`, every 2 ms until it exits). The kernel's
/// `ru_maxrss` from `wait4` would not do: a child spawned from this (large) test process
/// inherits the parent's high-water mark across `exec`. Paths in `arguments` should be absolute
/// (the child runs in the test process's folder).
///
/// - Returns: the run and its peak RSS in KiB, as of the last reading before it exited (a
///   gigabyte takes far longer than 2 ms to touch, so that is the peak of any run that matters).
func runStrataMeasured(_ arguments: [String]) throws -> (run: CLIRun, peakKiB: Int) {
  let binary = try strataBinary().path
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-rss-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: dir) }
  let outPath = dir.appendingPathComponent("stdout").path
  let errPath = dir.appendingPathComponent("stderr").path
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  let argv = ([binary] + arguments).map { strdup($0) } + [nil]
  defer { for p in argv { free(p) } }
  var pid: pid_t = 0
  let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
  guard spawned == 0 else { throw MeasuredRunError.spawn(spawned) }
  var status: Int32 = 0
  var peak = 0
  while true {
    let r = waitpid(pid, &status, WNOHANG)
    if r == pid { break }
    if r < 0 {
      guard errno == EINTR else { throw MeasuredRunError.wait(errno) }
      continue
    }
    if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let kib = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    {
      peak = max(peak, kib)
    }
    usleep(2_000)
  }
  // WIFEXITED/WEXITSTATUS: a signal shows as 128 + its number, as in a shell.
  let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  let run = CLIRun(
    status: code, stdout: try String(contentsOfFile: outPath, encoding: .utf8),
    stderr: try String(contentsOfFile: errPath, encoding: .utf8))
  return (run, peak)
}

enum MeasuredRunError: Error {
  case spawn(Int32)
  case wait(Int32)
}

/// A deterministic stream of uniforms in (0, 1) (a 64-bit LCG's top bits).
struct UniformStream {
  var state: UInt64
  mutating func next() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
  }
}

/// A logit data set: `y` binary, `x`, `z` continuous, `g` a group code, `region` a factor.
func logitCSV(rows: Int, groups: Int, regions: Int, seed: UInt64) -> String {
  var u = UniformStream(state: seed)
  var lines = ["y,x,z,g,region"]
  lines.reserveCapacity(rows + 1)
  for i in 0..<rows {
    let x = u.next() * 2 - 1
    let z = u.next()
    let r = i % regions
    let eta = -0.3 + 0.8 * x - 0.5 * z + 0.05 * Double(r % 7)
    let y = u.next() < 1 / (1 + exp(-eta)) ? 1 : 0
    lines.append("\(y),\(x),\(z),\(i % groups),r\(r)")
  }
  return lines.joined(separator: "\n") + "\n"
}

/// The CSV file's bytes, to check that a run left its input unchanged.
func fileBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

@Suite("margins at scale: memory linear in rows + groups, factor changes from one linear predictor, bounded --at grids")
struct MarginsScaleTests {
  /// `--over` with 4,000 groups on 200,000 rows: the margins of each group are averages over its
  /// own rows, so the run stays far below the n × G = 6.4 GB that per-group data influences over
  /// the whole sample used to take. The groups' AMEs average (equal group sizes) to the overall AME.
  @Test func overManyGroupsHasBoundedMemory() throws {
    let data = try temporaryFile("over.csv", logitCSV(rows: 200_000, groups: 4_000, regions: 3, seed: 11))
    let before = try fileBytes(data)
    let base = ["fit", "logit", "y ~ x + z", "--data", data, "--margins", "dydx", "--margins-variables", "x"]
    let (run, peak) = try runStrataMeasured(base + ["--over", "g", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(peak > 0 && peak < 1 << 20, "peak RSS \(peak) KiB")
    let margins = try #require(try parseJSON(run.stdout)["margins"] as? [[String: Any]])
    #expect(margins.count == 4_000)
    let overall = try runStrata(base + ["--format", "json"])
    #expect(overall.status == 0, "\(overall.stderr)")
    let all = try #require((try parseJSON(overall.stdout)["margins"] as? [[String: Any]])?.first)
    let groupAMEs = margins.compactMap { ($0["estimate"] as? NSNumber)?.doubleValue }
    #expect(groupAMEs.count == 4_000)
    let mean = groupAMEs.reduce(0, +) / Double(groupAMEs.count)
    #expect(marginsClose(mean, all["estimate"], rtol: 1e-10), "\(mean) vs \(all)")
    #expect(margins.allSatisfy { (($0["std_error"] as? NSNumber)?.doubleValue ?? 0) > 0 })
    #expect(try fileBytes(data) == before)
  }

  /// A 31-level factor's discrete changes come from one linear predictor per row block: at
  /// 100,000 rows they equal the differences of the average predictions that `strata predict
  /// --scenario` computes by rebuilding the model matrix with the factor set to each level.
  @Test func factorChangesMatchScenarioPredictions() throws {
    let data = try temporaryFile("region.csv", logitCSV(rows: 100_000, groups: 10, regions: 31, seed: 5))
    let saved = try temporaryFile("region-fit.json", "")
    let (run, peak) = try runStrataMeasured([
      "fit", "logit", "y ~ x + z + region", "--data", data, "--vce", "hc0", "--save", saved, "--margins", "dydx",
      "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(peak > 0 && peak < 1 << 20, "peak RSS \(peak) KiB")
    let margins = try #require(try parseJSON(run.stdout)["margins"] as? [[String: Any]])
    let region = margins.filter { $0["variable"] as? String == "region" }
    #expect(region.count == 30)
    var scenarios: [String: Double] = [:]
    for level in ["r0", "r7", "r30"] {
      let p = try runStrata(["predict", saved, "--scenario", "region = '\(level)'", "--format", "json"])
      #expect(p.status == 0, "\(p.stderr)")
      let s = try #require((try parseJSON(p.stdout)["scenarios"] as? [[String: Any]])?.first)
      let predicted = try #require(s["predicted"] as? [String: Any])
      scenarios[level] = (predicted["estimate"] as? NSNumber)?.doubleValue
    }
    for level in ["r7", "r30"] {
      let m = try #require(region.first { $0["level"] as? String == level })
      #expect(m["base"] as? String == "r0")
      let expected = try #require(scenarios[level]) - (try #require(scenarios["r0"]))
      #expect(marginsClose(m["estimate"], expected, rtol: 1e-9), "\(level): \(m) vs \(expected)")
    }
  }

  /// `--at` grids are counted before anything is expanded: a range of a million values, or a
  /// product of lists beyond 10,000 points, is refused with the count and a hint; a range
  /// within the limit is expanded (R's `from:to`).
  @Test func atGridIsBounded() throws {
    let data = try temporaryFile("at.csv", logitCSV(rows: 400, groups: 4, regions: 3, seed: 3))
    let base = ["fit", "logit", "y ~ x + z", "--data", data, "--margins", "dydx", "--margins-variables", "x"]
    let huge = try runStrata(base + ["--at", "z=1:1000000"])
    #expect(huge.status == 1)
    #expect(
      huge.stderr
        == "strata: error: --at: the grid has 1000000 points (z: 1000000 values), more than the limit of 10000; "
        + "each point is an average over the whole sample, so give fewer values (a coarser list or a shorter range "
        + "such as 'x=1:100') or split the grid over several runs\n")
    let product = try runStrata(base + ["--at", "z=0:200; x=0,0.5,1:50"])
    #expect(product.status == 1)
    #expect(product.stderr.contains("the grid has 10452 points (z: 201 values × x: 52 values)"), "\(product.stderr)")
    let quoted = try runStrata(base + ["--at", "z='0:1000000'"])  // a label, never expanded
    #expect(quoted.status == 1)
    #expect(quoted.stderr.contains("'0:1000000' is not valid for 'z'"), "\(quoted.stderr)")
    let range = try runStrata(base + ["--at", "z=0:2", "--format", "json"])
    #expect(range.status == 0, "\(range.stderr)")
    let margins = try #require(try parseJSON(range.stdout)["margins"] as? [[String: Any]])
    #expect(margins.count == 3)
    let list = try runStrata(base + ["--at", "z=0,1,2", "--format", "json"])
    let expected = try #require(try parseJSON(list.stdout)["margins"] as? [[String: Any]])
    for (a, b) in zip(margins, expected) { #expect(marginsClose(a["estimate"], b["estimate"], rtol: 1e-14)) }
  }

  /// `--split G`: a group whose model cannot be fitted is named, with the reason and how to
  /// leave it out.
  @Test func splitNamesTheFailingGroup() throws {
    // Group b has a single row: two coefficients cannot be estimated from it.
    var csv = "y,x,g\n"
    for i in 0..<40 { csv += "\(Double(i % 7) + 0.3 * Double(i)),\(i),a\n" }
    csv += "1.5,2,b\n"
    let data = try temporaryFile("split.csv", csv)
    let run = try runStrata(["fit", "ols", "y ~ x", "--data", data, "--split", "g"])
    #expect(run.status == 1)
    #expect(run.stderr.hasPrefix("strata: error: --split g: the model could not be fitted in the group g = b: "), "\(run.stderr)")
    #expect(run.stderr.contains("leave the group out with --subset '`g` != \"b\"'"), "\(run.stderr)")
  }

  /// `predict --newdata`: a missing column, a missing value, an unseen level, a text value in a
  /// numeric column (the reader's file:line:column message, or ours when the whole column is
  /// text) and an unreadable file each name the file (and the column, row and line).
  @Test func newdataErrorsNameTheFile() throws {
    let data = try temporaryFile("fit.csv", logitCSV(rows: 300, groups: 3, regions: 3, seed: 9))
    let saved = try temporaryFile("fit.json", "")
    let fit = try runStrata(["fit", "logit", "y ~ x + region", "--data", data, "--save", saved])
    #expect(fit.status == 0, "\(fit.stderr)")
    let noColumn = try temporaryFile("no-column.csv", "x,z\n0.5,1\n")
    let missing = try temporaryFile("missing.csv", "x,region\n0.5,r1\nNA,r2\n")
    let unseen = try temporaryFile("unseen.csv", "x,region\n0.5,r9\n")
    let bad = try temporaryFile("bad.csv", "x,region\n0.5,r1\n0.25,r2\nabc,r1\n")
    let text = try temporaryFile("text.csv", "x,region\nlow,r1\nhigh,r2\n")
    let cases: [(String, String)] = [
      (noColumn, "strata: error: --newdata \(noColumn): there is no column 'region'; "),
      (missing, "strata: error: --newdata \(missing): 'x' is missing (NA or NaN) at data row 2 (line 3, after the header); "),
      (unseen, "strata: error: --newdata \(unseen): 'region' has the level 'r9', which the estimation sample did not have"),
      (bad, "strata: error: \(bad):4:1: non-numeric value 'abc' in column 'x'"),
      (text, "strata: error: --newdata \(text): 'x' is a number in the fit, but the file has 'low' at data row 1 (line 2, after the header); "),
      (noColumn + ".absent", "\(noColumn).absent"),
    ]
    for (path, message) in cases {
      let run = try runStrata(["predict", saved, "--newdata", path])
      #expect(run.status == 1, "\(path)")
      #expect(run.stderr.hasPrefix(message) || (message.hasSuffix(".absent") && run.stderr.contains(message)), "\(run.stderr)")
    }
  }
}
