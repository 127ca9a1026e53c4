import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// Probit and cloglog (Φ, φ and Φ⁻¹ in plain SQL arithmetic, `SQLMath`), `--subset` compiled
/// into the WHERE clause (a domain with a design), and the set-up statements fanned out to the
/// shards: each pushed-down fit against the in-memory fit (`Model.fit`, itself tested against
/// R's glm/svyglm), estimates and SEs to 1e-9 relative, on one server and on the sharded cluster.
@Suite("PostgreSQL pushdown: probit, cloglog, --subset, set-up on the shards", .serialized)
struct PushdownLinksAndSubsetTests {
  typealias Case = PushdownTests.Case

  static let stratified = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
  static let twoStage = DesignSpecification(weights: "pw", strata: "stype", psu: ["dnum"], nest: true)
  /// apiclus1 with strata that the hash partitions on `dnum` split over both shards (each row
  /// a unit): the shards' unit lists are merged stratum by stratum.
  static let splitStrata = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])

  static let linkCases: [Case] = {
    let binary = "sch.wide ~ ell + meals + mobility"
    let factor = "sch.wide ~ ell + meals + factor(stype)"
    return [
      Case(family: .probit, formula: binary, pushVariance: .classical),
      Case(family: .cloglog, formula: binary, pushVariance: .hc1),
      // A factor: the cross-products grouped by its labels.
      Case(family: .probit, formula: factor, pushVariance: .classical),
      Case(family: .cloglog, formula: factor, pushVariance: .cluster("dnum")),
      Case(family: .probit, formula: binary, pushVariance: .design(stratified)),
      Case(family: .cloglog, formula: binary, pushVariance: .design(stratified), subpop: "meals > 20 & stype != 'H'"),
      Case(family: .probit, formula: binary, pushVariance: .design(twoStage)),
      Case(family: .cloglog, formula: binary, pushVariance: .design(splitStrata), table: "apiclus1"),
      Case(family: .probit, formula: binary, pushVariance: .design(PushdownTests.jk1), table: "apiclus1"),
    ]
  }()
  /// Terms compared: 4 + 4 + 5 + 5 + 4 × 5.
  static let linkComparisons = 4 + 4 + 5 + 5 + 4 * 5

  static let subsetCases: [Case] = {
    let binary = "sch.wide ~ ell + meals + mobility"
    return [
      Case(family: .gaussian, formula: "api00 ~ ell + meals + factor(stype)", pushVariance: .hc1, subset: "meals > 20"),
      Case(
        family: .logit, formula: binary, pushVariance: .cluster("dnum"), subset: "enroll < 1500 & stype %in% c('E', 'M')"),
      // Levels from the subset's rows only (R's model.frame drops unused levels).
      Case(
        family: .poisson, formula: "ell ~ meals + factor(stype)", weights: "pw", pushVariance: .hc0,
        subset: "stype != 'H'"),
      Case(family: .probit, formula: binary, pushVariance: .classical, subset: "!(mobility > 30)"),
      // With a design the subset is a domain (every PSU kept), alone and with --subpop.
      Case(family: .logit, formula: binary, pushVariance: .design(stratified), subset: "meals > 20"),
      Case(
        family: .gaussian, formula: "api00 ~ ell + mobility", pushVariance: .design(twoStage), subpop: "enroll < 1500",
        subset: "meals > 10"),
      Case(
        family: .logit, formula: binary, pushVariance: .design(PushdownTests.jk1), table: "apiclus1",
        subset: "stype == 'E'"),
    ]
  }()
  static let subsetComparisons = 5 + 4 + 3 + 4 + 4 + 3 + 4

  /// Fits the link and subset cases on `uri` against the in-memory fits; returns the fits.
  static func compareAll(uri: String, frames: [String: DataFrame], partitionKeys: [String: String] = [:]) throws
    -> (links: [PushdownFit], subsets: [PushdownFit])
  {
    let links = try PushdownTests.expectCompared(
      Self.linkCases, Self.linkComparisons, uri: uri, frames: frames, partitionKeys: partitionKeys)
    let subsets = try PushdownTests.expectCompared(
      Self.subsetCases, Self.subsetComparisons, uri: uri, frames: frames, partitionKeys: partitionKeys)
    return (links, subsets)
  }

  @Test("one server: probit, cloglog and --subset equal the in-memory fit")
  func singleServer() throws {
    try PushdownTests.withLoadedServer { server, frames in
      let subsets = try Self.compareAll(uri: server.uri, frames: frames).subsets
      // Without a design the subset is in the WHERE clause of the statements over the rows.
      #expect(subsets[0].statements.contains { $0.contains("WHERE") && $0.contains("> CAST(20 AS double precision)") })
      try Self.refusals(server)
    }
  }

  @Test("sharded: probit, cloglog and --subset equal the in-memory fit; every set-up statement runs on the shards")
  func sharded() throws {
    try PushdownTests.withLoadedCluster { cluster, frames in
      let keys = APITables.partitionKeys
      let (links, subsets) = try Self.compareAll(uri: cluster.coordinator.uri, frames: frames, partitionKeys: keys)

      // Set-up included (factor levels, NULL checks, unit lists, counts), no statement reads
      // the table through the coordinator: each goes to both shards directly.
      for fit in links + subsets {
        #expect(fit.shards == ["shard1", "shard2"])
        #expect(!fit.statements.isEmpty && fit.statements.allSatisfy { $0.hasPrefix("/* shard") }, "\(fit.statements)")
        let one = fit.statements.filter { $0.hasPrefix("/* shard1 */") }.count
        #expect(one * 2 == fit.statements.count)
      }
      // The factor's levels come from each shard's partition (a DISTINCT on the shard) ...
      let levels = try #require(links[2].statements.first { $0.hasPrefix("/* shard1 */ SELECT DISTINCT") })
      let onShard = try LibPQConnection(conninfo: cluster.shards[0].uri)
      let levelPlan = try onShard.query("EXPLAIN (VERBOSE) \(levels)").compactMap { $0.first ?? nil }
      #expect(levelPlan.contains { $0.contains("Seq Scan on public.apistrat_part1") }, "\(levelPlan)")
      // ... and the design's units from a GROUP BY on each shard, merged by the client.
      let units = try #require(
        links[6].statements.first { $0.hasPrefix("/* shard2 */") && $0.contains("GROUP BY h, c") && $0.contains("COUNT(*)") })
      let onShard2 = try LibPQConnection(conninfo: cluster.shards[1].uri)
      let unitPlan = try onShard2.query("EXPLAIN (VERBOSE) \(units)").compactMap { $0.first ?? nil }
      #expect(unitPlan.contains { $0.contains("Seq Scan on public.apistrat_part2") }, "\(unitPlan)")
      #expect(unitPlan.contains { $0.contains("Aggregate") }, "\(unitPlan)")

      // Without fan-out (what Citus, Greenplum and Redshift get) the set-up statements go to
      // the coordinator, and the numbers are the same.
      let c = Self.linkCases[7]
      let viaCoordinator = try Pushdown.fit(
        PushdownSpecification(
          family: c.family, formula: c.formula, variance: c.pushVariance, partitionKey: keys[c.table],
          shardFanOut: false),
        source: try PostgresSource(uri: cluster.coordinator.uri + "?table=\(c.table)"))
      #expect(viaCoordinator.shards.isEmpty)
      #expect(!viaCoordinator.statements.contains { $0.hasPrefix("/* ") })
      for j in viaCoordinator.coefficients.indices {
        #expect(isClose(viaCoordinator.coefficients[j], links[7].coefficients[j], rtol: 1e-9))
        #expect(isClose(viaCoordinator.standardErrors[j], links[7].standardErrors[j], rtol: 1e-9))
      }
    }
  }

  /// A subset the SQL compiler cannot compile is refused, naming the expression; so is a
  /// response that is not 0/1 for probit.
  static func refusals(_ server: PostgresServer) throws {
    let source = try PostgresSource(uri: server.uri + "?table=apistrat")
    PushdownTests.expectRefused(
      PushdownSpecification(family: .gaussian, formula: "api00 ~ ell", subset: "nchar(sname) > 10"), on: source,
      naming: ["'nchar(sname)'", "subset"], "nchar() in a subset")
    PushdownTests.expectRefused(
      PushdownSpecification(family: .gaussian, formula: "api00 ~ ell", subset: "nosuch > 1"), on: source,
      naming: ["nosuch"], "an unknown column in a subset")
    PushdownTests.expectRefused(
      PushdownSpecification(family: .probit, formula: "ell ~ meals"), on: source, naming: ["'ell'", "probit"],
      "a probit of a count")
  }

  /// The SQL Φ, φ, Φ⁻¹, expm1 and log1p evaluated by the server equal the library's
  /// (`Normal`, Foundation) over their ranges, to a few ulps.
  @Test("SQL Φ, φ, Φ⁻¹, expm1 and log1p equal the library's")
  func functions() throws {
    try withPostgresServer { server in
      let connection = try LibPQConnection(conninfo: server.uri)
      /// The server's value of `function` (SQL over a column `x`) at `x`.
      func value(_ function: (String) -> String, at x: Double) throws -> Double {
        let row = try connection.query("SELECT \(function("x")) FROM (SELECT \(SQL.number(x)) AS x) AS t")[0]
        return try #require(Double(row[0] ?? ""))
      }
      var xs: [Double] = [0, 1e-300, -1e-20, 0.3, -0.67448975, 0.67448976, 1, -1.5, 2.5, 4, -5.6568, 5.6569, 7, -8.1]
      xs += (0..<40).map { -8.2 + 0.41 * Double($0) }
      for x in xs {
        let cdf = try value(SQLMath.normalCDF, at: x), density = try value(SQLMath.normalDensity, at: x)
        #expect(isClose(cdf, Normal.cdf(x), rtol: 1e-13), "Φ(\(x)): \(cdf) vs \(Normal.cdf(x))")
        #expect(isClose(density, Normal.density(x), rtol: 1e-13), "φ(\(x))")
      }
      for p in [1e-300, 1e-20, 1e-5, 0.02425, 0.07, 0.075, 0.3, 0.5, 0.5 + 1e-9, 0.925, 0.99, 1 - 1e-12] {
        let q = try value(SQLMath.normalQuantile, at: p)
        #expect(isClose(q, Normal.quantile(p), rtol: 1e-13), "Φ⁻¹(\(p)): \(q) vs \(Normal.quantile(p))")
      }
      for x in [-700.0, -40, -1, -1e-3, -1e-10, -1e-300, 0, 1e-12, 1e-4, 0.3, 2, 30] {
        let e = try value(SQLMath.expm1, at: x)
        #expect(isClose(e, Foundation.expm1(x), rtol: 1e-14), "expm1(\(x)): \(e) vs \(Foundation.expm1(x))")
      }
      for x in [-0.999, -0.5, -1e-3, -1e-10, -1e-300, 0, 1e-12, 1e-4, 0.3, 2, 1e10] {
        let e = try value(SQLMath.log1p, at: x)
        #expect(isClose(e, Foundation.log1p(x), rtol: 1e-14), "log1p(\(x)): \(e) vs \(Foundation.log1p(x))")
      }
    }
  }
}
