import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataScale

/// A descriptive request pushed down to PostgreSQL: `strata mean|total|prop|ratio` on a table.
public struct DescriptivePushdownSpecification: Sendable {
  /// `.mean`, `.total`, `.proportion` or `.ratio` (others are refused).
  public var statistic: DescriptiveStatistic
  /// Numeric variables (mean, total), factors (proportion), or `[numerator, denominator]`.
  public var variables: [String]
  /// The survey design (nil: equal weights, each row its own PSU, as in memory).
  public var design: DesignSpecification?
  /// Group variables (R `svyby`).
  public var by: [String]
  /// A domain (R `subset(design, …)`): rows outside it count zero, every PSU is kept.
  public var subpop: String?
  public var level: Double
  public var convention: IntervalConvention
  /// The table's partition or distribution key: the sums are grouped by it too (pushed to shards).
  public var partitionKey: String?
  /// Sums over `numeric` (exact, slower) instead of double precision.
  public var exactSums: Bool
  /// When the table is partitioned over postgres_fdw foreign tables, send the set-up statements
  /// (NULL checks, a replicate design's df) to each shard directly, all at once, as a fit does
  /// (`StatementRunner`); false sends them to the coordinator. The sums by unit go to the
  /// coordinator, which pushes them to the shards grouped by the partition key.
  public var shardFanOut: Bool

  public init(
    statistic: DescriptiveStatistic, variables: [String], design: DesignSpecification? = nil, by: [String] = [],
    subpop: String? = nil, level: Double = 95, convention: IntervalConvention = .r, partitionKey: String? = nil,
    exactSums: Bool = false, shardFanOut: Bool = true
  ) {
    self.statistic = statistic
    self.variables = variables
    self.design = design
    self.by = by
    self.subpop = subpop
    self.level = level
    self.convention = convention
    self.partitionKey = partitionKey
    self.exactSums = exactSums
    self.shardFanOut = shardFanOut
  }
}

/// The result of a pushed-down descriptive: the in-memory path's `DescriptiveResult` (rendered by
/// `DescriptiveReport`) and the SQL that produced it.
public struct DescriptivePushdown: Sendable {
  public var result: DescriptiveResult
  /// Every statement sent, in order (no connection details).
  public var statements: [String]
  /// The source as printed in reports (no password).
  public var source: String
  /// The shards the set-up statements were sent to directly (their foreign servers' names;
  /// empty: every statement went to the server of the URI).
  public var shards: [String] = []
}

extension Pushdown {
  /// Design-based means, totals, proportions or a ratio of the rows of `source`, computed from
  /// sums the server returns grouped by sampling unit (stratum, PSU), domain group and (for
  /// proportions) level: one statement a variable (one for all variables of a mean or total).
  /// The estimates, their influence totals by unit and the variance are formed client-side
  /// (`StrataScale.AggregateDescriptives`).
  ///
  /// - Throws: `PostgresError` naming the column (unknown, not numeric, missing values in a
  ///   design column), `DesignError` as the in-memory design would.
  public static func descriptives(_ spec: DescriptivePushdownSpecification, source: PostgresSource) throws
    -> DescriptivePushdown
  {
    switch spec.statistic {
    case .mean, .total, .proportion: break
    case .ratio:
      guard spec.variables.count == 2 else { throw DesignError.ratioNeedsTwoVariables }
    case .quantile, .variance:
      throw PostgresError.unsupported("\(spec.statistic.rawValue) (mean, total, prop and ratio are pushed down)")
    }
    let (runner, label, schema) = try openDescriptiveSource(source, fanOut: spec.shardFanOut)
    let descriptive = try PostgresDescriptiveSource(runner: runner, label: label, schema: schema, spec: spec)
    let result = try AggregateDescriptives.estimate(
      spec.statistic, variables: spec.variables, source: descriptive, level: spec.level,
      convention: spec.convention, domain: spec.subpop)
    return DescriptivePushdown(
      result: result, statements: runner.log, source: source.displayName, shards: runner.shards.map(\.server))
  }
}

extension Pushdown {
  /// The statements' runner (the connection, the FROM clause and, with `fanOut`, the shards
  /// the set-up statements go to), the source's label and its columns' kinds: the set-up every
  /// pushed-down descriptive (and table) shares.
  static func openDescriptiveSource(_ source: PostgresSource, fanOut: Bool) throws
    -> (runner: StatementRunner, label: String, schema: SourceSchema)
  {
    let opened = try source.open()
    return (try StatementRunner(opened, source: source, fanOut: fanOut), opened.label, opened.schema)
  }

  /// A design-based two-way table of the rows of `source`: the proportions of the column
  /// variable by row level and of the row variable by column level, pushed down as for
  /// `descriptives` (two statements, plus the domain's replicate df for a replicate design
  /// with a domain); the cells' covariance, the Rao–Scott test and the margins are formed
  /// client-side (`StrataScale.AggregateDescriptives.tabulate`).
  ///
  /// - Parameters:
  ///   - spec: the design, domain, level, convention, partition key and sums (its statistic,
  ///     variables and `by` are not read; `by` must be empty).
  /// - Throws: `PostgresError` naming the column, `DesignError` as the in-memory table would.
  public static func tabulate(
    _ rowVariable: String, by columnVariable: String, spec: DescriptivePushdownSpecification, source: PostgresSource
  ) throws -> (tabulation: AggregateTabulation, statements: [String], source: String) {
    guard spec.by.isEmpty else { throw PostgresError.unsupported("a table by groups (use a domain)") }
    let (runner, label, schema) = try openDescriptiveSource(source, fanOut: spec.shardFanOut)
    func grouped(_ variable: String) throws -> PostgresDescriptiveSource {
      var s = spec
      s.statistic = .proportion
      s.by = [variable]
      return try PostgresDescriptiveSource(runner: runner, label: label, schema: schema, spec: s)
    }
    let byRow = try grouped(rowVariable)
    let byColumn = try grouped(columnVariable)
    let tabulation = try AggregateDescriptives.tabulate(
      rowVariable, by: columnVariable, byRow: byRow, byColumn: byColumn, level: spec.level,
      convention: spec.convention, domain: spec.subpop)
    return (tabulation, runner.log, source.displayName)
  }
}

/// A PostgreSQL table or query as a `DescriptiveAggregateSource`: each request is one
/// `SELECT h, c, inc, b0…, [lv,] [pk,] COUNT(*), SUM(…)… GROUP BY …` over every row (rows outside
/// the domain give the units with zero totals), added over the partition key's groups with
/// Neumaier's compensated summation. Without a PSU column every row is a unit, and the rows'
/// terms cross the wire (give the PSU column for large tables).
///
/// The set-up statements (the design columns' NULL check, a replicate design's df) are additive
/// totals sent through the `StatementRunner`: to each shard directly when it has shards, their
/// rows added on the client. The sums by unit go to the server of the URI, grouped by the
/// partition key so that the coordinator's planner pushes them to the shards.
final class PostgresDescriptiveSource: DescriptiveAggregateSource {
  /// Sends the statements and keeps them in order.
  let runner: StatementRunner
  /// The source's `FROM` item on the server of the URI.
  var from: String { runner.from }
  let label: String
  let spec: DescriptivePushdownSpecification
  let exact: Bool
  /// Base columns (`sql`, alias): `w`, `rwK`, `h`, `c`, `f`, `inc`, `bK`, `pk`.
  var base: [(sql: String, alias: String)] = []
  /// Whether each `by` column is numeric (labels as R prints numbers).
  var byNumeric: [Bool] = []
  let schema: SourceSchema
  let strata: Bool
  let psu: Bool
  let fpc: Bool
  /// The replicate design (scale, rscales, mse, combined weights), if any.
  let replicate: ReplicateDesign?
  let replicateCount: Int

  private(set) var descriptiveDesign: DescriptiveSumsDesign = .replicate(scale: 1, rscales: [], mse: false, df: 0)
  private(set) var dataTotals = DescriptiveDataTotals(
    rows: 0, zeroWeights: 0, weightTotal: 0,
    summary: DesignSummary(
      kind: "linearization", observations: 0, strata: nil, psus: nil, stages: nil, populationSize: 0, df: 0,
      replicates: nil, replicateType: nil, lonelyPSU: nil, zeroWeights: 0, weightSource: "", fpc: false))
  /// Units: key → index (PSU designs), and whether they have been read.
  private var unitIndex: [[String?]: Int] = [:]
  private var described = false

  init(runner: StatementRunner, label: String, schema: SourceSchema, spec: DescriptivePushdownSpecification) throws {
    self.runner = runner
    self.label = label
    self.schema = schema
    self.spec = spec
    self.exact = spec.exactSums
    let design = spec.design ?? DesignSpecification()
    guard design.calibration == nil, design.buildReplicates == nil else {
      throw PostgresError.unsupported("calibrated designs and replicates built from the design (give the replicate-weight columns)")
    }
    guard design.psu.count <= 1, design.fpc.count <= 1 else {
      throw PostgresError.unsupported("multistage designs (one PSU column and one FPC column)")
    }
    if design.weights == nil && !design.fpc.isEmpty {
      throw PostgresError.unsupported("sampling weights derived from FPCs (give the weights column)")
    }
    func column(_ name: String, numeric: Bool, _ role: String) throws -> String {
      let kind = try schema.kind(of: name, in: role)
      if numeric {
        guard kind == .numeric else { throw PostgresError.data("\(role) '\(name)' of \(label) is not numeric") }
        return "CAST(\(SQL.identifier(name)) AS double precision)"
      }
      // Labels are grouped raw: postgres_fdw ships no CAST of a number to text (CoerceViaIO), so
      // a cast key would keep the aggregate off the shards; the text libpq returns is the label.
      return SQL.identifier(name)
    }
    var required: [String] = []
    if let w = design.weights {
      base.append((try column(w, numeric: true, "weights"), "w"))
      required.append(w)
    } else {
      base.append(("1.0", "w"))
    }
    var replicate: ReplicateDesign?
    var replicateColumns: [String] = []
    if let r = design.replicateWeights {
      replicateColumns = try Pushdown.expand(r.columns, in: schema)
      var resolved = r
      resolved.columns = replicateColumns
      // The library resolves the type's scale and rscales from the specification; the two
      // placeholder rows carry no data.
      var frameColumns = replicateColumns.map { Column(name: $0, storage: .numeric(NumericColumn(values: [1, 1]))) }
      if let w = design.weights { frameColumns.append(Column(name: w, storage: .numeric(NumericColumn(values: [1, 1])))) }
      replicate = try ReplicateDesign(resolved, weights: design.weights, data: DataFrame(columns: frameColumns, source: label))
      for (k, c) in replicateColumns.enumerated() {
        base.append((try column(c, numeric: true, "replicate weights"), "rw\(k)"))
        required.append(c)
      }
    }
    self.replicate = replicate
    self.replicateCount = replicateColumns.count
    strata = design.strata != nil && replicate == nil
    psu = design.psu.first != nil && replicate == nil
    fpc = design.fpc.first != nil && replicate == nil
    if let s = design.strata, replicate == nil { base.append((try column(s, numeric: false, "strata"), "h")); required.append(s) }
    if let c = design.psu.first, replicate == nil { base.append((try column(c, numeric: false, "psu"), "c")); required.append(c) }
    if let f = design.fpc.first, replicate == nil { base.append((try column(f, numeric: true, "fpc"), "f")); required.append(f) }
    // The domain.
    if let subpop = spec.subpop {
      let condition = try SQLExpressionCompiler.condition(parsing: subpop, option: "subpop", schema: schema)
      base.append(("CASE WHEN \(condition) THEN 1 ELSE 0 END", "inc"))
    } else {
      base.append(("1", "inc"))
    }
    for (k, b) in spec.by.enumerated() {
      let kind = try schema.kind(of: b, in: "--by")
      guard kind != .boolean else { throw PostgresError.unsupported("a boolean --by column ('\(b)')") }
      byNumeric.append(kind == .numeric)
      base.append((SQL.identifier(b), "b\(k)"))
    }
    if let key = spec.partitionKey {
      _ = try schema.kind(of: key, in: "the partition key")
      base.append((SQL.identifier(key), "pk"))
    }
    // Missing values where none may be: weights, design and replicate columns.
    if !required.isEmpty {
      let nulls = try runner.totals(
        "SELECT \(required.map { "SUM(CASE WHEN \(SQL.identifier($0)) IS NULL THEN 1 ELSE 0 END)" }.joined(separator: ", ")) FROM \(runner.relation)"
      )
      for (k, c) in required.enumerated() where nulls[k] > 0 {
        throw PostgresError.data("column '\(c)' of \(label) has \(Int(nulls[k])) missing value(s); a design column may have none")
      }
    }
  }

  /// Runs a statement over `from` on the server of the URI.
  func run(_ sql: String) throws -> [[String?]] { try runner.run(sql) }

  func sum(_ expression: String) -> String {
    exact ? "SUM(CAST(\(expression) AS numeric))" : "SUM(\(expression))"
  }

  /// The analysis weight of replicate `r` (0-based).
  func replicateWeight(_ r: Int) -> String {
    (replicate?.combinedWeights ?? true) ? "rw\(r)" : "w * rw\(r)"
  }

  /// One variable's value columns and the condition that it is present.
  struct Variable {
    var name: String
    /// (sql, alias) of its value columns: `v0` (and `x0` for a ratio's denominator), or `lv`.
    var columns: [(sql: String, alias: String)]
    var present: String
  }

  func numericVariable(_ name: String, alias: String) throws -> (sql: String, alias: String) {
    guard try schema.kind(of: name, in: "the variable") == .numeric else {
      throw PostgresError.data("variable '\(name)' of \(label) is not numeric")
    }
    return ("CAST(\(SQL.identifier(name)) AS double precision)", alias)
  }

  func descriptiveSums(_ statistic: DescriptiveStatistic, variables: [String]) throws -> [DescriptiveSums] {
    switch statistic {
    case .proportion:
      return try variables.map { name in
        let kind = try schema.kind(of: name, in: "the variable")
        guard kind != .boolean else { throw PostgresError.unsupported("a boolean variable ('\(name)')") }
        let v = Variable(
          name: name, columns: [(SQL.identifier(name), "lv")], present: "lv IS NOT NULL")
        return try request([v], layout: .levels(0), numericLevels: kind == .numeric, statistic: statistic)[0]
      }
    case .ratio:
      let y = try numericVariable(variables[0], alias: "v0")
      let x = try numericVariable(variables[1], alias: "x0")
      let v = Variable(
        name: "\(variables[0])/\(variables[1])", columns: [y, x], present: "v0 IS NOT NULL AND x0 IS NOT NULL")
      return try request([v], layout: .ratio, numericLevels: false, statistic: statistic)
    default:
      if statistic == .total, let name = variables.first(where: { schema.kinds[$0] == .text }) {
        throw PostgresError.unsupported("the total of a text column ('\(name)'); use prop, or a 0/1 column")
      }
      let vs = try variables.enumerated().map { k, name in
        Variable(name: name, columns: [try numericVariable(name, alias: "v\(k)")], present: "v\(k) IS NOT NULL")
      }
      return try request(vs, layout: .moments, numericLevels: false, statistic: statistic)
    }
  }

  /// One statement for `variables`: sums by unit (or by row), domain indicator, groups and level.
  private func request(
    _ variables: [Variable], layout: DescriptiveLayout, numericLevels: Bool, statistic: DescriptiveStatistic
  ) throws -> [DescriptiveSums] {
    let replicated = replicate != nil
    let rowMode = !replicated && !psu
    let levels = layout == .levels(0)
    // Keys: unit, domain, groups, level, partition key.
    var keys: [String] = []
    if !replicated {
      if strata { keys.append("h") }
      if psu { keys.append("c") }
    }
    keys.append("inc")
    keys += spec.by.indices.map { "b\($0)" }
    if levels { keys.append("lv") }
    let keyCount = keys.count
    if spec.partitionKey != nil && !rowMode { keys.append("pk") }
    // Items: every aggregate's expression is never NULL (a row's term in row mode).
    enum Kind { case sum, count, min, max }
    var items: [(Kind, String)] = [(.count, "1"), (.count, "CASE WHEN w = 0.0 THEN 1 ELSE 0 END"), (.sum, "w")]
    if fpc { items += [(.min, "f"), (.max, "f")] }
    let head = items.count
    var perVariable: [Int] = []
    for v in variables {
      let p = v.present
      var mine: [(Kind, String)] = [
        (.count, "CASE WHEN \(p) THEN 1 ELSE 0 END"), (.count, "CASE WHEN \(p) AND w <> 0.0 THEN 1 ELSE 0 END"),
        (.sum, "CASE WHEN \(p) THEN w ELSE 0.0 END"),
      ]
      func weighted(_ weight: String) -> [(Kind, String)] {
        switch layout {
        case .moments:
          return [(.sum, "CASE WHEN \(p) THEN \(weight) * v0 ELSE 0.0 END")]
        case .ratio:
          return [
            (.sum, "CASE WHEN \(p) THEN \(weight) * v0 ELSE 0.0 END"), (.sum, "CASE WHEN \(p) THEN \(weight) * x0 ELSE 0.0 END"),
          ]
        case .levels: return []
        }
      }
      let alias = v.columns[0].alias
      switch layout {
      case .moments:
        mine += [(.sum, "CASE WHEN \(p) THEN w * \(alias) ELSE 0.0 END"), (.sum, "CASE WHEN \(p) THEN w * \(alias) * \(alias) ELSE 0.0 END")]
      case .ratio:
        mine += [
          (.sum, "CASE WHEN \(p) THEN w * v0 ELSE 0.0 END"), (.sum, "CASE WHEN \(p) THEN w * x0 ELSE 0.0 END"),
          (.sum, "CASE WHEN \(p) THEN w * v0 * v0 ELSE 0.0 END"), (.sum, "CASE WHEN \(p) THEN w * x0 * v0 ELSE 0.0 END"),
          (.sum, "CASE WHEN \(p) THEN w * x0 * x0 ELSE 0.0 END"),
        ]
      case .levels: break
      }
      for r in 0..<replicateCount {
        let a = replicateWeight(r)
        mine.append((.sum, "CASE WHEN \(p) THEN \(a) ELSE 0.0 END"))
        mine += weighted(a).map { ($0.0, $0.1.replacingOccurrences(of: "* v0", with: "* \(alias)")) }
      }
      perVariable.append(mine.count)
      items += mine
    }
    let columns = base + variables.flatMap(\.columns)
    let rowsSQL = "SELECT \(columns.map { "\($0.sql) AS \($0.alias)" }.joined(separator: ", ")) FROM \(from)"
    let select: [String] = items.map { kind, e in
      if rowMode { return e }
      switch kind {
      case .sum: return sum(e)
      case .count: return "SUM(\(e))"
      case .min: return "MIN(\(e))"
      case .max: return "MAX(\(e))"
      }
    }
    let group = rowMode ? "" : " GROUP BY \(keys.joined(separator: ", "))"
    let result = try run("SELECT \(keys.prefix(keyCount).joined(separator: ", ")), \(select.joined(separator: ", ")) FROM (\(rowsSQL)) AS s\(group)")

    // Add the partition key's groups of each key (Neumaier), and take MIN/MAX of the FPC.
    var order: [[String?]] = []
    var sums: [[String?]: [CompensatedSum]] = [:]
    var fpcRange: [[String?]: (Double, Double)] = [:]
    var rowsInStratum: [String: Int] = [:]
    for row in result {
      var key = Array(row[0..<keyCount])
      if rowMode {
        // Every row its own unit, numbered within its stratum (units of a stratum are exchangeable).
        let stratum = strata ? (row[0] ?? "") : ""
        let n = rowsInStratum[stratum, default: 0]
        rowsInStratum[stratum] = n + 1
        key.append(String(n))
      }
      var acc = sums[key] ?? {
        order.append(key)
        return Array(repeating: CompensatedSum(), count: items.count)
      }()
      for (k, cell) in row[keyCount...].enumerated() {
        guard let text = cell else { continue }
        guard let value = Double(text), value.isFinite else {
          throw PostgresError.numerical("a sum over \(label) is not finite")
        }
        if fpc && (k == head - 2 || k == head - 1) {
          let old = fpcRange[key] ?? (value, value)
          fpcRange[key] = (Swift.min(old.0, value), Swift.max(old.1, value))
        } else {
          acc[k].add(value)
        }
      }
      sums[key] = acc
    }
    let values = sums.mapValues { $0.map(\.value) }

    // Units (every row's), once: PSUs keyed by (h, c) or (c); rows keyed by their order.
    let unitWidth = replicated ? 0 : (strata ? 1 : 0) + (psu ? 1 : 0)
    func unitKey(_ key: [String?]) -> [String?] {
      rowMode ? (strata ? [key[0], key.last ?? nil] : [key.last ?? nil]) : Array(key[0..<unitWidth])
    }
    if !described {
      try describe(order: order, values: values, fpcRange: fpcRange, unitKey: unitKey, domainPosition: unitWidth)
      described = true
    }
    let slots = replicated ? 1 + replicateCount : unitIndex.count

    // Level labels (every row's, as the in-memory factor's) and groups (the domain's).
    func sorted(_ labels: Set<String>, numeric: Bool) -> [String] {
      if numeric {
        return labels.compactMap { Double($0) }.sorted().map(Self.numberLabel)
      }
      return labels.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
    let byStart = unitWidth + 1
    let levelPosition = byStart + spec.by.count
    var levelIndex: [String: Int] = [:]
    var levelNames: [String] = []
    if levels {
      let raw = Set(order.compactMap { $0[levelPosition] })
      levelNames = sorted(Set(raw.map { numericLevels ? Self.numberLabel(Double($0) ?? .nan) : $0 }), numeric: numericLevels)
      for (j, l) in levelNames.enumerated() { levelIndex[l] = j }
    }
    func byLabels(_ key: [String?]) -> [String]? {
      var out: [String] = []
      for (j, numeric) in byNumeric.enumerated() {
        guard let text = key[byStart + j] else { return nil }
        out.append(numeric ? Self.numberLabel(Double(text) ?? .nan) : text)
      }
      return out
    }
    var groupKeys: [[String]] = []
    var seen = Set<[String]>()
    for key in order where key[unitWidth] == "1" {
      guard let labels = byLabels(key), seen.insert(labels).inserted else { continue }
      groupKeys.append(labels)
    }
    // R's svyby order: sorted levels, the first variable varying fastest.
    let byLevels = spec.by.indices.map { j in sorted(Set(groupKeys.map { $0[j] }), numeric: byNumeric[j]) }
    let rank = spec.by.indices.map { j in Dictionary(uniqueKeysWithValues: byLevels[j].enumerated().map { ($1, $0) }) }
    groupKeys.sort { a, b in
      for j in spec.by.indices.reversed() where a[j] != b[j] { return rank[j][a[j]] ?? 0 < rank[j][b[j]] ?? 0 }
      return false
    }
    var groupIndex: [[String]: Int] = [:]
    for (g, k) in groupKeys.enumerated() { groupIndex[k] = g }

    var out: [DescriptiveSums] = []
    var offset = head
    for (vi, v) in variables.enumerated() {
      let width = levels ? 3 + levelNames.count : layout.width
      var cells = [[[Double]]](
        repeating: [[Double]](repeating: [Double](repeating: 0, count: width), count: slots), count: groupKeys.count)
      var groupRows = [Int](repeating: 0, count: groupKeys.count)
      for key in order where key[unitWidth] == "1" {
        guard let labels = byLabels(key), let g = groupIndex[labels], let s = values[key] else { continue }
        let m = Array(s[offset..<(offset + perVariable[vi])])
        var level: Int?
        if levels {
          guard let text = key[levelPosition] else {
            groupRows[g] += Int(s[0].rounded())
            continue
          }
          level = levelIndex[numericLevels ? Self.numberLabel(Double(text) ?? .nan) : text]
        }
        groupRows[g] += Int(s[0].rounded())
        // Slot 0 (or the unit) takes the full-sample sums; slots r the replicate's.
        let slot = replicated ? 0 : (unitIndex[unitKey(key)] ?? 0)
        DescriptiveSums.spread(
          m, layout: layout, level: level, replicates: replicated ? replicateCount : 0, into: &cells[g], unit: slot)
      }
      // A proportion's group rows were counted once per level; other layouts once per key.
      out.append(
        DescriptiveSums(
          variable: v.name, layout: levels ? .levels(levelNames.count) : layout, levels: levelNames,
          groups: groupKeys.map { labels in spec.by.indices.map { (spec.by[$0], labels[$0]) } }, groupRows: groupRows,
          cells: cells))
      offset += perVariable[vi]
    }
    return out
  }

  /// R's label of a number used as a category (`factorCodes` in memory).
  static func numberLabel(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
  }

  /// Reads the units, the data's counts and the design from the first statement's keys.
  private func describe(
    order: [[String?]], values: [[String?]: [Double]], fpcRange: [[String?]: (Double, Double)],
    unitKey: ([String?]) -> [String?], domainPosition: Int
  ) throws {
    var rows = 0.0
    var domainRows = 0.0
    var unitsInDomain: [Bool] = []
    var zero = 0.0
    var weight = CompensatedSum()
    var strataLabels: [String] = []
    var clusterLabels: [String] = []
    var fpcValues: [Double] = []
    var positive: [Bool] = []
    var perStratum: [String: Int] = [:]
    for key in order {
      guard let v = values[key] else { continue }
      rows += v[0]
      zero += v[1]
      weight.add(v[2])
      let inDomain = key[domainPosition] == "1"
      if inDomain { domainRows += v[0] }
      guard replicate == nil else { continue }
      let unit = unitKey(key)
      let u: Int
      if let known = unitIndex[unit] {
        u = known
      } else {
        u = unitIndex.count
        unitIndex[unit] = u
        let stratum = strata ? (unit[0] ?? "") : ""
        strataLabels.append(stratum)
        if psu {
          clusterLabels.append(unit[unit.count - 1] ?? "")
        } else {
          let k = perStratum[stratum, default: 0] + 1
          perStratum[stratum] = k
          clusterLabels.append("\(stratum)#\(k)")
        }
        positive.append(false)
        unitsInDomain.append(false)
        if fpc { fpcValues.append(.nan) }
      }
      if inDomain && v[0] > 0 { unitsInDomain[u] = true }
      if v[0] > v[1] { positive[u] = true }
      if fpc, let range = fpcRange[key] {
        let (lo, hi) = range
        let known = fpcValues[u]
        guard lo == hi, known.isNaN || known == lo else {
          throw PostgresError.data("fpc '\(spec.design?.fpc.first ?? "")' of \(label) varies within PSU \(clusterLabels[u])")
        }
        fpcValues[u] = lo
      }
    }
    let design = spec.design ?? DesignSpecification()
    if let replicate {
      let df = try replicateDF(replicate, rows: Int(rows.rounded()))
      // A domain's df (a table's ν) from its rows' replicate weights: one more statement.
      let domainDF = spec.subpop == nil ? df : try replicateDF(replicate, rows: Int(domainRows.rounded()), domainOnly: true)
      descriptiveDesign = .replicate(scale: replicate.scale, rscales: replicate.rscales, mse: replicate.mse, df: df)
      dataTotals = DescriptiveDataTotals(
        rows: Int(rows.rounded()), zeroWeights: Int(zero.rounded()), weightTotal: weight.value,
        summary: DesignSummary(
          kind: "replicate", observations: Int(rows.rounded()), strata: nil, psus: nil, stages: nil,
          populationSize: weight.value, df: df, replicates: replicateCount, replicateType: replicate.type,
          lonelyPSU: nil, zeroWeights: Int(zero.rounded()), weightSource: "column", fpc: false,
          scale: replicate.scale, mse: replicate.mse),
        domainRows: Int(domainRows.rounded()), replicateDomainDF: domainDF)
      return
    }
    let units = UnitTotals(
      strata: strata ? strataLabels : [], clusters: [clusterLabels], fpc: fpc ? [fpcValues] : [],
      inEstimation: positive)
    let unitDesign = try units.design(specification: design)
    descriptiveDesign = .linearization(design, units: units)
    dataTotals = DescriptiveDataTotals(
      rows: Int(rows.rounded()), zeroWeights: Int(zero.rounded()), weightTotal: weight.value,
      summary: DesignSummary(
        kind: "linearization", observations: Int(rows.rounded()), strata: unitDesign.strataCount,
        psus: unitDesign.psuCount, stages: unitDesign.stageCount, populationSize: weight.value, df: 0,
        replicates: nil, replicateType: nil, lonelyPSU: design.lonelyPSU, zeroWeights: Int(zero.rounded()),
        weightSource: design.weights == nil ? "equal" : "column", fpc: fpc),
      domainRows: Int(domainRows.rounded()), unitsInDomain: unitsInDomain)
  }

  /// R's `degf` of a replicate design: the rank of the replicate analysis weights over every
  /// row, minus one (the sums of their cross-products, in statements within the select-list limit).
  private func replicateDF(_ replicate: ReplicateDesign, rows: Int, domainOnly: Bool = false) throws -> Int {
    guard rows > 0 else { return 0 }
    let r = replicateCount
    let square = replicate.combinedWeights ? "1.0" : "w * w"
    let pairs = (0..<r).flatMap { j in (j..<r).map { (j, $0) } }
    let weights = base.filter { $0.alias == "w" || $0.alias.hasPrefix("rw") || (domainOnly && $0.alias == "inc") }
      .map { "\($0.sql) AS \($0.alias)" }
    let allRows = "SELECT \(weights.joined(separator: ", ")) FROM \(runner.relation)"
    let domain = domainOnly ? " WHERE inc = 1" : ""
    var values: [Double] = []
    var first = 0
    while first < pairs.count {
      let chunk = pairs[first..<Swift.min(pairs.count, first + 1_500)]
      values += try runner.totals(
        "SELECT \(chunk.map { sum("\(square) * rw\($0.0) * rw\($0.1)") }.joined(separator: ", ")) FROM (\(allRows)) AS s\(domain)")
      first += chunk.count
    }
    var m = Matrix(rows: r, cols: r)
    for ((j, k), v) in zip(pairs, values) {
      m[j, k] = v
      m[k, j] = v
    }
    return gramRank(m, tolerance: 1e-5, rows: rows) - 1
  }
}
