import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// `strata fit … --data postgresql://… --margins … --margins-vce unconditional`: the margins'
/// influence totalled by design unit or cluster cell in the server (`Pushdown.unconditionalMargins`)
/// gives the in-memory `fit --margins … --margins-vce unconditional` of the same data (itself
/// checked against Stata's `margins, vce(unconditional)`), on one server and sharded: the JSON
/// document to 1e-9 relative and the text report line for line.
@Suite("Unconditional margins pushed down to PostgreSQL", .serialized)
struct PushdownUnconditionalTests {
  static let cases: [PushdownMarginsTests.Case] = [
    // A design logit: strata, PSUs (one school each), FPC, weights, in a domain; a factor's
    // discrete changes.
    .init(arguments: [
      "fit", "logit", "sch.wide ~ ell + meals + factor(stype)", "--weights", "pw", "--strata", "stype", "--psu", "snum",
      "--fpc", "fpc", "--subpop", "meals > 20", "--margins", "dydx,eyex", "--margins-vce", "unconditional",
    ]),
    // A cluster design (PSUs are districts) by group (--over), every pair of levels.
    .init(
      arguments: [
        "fit", "logit", "sch.wide ~ ell + meals + stype", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc",
        "--margins", "dydx,eydx", "--contrast", "pairwise", "--over", "stype", "--margins-vce", "unconditional",
      ], table: "apiclus1"),
    // An HC1 probit by a numeric --over column, a factor's discrete changes (ψᵀψ from Σ zzᵀ).
    .init(arguments: [
      "fit", "probit", "sch.wide ~ ell + log(enroll) + factor(stype)", "--vce", "hc1", "--margins", "dydx,eydx",
      "--over", "yr.rnd", "--margins-vce", "unconditional",
    ]),
    // Cluster-robust least squares with an elasticity and a factor.
    .init(
      arguments: [
        "fit", "ols", "api00 ~ ell + meals + log(enroll) + factor(stype)", "--vce", "cluster", "--cluster", "dnum",
        "--margins", "dydx,eyex", "--margins-vce", "unconditional",
      ], table: "apiclus1"),
  ]

  @Test("one server: equal to the in-memory fit --margins-vce unconditional")
  func oneServer() throws {
    try withPostgresServer { server in
      try APITables.load(into: server)
      for c in Self.cases { try PushdownMarginsTests.expectSame(c, uri: server.uri) }
      // The covariates sampled change the standard errors (not the fixed ones passed off).
      let design = Self.cases[0].arguments.dropLast(2) + ["--format", "json", "--data", server.uri + "?table=apistrat"]
      let fixed = try runStrata(Array(design))
      let sampled = try runStrata(Array(design) + ["--margins-vce", "unconditional"])
      #expect(fixed.status == 0 && sampled.status == 0)
      #expect(fixed.stdout != sampled.stdout)
    }
  }

  @Test("sharded: summed on each shard, equal to the in-memory fit")
  func sharded() throws {
    try withShardedCluster { cluster in
      try APITables.load(into: cluster)
      for c in Self.cases {
        let key = try #require(APITables.partitionKeys[c.table])
        try PushdownMarginsTests.expectSame(c, uri: cluster.coordinator.uri, extra: ["--partition-key", key])
      }
    }
  }

  /// `strata margins saved.json` and `strata predict saved.json --scenario …` with
  /// `--margins-vce unconditional`, of the design logit (and the cluster OLS) saved from the
  /// table, equal those of the fit saved from the CSV file.
  static func compareSaved(uri: String, extra: (String) -> [String]) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-punc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for (k, c) in [Self.cases[0], Self.cases[3]].enumerated() {
      let fit = Array(c.arguments.prefix { $0 != "--margins" })
      let file = c.table == "apistrat" ? PushdownMarginsTests.apistrat : PushdownMarginsTests.apiclus1
      let (pushed, memory) = (folder.appendingPathComponent("p\(k).json").path, folder.appendingPathComponent("m\(k).json").path)
      #expect(try runStrata(fit + ["--data", uri + "?table=\(c.table)", "--save", pushed] + extra(c.table)).status == 0)
      #expect(try runStrata(fit + ["--data", file, "--save", memory]).status == 0)
      for m in [["--margins", "dydx,eyex"], ["--margins", "dydx", "--over", "stype", "--format", "json"]] {
        let sampled = m + ["--margins-vce", "unconditional"]
        try PushdownSaveTests.sameOutput(["margins", pushed] + sampled, ["margins", memory] + sampled, what: "\(fit) \(m)")
      }
      // predict --scenario with the covariates sampled: one scenario; two by group (--by).
      for p in [
        ["--scenario", "ell = ell * 0.5"],
        ["--scenario", "ell = 0", "--scenario", "High: stype = \"H\"", "--by", "stype", "--format", "json"],
      ] {
        let sampled = p + ["--margins-vce", "unconditional"]
        try PushdownSaveTests.sameOutput(["predict", pushed] + sampled, ["predict", memory] + sampled, what: "\(fit) \(p)")
      }
    }
  }

  @Test("saved fit: strata margins and predict --scenario --margins-vce unconditional equal the in-memory saved fit's")
  func saved() throws {
    try withPostgresServer { server in
      try APITables.load(into: server)
      try Self.compareSaved(uri: server.uri) { _ in [] }
    }
    try withShardedCluster { cluster in
      try APITables.load(into: cluster)
      try Self.compareSaved(uri: cluster.coordinator.uri) { ["--partition-key", APITables.partitionKeys[$0] ?? ""] }
    }
  }

  @Test("refusals: replicate weights as in memory; variances not summed by unit name what to give")
  func refusals() throws {
    try withPostgresServer { server in
      try APITables.load(into: server)
      func refused(_ arguments: [String], table: String, _ message: String) throws {
        let pushed = try runStrata(arguments + ["--data", server.uri + "?table=\(table)"])
        #expect(pushed.status != 0)
        #expect(pushed.stderr.contains(message), "\(arguments): \(pushed.stderr)")
      }
      let margins = ["--margins", "dydx", "--margins-vce", "unconditional"]
      // Replicate weights and the classical variance: refused with the in-memory message.
      for (arguments, table) in [
        (["fit", "poisson", "ell ~ meals", "--weights", "pw", "--repweights", "rw*", "--reptype", "jk1"], "apiclus1"),
        (["fit", "logit", "sch.wide ~ ell + meals"], "apistrat"),
      ] {
        let file = table == "apistrat" ? PushdownMarginsTests.apistrat : PushdownMarginsTests.apiclus1
        let memory = try runStrata(arguments + margins + ["--data", file])
        #expect(memory.status != 0)
        let firstLine = memory.stderr.split(separator: "\n").first.map(String.init) ?? "?"
        #expect(firstLine.contains("unconditional"), "\(firstLine)")
        try refused(arguments + margins, table: table, firstLine)
      }
      // Scenarios of a saved HC1 fit: not summed by unit (not done yet), refused by name.
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-punc-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let saved = folder.appendingPathComponent("hc1.json").path
      let hc1 = try runStrata([
        "fit", "logit", "sch.wide ~ ell + meals", "--vce", "hc1", "--data", server.uri + "?table=apistrat", "--save", saved,
      ])
      #expect(hc1.status == 0, "\(hc1.stderr)")
      let scenario = try runStrata(["predict", saved, "--scenario", "ell = 0", "--margins-vce", "unconditional"])
      #expect(scenario.status != 0)
      #expect(scenario.stderr.contains("of scenarios with the hc1 variance"), "\(scenario.stderr)")
      // A design whose units are its rows (no --psu).
      try refused(
        ["fit", "logit", "sch.wide ~ ell + meals", "--weights", "pw", "--strata", "stype"] + margins, table: "apistrat",
        "without a --psu column")
    }
  }
}
