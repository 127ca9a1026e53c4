import Foundation
import Strata
@testable import StrataPostgres
import Testing
import _StrataTestSupport

/// The column types of a CSV file as the in-memory reader sees them: a column is numeric when
/// every non-empty value is a number, else text. Returns `"name" type` items.
func typedColumns(ofCSV path: String) throws -> [String] {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
  // R's write.csv quotes the names: the column is the name inside the quotes.
  let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map {
    $0.count >= 2 && $0.hasPrefix("\"") && $0.hasSuffix("\"") ? String($0.dropFirst().dropLast()) : String($0)
  }
  var numeric = Array(repeating: true, count: header.count)
  for line in lines.dropFirst() {
    // The test data have no quoted commas in the numeric columns; a quoted field is text.
    var fields: [String] = []
    var current = ""
    var quoted = false
    for ch in line {
      if ch == "\"" { quoted.toggle(); current.append(ch) } else if ch == "," && !quoted {
        fields.append(current)
        current = ""
      } else { current.append(ch) }
    }
    fields.append(current)
    for (k, f) in fields.enumerated() where k < header.count && !f.isEmpty && Double(f) == nil {
      numeric[k] = false
    }
  }
  return zip(header, numeric).map { "\(SQL.identifier($0)) \($1 ? "double precision" : "text")" }
}

/// Loads a CSV file into a new table of the server with COPY (empty fields are NULL).
func loadCSV(_ path: String, into table: String, server: PostgresServer) throws {
  let staged = try server.stage(path)
  let admin = try LibPQConnection(conninfo: server.uri)
  _ = try admin.query("CREATE TABLE \(table) (\(try typedColumns(ofCSV: path).joined(separator: ", ")))")
  _ = try admin.query("COPY \(table) FROM \(SQL.literal(staged)) WITH (FORMAT csv, HEADER true)")
}

/// Three stock servers: a coordinator whose tables are partitioned over two shard servers
/// through `postgres_fdw` foreign partitions (asynchronous, partitionwise aggregates on), the
/// layout Citus and Greenplum use. `fdw_tuple_cost` 1.0 (default 0.01) makes the planner price
/// a row shipped from a shard above a row's share of the aggregate (on these 200-row tables the
/// default keeps the aggregation local); stopped by `stop()`, also when starting fails half-way.
final class ShardedCluster {
  let coordinator: PostgresServer
  let shards: [PostgresServer]

  init() throws {
    var started: [PostgresServer] = []
    do {
      for _ in 0..<3 { started.append(try PostgresServer()) }
      coordinator = started[0]
      shards = Array(started[1...])
      let c = try LibPQConnection(conninfo: coordinator.uri)
      _ = try c.query("CREATE EXTENSION postgres_fdw")
      for (k, shard) in shards.enumerated() {
        _ = try c.query(
          "CREATE SERVER shard\(k + 1) FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '\(shard.port)', dbname 'postgres', async_capable 'true', fdw_tuple_cost '1.0')"
        )
        _ = try c.query("CREATE USER MAPPING FOR postgres SERVER shard\(k + 1) OPTIONS (user 'postgres')")
      }
      _ = try c.query("ALTER DATABASE postgres SET enable_partitionwise_aggregate = on")
    } catch {
      for s in started { s.stop() }
      throw error
    }
  }

  /// Loads `path` as `table` on the coordinator, partitioned by `partition` (the SQL after
  /// `PARTITION BY`) over one foreign partition per shard (`bounds[k]` after `FOR VALUES`).
  func load(_ path: String, as table: String, partition: String, bounds: [String]) throws {
    let columns = try typedColumns(ofCSV: path).joined(separator: ", ")
    for (k, shard) in shards.enumerated() {
      _ = try LibPQConnection(conninfo: shard.uri).query("CREATE TABLE \(table)_part\(k + 1) (\(columns))")
    }
    try loadCSV(path, into: "\(table)_staging", server: coordinator)
    let c = try LibPQConnection(conninfo: coordinator.uri)
    _ = try c.query("CREATE TABLE \(table) (\(columns)) PARTITION BY \(partition)")
    for (k, bound) in bounds.enumerated() {
      _ = try c.query(
        "CREATE FOREIGN TABLE \(table)_part\(k + 1) PARTITION OF \(table) FOR VALUES \(bound) SERVER shard\(k + 1) OPTIONS (table_name '\(table)_part\(k + 1)')"
      )
    }
    _ = try c.query("INSERT INTO \(table) SELECT * FROM \(table)_staging")
    _ = try c.query("DROP TABLE \(table)_staging")
    for k in shards.indices { _ = try c.query("ANALYZE \(table)_part\(k + 1)") }
  }

  func stop() {
    coordinator.stop()
    for s in shards { s.stop() }
  }
}

/// Starts one throwaway server, runs `body` with it and stops it, also when `body` throws; a
/// server that cannot start is a recorded test failure naming the reason.
func withPostgresServer(_ body: (PostgresServer) throws -> Void) throws {
  let server: PostgresServer
  do { server = try PostgresServer() } catch {
    Issue.record("cannot start a PostgreSQL server: \(error)")
    return
  }
  defer { server.stop() }
  try body(server)
}

/// Starts the sharded cluster (a coordinator and two `postgres_fdw` shards), runs `body` with it
/// and stops all three servers, also when `body` throws.
func withShardedCluster(_ body: (ShardedCluster) throws -> Void) throws {
  let cluster: ShardedCluster
  do { cluster = try ShardedCluster() } catch {
    Issue.record("cannot start the three PostgreSQL servers: \(error)")
    return
  }
  defer { cluster.stop() }
  try body(cluster)
}

/// The api tables the pushdown tests fit: `apistrat` (the shipped file) and `apiclus1` with the
/// JK1 replicate analysis weights R's `as.svrepdesign` made (`Tests/Fixtures/stream/make_jk1.R`),
/// with the in-memory data frames of the same files (the reference fits' data).
enum APITables {
  static let files = [
    "apistrat": datasetPath("apistrat.csv"),
    "apiclus1": repositoryPath("Tests/Fixtures/stream/apiclus1_jk1.csv"),
  ]
  /// How the sharded cluster partitions each table, and the key the pushed-down sums group by.
  static let partitions: [String: (partition: String, bounds: [String], key: String)] = [
    "apistrat": ("LIST (stype)", ["IN ('E', 'H')", "IN ('M')"], "stype"),
    "apiclus1": ("HASH (dnum)", ["WITH (MODULUS 2, REMAINDER 0)", "WITH (MODULUS 2, REMAINDER 1)"], "dnum"),
  ]
  static var partitionKeys: [String: String] { partitions.mapValues(\.key) }

  static func frames() throws -> [String: DataFrame] {
    try files.mapValues { try DataReader.read(path: $0) }
  }

  /// Loads `tables` (default both) into one server.
  static func load(into server: PostgresServer, tables: [String] = ["apistrat", "apiclus1"]) throws {
    for t in tables { try loadCSV(try #require(files[t]), into: t, server: server) }
  }

  /// Loads `tables` (default both) into the cluster, each partitioned over the two shards.
  static func load(into cluster: ShardedCluster, tables: [String] = ["apistrat", "apiclus1"]) throws {
    for t in tables {
      let p = try #require(partitions[t])
      try cluster.load(try #require(files[t]), as: t, partition: p.partition, bounds: p.bounds)
    }
  }
}
