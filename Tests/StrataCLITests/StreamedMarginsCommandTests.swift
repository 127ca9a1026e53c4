import Foundation
import Testing
import _StrataTestSupport

/// `strata fit ... --stream --margins`, `--save` of a streamed fit, and `strata margins` /
/// `strata predict --scenario` on it (the data streamed again): the in-memory commands' numbers
/// (1e-10 relative), and what is not a sum over rows refused by name.
@Suite("strata fit --stream --margins, --save; margins and predict on a streamed fit")
struct StreamedMarginsCommandTests {
  static let design = [
    "fit", "logit", "sch.wide ~ ell + meals + mobility + stype", "--data", "datasets/apistrat.csv", "--weights", "pw",
    "--strata", "stype", "--fpc", "fpc",
  ]
  static let streamed = ["--stream", "--stream-chunk-bytes", "2048"]

  /// The `margins` (or `comparisons`) entries of two JSON outputs, compared number by number.
  func compareEntries(_ streamed: String, _ memory: String, key: String) throws {
    let a = try #require(try parseJSON(streamed)[key] as? [[String: Any]], "\(streamed)")
    let b = try #require(try parseJSON(memory)[key] as? [[String: Any]], "\(memory)")
    #expect(a.count == b.count && !a.isEmpty)
    for (x, y) in zip(a, b) {
      #expect(Set(x.keys) == Set(y.keys))
      for (name, value) in y {
        if let v = value as? Double {
          let w = try #require(x[name] as? Double, "\(name)")
          #expect(isClose(w, v, rtol: 1e-10), "\(name): \(w) vs \(v)")
        } else if let v = value as? String {
          #expect(x[name] as? String == v, "\(name)")
        }
      }
    }
  }

  @Test func fitStreamMarginsIsTheInMemoryMargins() throws {
    let margins = ["--margins", "dydx,eyex", "--over", "awards", "--format", "json"]
    let memory = try runStrata(Self.design + margins)
    let streamed = try runStrata(Self.design + margins + Self.streamed)
    #expect(memory.status == 0, "\(memory.stderr)")
    #expect(streamed.status == 0, "\(streamed.stderr)")
    try compareEntries(streamed.stdout, memory.stdout, key: "margins")
    // The text report: the same table (numbers as printed).
    let text = ["--margins", "dydx", "--margins-variables", "meals,stype", "--contrast", "pairwise"]
    let a = try runStrata(Self.design + text)
    let b = try runStrata(Self.design + text + Self.streamed)
    #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
    #expect(a.stdout == b.stdout, "\(a.stdout)\n\(b.stdout)")
  }

  /// The design fit saved in memory and streamed: the two files' paths.
  func savedFits() throws -> (memory: String, streamed: String) {
    let memoryPath = try temporaryFile("memory.json", "")
    let streamedPath = try temporaryFile("streamed.json", "")
    let m = try runStrata(Self.design + ["--save", memoryPath])
    let s = try runStrata(Self.design + Self.streamed + ["--save", streamedPath])
    #expect(m.status == 0 && s.status == 0, "\(s.stderr)")
    return (memoryPath, streamedPath)
  }

  @Test func savedStreamedFitMarginsAndScenarios() throws {
    let (memoryPath, streamedPath) = try savedFits()
    let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: streamedPath))) as? [String: Any])
    #expect(saved["streamed"] as? Bool == true)
    let margins = ["--margins", "dydx,dyex", "--over", "awards", "--at", "stype=M", "--format", "json"]
    let a = try runStrata(["margins", memoryPath] + margins)
    let b = try runStrata(["margins", streamedPath] + margins)
    #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
    try compareEntries(b.stdout, a.stdout, key: "margins")
    let scenario = ["--scenario", "meals = meals * 0.8", "--scenario", "High: stype = \"H\"", "--by", "awards", "--format", "json"]
    let p = try runStrata(["predict", memoryPath] + scenario)
    let q = try runStrata(["predict", streamedPath] + scenario)
    #expect(p.status == 0 && q.status == 0, "\(q.stderr)")
    let pj = try parseJSON(p.stdout)
    let key = try #require(pj.first { $0.value is [[String: Any]] }?.key, "\(p.stdout)")
    try compareEntries(q.stdout, p.stdout, key: key)
  }

  @Test func whatIsNotASumIsRefused() throws {
    let atMeans = try runStrata(Self.design + Self.streamed + ["--margins", "dydx", "--atmeans"])
    #expect(atMeans.status != 0)
    #expect(atMeans.stderr.contains("effects at the means (--atmeans) is not available when the data are read in parts"), "\(atMeans.stderr)")
    let statistic = try runStrata(Self.design + Self.streamed + ["--margins", "dydx", "--at", "ell=mean"])
    #expect(statistic.status != 0)
    #expect(statistic.stderr.contains("--at ell=mean (a statistic of the whole sample)"), "\(statistic.stderr)")
  }
}
