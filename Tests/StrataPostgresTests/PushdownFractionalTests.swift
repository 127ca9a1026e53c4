import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// Fractional logit and probit (quasi-binomial: a response in [0, 1], Papke–Wooldridge) pushed
/// down: the logit and probit SQL with the fractional response's checks and quasi-log-likelihood.
/// The CLI's text and JSON on the table equal the in-memory command's on the CSV file to 1e-9
/// relative (the in-memory fit is tested against R's glm(quasibinomial) and Stata's fracreg), on
/// one server and sharded, with margins, a design with a domain, and a saved fit's scenarios.
@Suite("PostgreSQL pushdown: fraclogit and fracprobit", .serialized)
struct PushdownFractionalTests {
  static let share = "I(meals / 100) ~ ell + mobility + factor(stype)"
  static let cases: [[String]] = [
    ["fit", "fraclogit", share],
    ["fit", "fracprobit", share, "--vce", "hc1"],
    ["fit", "fraclogit", share, "--cluster", "dnum"],
    ["fit", "fraclogit", share, "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--subpop", "enroll < 1500"],
    ["fit", "fracprobit", "I(meals / 100) ~ ell + mobility", "--margins", "dydx,eyex", "--over", "stype"],
  ]

  static func compare(uri: String, partitionKey: [String]) throws {
    let file = datasetPath("apistrat.csv")
    for c in cases {
      let extra = c.contains("--strata") ? partitionKey : []
      try PushdownSaveTests.sameOutput(
        c + ["--data", uri + "?table=apistrat"] + extra, c + ["--data", file], what: "\(c)")
      try PushdownSaveTests.sameOutput(
        c + ["--data", uri + "?table=apistrat", "--format", "json"] + extra, c + ["--data", file, "--format", "json"],
        what: "\(c) json")
    }
  }

  @Test("one server: fits, margins and a saved fit's scenarios equal the in-memory commands")
  func singleServer() throws {
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apistrat"])
      try Self.compare(uri: server.uri, partitionKey: [])
      // A saved fractional fit: margins and scenarios summed in the database again.
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pdfrac-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let pushed = folder.appendingPathComponent("pushed.json").path
      let memory = folder.appendingPathComponent("memory.json").path
      let fit = ["fit", "fraclogit", Self.share]
      let a = try runStrata(fit + ["--data", server.uri + "?table=apistrat", "--save", pushed])
      let b = try runStrata(fit + ["--data", datasetPath("apistrat.csv"), "--save", memory])
      #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
      try PushdownSaveTests.sameOutput(
        ["margins", pushed, "--margins", "dydx"], ["margins", memory, "--margins", "dydx"], what: "saved margins")
      let scenario = ["--scenario", "ell = ell * 0.5", "--by", "stype"]
      try PushdownSaveTests.sameOutput(["predict", pushed] + scenario, ["predict", memory] + scenario, what: "scenario")

      // A response outside [0, 1] is refused, named.
      let bad = try runStrata(["fit", "fraclogit", "I(meals / 50) ~ ell", "--data", server.uri + "?table=apistrat"])
      #expect(bad.status != 0, "\(bad.stdout)")
      #expect(bad.stderr.contains("outside [0, 1]") && bad.stderr.contains("I(meals/50)"), "\(bad.stderr)")
    }
  }

  @Test("sharded: the same numbers, summed on each shard")
  func sharded() throws {
    try withShardedCluster { cluster in
      try APITables.load(into: cluster, tables: ["apistrat"])
      try Self.compare(uri: cluster.coordinator.uri, partitionKey: ["--partition-key", "stype"])
    }
  }
}
