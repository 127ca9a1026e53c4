import Foundation
import StrataLinalg

/// The sums of one IRLS pass for one weight set (the full sample or one replicate), at that
/// set's coefficients: the information XᵀWX, the score Xᵀw(y − μ), the deviance, and the rows
/// of positive weight.
struct PassSums {
  var information: Matrix
  var score: [Double]
  var deviance: Double
  var count: Int
}

/// One weight set of a pass: the SQL of its analysis weight (0 outside the domain) and the
/// coefficients at which its sums are taken.
struct WeightSet {
  var weight: String
  var beta: [Double]
}

/// A PostgreSQL table or query as a source of sums: every statement is an aggregate over the
/// rows, grouped at most by the partition key and by sampling unit or cluster, so only
/// O(p² + units × p) numbers cross the wire. This is the database side of the aggregate-fit
/// driver; the client adds the groups with compensated summation.
struct PostgresAggregates {
  let connection: LibPQConnection
  let from: String
  let model: SQLModel
  /// Rows the model can use: no NULL in a column read (the `na.omit` of R).
  let complete: String
  /// The domain (`--subpop`) as a condition, or nil.
  let domain: String?
  let family: PushdownFamily
  /// SUM over numeric (exact, slow) instead of double precision.
  let exact: Bool
  /// The partition (or distribution) key: each pass groups by it, so a partitioned table is
  /// summed partition by partition (pushed to the shards by postgres_fdw, Citus, Greenplum).
  let partitionKey: String?
  /// Extra base columns (`name AS alias`): weights, replicate weights, design columns.
  let extra: [(sql: String, alias: String)]
  /// Every statement sent, in order.
  private(set) var log: [String] = []
  /// Columns of a select list a pass may use (PostgreSQL's limit is 1664).
  static let selectListLimit = 1600

  init(
    connection: LibPQConnection, from: String, model: SQLModel, complete: String, domain: String?,
    family: PushdownFamily, exact: Bool, partitionKey: String?, extra: [(sql: String, alias: String)]
  ) {
    self.connection = connection
    self.from = from
    self.model = model
    self.complete = complete
    self.domain = domain
    self.family = family
    self.exact = exact
    self.partitionKey = partitionKey
    self.extra = extra
  }

  var p: Int { model.columns.count }
  var pairs: [(Int, Int)] { (0..<p).flatMap { j in (j..<p).map { (j, $0) } } }

  mutating func run(_ sql: String) throws -> [[String?]] {
    log.append(sql)
    return try connection.query(sql)
  }

  /// A sum, in double precision or exact `numeric`.
  func sum(_ expression: String) -> String {
    exact ? "SUM(CAST(\(expression) AS numeric))" : "SUM(\(expression))"
  }

  /// The rows: model-matrix columns x0…, the response y, the domain indicator inc, the extra
  /// columns, and the partition key pk (raw, so the planner sees the partition key).
  var base: String {
    var items = model.columns.enumerated().map { "\($1.sql) AS x\($0)" }
    items.append("\(model.response) AS y")
    items.append(domain.map { "CASE WHEN \($0) THEN 1.0 ELSE 0.0 END AS inc" } ?? "1.0 AS inc")
    items += extra.map { "\($0.sql) AS \($0.alias)" }
    if let partitionKey { items.append("\(SQL.identifier(partitionKey)) AS pk") }
    return "SELECT \(items.joined(separator: ", ")) FROM \(from) WHERE \(complete)"
  }

  /// Per-row working quantities of each weight set i at its coefficients: analysis weight a_i,
  /// η_i, μ_i, the working weight ww_i, r_i = a_i(y − μ_i) (the score is r_i·x) and dev_i.
  func working(_ sets: [WeightSet]) -> String {
    var level1: [String] = []
    var level2: [String] = []
    var level3: [String] = []
    for (i, set) in sets.enumerated() {
      let eta = (0..<p).map { "\(SQL.number(set.beta[$0])) * x\($0)" }.joined(separator: " + ")
      level1.append("\(set.weight) AS a\(i)")
      level1.append("\(eta) AS eta\(i)")
      switch family {
      case .gaussian:
        level2.append("eta\(i) AS mu\(i)")
        level3 += ["a\(i) AS ww\(i)", "a\(i) * (y - mu\(i)) AS r\(i)", "a\(i) * (y - mu\(i)) * (y - mu\(i)) AS dev\(i)"]
      case .logit:
        // R's binomial linkinv: exp(η) clamped to [ε, 1/ε] beyond |η| = 30.
        let e =
          "(CASE WHEN eta\(i) < -30.0 THEN 2.220446049250313e-16 WHEN eta\(i) > 30.0 THEN 4503599627370496.0 ELSE EXP(eta\(i)) END)"
        level2.append("\(e) / (1.0 + \(e)) AS mu\(i)")
        level3 += [
          "a\(i) * mu\(i) * (1.0 - mu\(i)) AS ww\(i)", "a\(i) * (y - mu\(i)) AS r\(i)",
          "-2.0 * a\(i) * (CASE WHEN y > 0.0 THEN y * LN(mu\(i) / y) ELSE 0.0 END + CASE WHEN y < 1.0 THEN (1.0 - y) * LN((1.0 - mu\(i)) / (1.0 - y)) ELSE 0.0 END) AS dev\(i)",
        ]
      case .poisson:
        level2.append("EXP(eta\(i)) AS mu\(i)")
        level3 += [
          "a\(i) * mu\(i) AS ww\(i)", "a\(i) * (y - mu\(i)) AS r\(i)",
          "2.0 * a\(i) * (CASE WHEN y > 0.0 THEN y * LN(y / mu\(i)) ELSE 0.0 END - (y - mu\(i))) AS dev\(i)",
        ]
      }
    }
    let q1 = "SELECT d.*, \(level1.joined(separator: ", ")) FROM (\(base)\(barrier)) AS d"
    let q2 = "SELECT e.*, \(level2.joined(separator: ", ")) FROM (\(q1)\(barrier)) AS e"
    return "SELECT m.*, \(level3.joined(separator: ", ")) FROM (\(q2)\(barrier)) AS m\(barrier)"
  }

  /// `OFFSET 0` ends each level of the working rows on one server: PostgreSQL then computes η, μ and the
  /// working quantities once a row, instead of substituting them into each of the
  /// p(p+1)/2 + p + 2 aggregates (it has no common-subexpression elimination; at p = 19 the
  /// substituted form is ~10× the work a row). With a partition key there is no barrier: the
  /// aggregates must sit directly on the (foreign) partitions for the planner to push them to
  /// the shards, which then pay the substituted form.
  var barrier: String { partitionKey == nil ? " OFFSET 0" : "" }

  /// Runs `items` (aggregates) over `rows`, grouped by the partition key (and `by`), and adds
  /// the groups of each `by` value with Neumaier's compensated summation. Returns one row of
  /// sums per `by` value, keyed by the `by` values (text).
  mutating func grouped(_ items: [String], by: [String] = [], over rows: String) throws -> [[String?]: [Double]] {
    let keys = by + (partitionKey == nil ? [] : ["pk"])
    let select = (by + items).joined(separator: ", ")
    let group = keys.isEmpty ? "" : " GROUP BY \(keys.joined(separator: ", "))"
    var sums: [[String?]: [CompensatedSum]] = [:]
    for row in try run("SELECT \(select) FROM (\(rows)) AS s\(group)") {
      let key = Array(row[0..<by.count])
      var acc = sums[key] ?? Array(repeating: CompensatedSum(), count: items.count)
      for (k, cell) in row[by.count...].enumerated() {
        guard let text = cell else { continue }  // SUM over no rows
        guard let v = Double(text), v.isFinite else {
          throw PostgresError.numerical("a sum over \(from) is not finite (separation or overflow?)")
        }
        acc[k].add(v)
      }
      sums[key] = acc
    }
    return sums.mapValues { $0.map(\.value) }
  }

  /// One pass: the sums of every weight set at its coefficients, in as few statements as the
  /// select-list limit allows (sets split over statements).
  mutating func pass(_ sets: [WeightSet]) throws -> [PassSums] {
    let per = pairs.count + p + 2
    let chunk = max(1, Self.selectListLimit / per)
    var out: [PassSums] = []
    var start = 0
    while start < sets.count {
      let part = Array(sets[start..<min(sets.count, start + chunk)])
      var items: [String] = []
      for i in part.indices {
        items += pairs.map { sum("ww\(i) * x\($0.0) * x\($0.1)") }
        items += (0..<p).map { sum("r\(i) * x\($0)") }
        items.append(sum("dev\(i)"))
        items.append("SUM(CASE WHEN a\(i) > 0.0 THEN 1 ELSE 0 END)")
      }
      let values = try grouped(items, over: working(part)).values.first ?? Array(repeating: 0, count: items.count)
      for i in part.indices {
        let v = Array(values[(i * per)..<((i + 1) * per)])
        out.append(
          PassSums(
            information: symmetric(Array(v[0..<pairs.count])), score: Array(v[pairs.count..<(pairs.count + p)]),
            deviance: v[pairs.count + p], count: Int(v[pairs.count + p + 1].rounded())))
      }
      start += chunk
    }
    return out
  }

  /// The weighted least-squares sums X'AX and X'Az of a start (R's `mustart`): working weight
  /// `wz` and working response `z` as SQL of a (analysis weight) and y.
  mutating func startSums(weight: String, wz: String, z: String) throws -> (Matrix, [Double]) {
    let rows = "SELECT d.*, \(wz) AS sw, \(z) AS sz FROM (SELECT b.*, \(weight) AS a FROM (\(base)) AS b) AS d\(barrier)"
    let items = pairs.map { sum("sw * x\($0.0) * x\($0.1)") } + (0..<p).map { sum("sw * sz * x\($0)") }
    let v = try grouped(items, over: rows).values.first ?? Array(repeating: 0, count: items.count)
    return (symmetric(Array(v[0..<pairs.count])), Array(v[pairs.count...]))
  }

  /// Σ r²xxᵀ at the full-sample coefficients (the HC meat).
  mutating func scoreCrossProducts(_ set: WeightSet) throws -> Matrix {
    let items = pairs.map { sum("r0 * r0 * x\($0.0) * x\($0.1)") }
    let v = try grouped(items, over: working([set])).values.first ?? Array(repeating: 0, count: items.count)
    return symmetric(v)
  }

  /// Score totals Σ r·x by the values of `by` (clusters, or stratum and PSU), with the count of
  /// rows of positive weight in each.
  mutating func scoreTotals(_ set: WeightSet, by: [String]) throws -> [[String?]: [Double]] {
    let items = (0..<p).map { sum("r0 * x\($0)") } + ["SUM(CASE WHEN a0 > 0.0 THEN 1 ELSE 0 END)"]
    return try grouped(items, by: by, over: working([set]))
  }

  func symmetric(_ values: [Double]) -> Matrix {
    var m = Matrix(rows: p, cols: p)
    for ((j, k), v) in zip(pairs, values) {
      m[j, k] = v
      m[k, j] = v
    }
    return m
  }
}

/// Neumaier's compensated sum (the partial sums of a pass's groups are added with it).
struct CompensatedSum {
  private var sum = 0.0
  private var compensation = 0.0
  mutating func add(_ x: Double) {
    let t = sum + x
    if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
    sum = t
  }
  var value: Double { sum + compensation }
}
