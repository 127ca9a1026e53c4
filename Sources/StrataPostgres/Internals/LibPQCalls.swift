import CLibPQ

/// The one place that touches libpq's C API (and its pointers): a connection that runs a
/// query and returns its rows as text. Every message leaving here has passwords scrubbed.
final class LibPQConnection {
  private let handle: OpaquePointer

  /// Connects with a libpq connection string or URI (environment variables, service and
  /// password files apply as in `psql`).
  init(conninfo: String) throws {
    guard let h = PQconnectdb(conninfo) else {
      throw PostgresError.connection(message: "libpq could not allocate a connection")
    }
    if PQstatus(h) != CONNECTION_OK {
      let message = String(cString: PQerrorMessage(h))
      PQfinish(h)
      throw PostgresError.connection(message: ConnectionString.scrub(message))
    }
    handle = h
  }

  deinit { PQfinish(handle) }

  /// The names and type OIDs of a query's result columns (run with `LIMIT 0`).
  func describe(_ sql: String) throws -> [(name: String, type: UInt32)] {
    guard let result = PQexec(handle, sql) else {
      throw PostgresError.query(message: ConnectionString.scrub(String(cString: PQerrorMessage(handle))), sql: sql)
    }
    defer { PQclear(result) }
    guard PQresultStatus(result) == PGRES_TUPLES_OK else {
      throw PostgresError.query(message: ConnectionString.scrub(String(cString: PQresultErrorMessage(result))), sql: sql)
    }
    return (0..<PQnfields(result)).map { (String(cString: PQfname(result, $0)), UInt32(PQftype(result, $0))) }
  }

  /// Runs one statement; returns its rows (SQL NULL as nil), or throws the server's message.
  func query(_ sql: String) throws -> [[String?]] {
    guard let result = PQexec(handle, sql) else {
      throw PostgresError.query(message: ConnectionString.scrub(String(cString: PQerrorMessage(handle))), sql: sql)
    }
    defer { PQclear(result) }
    return try Self.rows(of: result, sql: sql)
  }

  /// Sends one statement without waiting for its result (libpq's asynchronous API), so several
  /// servers can work at once; `receive(_:)` collects the rows.
  func send(_ sql: String) throws {
    if PQsendQuery(handle, sql) == 0 {
      throw PostgresError.query(message: ConnectionString.scrub(String(cString: PQerrorMessage(handle))), sql: sql)
    }
  }

  /// The rows of the statement `send(_:)` sent (waits for them); reads every result, so the
  /// connection is ready for the next statement even after an error.
  func receive(_ sql: String) throws -> [[String?]] {
    var rows: [[String?]] = []
    var failure: PostgresError?
    while let result = PQgetResult(handle) {
      defer { PQclear(result) }
      do { rows += try Self.rows(of: result, sql: sql) } catch let e as PostgresError { failure = failure ?? e }
    }
    if let failure { throw failure }
    return rows
  }

  /// The user name, host and port of the connection (the host as libpq reports it: a name, an
  /// address or a socket folder).
  var user: String { String(cString: PQuser(handle)) }
  var host: String { String(cString: PQhost(handle)) }

  private static func rows(of result: OpaquePointer, sql: String) throws -> [[String?]] {
    let status = PQresultStatus(result)
    if status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK {
      let message = String(cString: PQresultErrorMessage(result))
      throw PostgresError.query(message: ConnectionString.scrub(message), sql: sql)
    }
    let rows = Int(PQntuples(result))
    let cols = Int(PQnfields(result))
    var out: [[String?]] = []
    out.reserveCapacity(rows)
    for r in 0..<rows {
      var row: [String?] = []
      row.reserveCapacity(cols)
      for c in 0..<cols {
        if PQgetisnull(result, Int32(r), Int32(c)) != 0 {
          row.append(nil)
        } else {
          row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
        }
      }
      out.append(row)
    }
    return out
  }
}
