import Foundation
import StrataFormula
import StrataScale

/// Errors of the PostgreSQL pushdown path; every message names the table, column or term
/// concerned and never contains a password.
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
  case connection(message: String)
  case query(message: String, sql: String)
  case source(String)
  case unsupported(String)
  case data(String)
  case numerical(String)

  public var description: String {
    switch self {
    case .connection(let m): return "PostgreSQL connection failed: \(m.trimmingCharacters(in: .whitespacesAndNewlines))"
    case .query(let m, _): return "PostgreSQL query failed: \(m.trimmingCharacters(in: .whitespacesAndNewlines))"
    case .source(let m): return "PostgreSQL data source: \(m)"
    case .unsupported(let m): return "not supported by the PostgreSQL pushdown yet: \(m)"
    case .data(let m): return m
    case .numerical(let m): return m
    }
  }
}

/// Connection strings: libpq URIs (`postgresql://user@host:port/db?table=schema.name`) or
/// key/value strings, with Strata's own `table` parameter split off.
public enum ConnectionString {
  /// True for a `postgresql://` or `postgres://` URI.
  public static func isPostgres(_ s: String) -> Bool {
    s.hasPrefix("postgresql://") || s.hasPrefix("postgres://")
  }

  /// Removes passwords: the `:secret@` of a URI, `password=` parameters and key/values.
  public static func scrub(_ s: String) -> String {
    var out = s
    // user:password@ in a URI
    if let re = try? NSRegularExpression(pattern: "(postgres(?:ql)?://[^:/@\\s]*):[^/?\\s]*@") {
      out = re.stringByReplacingMatches(
        in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1:***@")
    }
    if let re = try? NSRegularExpression(pattern: "(password\\s*=\\s*)('[^']*'|[^&\\s]*)", options: [.caseInsensitive]) {
      out = re.stringByReplacingMatches(
        in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1***")
    }
    return out
  }

  /// Splits `table=` off a URI: the libpq connection string and the table (nil if absent).
  public static func split(_ uri: String) -> (conninfo: String, table: String?) {
    guard let q = uri.firstIndex(of: "?") else { return (uri, nil) }
    let base = String(uri[..<q])
    var kept: [String] = []
    var table: String?
    for part in uri[uri.index(after: q)...].split(separator: "&") {
      if part.hasPrefix("table=") {
        table = String(part.dropFirst(6)).removingPercentEncoding ?? String(part.dropFirst(6))
      } else {
        kept.append(String(part))
      }
    }
    return (kept.isEmpty ? base : base + "?" + kept.joined(separator: "&"), table)
  }
}

/// Where the rows live: a table (`schema.name`) or a query, on a server.
public struct PostgresSource: Sendable, Equatable {
  /// The libpq connection string (may hold a password: never print it; use `displayName`).
  public var conninfo: String
  public var table: String?
  public var sql: String?

  /// `uri` as given to `--data`; `sql` from `--sql`. Exactly one of a `table=` parameter and
  /// `sql` must be present.
  public init(uri: String, sql: String? = nil) throws {
    let (conninfo, table) = ConnectionString.split(uri)
    if table == nil && sql == nil {
      throw PostgresError.source("\(ConnectionString.scrub(uri)) names no table: add ?table=schema.name or give --sql 'SELECT …'")
    }
    if table != nil && sql != nil {
      throw PostgresError.source("give either ?table= in \(ConnectionString.scrub(uri)) or --sql, not both")
    }
    self.conninfo = conninfo
    self.table = table
    self.sql = sql
  }

  /// The source as printed in reports: the URI without password, and the table or query.
  public var displayName: String {
    let c = ConnectionString.scrub(conninfo)
    if let table { return "\(c) table \(table)" }
    return "\(c) query"
  }

  /// The `FROM` item: a quoted table name, or the query as a derived table.
  func fromClause() throws -> String {
    if let table {
      let parts = table.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
        throw PostgresError.source("table '\(table)' is not 'name' or 'schema.name'")
      }
      return parts.map(SQL.identifier).joined(separator: ".")
    }
    let q = (sql ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    let body = q.hasSuffix(";") ? String(q.dropLast()) : q
    return "(\(body)) AS strata_source"
  }
}

/// A source opened for a pushdown: the connection (JIT off), the `FROM` item, the label used in
/// messages and the columns with their kinds. The fit and the descriptives both start here.
struct OpenedSource {
  let connection: LibPQConnection
  /// The `FROM` item (`fromClause()`).
  let from: String
  /// "table schema.name" or "the query", for messages.
  let label: String
  let schema: SourceSchema
}

extension PostgresSource {
  /// Connects, turns PostgreSQL's JIT off and reads the source's column types.
  ///
  /// PostgreSQL's JIT compiles each statement's expressions with LLVM; the passes' hundreds of
  /// aggregate expressions take it minutes to compile for seconds of work. Engines without the
  /// setting refuse it, which is harmless. Columns of other types than numbers, text and
  /// booleans are left out of the schema ("not a column" names them when used).
  func open() throws -> OpenedSource {
    let connection = try LibPQConnection(conninfo: conninfo)
    _ = try? connection.query("SET jit = off")
    let from = try fromClause()
    let label = table.map { "table \($0)" } ?? "the query"
    let described = try connection.describe("SELECT * FROM \(from) LIMIT 0")
    var kinds: [String: SQLColumnKind] = [:]
    for (name, type) in described {
      switch type {
      case 20, 21, 23, 700, 701, 1700, 26: kinds[name] = .numeric
      case 25, 1042, 1043, 18, 19: kinds[name] = .text
      case 16: kinds[name] = .boolean
      default: continue
      }
    }
    let schema = SourceSchema(names: described.map(\.name), kinds: kinds, label: label)
    return OpenedSource(connection: connection, from: from, label: label, schema: schema)
  }
}

/// SQL text helpers.
enum SQL {
  /// A double-quoted identifier.
  static func identifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
  /// A single-quoted string literal.
  static func literal(_ s: String) -> String {
    "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
  }
  /// A double literal that round-trips exactly.
  static func number(_ x: Double) -> String {
    "CAST(\(String(format: "%.17g", x)) AS double precision)"
  }
}

extension ConnectionString {
  /// The connection string with any password taken out (not masked): the `:secret@` of a URI,
  /// a `password=` URI parameter or key/value pair. What a saved fit records: reconnecting then
  /// finds the password where libpq looks for it (`PGPASSWORD`, `~/.pgpass`, a service file).
  public static func removingPassword(_ s: String) -> String {
    var out = s
    // Up to the authority's last `@` (a password with an unencoded `@` goes too).
    if let re = try? NSRegularExpression(pattern: "(postgres(?:ql)?://[^:/@\\s]*):[^/?\\s]*@") {
      out = re.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1@")
    }
    // A URI parameter (`?password=…&`, `&password=…`).
    if let re = try? NSRegularExpression(pattern: "([?&])password=[^&\\s]*&?", options: [.caseInsensitive]) {
      out = re.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1")
    }
    if out.hasSuffix("?") || out.hasSuffix("&") { out.removeLast() }
    // A key/value pair (`password=secret`, `password = 'a b'`).
    if let re = try? NSRegularExpression(pattern: "\\s*\\bpassword\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S*)", options: [.caseInsensitive]) {
      out = re.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "")
    }
    return out.trimmingCharacters(in: .whitespaces)
  }
}

extension PostgresSource {
  /// A source from its parts (a saved fit's: a connection string without the table, and the
  /// table or the query).
  public init(conninfo: String, table: String?, sql: String?) throws {
    if (table == nil) == (sql == nil) {
      throw PostgresError.source("\(ConnectionString.scrub(conninfo)): give either a table or a query")
    }
    self.conninfo = conninfo
    self.table = table
    self.sql = sql
  }
}

/// The estimation rows of a model pushed down to a source, as `Pushdown.fit` selects them:
/// the connection (and the shards reached directly), the complete cases of the columns the
/// model reads, the subset (a `WHERE` condition without a design) and the domain (`--subpop`,
/// and `--subset` with a design), and the analysis weight. Used by the statements that run
/// after a fit (scenario sums).
struct PushdownRows {
  let opened: OpenedSource
  let runner: StatementRunner
  /// The condition the estimation rows meet (complete cases, subset, domain).
  let estimationRows: String
  /// The partition key the sums are grouped by (nil: none).
  let partitionKey: String?
  /// The weight of a row (`1.0` without weights).
  let weight: String
  let weighted: Bool

  init(_ specification: ScaleSpecification, source: PostgresSource, partitionKey: String?, shardFanOut: Bool) throws {
    opened = try source.open()
    runner = try StatementRunner(opened, source: source, fanOut: shardFanOut)
    let schema = opened.schema
    self.partitionKey = partitionKey
    if let key = partitionKey { _ = try schema.kind(of: key, in: "the partition key") }
    let design = specification.design
    let weightColumn = design?.weights ?? specification.weights
    if let w = weightColumn {
      guard try schema.kind(of: w, in: "weights") == .numeric else {
        throw PostgresError.data("weights '\(w)' of \(opened.label) is not numeric")
      }
      weight = "CAST(\(SQL.identifier(w)) AS double precision)"
    } else {
      weight = "1.0"
    }
    weighted = weightColumn != nil
    func condition(_ text: String, _ option: String) throws -> String {
      try SQLExpressionCompiler.condition(parsing: text, option: option, schema: schema)
    }
    // With a design the subset is part of the domain; without one it is a WHERE condition.
    let subpop = try specification.subpop.map { try condition($0, "subpop") }
    let subset = try specification.subset.map { try condition($0, "subset") }
    let columns = try SQLModel.columnsRead(formula: specification.formula, schema: schema)
    let used = Pushdown.unique(
      columns + (design == nil ? (weightColumn.map { [$0] } ?? []) : []) + specification.clusters)
    let parts = used.map { "\(SQL.identifier($0)) IS NOT NULL" } + [subset, subpop].compactMap { $0.map { "(\($0))" } }
    estimationRows = parts.isEmpty ? "1 = 1" : parts.joined(separator: " AND ")
  }

  /// The sorted levels of a factor's label SQL over the estimation rows (each shard's, united),
  /// in R's C-locale order, as `Pushdown.fit` reads them.
  func levels(of sql: String) throws -> [String] {
    let found = try runner.run("SELECT DISTINCT \(sql) AS level FROM \(runner.relation) WHERE \(estimationRows)")
    return Set(found.compactMap { $0.first ?? nil }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// The formula compiled over these rows, with each factor's label SQL and levels in the
  /// order the compiler asked for them (what `SQLModel.compile(formula:schema:replacing:levels:)`
  /// replays).
  func model(_ formula: String) throws -> (model: SQLModel, levels: [(sql: String, levels: [String])]) {
    var levels: [(sql: String, levels: [String])] = []
    let model = try SQLModel.compile(formula: formula, schema: opened.schema) { sql in
      let found = try self.levels(of: sql)
      levels.append((sql, found))
      return found
    }
    return (model, levels)
  }

  /// `OFFSET 0` between the levels of the working rows, except for the coordinator's statement
  /// over a partition key (`PostgresAggregates.barrier`).
  var barrier: String { partitionKey == nil || !runner.shards.isEmpty ? " OFFSET 0" : "" }
}
