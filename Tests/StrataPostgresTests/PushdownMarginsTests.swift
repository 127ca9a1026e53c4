import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// `strata fit … --data postgresql://… --margins …`: the margins summed in the server
/// (`PushdownMargins`) equal the in-memory `fit --margins` of the same data, on one server and
/// on the sharded cluster (a coordinator over two `postgres_fdw` shards, summed on each shard):
/// the JSON document (coefficients, margins, standard errors, intervals, p-values printed to 17
/// digits) to 1e-9 relative, and the text report line for line.
@Suite("Margins pushed down to PostgreSQL", .serialized)
struct PushdownMarginsTests {
  static let apistrat = datasetPath("apistrat.csv")
  static let apiclus1 = repositoryPath("Tests/Fixtures/stream/apiclus1_jk1.csv")

  struct Case {
    var arguments: [String]
    var table = "apistrat"
  }

  static let cases: [Case] = [
    // Every kind of a continuous variable through log(), I((x - c)^2) and an interaction, and a
    // factor's discrete changes from the reference level.
    Case(arguments: [
      "fit", "ols", "api00 ~ ell + meals + I((meals - 50)^2) + log(enroll) + ell:mobility + factor(stype)",
      "--margins", "dydx,eyex,eydx,dyex",
    ]),
    // A logit with a text factor, every pair of levels, by group (--over).
    Case(arguments: [
      "fit", "logit", "sch.wide ~ ell + meals + mobility + stype", "--margins", "dydx,eyex", "--contrast", "pairwise",
      "--over", "stype",
    ]),
    // Probit (Φ, φ and φ′ in SQL), a numeric --over column.
    Case(arguments: [
      "fit", "probit", "sch.wide ~ ell + log(enroll) + factor(stype)", "--margins", "dydx,eydx,dyex", "--over",
      "yr.rnd",
    ]),
    // cloglog (expm1 and the clamps of μ, μ′, μ″ in SQL).
    Case(arguments: [
      "fit", "cloglog", "sch.wide ~ ell + meals + factor(stype)", "--margins", "dydx,eyex,dyex",
    ]),
    // Poisson with weights and an interaction with a factor (the factor's changes recompile
    // the interaction's columns).
    Case(arguments: [
      "fit", "poisson", "ell ~ meals + mobility * factor(stype)", "--weights", "pw", "--margins", "dydx,eyex",
    ]),
    // A design logit (strata, FPC, weights) in a domain, HC-free design variance.
    Case(arguments: [
      "fit", "logit", "sch.wide ~ ell + meals + factor(stype)", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
      "--subpop", "meals > 20", "--margins", "dydx,eyex",
    ]),
    // log(y) least squares: elasticities of y itself; a 0/1 column as a discrete change.
    Case(arguments: [
      "fit", "ols", "log(api00) ~ ell + meals + I(1 * (mobility > 15))", "--vce", "hc1", "--margins", "dydx,eyex",
      "--margins-variables", "ell,meals",
    ]),
    // JK1 replicate weights (apiclus1, R's as.svrepdesign weights).
    Case(
      arguments: [
        "fit", "poisson", "ell ~ meals + factor(stype)", "--weights", "pw", "--repweights", "rw*", "--reptype", "jk1",
        "--margins", "dydx,dyex",
      ], table: "apiclus1"),
  ]

  /// The output of the pushdown and of the in-memory command agree: text exactly (numbers to
  /// one unit in their last printed digit), JSON numbers to 1e-9 relative.
  static func expectSame(_ c: Case, uri: String, extra: [String] = []) throws {
    let file = c.table == "apistrat" ? apistrat : apiclus1
    for format in ["text", "json"] {
      let arguments = c.arguments + ["--format", format]
      let pushed = try runStrata(arguments + ["--data", uri + "?table=\(c.table)"] + extra)
      let memory = try runStrata(arguments + ["--data", file])
      #expect(pushed.status == 0, "\(arguments): \(pushed.stderr)")
      #expect(memory.status == 0, "\(arguments): \(memory.stderr)")
      #expect(pushed.stdout.contains(format == "json" ? "\"margins\"" : "Average marginal effects"), "\(pushed.stdout)")
      func body(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Data:") }
          .joined(separator: "\n")
          .replacingOccurrences(of: #""data":\s*"[^"]*""#, with: #""data": """#, options: .regularExpression)
      }
      let difference = textDifference(body(pushed.stdout), body(memory.stdout), rtol: 1e-9)
      #expect(difference == nil, "\(arguments): \(difference ?? "")\n\(pushed.stdout)\n\(memory.stdout)")
    }
  }

  @Test("one server: every case equals the in-memory fit --margins")
  func oneServer() throws {
    try withPostgresServer { server in
      try APITables.load(into: server)
      for c in Self.cases { try Self.expectSame(c, uri: server.uri) }
      // Exact sums (over numeric) give the same margins.
      try Self.expectSame(Self.cases[1], uri: server.uri, extra: ["--exact-sums"])
      // A numeric 0/1 column as a discrete change (--discrete): apistrat with a column `odd`
      // (1 on every other row), as a table and as the in-memory file.
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pdmarg-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let lines = try String(contentsOfFile: Self.apistrat, encoding: .utf8).split(separator: "\n")
      let withOdd = [lines[0] + ",odd"] + lines.dropFirst().enumerated().map { "\($1),\($0 % 2)" }
      let file = folder.appendingPathComponent("apiodd.csv").path
      try (withOdd.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
      try loadCSV(file, into: "apiodd", server: server)
      let arguments = [
        "fit", "logit", "sch.wide ~ ell + meals + odd", "--margins", "dydx", "--discrete", "odd", "--format", "json",
      ]
      let pushed = try runStrata(arguments + ["--data", server.uri + "?table=apiodd"])
      let memory = try runStrata(arguments + ["--data", file])
      #expect(pushed.status == 0, "\(pushed.stderr)")
      #expect(pushed.stdout.contains("\"level\": \"1\""), "\(pushed.stdout)")
      let difference = textDifference(
        pushed.stdout.replacingOccurrences(of: #""data":\s*"[^"]*""#, with: "", options: .regularExpression),
        memory.stdout.replacingOccurrences(of: #""data":\s*"[^"]*""#, with: "", options: .regularExpression), rtol: 1e-9)
      #expect(difference == nil, "\(difference ?? "")")
    }
  }

  @Test("sharded: summed on each shard, equal to the in-memory fit --margins")
  func sharded() throws {
    try withShardedCluster { cluster in
      try APITables.load(into: cluster)
      for c in Self.cases {
        let key = try #require(APITables.partitionKeys[c.table])
        try Self.expectSame(c, uri: cluster.coordinator.uri, extra: ["--partition-key", key])
      }
      // The margins statement reached both shards (library call: the statements are logged).
      let source = try PostgresSource(uri: cluster.coordinator.uri + "?table=apistrat")
      let fit = try Pushdown.fit(
        ScaleSpecification(model: .glm(.logit), formula: "sch.wide ~ ell + meals + factor(stype)"),
        variance: .classical, source: source, partitionKey: "stype", margins: MarginsOptions(kinds: [.dydx]))
      let last = fit.statements.suffix(2)
      #expect(last.contains { $0.hasPrefix("/* shard1 */") && $0.contains("AS vf") })
      #expect(last.contains { $0.hasPrefix("/* shard2 */") && $0.contains("AS vf") })
      #expect(fit.margins?.estimates.count == 4)  // ell, meals, stype H and M vs E
    }
  }

  @Test("refusals and errors name what is not done, as in memory")
  func refusals() throws {
    try withPostgresServer { server in
      try APITables.load(into: server, tables: ["apistrat"])
      let uri = server.uri + "?table=apistrat"
      let fit = ["fit", "logit", "sch.wide ~ ell + meals", "--data", uri, "--margins", "dydx"]
      let at = try runStrata(fit + ["--at", "meals=10"])
      #expect(at.status != 0)
      #expect(at.stderr.contains("--at is not available with a PostgreSQL --data yet"), "\(at.stderr)")
      // The covariates sampled need a robust variance (PushdownUnconditionalTests): as in memory.
      let unconditional = try runStrata(fit + ["--margins-vce", "unconditional"])
      #expect(unconditional.status != 0)
      #expect(unconditional.stderr.contains("unconditional"), "\(unconditional.stderr)")
      let atMeans = try runStrata(fit + ["--atmeans"])
      #expect(atMeans.status != 0)
      #expect(atMeans.stderr.contains("--atmeans"), "\(atMeans.stderr)")
      // Models not pushed down are refused before any margin.
      let ologit = try runStrata(["fit", "ologit", "stype ~ ell", "--data", uri, "--margins", "dydx"])
      #expect(ologit.status != 0)
      #expect(ologit.stderr.contains("not ologit yet"), "\(ologit.stderr)")
      // A variable not in the model, and a derivative that is infinite on a row (sqrt at 0):
      // the in-memory error (the table's rows have no order, so the count of rows is given
      // instead of the first row).
      for (arguments, message) in [
        (
          ["fit", "ols", "api00 ~ ell + meals", "--margins", "dydx", "--margins-variables", "enroll"],
          "'enroll'"
        ),
        (
          ["fit", "ols", "api00 ~ sqrt(ell) + meals", "--margins", "dydx"],
          "the derivative of 'sqrt(ell)' with respect to 'ell' is infinite or NaN"
        ),
      ] {
        let pushed = try runStrata(arguments + ["--data", uri])
        let memory = try runStrata(arguments + ["--data", Self.apistrat])
        #expect(pushed.status != 0 && memory.status != 0)
        #expect(pushed.stderr.contains(message) && memory.stderr.contains(message), "\(pushed.stderr)\n\(memory.stderr)")
        let firstLine = { (s: String) in s.split(separator: "\n").first.map(String.init) ?? "" }
        if arguments.contains("enroll") { #expect(firstLine(pushed.stderr) == firstLine(memory.stderr)) }
      }
      #expect(try runStrata(["fit", "ols", "api00 ~ sqrt(ell) + meals", "--data", uri, "--margins", "dydx"]).stderr
        .contains("on 13 row(s) of table"))
      // --discrete of a column that is not 0/1 (the value named is one of the others).
      let notBinary = try runStrata(fit + ["--discrete", "meals"])
      #expect(notBinary.status != 0)
      #expect(notBinary.stderr.contains("--discrete meals: the variable takes the value"), "\(notBinary.stderr)")
    }
  }
}
