import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// Means, totals, proportions and ratios pushed down to real PostgreSQL servers started here
/// (one server, and a coordinator with two `postgres_fdw` shards) give the in-memory
/// `DescriptiveResult`: estimates, SEs and intervals to 1e-9 relative, n, df and notes equal.
/// The in-memory path (`SurveyDesign.estimate`) is itself tested against R survey
/// (`svymean`, `svytotal`, `svyratio`, `svyby`), so it is the reference here.
@Suite("PostgreSQL descriptive pushdown", .serialized)
struct DescriptivePushdownTests {
  struct Case {
    var statistic: DescriptiveStatistic
    var variables: [String]
    var design: DesignSpecification
    var by: [String] = []
    var subpop: String? = nil
    var convention: IntervalConvention = .r
    var table = "apistrat"
  }

  static let stratified = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
  static let twoStage = DesignSpecification(weights: "pw", strata: "stype", psu: ["dnum"], nest: true)
  static let cluster = DesignSpecification(weights: "pw", psu: ["dnum"], fpc: ["fpc"])
  static let jk1 = DesignSpecification(
    weights: "pw", replicateWeights: ReplicateSpecification(columns: ["rw*"], type: .jk1))

  static let cases: [Case] = [
    // Strata with FPC (every row its own PSU); a variable with missing values.
    Case(statistic: .mean, variables: ["api00", "acs.k3"], design: stratified),
    Case(statistic: .total, variables: ["enroll", "acs.46"], design: stratified, convention: .stata),
    Case(statistic: .proportion, variables: ["sch.wide", "stype"], design: stratified),
    Case(statistic: .ratio, variables: ["api.stu", "enroll"], design: stratified),
    // With PSUs, groups and a domain.
    Case(statistic: .mean, variables: ["api00"], design: twoStage, by: ["stype"]),
    Case(statistic: .mean, variables: ["api00", "acs.k3"], design: twoStage, by: ["sch.wide", "yr.rnd"], subpop: "meals > 20"),
    Case(statistic: .total, variables: ["enroll"], design: twoStage, by: ["yr.rnd"], subpop: "enroll < 1500"),
    Case(statistic: .proportion, variables: ["sch.wide"], design: twoStage, by: ["stype"], subpop: "meals > 20"),
    Case(statistic: .ratio, variables: ["acs.k3", "enroll"], design: twoStage, by: ["yr.rnd"], convention: .stata),
    // One-stage cluster sample with FPC; a numeric factor (numeric labels and order).
    Case(statistic: .mean, variables: ["api00"], design: cluster, by: ["stype"], table: "apiclus1"),
    Case(statistic: .proportion, variables: ["stype", "yr.rnd"], design: cluster, by: ["sch.wide"], table: "apiclus1"),
    // JK1 replicate weights.
    Case(statistic: .mean, variables: ["api00", "avg.ed"], design: jk1, by: ["stype"], table: "apiclus1"),
    Case(statistic: .total, variables: ["enroll"], design: jk1, subpop: "stype == 'E'", table: "apiclus1"),
    Case(statistic: .proportion, variables: ["sch.wide"], design: jk1, by: ["stype"], convention: .stata, table: "apiclus1"),
    Case(statistic: .ratio, variables: ["api.stu", "enroll"], design: jk1, by: ["stype"], table: "apiclus1"),
  ]

  static func close(_ a: Double, _ b: Double, _ rtol: Double = 1e-9) -> Bool {
    (a.isNaN && b.isNaN) || isClose(a, b, rtol: rtol)
  }

  /// The in-memory result of case `c` (the reference of every other path).
  static func reference(_ c: Case, frames: [String: DataFrame]) throws -> DescriptiveResult {
    var design = try SurveyDesign(
      data: try #require(frames[c.table]), specification: c.design, convention: c.convention == .stata ? .stata : .r)
    if let subpop = c.subpop { design = try design.subpopulation(subpop) }
    return c.statistic == .ratio
      ? try design.ratio(c.variables[0], to: c.variables[1], by: c.by)
      : try design.estimate(c.statistic, variables: c.variables, by: c.by)
  }

  static func label(_ c: Case) -> String {
    "\(c.table) \(c.statistic) \(c.variables) by \(c.by) \(c.subpop ?? "") \(c.convention)"
  }

  /// Expects `r` to equal the in-memory `reference`: estimates, SEs, intervals and CVs to 1e-9
  /// (deff 1e-7), n, df, labels and notes equal. Returns the estimates compared.
  static func expectSame(_ r: DescriptiveResult, _ reference: DescriptiveResult, label: String) -> Int {
    var compared = 0
    #expect(r.estimates.count == reference.estimates.count, "\(label)")
    #expect(r.df == reference.df, "\(label) df")
    #expect(r.notes == reference.notes, "\(label) notes: \(r.notes) vs \(reference.notes)")
    #expect(r.design.observations == reference.design.observations, "\(label)")
    #expect(close(r.design.populationSize, reference.design.populationSize), "\(label)")
    for (p, e) in zip(r.estimates, reference.estimates) {
      compared += 1
      let what = "\(label): \(e.variable) \(e.level ?? "") \(e.by.map { "\($0.0)=\($0.1)" })"
      #expect(p.variable == e.variable && p.level == e.level, "\(what)")
      #expect(p.by.map(\.0) == e.by.map(\.0) && p.by.map(\.1) == e.by.map(\.1), "\(what): \(p.by)")
      #expect(close(p.estimate, e.estimate), "\(what): \(p.estimate) vs \(e.estimate)")
      // A proportion fixed by the design (a stratum's share of the sample) has SE 0: both
      // paths give rounding noise (~1e-17) there, compared against the estimate's scale.
      let noise = max(abs(p.stdError), abs(e.stdError)) <= 1e-12 * max(1, abs(e.estimate))
      #expect(noise || close(p.stdError, e.stdError), "\(what) SE: \(p.stdError) vs \(e.stdError)")
      #expect(close(p.confLow, e.confLow) && close(p.confHigh, e.confHigh), "\(what) CI")
      #expect(noise || close(p.cv, e.cv), "\(what) CV")
      #expect(p.observations == e.observations, "\(what) n: \(p.observations) vs \(e.observations)")
      #expect(p.df == e.df, "\(what) df")
      // deff from Σwy² − (Σwy)²/Σw: a few digits lost to cancellation.
      #expect((p.deff == nil) == (e.deff == nil), "\(what) deff presence")
      if let a = p.deff, let b = e.deff { #expect(noise || close(a, b, 1e-7), "\(what) deff: \(a) vs \(b)") }
    }
    return compared
  }

  /// Runs every case on `uri` and compares with the in-memory result; returns the estimates
  /// compared and the pushed-down results.
  static func compare(
    _ cases: [Case], uri: String, frames: [String: DataFrame], partitionKeys: [String: String] = [:]
  ) throws -> (compared: Int, pushed: [DescriptivePushdown]) {
    var compared = 0
    var pushed: [DescriptivePushdown] = []
    for c in cases {
      let reference = try Self.reference(c, frames: frames)
      let result = try Pushdown.descriptives(
        DescriptivePushdownSpecification(
          statistic: c.statistic, variables: c.variables, design: c.design, by: c.by, subpop: c.subpop,
          convention: c.convention, partitionKey: partitionKeys[c.table]),
        source: try PostgresSource(uri: uri + "?table=\(c.table)"))
      pushed.append(result)
      let label = Self.label(c)
      compared += expectSame(result.result, reference, label: label)
      // Only sums cross the wire when the design has PSUs or replicate weights.
      if !c.design.psu.isEmpty || c.design.replicateWeights != nil {
        #expect(result.statements.allSatisfy { $0.contains("SUM(") }, "\(label)")
      }
    }
    return (compared, pushed)
  }

  /// Two-way tables (`strata tab`): strata+FPC, a one-stage cluster sample with FPC, PSUs with
  /// a domain, JK1 replicate columns with and without a domain, Stata intervals.
  struct TabCase {
    var row: String
    var column: String
    var design: DesignSpecification
    var subpop: String? = nil
    var convention: IntervalConvention = .r
    var table = "apistrat"
  }

  static let tabCases: [TabCase] = [
    TabCase(row: "sch.wide", column: "stype", design: stratified),
    TabCase(row: "sch.wide", column: "yr.rnd", design: twoStage, subpop: "meals > 20", convention: .stata),
    TabCase(row: "stype", column: "sch.wide", design: cluster, table: "apiclus1"),
    TabCase(row: "sch.wide", column: "stype", design: jk1, table: "apiclus1"),
    TabCase(row: "stype", column: "yr.rnd", design: jk1, subpop: "enroll < 1500", table: "apiclus1"),
  ]

  /// The in-memory table of `c` and its row and column shares (the text grid's).
  static func reference(_ c: TabCase, frames: [String: DataFrame]) throws
    -> (table: CrossTabulation, rowShares: DescriptiveResult, columnShares: DescriptiveResult)
  {
    var design = try SurveyDesign(
      data: try #require(frames[c.table]), specification: c.design, convention: c.convention == .stata ? .stata : .r)
    if let subpop = c.subpop { design = try design.subpopulation(subpop) }
    return (
      try design.tabulate(c.row, by: c.column), try design.proportion(c.column, by: c.row),
      try design.proportion(c.row, by: c.column)
    )
  }

  /// Expects a table from sums to equal the in-memory one: levels, cells, margins, the
  /// Rao–Scott statistic, ndf, ddf and p to 1e-9 relative, df and counts equal, and its shares
  /// to equal the in-memory proportions by group. Returns the numbers compared.
  static func expectSame(_ a: AggregateTabulation, _ c: TabCase, frames: [String: DataFrame]) throws -> Int {
    let (t, rowShares, columnShares) = try reference(c, frames: frames)
    let r = a.table
    let label = "\(c.table) tab \(c.row) \(c.column) \(c.subpop ?? "") \(c.convention)"
    #expect(r.rowLevels == t.rowLevels && r.columnLevels == t.columnLevels, "\(label): \(r.rowLevels) \(r.columnLevels)")
    #expect(r.df == t.df && r.domain == t.domain && r.level == t.level, "\(label) df \(r.df) vs \(t.df)")
    #expect(r.design.observations == t.design.observations, "\(label)")
    var compared = 0
    func same(_ x: Double, _ y: Double, _ what: String, scale: Double = 1) {
      compared += 1
      // An SE fixed at zero by the design (a stratum's share) is rounding noise on both paths.
      let noise = max(abs(x), abs(y)) <= 1e-12 * scale
      #expect(noise || close(x, y), "\(label) \(what): \(x) vs \(y)")
    }
    for (x, y) in [(r.pearson, t.pearson), (r.statistic, t.statistic), (r.ndf, t.ndf), (r.ddf, t.ddf), (r.pValue, t.pValue)] {
      same(x, y, "test")
    }
    #expect(r.cells.count == t.cells.count, "\(label)")
    for (p, e) in zip(r.cells, t.cells) {
      let what = "cell \(e.row) \(e.column)"
      #expect(p.row == e.row && p.column == e.column, "\(label) \(what)")
      same(p.proportion, e.proportion, what)
      same(p.stdError, e.stdError, what + " SE")
      same(p.confLow, e.confLow, what + " low")
      same(p.confHigh, e.confHigh, what + " high")
      same(p.total, e.total, what + " total")
    }
    for (p, e) in zip(r.rowMargins + r.columnMargins, t.rowMargins + t.columnMargins) {
      let what = "margin \(e.level)"
      #expect(p.level == e.level, "\(label) \(what)")
      same(p.proportion, e.proportion, what)
      same(p.stdError, e.stdError, what + " SE")
      same(p.confLow, e.confLow, what + " low")
      same(p.confHigh, e.confHigh, what + " high")
      same(p.total, e.total, what + " total")
    }
    #expect(r.rowMargins.count == t.rowMargins.count && r.columnMargins.count == t.columnMargins.count, "\(label)")
    compared += expectSame(a.rowShares, rowShares, label: label + " row shares")
    compared += expectSame(a.columnShares, columnShares, label: label + " column shares")
    return compared
  }

  /// Runs every table case on `uri`; returns the numbers compared and the statements sent.
  static func compareTabs(uri: String, frames: [String: DataFrame], partitionKeys: [String: String] = [:]) throws
    -> (compared: Int, statements: [[String]])
  {
    var compared = 0
    var statements: [[String]] = []
    for c in tabCases {
      let pushed = try Pushdown.tabulate(
        c.row, by: c.column,
        spec: DescriptivePushdownSpecification(
          statistic: .proportion, variables: [], design: c.design, subpop: c.subpop, convention: c.convention,
          partitionKey: partitionKeys[c.table]),
        source: try PostgresSource(uri: uri + "?table=\(c.table)"))
      compared += try expectSame(pushed.tabulation, c, frames: frames)
      statements.append(pushed.statements)
      // Only sums cross the wire when the design has PSUs or replicate weights (without, each
      // row is a unit and its terms are sent).
      if !c.design.psu.isEmpty || c.design.replicateWeights != nil {
        #expect(pushed.statements.allSatisfy { $0.contains("SUM(") }, "\(c.row) \(c.column)")
      }
    }
    return (compared, statements)
  }

  /// Estimates of the in-memory results of `cases` (each case also checks the counts agree).
  static let expected = 60

  static func frames(replicates: String) throws -> [String: DataFrame] {
    [
      "apistrat": try DataFrame(contentsOf: datasetPath("apistrat.csv")),
      "apiclus1": try DataFrame(contentsOf: replicates),
    ]
  }

  @Test("single server: mean, total, prop, ratio with strata+FPC, PSUs, by, subpop and JK1 equal the in-memory results")
  func singleServer() throws {
    try withPostgresServer { server in
      let replicates = try #require(APITables.files["apiclus1"])
      try loadCSV(datasetPath("apistrat.csv"), into: "apistrat", server: server)
      try loadCSV(replicates, into: "apiclus1", server: server)
      let frames = try Self.frames(replicates: replicates)
      let plain = try Self.compare(Self.cases, uri: server.uri, frames: frames)
      #expect(plain.compared == Self.expected)
      // Grouping the sums by a column (as for a partitioned table) changes no digit that matters.
      let grouped = try Self.compare(
        Self.cases, uri: server.uri, frames: frames, partitionKeys: ["apistrat": "stype", "apiclus1": "dnum"])
      #expect(grouped.compared == Self.expected)
      // Two-way tables: two aggregate statements each (a third for the JK1 domain's df).
      let tabs = try Self.compareTabs(uri: server.uri, frames: frames)
      #expect(tabs.compared > 5 * 30)
      #expect(tabs.statements.map { $0.filter { $0.contains("GROUP BY") }.count } == [0, 2, 2, 2, 2])
      let groupedTabs = try Self.compareTabs(
        uri: server.uri, frames: frames, partitionKeys: ["apistrat": "stype", "apiclus1": "dnum"])
      #expect(groupedTabs.compared == tabs.compared)
    }
  }

  @Test("sharded: a coordinator with two postgres_fdw shards pushes the sums down and equals the in-memory results")
  func sharded() throws {
    try withShardedCluster { cluster in
      let replicates = try #require(APITables.files["apiclus1"])
      try cluster.load(
        datasetPath("apistrat.csv"), as: "apistrat", partition: "LIST (stype)", bounds: ["IN ('E', 'H')", "IN ('M')"])
      try cluster.load(
        replicates, as: "apiclus1", partition: "HASH (dnum)",
        bounds: ["WITH (MODULUS 2, REMAINDER 0)", "WITH (MODULUS 2, REMAINDER 1)"])
      let frames = try Self.frames(replicates: replicates)
      let keys = ["apistrat": "stype", "apiclus1": "dnum"]
      let run = try Self.compare(Self.cases, uri: cluster.coordinator.uri, frames: frames, partitionKeys: keys)
      #expect(run.compared == Self.expected)
      let tabs = try Self.compareTabs(uri: cluster.coordinator.uri, frames: frames, partitionKeys: keys)
      #expect(tabs.compared > 5 * 30)
      // Each shard computes its partial sums (a Foreign Scan whose Remote SQL is the aggregate):
      // the two-stage mean by two groups in a domain (grouped by stratum and PSU), the one-stage
      // cluster mean by stype (grouped by PSU) and the JK1 mean (by group only).
      let connection = try LibPQConnection(conninfo: cluster.coordinator.uri)
      for (index, table) in [(5, "apistrat"), (9, "apiclus1"), (11, "apiclus1")] {
        let statement = try #require(run.pushed[index].statements.last { $0.contains("GROUP BY") })
        let plan = try connection.query("EXPLAIN (VERBOSE) \(statement)").compactMap { $0.first ?? nil }
        let text = plan.joined(separator: "\n")
        let remote = plan.filter { $0.contains("Remote SQL:") }
        #expect(remote.count == 2, "\(text)")
        #expect(remote.allSatisfy { $0.contains("sum(") && $0.contains("GROUP BY") }, "\(text)")
        #expect(plan.contains { $0.contains("Relations: Aggregate on (public.\(table)_part1") }, "\(text)")
        #expect(plan.contains { $0.contains("Relations: Aggregate on (public.\(table)_part2") }, "\(text)")
        #expect(!plan.contains { $0.contains("Foreign Scan on public.\(table)_part") }, "\(text)")
      }
      try Self.expectSetUpOnShards(run.pushed.map(\.statements) + tabs.statements, cluster: cluster)
      #expect(run.pushed.allSatisfy { $0.shards == ["shard1", "shard2"] })
      // Without fan-out (what Citus, Greenplum and Redshift get) the set-up statements go to the
      // coordinator, and the numbers are the in-memory ones all the same.
      for index in [5, 12] {
        let c = Self.cases[index]
        let viaCoordinator = try Pushdown.descriptives(
          DescriptivePushdownSpecification(
            statistic: c.statistic, variables: c.variables, design: c.design, by: c.by, subpop: c.subpop,
            convention: c.convention, partitionKey: keys[c.table], shardFanOut: false),
          source: try PostgresSource(uri: cluster.coordinator.uri + "?table=\(c.table)"))
        #expect(viaCoordinator.shards.isEmpty)
        #expect(!viaCoordinator.statements.contains { $0.hasPrefix("/* ") }, "\(viaCoordinator.statements)")
        let reference = try Self.reference(c, frames: frames)
        #expect(Self.expectSame(viaCoordinator.result, reference, label: Self.label(c) + " via the coordinator") > 0)
      }
    }
  }

  /// Expects each pushdown's set-up statements (the design columns' NULL check, a replicate
  /// design's df) to have gone to both shards directly, and its sums by unit (the statements
  /// over the coordinator's table) to the coordinator; shows with EXPLAIN on the shards that a
  /// NULL check and a replicate df statement scan the shard's own partition.
  static func expectSetUpOnShards(_ runs: [[String]], cluster: ShardedCluster) throws {
    var nullCheck: String?
    var replicateDF: String?
    for statements in runs {
      let onShards = statements.filter { $0.hasPrefix("/* shard") }
      let one = onShards.filter { $0.hasPrefix("/* shard1 */") }
      #expect(!one.isEmpty && one.count * 2 == onShards.count, "\(statements)")
      // Every NULL check and df statement went to the shards; what the coordinator got reads
      // its partitioned table and is not a set-up statement.
      for s in statements where !s.hasPrefix("/* shard") {
        #expect(!s.contains("IS NULL THEN 1") && !s.contains("* rw0 * rw0)"), "\(s)")
        #expect((s.contains("\"apistrat\"") || s.contains("\"apiclus1\"")) && !s.contains("_part"), "\(s)")
      }
      nullCheck = nullCheck ?? one.first { $0.contains("IS NULL THEN 1") && $0.contains("apistrat_part1") }
      replicateDF = replicateDF ?? one.first { $0.contains("* rw0 * rw0)") && $0.contains("apiclus1_part1") }
    }
    let onShard = try LibPQConnection(conninfo: cluster.shards[0].uri)
    for statement in [try #require(nullCheck), try #require(replicateDF)] {
      let plan = try onShard.query("EXPLAIN (VERBOSE) \(statement)").compactMap { $0.first ?? nil }
      #expect(plan.contains { $0.contains("Seq Scan on public.apistrat_part1") || $0.contains("Seq Scan on public.apiclus1_part1") }, "\(plan)")
      #expect(plan.contains { $0.contains("Aggregate") }, "\(plan)")
    }
  }

  @Test("bad input: unknown or text variables, NULL design columns and unsupported statistics name the culprit")
  func errors() throws {
    try withPostgresServer { server in
      let admin = try LibPQConnection(conninfo: server.uri)
      _ = try admin.query("CREATE TABLE t (y double precision, g text, w double precision, h text)")
      _ = try admin.query("INSERT INTO t VALUES (1, 'a', 2, 'x'), (2, 'b', NULL, 'x'), (4, 'a', 1, 'y'), (3, 'b', 1, 'y')")
      let source = try PostgresSource(uri: server.uri + "?table=t")
      func message(_ spec: DescriptivePushdownSpecification) -> String {
        do {
          _ = try Pushdown.descriptives(spec, source: source)
          return ""
        } catch { return "\(error)" }
      }
      #expect(message(.init(statistic: .mean, variables: ["nosuch"])).contains("'nosuch'"))
      #expect(message(.init(statistic: .mean, variables: ["g"])).contains("'g'"))
      #expect(message(.init(statistic: .mean, variables: ["y"], by: ["nosuchgroup"])).contains("'nosuchgroup'"))
      #expect(message(.init(statistic: .mean, variables: ["y"], design: DesignSpecification(weights: "w"))).contains("'w'"))
      #expect(message(.init(statistic: .quantile, variables: ["y"])).contains("quantile"))
      #expect(
        message(.init(statistic: .mean, variables: ["y"], design: DesignSpecification(strata: "nosuchstratum")))
          .contains("nosuchstratum"))
    }
  }

  @Test("strata mean|prop|ratio|tab --data postgresql://… print the in-memory numbers; prop --ci and quantile are refused")
  func commandLine() throws {
    try withPostgresServer { server in
      try loadCSV(datasetPath("apistrat.csv"), into: "apistrat", server: server)
      let uri = "postgresql://postgres:sekret@127.0.0.1:\(server.port)/postgres?table=apistrat"
      let design = ["--weights", "pw", "--strata", "stype", "--psu", "dnum", "--nest"]
      for command in [["mean", "api00"], ["prop", "sch.wide"], ["ratio", "api.stu/enroll"], ["total", "enroll"]] {
        let arguments = command + design + ["--by", "stype", "--format", "json"]
        let pushed = try runStrata(arguments + ["--data", uri])
        let memory = try runStrata(arguments + ["--data", datasetPath("apistrat.csv")])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(!pushed.stdout.contains("sekret") && !pushed.stderr.contains("sekret"))
        func numbers(_ text: String) throws -> [[Double]] {
          let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
          let rows = try #require(json["estimates"] as? [[String: Any]])
          return rows.map { row in ["estimate", "se", "std_error"].compactMap { row[$0] as? Double } }
        }
        let a = try numbers(pushed.stdout), b = try numbers(memory.stdout)
        #expect(a.count == b.count && !a.isEmpty, "\(command)")
        for (x, y) in zip(a, b) {
          #expect(x.count == y.count && !x.isEmpty, "\(command)")
          for (u, v) in zip(x, y) { #expect(Self.close(u, v), "\(command): \(u) vs \(v)") }
        }
      }
      // tab: the in-memory text (grid and --long) with the source's name, csv and json to 1e-9.
      let shown = try PostgresSource(uri: uri).displayName
      #expect(!shown.contains("sekret"))
      for format in [[], ["--long"], ["--format", "csv"], ["--format", "json"]] {
        let arguments = ["tab", "sch.wide", "yr.rnd", "--subpop", "meals > 20"] + design + format
        let pushed = try runStrata(arguments + ["--data", uri])
        let memory = try runStrata(arguments + ["--data", datasetPath("apistrat.csv")])
        #expect(pushed.status == 0 && memory.status == 0, "\(format): \(pushed.stderr) \(memory.stderr)")
        #expect(!pushed.stdout.contains("sekret") && !pushed.stderr.contains("sekret"))
        let text = pushed.stdout.replacingOccurrences(of: shown, with: datasetPath("apistrat.csv"))
        // The same text; numbers to 1e-9, or one unit in the last printed place (a value on a
        // rounding boundary, such as 6.875%, may be printed either way).
        let difference = textDifference(text, memory.stdout, rtol: 1e-9)
        #expect(difference == nil, "\(format): \(difference ?? "")")
      }
      let ci = try runStrata(["prop", "sch.wide", "--ci", "beta", "--data", uri] + design)
      #expect(ci.status != 0 && ci.stderr.contains("prop --ci"), "\(ci.stderr)")
      let quantile = try runStrata(["quantile", "api00", "--data", uri] + design)
      #expect(quantile.status != 0 && quantile.stderr.contains("quantile"), "\(quantile.stderr)")
    }
  }
}
