import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// Fits pushed down to a real PostgreSQL server started here give the numbers of the
/// in-memory (CSV) path to 1e-9 relative.
@Suite("PostgreSQL pushdown", .serialized)
struct PushdownTests {
  @Test("connection strings: table split off, passwords scrubbed")
  func connectionStrings() throws {
    let (c, t) = ConnectionString.split("postgresql://u:secret@h:5432/db?sslmode=disable&table=public.api")
    #expect(c == "postgresql://u:secret@h:5432/db?sslmode=disable")
    #expect(t == "public.api")
    #expect(ConnectionString.scrub(c) == "postgresql://u:***@h:5432/db?sslmode=disable")
    #expect(ConnectionString.scrub("host=h password=secret dbname=x") == "host=h password=*** dbname=x")
    let s = try PostgresSource(uri: "postgresql://u:secret@h/db?table=api")
    #expect(s.displayName == "postgresql://u:***@h/db table api")
    #expect(!s.displayName.contains("secret"))
    #expect(throws: PostgresError.self) { try PostgresSource(uri: "postgresql://u@h/db") }
  }

  /// The cases of issue 21's Done-when on api data: each pushed-down fit against the in-memory
  /// fit of the same data (`Model.fit`), terms exactly, estimates and SEs to 1e-9 relative.
  /// The in-memory fit's model, variance and design are those the pushdown's family and
  /// variance name.
  struct Case {
    var family: PushdownFamily
    var formula: String
    var weights: String? = nil
    var pushVariance: PushdownVariance
    var subpop: String? = nil
    var table: String = "apistrat"
    /// R `glm(subset =)` (a domain with a design).
    var subset: String? = nil

    /// The in-memory model of the family.
    var model: ModelKind {
      switch family {
      case .gaussian: .ols
      case .logit: .logit
      case .probit: .probit
      case .cloglog: .cloglog
      case .poisson: .poisson
      }
    }

    /// The in-memory variance (nil: the design's, for a design-based fit).
    var variance: Variance? {
      switch pushVariance {
      case .classical: .classical
      case .hc0: .hc(.hc0)
      case .hc1: .hc(.hc1)
      case .cluster(let column): .cluster([column])
      case .design: nil
      }
    }

    /// The design of a design-based fit.
    var design: DesignSpecification? {
      if case .design(let d) = pushVariance { return d }
      return nil
    }
  }

  static let apistratCases: [Case] = {
    let ols = "api00 ~ ell + meals + mobility + factor(stype)"
    let logit = "sch.wide ~ ell + meals + mobility"
    let pois = "ell ~ meals + factor(stype)"
    let stratified = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    let twoStage = DesignSpecification(weights: "pw", strata: "stype", psu: ["dnum"], nest: true)
    return [
      Case(family: .gaussian, formula: ols, pushVariance: .classical),
      Case(
        family: .gaussian, formula: "api00 ~ ell * factor(stype) + I(meals^2) + log(enroll) + sqrt(mobility)",
        pushVariance: .hc1),
      Case(family: .gaussian, formula: ols, pushVariance: .cluster("dnum")),
      Case(family: .gaussian, formula: ols, weights: "pw", pushVariance: .hc0),
      Case(family: .logit, formula: logit, pushVariance: .classical),
      Case(family: .logit, formula: logit, pushVariance: .hc0),
      Case(family: .poisson, formula: pois, pushVariance: .classical),
      Case(family: .poisson, formula: pois, pushVariance: .hc1),
      Case(family: .logit, formula: logit, pushVariance: .design(stratified)),
      // A domain: rows outside count zero, every stratum keeps its PSUs.
      Case(family: .logit, formula: logit, pushVariance: .design(stratified), subpop: "meals > 20 & stype != 'H'"),
      Case(family: .gaussian, formula: ols, pushVariance: .design(twoStage)),
      Case(family: .gaussian, formula: "api00 ~ ell + mobility", pushVariance: .design(twoStage), subpop: "enroll < 1500"),
    ]
  }()

  static let jk1 = DesignSpecification(
    weights: "pw", replicateWeights: ReplicateSpecification(columns: ["rw*"], type: .jk1))
  static let replicateCases: [Case] = [
    Case(family: .logit, formula: "sch.wide ~ ell + meals + mobility", pushVariance: .design(jk1), table: "apiclus1"),
    Case(
      family: .logit, formula: "sch.wide ~ ell + meals + mobility", pushVariance: .design(jk1), subpop: "stype == 'E'",
      table: "apiclus1"),
    Case(family: .poisson, formula: "ell ~ meals + factor(stype)", pushVariance: .design(jk1), table: "apiclus1"),
  ]

  /// Fits every case on `uri` (tables `apistrat` and `apiclus1`) and compares with the
  /// in-memory fit; returns the number of coefficients compared and the fits.
  static func compare(
    _ cases: [Case], uri: String, frames: [String: DataFrame], partitionKeys: [String: String] = [:]
  ) throws -> (compared: Int, fits: [PushdownFit]) {
    var compared = 0
    var fits: [PushdownFit] = []
    for c in cases {
      var spec = FitSpecification(model: c.model, formula: c.formula, variance: c.variance)
      if let d = c.design { spec.design = d } else { spec.weights = c.weights }
      spec.subpop = c.subpop
      spec.subset = c.subset
      let reference = try Model.fit(spec, data: try #require(frames[c.table]))
      let pushed = try Pushdown.fit(
        PushdownSpecification(
          family: c.family, formula: c.formula, weights: c.weights, variance: c.pushVariance, subpop: c.subpop,
          partitionKey: partitionKeys[c.table], subset: c.subset),
        source: try PostgresSource(uri: uri + "?table=\(c.table)"))
      fits.append(pushed)
      let label = "\(c.table) \(c.model) \(c.formula) \(c.pushVariance) \(c.subpop ?? "") \(c.subset ?? "")"
      #expect(pushed.observations == reference.fit.nobs, "\(label): observations")
      #expect(pushed.terms.count == reference.coefficients.count, "\(label)")
      for (j, r) in reference.coefficients.enumerated() where j < pushed.terms.count {
        compared += 1
        #expect(pushed.terms[j] == r.term, "\(label): term \(j)")
        let e = try #require(r.estimate), se = try #require(r.stdError)
        #expect(isClose(pushed.coefficients[j], e, rtol: 1e-9), "\(label) \(r.term): \(pushed.coefficients[j]) vs \(e)")
        #expect(
          isClose(pushed.standardErrors[j], se, rtol: 1e-9), "\(label) \(r.term) SE: \(pushed.standardErrors[j]) vs \(se)")
      }
      // Only aggregates cross the wire (a row-per-unit list appears only for designs without PSUs).
      // (A statement sent to a shard directly begins with `/* server */ `.)
      #expect(
        pushed.statements.allSatisfy {
          let body = $0.hasPrefix("/* ") ? String($0[($0.range(of: "*/ ")?.upperBound ?? $0.startIndex)...]) : $0
          return body.hasPrefix("SELECT DISTINCT") || body.contains("SUM(") || body.contains("COUNT(")
            || body.hasSuffix("WHERE a0 > 0.0")
        }, "\(label)")
    }
    return (compared, fits)
  }

  static let expectedComparisons = 6 + 9 + 6 + 6 + 4 + 4 + 4 + 4 + 4 + 4 + 6 + 3
  static let expectedReplicateComparisons = 4 + 4 + 4

  /// Fits `cases` on `uri` against the in-memory fits (`compare`) and expects `count`
  /// coefficients compared; returns the pushed-down fits.
  static func expectCompared(
    _ cases: [Case], _ count: Int, uri: String, frames: [String: DataFrame], partitionKeys: [String: String] = [:]
  ) throws -> [PushdownFit] {
    let run = try compare(cases, uri: uri, frames: frames, partitionKeys: partitionKeys)
    #expect(run.compared == count, "\(run.compared) coefficients compared, \(count) expected")
    return run.fits
  }

  /// Starts one server, loads the api tables (`APITables`), and runs `body` with the server and
  /// the tables' in-memory frames; the server is stopped afterwards.
  static func withLoadedServer(_ body: (PostgresServer, [String: DataFrame]) throws -> Void) throws {
    try withPostgresServer { server in
      try APITables.load(into: server)
      try body(server, try APITables.frames())
    }
  }

  /// Starts the sharded cluster, loads the api tables partitioned over its two shards, and runs
  /// `body` with the cluster and the tables' in-memory frames; the servers are stopped afterwards.
  static func withLoadedCluster(_ body: (ShardedCluster, [String: DataFrame]) throws -> Void) throws {
    try withShardedCluster { cluster in
      try APITables.load(into: cluster)
      try body(cluster, try APITables.frames())
    }
  }

  /// Expects the fit of `spec` on `source` to be refused with a `PostgresError` whose message
  /// holds each of `names`; `what` names the bad input in the failure.
  static func expectRefused(_ spec: PushdownSpecification, on source: PostgresSource, naming names: [String], _ what: String) {
    do {
      _ = try Pushdown.fit(spec, source: source)
      Issue.record("no error for \(what)")
    } catch let e as PostgresError {
      #expect(names.allSatisfy { e.description.contains($0) }, "\(what): \(e)")
    } catch {
      Issue.record("\(what): not a PostgresError: \(error)")
    }
  }

  @Test("single server: OLS, logit, Poisson, design logit with a domain and with JK1 weights equal the in-memory fit")
  func singleServer() throws {
    try Self.withLoadedServer { server, frames in
      _ = try Self.expectCompared(Self.apistratCases, Self.expectedComparisons, uri: server.uri, frames: frames)
      let replicated = try Self.expectCompared(
        Self.replicateCases, Self.expectedReplicateComparisons, uri: server.uri, frames: frames)
      #expect(replicated.allSatisfy { $0.replicates == 15 })
      // Grouping the sums by a column (as for a partitioned table) changes no digit that matters.
      _ = try Self.expectCompared(
        Array(Self.apistratCases.suffix(4)), 4 + 4 + 6 + 3, uri: server.uri, frames: frames,
        partitionKeys: ["apistrat": "stype"])
    }
  }

  @Test("sharded: a coordinator with two postgres_fdw shards pushes the partial sums down and equals the in-memory fit")
  func sharded() throws {
    try Self.withLoadedCluster { cluster, frames in try Self.sharded(cluster, frames: frames) }
  }

  static func sharded(_ cluster: ShardedCluster, frames: [String: DataFrame]) throws {
    let keys = APITables.partitionKeys
    let plain = try Self.expectCompared(
      Self.apistratCases, Self.expectedComparisons, uri: cluster.coordinator.uri, frames: frames, partitionKeys: keys)
    _ = try Self.expectCompared(
      Self.replicateCases, Self.expectedReplicateComparisons, uri: cluster.coordinator.uri, frames: frames,
      partitionKeys: keys)

    // The partitions live on two postgres_fdw servers: Strata sends each shard its partition's
    // statements directly (with the OFFSET 0 barrier), both at once, and adds their sums.
    #expect(plain.allSatisfy { $0.shards == ["shard1", "shard2"] })
    let shardPass = try #require(plain[9].statements.first { $0.hasPrefix("/* shard1 */") && $0.contains("SUM(ww0 * x0 * x0)") })
    #expect(shardPass.contains("\"public\".\"apistrat_part1\"") && shardPass.contains("OFFSET 0"))
    #expect(plain[9].statements.contains { $0.hasPrefix("/* shard2 */") && $0.contains("\"public\".\"apistrat_part2\"") })
    let onShard = try LibPQConnection(conninfo: cluster.shards[0].uri)
    let shardPlan = try onShard.query("EXPLAIN (VERBOSE) \(shardPass)").compactMap { $0.first ?? nil }
    #expect(shardPlan.contains { $0.contains("Seq Scan on public.apistrat_part1") }, "\(shardPlan)")
    #expect(shardPlan.contains { $0.contains("Aggregate") }, "\(shardPlan)")

    // The coordinator's statement (shardFanOut: false; what Citus, Greenplum and Redshift get):
    // each shard computes its partial sums (a Foreign Scan whose Remote SQL is the aggregate),
    // asynchronously; the numbers equal the fan-out's.
    func coordinatorFit(_ c: Case) throws -> PushdownFit {
      try Pushdown.fit(
        PushdownSpecification(
          family: c.family, formula: c.formula, weights: c.weights, variance: c.pushVariance, subpop: c.subpop,
          partitionKey: keys[c.table], shardFanOut: false),
        source: try PostgresSource(uri: cluster.coordinator.uri + "?table=\(c.table)"))
    }
    let viaCoordinator = try coordinatorFit(Self.apistratCases[9])
    #expect(viaCoordinator.shards.isEmpty)
    for j in viaCoordinator.coefficients.indices {
      #expect(isClose(viaCoordinator.coefficients[j], plain[9].coefficients[j], rtol: 1e-9))
      #expect(isClose(viaCoordinator.standardErrors[j], plain[9].standardErrors[j], rtol: 1e-9))
    }
    let pass = try #require(viaCoordinator.statements.first { $0.contains("SUM(ww0 * x0 * x0)") })
    let connection = try LibPQConnection(conninfo: cluster.coordinator.uri)
    let plan = try connection.query("EXPLAIN (VERBOSE) \(pass)").compactMap { $0.first ?? nil }
    let text = plan.joined(separator: "\n")
    let remote = plan.filter { $0.contains("Remote SQL:") }
    #expect(remote.count == 2, "\(text)")
    #expect(remote.allSatisfy { $0.contains("sum(") && $0.contains("GROUP BY") }, "\(text)")
    #expect(plan.filter { $0.contains("Async Foreign Scan") }.count == 2, "\(text)")
    #expect(plan.contains { $0.contains("Relations: Aggregate on (public.apistrat_part1") }, "\(text)")
    #expect(plan.contains { $0.contains("Relations: Aggregate on (public.apistrat_part2") }, "\(text)")
    // No row of the table reaches the coordinator: no Foreign Scan without an aggregate.
    #expect(!plan.contains { $0.contains("Foreign Scan on public.apistrat_part") }, "\(text)")

    // A pass grouped by a factor's labels (OLS with factor(stype)) is pushed down the same way.
    let groupedFit = try coordinatorFit(Self.apistratCases[0])
    let groupedPass = try #require(groupedFit.statements.first { $0.contains("GROUP BY fg, pk") })
    let groupedPlan = try connection.query("EXPLAIN (VERBOSE) \(groupedPass)").compactMap { $0.first ?? nil }
    let groupedRemote = groupedPlan.filter { $0.contains("Remote SQL:") }
    #expect(groupedRemote.count == 2, "\(groupedPlan.joined(separator: "\n"))")
    #expect(groupedRemote.allSatisfy { $0.contains("sum(") && $0.contains("GROUP BY") }, "\(groupedPlan)")
    #expect(!groupedPlan.contains { $0.contains("Foreign Scan on public.apistrat_part") }, "\(groupedPlan)")
  }

  @Test("bad input: unknown column and unsupported term name the culprit")
  func errors() throws {
    try withPostgresServer { server in try Self.errors(server) }
  }

  static func errors(_ server: PostgresServer) throws {
    let admin = try LibPQConnection(conninfo: server.uri)
    _ = try admin.query("CREATE TABLE t (y double precision, x double precision)")
    _ = try admin.query("INSERT INTO t VALUES (1, 2), (2, 3), (4, 1), (3, 5)")
    let source = try PostgresSource(uri: server.uri + "?table=t")
    expectRefused(
      PushdownSpecification(family: .gaussian, formula: "y ~ nosuch"), on: source, naming: ["nosuch"], "an unknown column")
    expectRefused(
      PushdownSpecification(family: .gaussian, formula: "y ~ poly(x, 2)"), on: source, naming: ["'poly(x, 2)'"],
      "poly(x, 2)")
    expectRefused(
      PushdownSpecification(
        family: .gaussian, formula: "y ~ x", weights: "x",
        variance: .design(DesignSpecification(weights: "x", strata: "nosuchstratum"))),
      on: source, naming: ["nosuchstratum"], "an unknown stratum column")
    #expect(throws: PostgresError.self) {
      try Pushdown.fit(
        PushdownSpecification(family: .gaussian, formula: "y ~ x"),
        source: try PostgresSource(uri: "postgresql://nobody:pw@127.0.0.1:1/db?table=t"))
    }
    do {
      _ = try Pushdown.fit(
        PushdownSpecification(family: .gaussian, formula: "y ~ x"),
        source: try PostgresSource(uri: "postgresql://nobody:pw@127.0.0.1:1/db?table=t"))
    } catch {
      #expect(!"\(error)".contains(":pw@"))
    }
  }
  @Test("strata fit --data postgresql://… (table or --sql, domain, JK1) prints the in-memory numbers and no password")
  func commandLine() throws {
    try withPostgresServer { server in try Self.commandLine(server) }
  }

  static func commandLine(_ server: PostgresServer) throws {
    try APITables.load(into: server)
    let replicates = try #require(APITables.files["apiclus1"])
    // trust authentication ignores the password; it must not appear in any output.
    let uri = "postgresql://postgres:sekret@127.0.0.1:\(server.port)/postgres"

    func check(_ arguments: [String], against spec: FitSpecification, data: String) throws {
      let run = try runStrata(arguments + ["--format", "json"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(!run.stdout.contains("sekret") && !run.stderr.contains("sekret"))
      #expect(run.stdout.contains("postgres:***@127.0.0.1"))
      let json = try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
      let coefficients = try #require(json["coefficients"] as? [[String: Any]])
      let reference = try Model.fit(spec, data: try DataFrame(contentsOf: data))
      #expect(coefficients.count == reference.coefficients.count)
      for (c, r) in zip(coefficients, reference.coefficients) {
        #expect(c["term"] as? String == r.term)
        let e = try #require(number(c["estimate"])), se = try #require(number(c["std_error"]))
        #expect(isClose(e, try #require(r.estimate), rtol: 1e-9), "\(r.term)")
        #expect(isClose(se, try #require(r.stdError), rtol: 1e-9), "\(r.term) SE")
      }
    }
    // A design-based logit on a query, in a domain.
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    spec.subpop = "meals > 20"
    try check(
      [
        "fit", "logit", "sch.wide ~ ell + meals + mobility", "--data", uri, "--sql", "SELECT * FROM apistrat",
        "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--subpop", "meals > 20",
      ], against: spec, data: datasetPath("apistrat.csv"))
    // JK1 replicate weights on a table.
    spec = FitSpecification(model: .poisson, formula: "ell ~ meals + factor(stype)")
    spec.design = Self.jk1
    try check(
      [
        "fit", "poisson", "ell ~ meals + factor(stype)", "--data", uri + "?table=apiclus1", "--weights", "pw",
        "--repweights", "rw*", "--reptype", "jk1",
      ], against: spec, data: replicates)

    // The text report is the in-memory fit's (RegressionReport): same lines, numbers to 1e-9
    // relative; only the Data: line names the source.
    func sameText(_ arguments: [String], table: String, file: String, pushdownOnly: [String] = []) throws {
      let pushed = try runStrata(arguments + ["--data", uri + "?table=\(table)"] + pushdownOnly)
      let memory = try runStrata(arguments + ["--data", file])
      #expect(pushed.status == 0, "\(pushed.stderr)")
      #expect(memory.status == 0, "\(memory.stderr)")
      #expect(pushed.stdout.contains("postgresql://postgres:***@127.0.0.1"), "\(pushed.stdout)")
      func body(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Data:") }
          .joined(separator: "\n")
          .replacingOccurrences(of: #""data":\s*"[^"]*""#, with: #""data": """#, options: .regularExpression)
      }
      let difference = textDifference(body(pushed.stdout), body(memory.stdout), rtol: 1e-9)
      #expect(difference == nil, "\(arguments): \(difference ?? "")\n\(pushed.stdout)\n\(memory.stdout)")
    }
    let apistrat = datasetPath("apistrat.csv")
    try sameText(
      [
        "fit", "logit", "sch.wide ~ ell + meals + mobility", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
        "--subpop", "meals > 20",
      ], table: "apistrat", file: apistrat)
    try sameText(
      ["fit", "ols", "api00 ~ ell + meals + factor(stype)", "--vce", "hc1"], table: "apistrat", file: apistrat)
    try sameText(
      ["fit", "wls", "api00 ~ ell * factor(stype) + log(enroll)", "--weights", "pw", "--cluster", "dnum"],
      table: "apistrat", file: apistrat)
    try sameText(
      ["fit", "poisson", "ell ~ meals + factor(stype)", "--weights", "pw", "--repweights", "rw*", "--reptype", "jk1"],
      table: "apiclus1", file: replicates)
    // Without an intercept every level has a column (the grouped sums' other branch).
    try sameText(["fit", "ols", "api00 ~ 0 + ell + factor(stype)", "--vce", "hc0"], table: "apistrat", file: apistrat)
    // Two-way clustering: score totals by cell of both columns.
    try sameText(["fit", "ols", "api00 ~ ell + meals", "--cluster", "dnum,cname"], table: "apistrat", file: apistrat)
    // Poisson's log-likelihood (AIC, BIC) needs Σ w lgamma(y + 1): summed by GROUP BY y.
    try sameText(["fit", "poisson", "ell ~ meals + factor(stype)"], table: "apistrat", file: apistrat)
    // Stata's convention (observed information, vce robust) and exact numeric sums.
    try sameText(
      ["fit", "logit", "sch.wide ~ ell + meals + factor(stype)", "--convention", "stata", "--vce", "robust"],
      table: "apistrat", file: apistrat, pushdownOnly: ["--exact-sums"])
    try sameText(
      ["fit", "logit", "sch.wide ~ ell + meals + factor(stype)", "--weights", "pw", "--strata", "stype", "--psu", "dnum",
       "--nest", "--format", "json"], table: "apistrat", file: apistrat)

    // probit and cloglog, and --subset (a WHERE condition; with a design a domain).
    try sameText(
      ["fit", "probit", "sch.wide ~ ell + meals + factor(stype)", "--subset", "meals > 20 & mobility < 40"],
      table: "apistrat", file: apistrat)
    try sameText(
      [
        "fit", "cloglog", "sch.wide ~ ell + meals + mobility", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
        "--subset", "stype != 'H'",
      ], table: "apistrat", file: apistrat)

    // A refused flag names itself, and so does a subset the SQL compiler cannot write; the text
    // report names the levels and no password; a bad term and an unknown column are named, and
    // the password is not.
    let refused = try runStrata(
      ["fit", "ols", "api00 ~ ell", "--data", uri + "?table=apistrat", "--split", "stype"])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--split is not available with a PostgreSQL --data yet"), "\(refused.stderr)")
    let subset = try runStrata(
      ["fit", "ols", "api00 ~ ell", "--data", uri + "?table=apistrat", "--subset", "nchar(sname) > 10"])
    #expect(subset.status != 0)
    #expect(subset.stderr.contains("'nchar(sname)'") && subset.stderr.contains("subset"), "\(subset.stderr)")
    let text = try runStrata(["fit", "ols", "api00 ~ ell + factor(stype)", "--data", uri + "?table=apistrat"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("factor(stype)M"))
    #expect(!text.stdout.contains("sekret"))
    let bad = try runStrata(["fit", "ols", "api00 ~ poly(ell, 2)", "--data", uri + "?table=apistrat"])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("'poly(ell, 2)'") && !bad.stderr.contains("sekret"), "\(bad.stderr)")
    let unknown = try runStrata(
      ["fit", "ols", "api00 ~ ell", "--data", uri + "?table=apistrat", "--weights", "pw", "--strata", "nosuch"])
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("'nosuch'") && !unknown.stderr.contains("sekret"), "\(unknown.stderr)")
    let hc3 = try runStrata(["fit", "ols", "api00 ~ ell", "--data", uri + "?table=apistrat", "--vce", "hc3"])
    #expect(hc3.status != 0)
    #expect(hc3.stderr.contains("HC3") && hc3.stderr.contains("not available with a PostgreSQL --data"), "\(hc3.stderr)")
    let notBinary = try runStrata(["fit", "logit", "ell ~ meals", "--data", uri + "?table=apistrat"])
    #expect(notBinary.status != 0)
    #expect(notBinary.stderr.contains("'ell'") && notBinary.stderr.contains("other than 0 and 1"), "\(notBinary.stderr)")
    let down = try runStrata(["fit", "ols", "api00 ~ ell", "--data", "postgresql://postgres:sekret@127.0.0.1:1/postgres?table=t"])
    #expect(down.status != 0)
    #expect(down.stderr.contains("PostgreSQL connection failed") && !down.stderr.contains("sekret"), "\(down.stderr)")
  }
}
