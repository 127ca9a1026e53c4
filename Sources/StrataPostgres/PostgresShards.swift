/// A partition of the table that lives on another PostgreSQL server (a `postgres_fdw` foreign
/// table), reached directly: Strata sends it the statements over the rows with the `OFFSET 0`
/// barrier, so the shard computes η, μ and the working quantities once a row (through the
/// coordinator, postgres_fdw pushes an aggregate down only when it sits directly on the foreign
/// table, and the shard then re-evaluates them inside each of the pass's ~150 aggregates).
final class ShardRoute {
  /// The foreign server's name (as in `CREATE SERVER`), used in messages and statement comments.
  let server: String
  /// The coordinator's partition (`schema.name`, for messages).
  let partition: String
  /// The remote table, quoted (`"schema"."name"`), as postgres_fdw names it.
  let relation: String
  let connection: LibPQConnection

  init(server: String, partition: String, relation: String, connection: LibPQConnection) {
    self.server = server
    self.partition = partition
    self.relation = relation
    self.connection = connection
  }
}

/// Finds the shards of a table partitioned over `postgres_fdw` foreign tables, from the
/// coordinator's catalog (`pg_partition_tree`, `pg_foreign_table`, `pg_foreign_server`, the
/// user mapping's `user`).
enum ShardDiscovery {
  /// Server options that are libpq connection parameters (postgres_fdw passes these to libpq;
  /// its own options such as `fetch_size` or `async_capable` are not).
  static let connectionOptions: Set<String> = [
    "host", "hostaddr", "port", "dbname", "service", "sslmode", "sslrootcert", "sslcrl", "sslcert", "sslkey",
    "sslcompression", "gssencmode", "krbsrvname", "channel_binding", "connect_timeout", "target_session_attrs",
    "requirepeer", "options",
  ]

  /// The route to every leaf partition of `from` (a quoted table name), or nil when the table is
  /// not partitioned, has a leaf that is not a `postgres_fdw` foreign table, or the catalog
  /// cannot be read (an engine without `pg_partition_tree`: Citus, Greenplum and Redshift
  /// distribute the coordinator's statement themselves). Only credentials libpq finds itself
  /// are used (`PGPASSWORD`, `~/.pgpass`, a service file); a password in a user mapping is not
  /// read. A shard that cannot be reached is an error naming it.
  static func routes(coordinator: LibPQConnection, from: String) throws -> [ShardRoute]? {
    let leaves: [[String?]]
    do {
      leaves = try coordinator.query(
        """
        SELECT c.relkind, n.nspname, c.relname, s.srvname, w.fdwname, \
        (SELECT o.option_value FROM pg_options_to_table(ft.ftoptions) AS o WHERE o.option_name = 'schema_name'), \
        (SELECT o.option_value FROM pg_options_to_table(ft.ftoptions) AS o WHERE o.option_name = 'table_name') \
        FROM pg_partition_tree(CAST(\(SQL.literal(from)) AS regclass)) AS t \
        JOIN pg_class AS c ON c.oid = t.relid JOIN pg_namespace AS n ON n.oid = c.relnamespace \
        LEFT JOIN pg_foreign_table AS ft ON ft.ftrelid = c.oid \
        LEFT JOIN pg_foreign_server AS s ON s.oid = ft.ftserver \
        LEFT JOIN pg_foreign_data_wrapper AS w ON w.oid = s.srvfdw \
        WHERE t.isleaf ORDER BY n.nspname, c.relname
        """)
    } catch {
      return nil
    }
    guard !leaves.isEmpty,
      leaves.allSatisfy({ $0[0] == "f" && $0[4] == "postgres_fdw" && $0[3] != nil })
    else { return nil }
    var options: [String: [String: String]] = [:]
    var routes: [ShardRoute] = []
    for leaf in leaves {
      let (schema, name, server) = (leaf[1] ?? "", leaf[2] ?? "", leaf[3] ?? "")
      if options[server] == nil { options[server] = try serverOptions(server, coordinator: coordinator) }
      let partition = "\(schema).\(name)"
      let conninfo = connectionString(options[server] ?? [:], coordinator: coordinator)
      let connection: LibPQConnection
      do { connection = try LibPQConnection(conninfo: conninfo) } catch let e as PostgresError {
        var reason = e.description
        if case .connection(let m) = e { reason = m.trimmingCharacters(in: .whitespacesAndNewlines) }
        let at = ["host", "port", "dbname"].compactMap { k in options[server]?[k].map { "\(k) \($0)" } }
        throw PostgresError.connection(
          message:
            "shard '\(server)' (the foreign server of partition \(partition)\(at.isEmpty ? "" : "; \(at.joined(separator: ", "))")) cannot be reached from this client: \(reason). Strata sums each partition on its shard; give the shard's credentials to libpq (~/.pgpass, PGPASSWORD, a service file), or leave out --partition-key and read a view of the table, so the coordinator sums the rows it fetches"
        )
      }
      _ = try? connection.query("SET jit = off")
      let remote = [leaf[5] ?? schema, leaf[6] ?? name].map(SQL.identifier).joined(separator: ".")
      routes.append(ShardRoute(server: server, partition: partition, relation: remote, connection: connection))
    }
    return routes
  }

  /// The foreign server's libpq options and the user mapping's `user` (for the current user, or
  /// PUBLIC), when the catalog shows them.
  static func serverOptions(_ server: String, coordinator: LibPQConnection) throws -> [String: String] {
    var out: [String: String] = [:]
    for row in try coordinator.query(
      "SELECT o.option_name, o.option_value FROM pg_foreign_server AS s, pg_options_to_table(s.srvoptions) AS o WHERE s.srvname = \(SQL.literal(server))"
    ) {
      if let k = row[0] ?? nil, let v = row[1] ?? nil, connectionOptions.contains(k) { out[k] = v }
    }
    let user = try coordinator.query(
      "SELECT o.option_value FROM pg_user_mappings AS m, pg_options_to_table(m.umoptions) AS o WHERE m.srvname = \(SQL.literal(server)) AND m.usename IN (CURRENT_USER, 'public') AND o.option_name = 'user' ORDER BY m.usename = 'public' LIMIT 1"
    )
    out["user"] = (user.first?.first ?? nil) ?? coordinator.user
    return out
  }

  /// A libpq key/value string. A loopback or missing host means the coordinator's own machine:
  /// seen from a client elsewhere, that is the coordinator's host.
  static func connectionString(_ options: [String: String], coordinator: LibPQConnection) -> String {
    var o = options
    func isLocal(_ h: String) -> Bool { h.isEmpty || h.hasPrefix("/") || h == "localhost" || h == "::1" || h.hasPrefix("127.") }
    let coordinatorHost = coordinator.host
    if o["hostaddr"] == nil, isLocal(o["host"] ?? ""), !isLocal(coordinatorHost) { o["host"] = coordinatorHost }
    func quote(_ v: String) -> String {
      "'" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
    return o.keys.sorted().map { "\($0)=\(quote(o[$0] ?? ""))" }.joined(separator: " ")
  }
}

/// Sends a pushdown's statements and keeps them in order: to the server of the URI, or, when
/// the table is partitioned over postgres_fdw foreign tables (`ShardDiscovery`), every
/// statement over the rows to each shard's remote table directly, all shards at once. The
/// statements are written over `relation`; every statement returns rows that the callers add
/// (sums by group, levels, units), so the shards' rows are simply put together.
final class StatementRunner {
  let connection: LibPQConnection
  /// The source's `FROM` item on the server of the URI.
  let from: String
  /// The shards summed directly (empty: every statement goes to the server of the URI).
  var shards: [ShardRoute] = []
  /// Every statement sent, in order (a shard's statements begin with `/* server */`).
  private(set) var log: [String] = []
  /// Stands for the table in a statement fanned out to the shards (replaced by each shard's
  /// remote table; a control character, so it can never reach a server unreplaced).
  static let shardRelation = "\u{1}strata_shard_relation\u{1}"

  init(connection: LibPQConnection, from: String) {
    self.connection = connection
    self.from = from
  }

  /// The runner of a pushdown on `opened`: with `fanOut`, a table (not a query) partitioned over
  /// postgres_fdw foreign tables has its statements over `relation` sent to each shard directly
  /// (`ShardDiscovery`); otherwise every statement goes to the server of the URI.
  convenience init(_ opened: OpenedSource, source: PostgresSource, fanOut: Bool) throws {
    self.init(connection: opened.connection, from: opened.from)
    if fanOut, source.table != nil, let routes = try ShardDiscovery.routes(coordinator: opened.connection, from: opened.from) {
      shards = routes
    }
  }

  /// The relation statements over the rows read: the source, or each shard's remote table.
  var relation: String { shards.isEmpty ? from : Self.shardRelation }

  /// Runs `sql`: on every shard at once when it reads `relation` and there are shards (all
  /// their rows returned together), else on the server of the URI.
  func run(_ sql: String) throws -> [[String?]] {
    guard !shards.isEmpty, sql.contains(Self.shardRelation) else {
      log.append(sql)
      return try connection.query(sql)
    }
    return try fanOut(sql)
  }

  /// The row of a statement of plain additive aggregates (`COUNT`, `SUM`; no `GROUP BY`): one
  /// row from each shard, added column by column with compensated summation (a NULL, the SUM
  /// over no rows, counts zero).
  func totals(_ sql: String) throws -> [Double] {
    let rows = try run(sql)
    var sums: [CompensatedSum] = []
    for row in rows {
      if sums.isEmpty { sums = Array(repeating: CompensatedSum(), count: row.count) }
      for (k, cell) in row.enumerated() {
        guard let text = cell else { continue }
        guard let v = Double(text) else {
          throw PostgresError.numerical("an aggregate returned '\(text)', not a number")
        }
        sums[k].add(v)
      }
    }
    return sums.map(\.value)
  }

  private func fanOut(_ sql: String) throws -> [[String?]] {
    let texts = shards.map { "/* \($0.server) */ " + sql.replacingOccurrences(of: Self.shardRelation, with: $0.relation) }
    log += texts
    var failure: Error?
    var sent: [Int] = []
    for (k, shard) in shards.enumerated() {
      do {
        try shard.connection.send(texts[k])
        sent.append(k)
      } catch {
        failure = named(error, shard)
        break
      }
    }
    var rows: [[String?]] = []
    for k in sent {
      do { rows += try shards[k].connection.receive(texts[k]) } catch { failure = failure ?? named(error, shards[k]) }
    }
    if let failure { throw failure }
    return rows
  }

  private func named(_ error: Error, _ shard: ShardRoute) -> Error {
    guard case .query(let message, let sql) = error as? PostgresError else { return error }
    return PostgresError.query(message: "shard '\(shard.server)' (partition \(shard.partition)): \(message)", sql: sql)
  }
}
