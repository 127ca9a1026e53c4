import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// `fit … --data postgresql://… --save`, and `strata table` / `strata margins` / `strata predict
/// --scenario` on the saved fit: the saved file holds no password, renders as the in-memory saved fit does, and the
/// scenarios (one aggregate statement in the database) equal the in-memory `predict --scenario`
/// on the same fit saved from the CSV file to 1e-9 relative, on one server and sharded.
@Suite("Saved pushed-down fits: --save, table, predict --scenario")
struct PushdownSaveTests {
  /// A fit and the scenarios compared on it.
  struct Case {
    var fit: [String]
    var scenarios: [[String]]
    /// Options only the pushdown takes (`--partition-key`).
    var pushdownOnly: [String] = []
  }

  static let cases: [Case] = [
    Case(
      fit: ["fit", "ols", "api00 ~ ell + meals + factor(stype)"],
      scenarios: [
        ["--scenario", "Fewer ELL: ell = ell * 0.7"],
        ["--scenario", "ell = ell * 0.7", "--scenario", "Lunch and high: meals = 10; stype = \"H\"", "--by", "stype"],
      ]),
    Case(
      fit: ["fit", "logit", "sch.wide ~ ell + meals + mobility"],
      scenarios: [
        ["--scenario", "mobility = mobility + 5"],
        ["--scenario", "ell = 0", "--scenario", "meals = meals / 2; ell = meals", "--by", "stype"],
      ]),
    Case(
      fit: ["fit", "probit", "sch.wide ~ ell + meals + factor(stype)"],
      scenarios: [["--scenario", "meals = meals * 0.8", "--scenario", "stype = \"M\"", "--by", "stype"]]),
    Case(
      fit: ["fit", "poisson", "ell ~ meals + log(enroll) + factor(stype)"],
      scenarios: [
        ["--scenario", "enroll = enroll * 2"],
        ["--scenario", "stype = \"E\"", "--scenario", "meals = 0; stype = \"H\"", "--by", "stype"],
      ]),
    Case(
      fit: [
        "fit", "logit", "sch.wide ~ ell + meals + mobility", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
        "--subpop", "meals > 20",
      ],
      scenarios: [["--scenario", "Half ELL: ell = ell * 0.5", "--scenario", "mobility = 10", "--by", "stype"]],
      pushdownOnly: ["--partition-key", "stype"]),
  ]

  @Test("one server: saved fit without password; table and predict --scenario equal the in-memory saved fit's")
  func singleServer() throws {
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apistrat"])
      try Self.compare(uri: "postgresql://postgres:sekret@127.0.0.1:\(server.port)/postgres", sharded: false)
    }
  }

  @Test("sharded: predict --scenario fans its statement out to the shards and equals the in-memory numbers")
  func sharded() throws {
    try withShardedCluster { cluster in
      try APITables.load(into: cluster, tables: ["apistrat"])
      try Self.compare(uri: "postgresql://postgres:sekret@127.0.0.1:\(cluster.coordinator.port)/postgres", sharded: true)
      // The library call: one statement, sent to each shard directly.
      let spec = ScaleSpecification(model: .glm(.logit), formula: "sch.wide ~ ell + meals + mobility")
      let source = try PostgresSource(uri: cluster.coordinator.uri + "?table=apistrat")
      let fit = try Pushdown.fit(spec, variance: .classical, source: source)
      let model = PushdownScenarios.FittedModel(
        terms: fit.result.fit.terms, kept: fit.result.fit.kept, coefficients: fit.result.fit.keptCoefficients)
      let sums = try PushdownScenarios.sums(
        spec, model: model, source: source, scenarios: [try Scenario.parse("ell = ell * 0.7")], by: "stype")
      let scenarioStatements = sums.statements.filter { $0.contains("SUM(w * mu1)") }
      #expect(scenarioStatements.count == 2, "\(sums.statements)")
      #expect(scenarioStatements.allSatisfy { $0.hasPrefix("/* shard") }, "\(scenarioStatements)")
    }
  }

  /// Fits each case from the table (with a password in the URI) and from the CSV file, saves
  /// both, and compares `strata table` and `strata predict` (text and JSON) of the two files.
  static func compare(uri: String, sharded: Bool) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pdsave-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = datasetPath("apistrat.csv")
    for (k, c) in cases.enumerated() {
      let pushed = folder.appendingPathComponent("pushed\(k).json").path
      let memory = folder.appendingPathComponent("memory\(k).json").path
      let fitPushed = try runStrata(
        c.fit + ["--data", uri + "?table=apistrat", "--save", pushed] + (sharded ? c.pushdownOnly : []))
      #expect(fitPushed.status == 0, "\(c.fit): \(fitPushed.stderr)")
      let fitMemory = try runStrata(c.fit + ["--data", file, "--save", memory])
      #expect(fitMemory.status == 0, "\(c.fit): \(fitMemory.stderr)")
      guard fitPushed.status == 0, fitMemory.status == 0 else { continue }

      // No password in the saved file, nor a mask: the connection is stored without it.
      let saved = try String(contentsOfFile: pushed, encoding: .utf8)
      #expect(!saved.contains("sekret") && !saved.contains("***"), "\(saved.prefix(400))")
      let json = try #require(JSONSerialization.jsonObject(with: Data(saved.utf8)) as? [String: Any])
      let source = try #require(json["pushdown"] as? [String: Any])
      #expect(source["connection"] as? String == uri.replacingOccurrences(of: ":sekret@", with: "@"))
      #expect(source["table"] as? String == "apistrat")
      #expect(source["partition_key"] as? String == (sharded && !c.pushdownOnly.isEmpty ? "stype" : nil))

      // strata table renders it as the in-memory saved fit.
      try sameOutput(["table", pushed], ["table", memory], what: "table \(c.fit)")
      try sameOutput(["table", pushed, "--format", "json"], ["table", memory, "--format", "json"], what: "table json")
      // Wald tests and combinations read the saved estimates only.
      try sameOutput(["test", pushed, "meals"], ["test", memory, "meals"], what: "test")
      try sameOutput(["lincom", pushed, "meals + 2 * (Intercept)"], ["lincom", memory, "meals + 2 * (Intercept)"], what: "lincom")
      // predict --newdata codes a file with the recipe read from the source's levels.
      try sameOutput(["predict", pushed, "--newdata", file], ["predict", memory, "--newdata", file], what: "newdata")
      // strata margins of the saved fit: summed in the database again (no fit), equal to the
      // in-memory saved fit's and to `fit … --margins` on the table.
      for m in [["--margins", "dydx"], ["--margins", "dydx,eyex", "--over", "stype"]] {
        try sameOutput(["margins", pushed] + m, ["margins", memory] + m, what: "margins \(c.fit) \(m)")
        try sameOutput(
          ["margins", pushed, "--format", "json"] + m, ["margins", memory, "--format", "json"] + m,
          what: "margins \(c.fit) \(m) json")
      }
      // predict --scenario: text and JSON equal the in-memory command's.
      for s in c.scenarios {
        try Self.sameOutput(["predict", pushed] + s, ["predict", memory] + s, what: "\(c.fit) \(s)")
        try sameOutput(
          ["predict", pushed, "--format", "json"] + s, ["predict", memory, "--format", "json"] + s,
          what: "\(c.fit) \(s) json")
      }
    }
  }

  /// Runs both commands; their outputs agree line by line (numbers to 1e-9 relative) once the
  /// data source lines and fields are set aside.
  static func sameOutput(_ pushed: [String], _ memory: [String], what: String) throws {
    let a = try runStrata(pushed), b = try runStrata(memory)
    #expect(a.status == 0, "\(what): \(a.stderr)")
    #expect(b.status == 0, "\(what): \(b.stderr)")
    #expect(!a.stdout.contains("sekret") && !a.stderr.contains("sekret"))
    func body(_ text: String) -> String {
      text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Data:") }
        .joined(separator: "\n")
        .replacingOccurrences(of: #""data":\s*"[^"]*""#, with: #""data": """#, options: .regularExpression)
    }
    #expect(!a.stdout.isEmpty)
    let difference = textDifference(body(a.stdout), body(b.stdout), rtol: 1e-9)
    #expect(difference == nil, "\(what): \(difference ?? "")\n\(a.stdout)\n\(b.stdout)")
  }

  @Test("factor() of a number: a scenario sets it to one of its levels (not to an expression or an unseen value)")
  func numericFactor() throws {
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apiclus1"])
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pdsave-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let file = try #require(APITables.files["apiclus1"])
      let pushed = folder.appendingPathComponent("pushed.json").path
      let memory = folder.appendingPathComponent("memory.json").path
      let fit = ["fit", "ols", "api00 ~ ell + factor(dnum)", "--weights", "pw"]
      let a = try runStrata(fit + ["--data", server.uri + "?table=apiclus1", "--save", pushed])
      let b = try runStrata(fit + ["--data", file, "--save", memory])
      #expect(a.status == 0, "\(a.stderr)")
      #expect(b.status == 0, "\(b.stderr)")
      guard a.status == 0, b.status == 0 else { return }
      try Self.sameOutput(["table", pushed], ["table", memory], what: "table factor(dnum)")
      for s in [["--scenario", "dnum = 716"], ["--scenario", "dnum = 61; ell = ell * 0.5", "--by", "stype"]] {
        try Self.sameOutput(["predict", pushed] + s, ["predict", memory] + s, what: "\(s)")
        try Self.sameOutput(["predict", pushed, "--format", "json"] + s, ["predict", memory, "--format", "json"] + s, what: "\(s) json")
      }
      let expression = try runStrata(["predict", pushed, "--scenario", "dnum = dnum + 1"])
      #expect(expression.status != 0 && expression.stderr.contains("set it to one of its levels"), "\(expression.stderr)")
      let unseen = try runStrata(["predict", pushed, "--scenario", "dnum = 999"])
      #expect(unseen.status != 0 && unseen.stderr.contains("'999'"), "\(unseen.stderr)")
    }
  }

  @Test("the password is taken out of the saved connection; PGPASSWORD and ?password= work and are not saved")
  func passwords() throws {
    #expect(
      ConnectionString.removingPassword("postgresql://ann:s3cr@t@db.example.org:5432/x")
        == "postgresql://ann@db.example.org:5432/x")
    #expect(
      ConnectionString.removingPassword("postgresql://ann@db/x?password=s3cr&sslmode=require")
        == "postgresql://ann@db/x?sslmode=require")
    #expect(ConnectionString.removingPassword("postgresql://ann@db/x?sslmode=require&password=s3cr") == "postgresql://ann@db/x?sslmode=require")
    #expect(ConnectionString.removingPassword("host=db password='a b' user=ann") == "host=db user=ann")
    // Messages mask the whole password, an unencoded `@` in it too.
    #expect(ConnectionString.scrub("postgresql://ann:s3cr@t@db/x") == "postgresql://ann:***@db/x")
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apistrat"])
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pdsave-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let path = folder.appendingPathComponent("fit.json").path
      // PGPASSWORD in the environment (trust authentication ignores it; it must not be saved).
      setenv("PGPASSWORD", "envsekret", 1)
      defer { unsetenv("PGPASSWORD") }
      for uri in [
        server.uri + "?table=apistrat", server.uri + "?password=parsekret&table=apistrat",
      ] {
        let fit = try runStrata(["fit", "ols", "api00 ~ ell + meals", "--data", uri, "--save", path])
        #expect(fit.status == 0, "\(fit.stderr)")
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!saved.contains("sekret"), "\(saved)")
        let predicted = try runStrata(["predict", path, "--scenario", "ell = ell + 1"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(!predicted.stdout.contains("sekret") && !predicted.stderr.contains("sekret"))
      }
      // A query source is saved as its text and predicted on again.
      let fit = try runStrata([
        "fit", "ols", "api00 ~ ell + meals", "--data", server.uri, "--sql", "SELECT * FROM apistrat WHERE enroll > 100",
        "--save", path,
      ])
      #expect(fit.status == 0, "\(fit.stderr)")
      let json = try #require(
        JSONSerialization.jsonObject(with: Data(try String(contentsOfFile: path, encoding: .utf8).utf8)) as? [String: Any])
      #expect((json["pushdown"] as? [String: Any])?["sql"] as? String == "SELECT * FROM apistrat WHERE enroll > 100")
      let predicted = try runStrata(["predict", path, "--scenario", "ell = ell + 1"])
      #expect(predicted.status == 0, "\(predicted.stderr)")
    }
  }

  @Test("refusals: margins, unconditional variance, scenarios the SQL cannot express or that leave a factor's levels")
  func refusals() throws {
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apistrat"])
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pdsave-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let path = folder.appendingPathComponent("fit.json").path
      let fit = try runStrata([
        "fit", "logit", "sch.wide ~ ell + meals + factor(stype) + factor(yr.rnd)", "--data", server.uri + "?table=apistrat",
        "--save", path,
      ])
      #expect(fit.status == 0, "\(fit.stderr)")
      func refused(_ arguments: [String], _ message: String) throws {
        let run = try runStrata(arguments)
        #expect(run.status != 0, "\(arguments)")
        #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
      }
      // The covariates sampled need a robust variance (this fit's is classical), as in memory.
      try refused(["margins", path, "--margins", "dydx", "--margins-vce", "unconditional"], "unconditional")
      try refused(["margins", path, "--margins", "dydx", "--at", "ell=10"], "--at")
      try refused(["predict", path, "--scenario", "ell = 1", "--margins-vce", "unconditional"], "unconditional")
      try refused(["predict", path, "--scenario", "ell = nchar(stype)"], "'nchar(stype)'")
      try refused(["predict", path, "--scenario", "stype = \"Z\""], "'Z'")
      try refused(["predict", path, "--scenario", "stype = ell"], "'stype' is categorical")
      try refused(["predict", path, "--scenario", "nosuch = 1"], "'nosuch'")
      try refused(["predict", path, "--scenario", "ell = 1", "--by", "nosuch"], "'nosuch'")
      try refused(["elasticities", path], "pushed down to PostgreSQL")
    }
  }
}
