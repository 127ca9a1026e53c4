import Foundation
import StrataDesign
import StrataInference
import StrataLinalg
import StrataModels
import StrataScale

/// A PostgreSQL table or query as an `AggregateSource` of the aggregate-fit driver
/// (`StrataScale.AggregateFit`): every statement is an aggregate over the rows, grouped at most
/// by a factor's labels, the partition key and the sampling unit or cluster, so only
/// O(p² × levels + units × p) numbers cross the wire. The per-row quantities are `RowKernel`'s,
/// written in SQL; the client adds the groups with compensated summation.
///
/// The rows (`base`) are the complete cases of the model's columns; the domain indicator `inc`
/// makes rows outside a `--subpop` count zero. Weight set 0 has the analysis weight `inc × w`,
/// weight set r of a replicate design `inc × rwᵣ` (× `w` unless the replicate weights are
/// combined).
final class PostgresAggregates: AggregateDesignSource {
  /// Sends the statements (to the server, or to each shard directly) and keeps them in order.
  let runner: StatementRunner
  let from: String
  let label: String
  let model: SQLModel
  let family: PushdownFamily
  /// fraclogit/fracprobit: the logit/probit SQL with a response in [0, 1] (quasi-binomial: the
  /// Bernoulli quasi-log-likelihood, weights not rounded).
  let fractional: Bool
  /// Rows the model can use: no NULL in a column read (the `na.omit` of R).
  let complete: String
  /// The domain (`--subpop`, and `--subset` with a design) as a condition, or nil.
  let domain: String?
  /// The subset without a design (part of `complete`), as a condition, for the counts.
  let subset: String?
  /// The subset and domain as written (reported with the rows they leave out).
  let subsetExpression: String?
  /// SUM over numeric (exact, slow) instead of double precision.
  let exact: Bool
  /// The partition (or distribution) key: each statement groups by it, so a partitioned table
  /// is summed partition by partition (pushed to the shards by postgres_fdw, Citus, Greenplum).
  let partitionKey: String?
  /// Extra base columns (`sql`, alias): weights `w`, replicate weights `rwK`, stratum `h`, PSU
  /// `c`, FPC `f`, clusters `gK`.
  let extra: [(sql: String, alias: String)]
  /// The SQL of each weight set's analysis weight (0 outside the domain).
  let weightSQL: [String]
  /// Whether sums are grouped by the labels of the model's largest main-effect factor.
  let groupsByFactor: Bool
  /// The replicate design (scale, rscales, mse, type), if any.
  let replicate: ReplicateDesign?
  let specification: DesignSpecification?
  /// The shards summed directly (`StatementRunner`): every statement over the working rows is
  /// sent to each shard's remote table, with the `OFFSET 0` barrier, all shards at once, and
  /// their rows are added here as the partition groups are.
  var shards: [ShardRoute] { runner.shards }
  /// The relation statements over the rows read (the source, or each shard's remote table).
  var relation: String { runner.relation }
  /// Columns of a select list a statement may use (PostgreSQL's limit is 1664).
  static let selectListLimit = 1600

  // AggregateSource
  var columnNames: [String] { model.columns.map(\.name) }
  var responseName: String { model.responseName }
  var hasIntercept: Bool { model.hasIntercept }
  let replicateCount: Int
  var design: SourceDesign

  /// Every sampling unit of the table (from every row) and its key in the `GROUP BY` of the
  /// scores pass (linearization designs).
  var units = UnitTotals(clusters: [])
  var unitKeys: [[String?]] = []
  var unitsArePSUs = true

  init(
    runner: StatementRunner, from: String, label: String, model: SQLModel, family: PushdownFamily,
    complete: String, domain: String?, subset: String?, subsetExpression: String?, exact: Bool, partitionKey: String?,
    extra: [(sql: String, alias: String)], weightSQL: [String], replicate: ReplicateDesign?,
    specification: DesignSpecification?, groupsByFactor: Bool = true, fractional: Bool = false
  ) {
    self.fractional = fractional
    self.runner = runner
    self.from = from
    self.label = label
    self.model = model
    self.family = family
    self.complete = complete
    self.domain = domain
    self.subset = subset
    self.subsetExpression = subsetExpression
    self.exact = exact
    self.partitionKey = partitionKey
    self.extra = extra
    self.weightSQL = weightSQL
    self.replicate = replicate
    self.specification = specification
    self.replicateCount = weightSQL.count - 1
    self.groupsByFactor = groupsByFactor
    self.design = .linearization(
      DesignSpecification(),
      summary: DesignSummary(
        kind: "none", observations: 0, strata: nil, psus: nil, stages: nil, populationSize: 0, df: 0, replicates: nil,
        replicateType: nil, lonelyPSU: nil, zeroWeights: 0, weightSource: "", fpc: false))
  }

  var p: Int { model.columns.count }

  func run(_ sql: String) throws -> [[String?]] { try runner.run(sql) }

  /// A sum, in double precision or exact `numeric`.
  func sum(_ expression: String) -> String {
    exact ? "SUM(CAST(\(expression) AS numeric))" : "SUM(\(expression))"
  }

  /// The rows: model-matrix columns x0…, the response y, the domain indicator inc, the extra
  /// columns, the factor labels fg (when grouping) and the partition key pk (raw, so the
  /// planner sees the partition key).
  var base: String { base(adding: []) }

  /// The rows with more items in the select list (`sql AS alias`: margins' group and values).
  func base(adding more: [String]) -> String {
    var items = model.columns.enumerated().map { "\($1.sql) AS x\($0)" }
    items.append("\(model.response) AS y")
    items.append(domain.map { "CASE WHEN \($0) THEN 1.0 ELSE 0.0 END AS inc" } ?? "1.0 AS inc")
    items += extra.map { "\($0.sql) AS \($0.alias)" }
    if let factor = groupingFactor { items.append("\(factor.labels) AS fg") }
    if let partitionKey { items.append("\(SQL.identifier(partitionKey)) AS pk") }
    items += more
    return "SELECT \(items.joined(separator: ", ")) FROM \(relation) WHERE \(complete)"
  }

  /// The main-effect factor whose labels group the cross-products (the one with most columns).
  var groupingFactor: (labels: String, columns: [(index: Int, level: String)])? {
    guard groupsByFactor else { return nil }
    return model.factorTerms.filter { !$0.columns.isEmpty }.max { $0.columns.count < $1.columns.count }
  }

  /// `OFFSET 0` ends each level of the working rows on one server and on each shard reached
  /// directly: PostgreSQL then computes η, μ and the working quantities once a row, instead of
  /// substituting them into every aggregate (it has no common-subexpression elimination). With
  /// a partition key and no shards reached directly (the coordinator's statement, for Citus,
  /// Greenplum, Redshift) there is no barrier: the aggregates must sit directly on the
  /// (foreign) partitions for the planner to push them to the shards.
  var barrier: String { partitionKey == nil || !shards.isEmpty ? " OFFSET 0" : "" }

  /// Runs `items` (aggregates) over `rows`, grouped by `by` (and the partition key), and adds
  /// the partition key's groups of each `by` value with Neumaier's compensated summation.
  /// Returns one row of sums per `by` value, keyed by the `by` values (text).
  func grouped(_ items: [String], by: [String] = [], over rows: String, where condition: String? = nil) throws
    -> [[String?]: [Double]]
  {
    let keys = by + (partitionKey == nil ? [] : ["pk"])
    let select = (by + items).joined(separator: ", ")
    let group = keys.isEmpty ? "" : " GROUP BY \(keys.joined(separator: ", "))"
    let filter = condition.map { " WHERE \($0)" } ?? ""
    var sums: [[String?]: [CompensatedSum]] = [:]
    for row in try run("SELECT \(select) FROM (\(rows)) AS s\(filter)\(group)") {
      let key = Array(row[0..<by.count])
      var acc = sums[key] ?? Array(repeating: CompensatedSum(), count: items.count)
      for (k, cell) in row[by.count...].enumerated() {
        guard let text = cell else { continue }  // SUM over no rows
        guard let v = Double(text), v.isFinite else {
          throw PostgresError.numerical("a sum over \(label) is not finite (separation or overflow?)")
        }
        acc[k].add(v)
      }
      sums[key] = acc
    }
    return sums.mapValues { $0.map(\.value) }
  }

  /// The sums over all rows (no `by`), zeros when there are no rows.
  func totals(_ items: [String], over rows: String) throws -> [Double] {
    try grouped(items, over: rows).values.first ?? Array(repeating: 0, count: items.count)
  }

  // MARK: Cross-products

  /// What one weight set of a cross-products statement sums: `Σ weight·xxᵀ` and `Σ vector·x`
  /// over the columns, and `Σ` of each extra expression.
  struct ProductRequest {
    var weight: String
    var vector: String?
    var extras: [String]
  }

  struct ProductSums {
    var gram: Matrix
    var vector: [Double]
    var extras: [Double]
  }

  /// `Σ wᵢ xᵢxᵢᵀ`, `Σ vᵢ xᵢ` over `columns` for each request, in as few statements as the
  /// select-list limit allows. With a grouping factor, each statement groups by its labels: a
  /// row has 1 in at most one of the factor's indicator columns, so each group returns the
  /// cross-products of the other (dense) columns only, with `Σ w`, `Σ w x` and `Σ v` of the
  /// group (the intercept's row of them when the intercept is dense), and the client writes the
  /// factor's blocks (`Σ w` on the diagonal, `Σ w x` beside, `Σ v` in the vector).
  func crossProducts(_ requests: [ProductRequest], columns: [Int], over rows: String) throws -> [ProductSums] {
    let k = columns.count
    var position = [Int: Int]()
    for (j, c) in columns.enumerated() { position[c] = j }
    // Indicator columns by level (positions among `columns`) and the dense rest.
    var levelPosition: [String: Int] = [:]
    var indicator = Set<Int>()
    let factor = groupingFactor
    if let factor {
      for (index, level) in factor.columns {
        indicator.insert(index)
        if let j = position[index] { levelPosition[level] = j }
      }
    }
    let dense = columns.enumerated().filter { !indicator.contains($0.element) }.map { (j: $0.offset, c: $0.element) }
    let densePairs = dense.indices.flatMap { a in (a..<dense.count).map { (a, $0) } }
    // With the intercept among the dense columns, its row of the group's sums is the factor
    // level's block (Σ w x, Σ w, Σ v): nothing more is asked. Without it, they are asked.
    let intercept = factor == nil ? nil : dense.firstIndex { model.columns[$0.c].sql == "1.0" }
    func pairIndex(_ a: Int, _ b: Int) -> Int {
      let (lo, hi) = (Swift.min(a, b), Swift.max(a, b))
      return lo * dense.count - lo * (lo - 1) / 2 + (hi - lo)
    }
    func itemsFor(_ r: ProductRequest) -> [String] {
      var items = densePairs.map { sum("\(r.weight) * x\(dense[$0.0].c) * x\(dense[$0.1].c)") }
      if let v = r.vector { items += dense.map { sum("\(v) * x\($0.c)") } }
      items += r.extras.map { sum($0) }
      if factor != nil && intercept == nil {
        items += dense.map { sum("\(r.weight) * x\($0.c)") }
        items.append(sum(r.weight))
        if let v = r.vector { items.append(sum(v)) }
      }
      return items
    }
    let per = itemsFor(requests.first ?? ProductRequest(weight: "0", vector: nil, extras: [])).count
    let chunk = max(1, Self.selectListLimit / max(per, 1))
    var out: [ProductSums] = []
    var start = 0
    while start < requests.count {
      let part = Array(requests[start..<min(requests.count, start + chunk)])
      let items = part.flatMap(itemsFor)
      let groups = factor == nil ? [[]: try totals(items, over: rows)] : try grouped(items, by: ["fg"], over: rows)
      for (s, r) in part.enumerated() {
        var gram = Matrix(rows: k, cols: k)
        var vector = [Double](repeating: 0, count: k)
        var extras = [CompensatedSum](repeating: CompensatedSum(), count: r.extras.count)
        var gramSums = [CompensatedSum](repeating: CompensatedSum(), count: densePairs.count)
        var vectorSums = [CompensatedSum](repeating: CompensatedSum(), count: dense.count)
        for (key, values) in groups {
          let v = Array(values[(s * per)..<((s + 1) * per)])
          var at = 0
          for q in densePairs.indices { gramSums[q].add(v[at + q]) }
          at += densePairs.count
          if r.vector != nil {
            for q in dense.indices { vectorSums[q].add(v[at + q]) }
            at += dense.count
          }
          for q in r.extras.indices { extras[q].add(v[at + q]) }
          at += r.extras.count
          // The factor's blocks: this group's level column (if estimated) has Σ w on the
          // diagonal, Σ w x beside the dense columns, Σ v in the vector.
          if factor != nil, let level = key.first ?? nil, let j = levelPosition[level] {
            if let i = intercept {
              for (q, d) in dense.enumerated() {
                gram[j, d.j] = v[pairIndex(i, q)]
                gram[d.j, j] = v[pairIndex(i, q)]
              }
              gram[j, j] = v[pairIndex(i, i)]
              if r.vector != nil { vector[j] = v[densePairs.count + i] }
            } else {
              for (q, d) in dense.enumerated() {
                gram[j, d.j] = v[at + q]
                gram[d.j, j] = v[at + q]
              }
              gram[j, j] = v[at + dense.count]
              if r.vector != nil { vector[j] = v[at + dense.count + 1] }
            }
          }
        }
        for (q, pair) in densePairs.enumerated() {
          let (a, b) = (dense[pair.0].j, dense[pair.1].j)
          gram[a, b] = gramSums[q].value
          gram[b, a] = gramSums[q].value
        }
        for (q, d) in dense.enumerated() { vector[d.j] = vectorSums[q].value }
        out.append(ProductSums(gram: gram, vector: vector, extras: extras.map(\.value)))
      }
      start += chunk
    }
    return out
  }

  // MARK: Per-row SQL (RowKernel's quantities)

  /// R's binomial `linkinv`: exp(η) clamped to [ε, 1/ε] beyond |η| = 30, over 1 + itself.
  static func logistic(_ eta: String) -> String {
    let e = "(CASE WHEN \(eta) < -30.0 THEN 2.220446049250313e-16 WHEN \(eta) > 30.0 THEN 4503599627370496.0 ELSE EXP(\(eta)) END)"
    return "\(e) / (1.0 + \(e))"
  }

  /// The mean at a linear predictor column (`Link.inverse`, as `PushdownFamily.meanSQL` writes it).
  func mean(_ eta: String) -> String { family.meanSQL(eta) }

  /// `dμ/dη` at a linear predictor column, for the non-canonical links (probit, cloglog).
  func muEta(_ eta: String) -> String {
    family == .probit ? SQLMath.probitMuEta(eta) : SQLMath.cloglogMuEta(eta)
  }

  /// A row's score multiplier at the estimate (`RowKernel.evaluate`'s m: the score is m x):
  /// `a (y − μ)`, or `a (y − μ) μ′/V(μ)` for the non-canonical links (`muEta`: μ′'s column).
  func scoreMultiplier(_ a: String, mu: String, muEta: String) -> String {
    switch family {
    case .probit, .cloglog: return "\(a) * (y - \(mu)) * \(muEta) / (\(mu) * (1.0 - \(mu)))"
    case .gaussian, .logit, .poisson: return "\(a) * (y - \(mu))"
    }
  }

  /// The link `g(μ)` at a mean column, for the non-canonical links (R's starting η).
  func link(_ mu: String) -> String {
    family == .probit ? SQLMath.normalQuantile(mu) : SQLMath.cloglogLink(mu)
  }

  /// The unit deviance at mean `mu` with prior weight `a` (`Family.unitDeviance`).
  func unitDeviance(_ a: String, _ mu: String) -> String {
    switch family {
    case .gaussian: return "\(a) * (y - \(mu)) * (y - \(mu))"
    case .logit, .probit, .cloglog:
      return
        "2.0 * \(a) * (CASE WHEN y > 0.0 THEN y * LN(y / \(mu)) ELSE 0.0 END + CASE WHEN y < 1.0 THEN (1.0 - y) * LN((1.0 - y) / (1.0 - \(mu))) ELSE 0.0 END)"
    case .poisson:
      return "2.0 * \(a) * (CASE WHEN y > 0.0 THEN y * LN(y / \(mu)) ELSE 0.0 END - (y - \(mu)))"
    }
  }

  /// The log-likelihood at mean `mu` with prior weight `a` (`Family.logLikelihood`), without
  /// Poisson's `− a lgamma(y + 1)` (PostgreSQL has no lgamma: `lgammaTerm` sums it by `GROUP BY y`).
  func logLikelihood(_ a: String, _ mu: String) -> String {
    switch family {
    case .gaussian: return "0.0"
    case .logit, .probit, .cloglog:
      return
        "\(fractional ? a : "ROUND(\(a))") * (CASE WHEN y > 0.0 THEN y * LN(\(mu)) ELSE 0.0 END + CASE WHEN y < 1.0 THEN (1.0 - y) * LN(1.0 - \(mu)) ELSE 0.0 END)"
    case .poisson:
      return "\(a) * (CASE WHEN y > 0.0 THEN y * LN(\(mu)) ELSE 0.0 END - \(mu))"
    }
  }

  /// The variance function V(μ).
  func varianceFunction(_ mu: String) -> String {
    switch family {
    case .gaussian: return "1.0"
    case .logit, .probit, .cloglog: return "\(mu) * (1.0 - \(mu))"
    case .poisson: return mu
    }
  }

  /// The linear predictor at coefficients over columns.
  func eta(_ beta: [Double], columns: [Int]) -> String {
    guard !columns.isEmpty else { return "0.0" }
    return zip(beta, columns).map { "\(SQL.number($0)) * x\($1)" }.joined(separator: " + ")
  }

  /// Working rows of several weight sets at their coefficients (or at the start): a_i, the
  /// working weight ww_i, the score multiplier r_i (at the start, ww_i × z_i) and dev_i.
  func working(sets: [Int], scales: [Double], point: PassRequest.Point, columns: [Int]) -> String {
    var level1: [String] = []
    var level2: [String] = []
    var level3: [String] = []
    var levelEta: [String] = []
    var levelMuEta: [String] = []
    for (i, set) in sets.enumerated() {
      let a = "a\(i)"
      level1.append("(\(weightSQL[set])) / \(SQL.number(scales[i])) AS \(a)")
      switch point {
      case .start:
        // R's mustart (RowKernel.start): μ, η = g(μ), z = η + (y − μ)/μ'(η), w = a μ'(η)²/V(μ).
        switch family {
        case .gaussian:
          level2.append("\(a) AS ww\(i)")
          level3 += ["\(a) * y AS r\(i)", "\(a) * y * y AS dev\(i)"]
        case .logit:
          level2.append("(\(a) * y + 0.5) / (\(a) + 1.0) AS mu\(i)")
          level3 += [
            "\(a) * mu\(i) * (1.0 - mu\(i)) AS ww\(i)",
            "\(a) * mu\(i) * (1.0 - mu\(i)) * (LN(mu\(i) / (1.0 - mu\(i))) + (y - mu\(i)) / (mu\(i) * (1.0 - mu\(i)))) AS r\(i)",
            "\(unitDeviance(a, "mu\(i)")) AS dev\(i)",
          ]
        case .probit, .cloglog:
          // η = g(μ) and μ'(η) in their own levels (the quantile is long), then the working
          // weight a μ'²/V and the score multiplier w z.
          level2.append("(\(a) * y + 0.5) / (\(a) + 1.0) AS mu\(i)")
          levelEta.append("\(link("mu\(i)")) AS eta\(i)")
          levelMuEta.append("\(muEta("eta\(i)")) AS d\(i)")
          level3 += [
            "\(a) * d\(i) * d\(i) / (mu\(i) * (1.0 - mu\(i))) AS ww\(i)",
            "\(a) * d\(i) * d\(i) / (mu\(i) * (1.0 - mu\(i))) * (eta\(i) + (y - mu\(i)) / d\(i)) AS r\(i)",
            "\(unitDeviance(a, "mu\(i)")) AS dev\(i)",
          ]
        case .poisson:
          level2.append("y + 0.1 AS mu\(i)")
          level3 += [
            "\(a) * mu\(i) AS ww\(i)", "\(a) * mu\(i) * (LN(mu\(i)) + (y - mu\(i)) / mu\(i)) AS r\(i)",
            "\(unitDeviance(a, "mu\(i)")) AS dev\(i)",
          ]
        }
      case .coefficients(let betas):
        level1.append("\(eta(betas[i], columns: columns)) AS eta\(i)")
        level2.append("\(mean("eta\(i)")) AS mu\(i)")
        switch family {
        case .gaussian: level3.append("\(a) AS ww\(i)")
        case .logit: level3.append("\(a) * mu\(i) * (1.0 - mu\(i)) AS ww\(i)")
        case .poisson: level3.append("\(a) * mu\(i) AS ww\(i)")
        case .probit, .cloglog:
          // Non-canonical: w = a μ'²/V(μ), m = a (y − μ) μ'/V(μ) (RowKernel.evaluate).
          level2.append("\(muEta("eta\(i)")) AS d\(i)")
          level3 += [
            "\(a) * d\(i) * d\(i) / (mu\(i) * (1.0 - mu\(i))) AS ww\(i)",
            "\(scoreMultiplier(a, mu: "mu\(i)", muEta: "d\(i)")) AS r\(i)",
            "\(unitDeviance(a, "mu\(i)")) AS dev\(i)",
          ]
          continue
        }
        level3 += ["\(scoreMultiplier(a, mu: "mu\(i)", muEta: "")) AS r\(i)", "\(unitDeviance(a, "mu\(i)")) AS dev\(i)"]
      }
    }
    let q1 = "SELECT d.*, \(level1.joined(separator: ", ")) FROM (\(base)\(barrier)) AS d"
    var q2 = "SELECT e.*, \(level2.joined(separator: ", ")) FROM (\(q1)\(barrier)) AS e"
    if !levelEta.isEmpty { q2 = "SELECT g.*, \(levelEta.joined(separator: ", ")) FROM (\(q2)\(barrier)) AS g" }
    if !levelMuEta.isEmpty { q2 = "SELECT k.*, \(levelMuEta.joined(separator: ", ")) FROM (\(q2)\(barrier)) AS k" }
    if level3.isEmpty { return q2 }
    return "SELECT m.*, \(level3.joined(separator: ", ")) FROM (\(q2)\(barrier)) AS m\(barrier)"
  }

  // MARK: AggregateSource

  func summary(model aggregate: AggregateModel) throws -> SourceSummary {
    let sets = weightSQL.count
    let rows = "SELECT b.*, \(weightSQL.enumerated().map { "\($1) AS a\($0)" }.joined(separator: ", ")) FROM (\(base)) AS b"
    var items = ["SUM(CASE WHEN inc > 0.0 THEN 1 ELSE 0 END)"]
    for s in 0..<sets {
      items += [
        "SUM(CASE WHEN a\(s) > 0.0 THEN 1 ELSE 0 END)", sum("CASE WHEN a\(s) > 0.0 THEN a\(s) ELSE 0.0 END"),
        sum("CASE WHEN a\(s) > 0.0 THEN a\(s) * y ELSE 0.0 END"),
      ]
    }
    items += [
      "MIN(CASE WHEN a0 > 0.0 THEN y END)", "MAX(CASE WHEN a0 > 0.0 THEN y END)",
      "SUM(CASE WHEN inc > 0.0 AND w < 0.0 THEN 1 ELSE 0 END)",
    ]
    switch family {
    case .logit, .probit, .cloglog:
      items.append(
        fractional
          ? "SUM(CASE WHEN inc > 0.0 AND (y < 0.0 OR y > 1.0) THEN 1 ELSE 0 END)"
          : "SUM(CASE WHEN inc > 0.0 AND y <> 0.0 AND y <> 1.0 THEN 1 ELSE 0 END)")
    case .poisson: items.append("SUM(CASE WHEN inc > 0.0 AND y < 0.0 THEN 1 ELSE 0 END)")
    case .gaussian: items.append("0")
    }
    items += (0..<p).map { sum("CASE WHEN a0 > 0.0 THEN x\($0) ELSE 0.0 END") }
    items += (0..<p).map { sum("CASE WHEN a0 > 0.0 THEN x\($0) * x\($0) ELSE 0.0 END") }
    // MIN/MAX/COUNT over partition groups: MIN and MAX are taken here, the rest added.
    let keys = partitionKey == nil ? "" : " GROUP BY pk"
    let result = try run("SELECT \(items.joined(separator: ", ")) FROM (\(rows)) AS s\(keys)")
    var values = [CompensatedSum](repeating: CompensatedSum(), count: items.count)
    var low = Double.infinity
    var high = -Double.infinity
    let lowIndex = 1 + 3 * sets
    for row in result {
      for (k, cell) in row.enumerated() {
        guard let text = cell, let v = Double(text) else { continue }
        if k == lowIndex { low = Swift.min(low, v) } else if k == lowIndex + 1 { high = Swift.max(high, v) } else {
          values[k].add(v)
        }
      }
    }
    let v = values.map(\.value)
    let estimationRows = Int(v[0].rounded())
    let negative = Int(v[lowIndex + 2].rounded())
    if negative > 0 {
      throw PostgresError.data("weights of \(label) have \(negative) negative value(s)")
    }
    let badResponse = Int(v[lowIndex + 3].rounded())
    if badResponse > 0 {
      switch family {
      case .logit, .probit, .cloglog:
        if fractional {
          throw PostgresError.data(
            "the response '\(model.responseName)' of \(label) has \(badResponse) value(s) outside [0, 1] (a fractional response is a share)")
        }
        throw PostgresError.data(
          "the response '\(model.responseName)' of \(label) has \(badResponse) value(s) other than 0 and 1 (\(family.rawValue) needs a binary response)")
      case .poisson:
        throw PostgresError.data("the response '\(model.responseName)' of \(label) has \(badResponse) negative count(s)")
      case .gaussian: break
      }
    }
    // Rows dropped: outside the domain, then for missing values in the model's columns.
    // (With a design the subset is part of the domain; without one there is no domain.)
    var counts = ["COUNT(*)"]
    let kept = domain ?? subset
    if let kept { counts.append("SUM(CASE WHEN \(kept) THEN 1 ELSE 0 END)") }
    let all = try runner.totals("SELECT \(counts.joined(separator: ", ")) FROM \(relation)").map { Int($0.rounded()) }
    let inDomain = kept == nil ? all[0] : all[1]
    if estimationRows == 0 {
      throw PostgresError.data("\(label) has no complete rows for the model\(subsetExpression.map { " in \($0)" } ?? "")")
    }
    let summary = SourceSummary(
      positiveCount: (0..<sets).map { Int(v[1 + 3 * $0].rounded()) }, weightTotal: (0..<sets).map { v[2 + 3 * $0] },
      weightedResponse: (0..<sets).map { v[3 + 3 * $0] }, rows: estimationRows,
      droppedMissing: inDomain - estimationRows, droppedBySubset: all[0] - inDomain,
      responseRange: low <= high ? low...high : 0...0, columnSums: Array(v[(lowIndex + 4)..<(lowIndex + 4 + p)]),
      columnSquares: Array(v[(lowIndex + 4 + p)..<(lowIndex + 4 + 2 * p)]))
    if let replicate { try describeReplicates(replicate, positive: summary.positiveCount[0]) }
    return summary
  }

  /// The replicate design's degrees of freedom (R's `degf`: the rank of the replicate analysis
  /// weights, over every row and over the estimation rows, minus one) and its counts.
  func describeReplicates(_ replicate: ReplicateDesign, positive: Int) throws {
    let r = replicateCount
    let square = replicate.combinedWeights ? "1.0" : "w * w"
    let pairs = (0..<r).flatMap { j in (j..<r).map { (j, $0) } }
    let weights = extra.filter { $0.alias == "w" || $0.alias.hasPrefix("rw") }.map { "\($0.sql) AS \($0.alias)" }
    let allRows = "SELECT \(weights.joined(separator: ", ")) FROM \(relation)"
    var items = pairs.map { sum("\(square) * rw\($0.0) * rw\($0.1)") }
    items += ["COUNT(*)", sum("w"), "SUM(CASE WHEN w = 0.0 THEN 1 ELSE 0 END)"]
    let everyRow = try runner.totals("SELECT \(items.joined(separator: ", ")) FROM (\(allRows)) AS s")
    let estimation = try totals(
      pairs.map { sum("CASE WHEN a0 > 0.0 THEN \(square) * rw\($0.0) * rw\($0.1) ELSE 0.0 END") },
      over: "SELECT b.*, \(weightSQL[0]) AS a0 FROM (\(base)) AS b")
    func gram(_ values: [Double]) -> Matrix {
      var m = Matrix(rows: r, cols: r)
      for ((j, k), v) in zip(pairs, values) {
        m[j, k] = v
        m[k, j] = v
      }
      return m
    }
    let designRows = Int(everyRow[pairs.count].rounded())
    let summary = DesignSummary(
      kind: "replicate", observations: designRows, strata: nil, psus: nil, stages: nil,
      populationSize: everyRow[pairs.count + 1], df: 0, replicates: r, replicateType: replicate.type,
      lonelyPSU: nil, zeroWeights: Int(everyRow[pairs.count + 2].rounded()), weightSource: "column", fpc: false,
      scale: replicate.scale, mse: replicate.mse)
    design = .replicate(
      type: replicate.type, scale: replicate.scale, rscales: replicate.rscales, mse: replicate.mse,
      estimationDF: gramRank(gram(estimation), tolerance: 1e-5, rows: positive) - 1,
      fullDF: gramRank(gram(Array(everyRow[0..<pairs.count])), tolerance: 1e-5, rows: designRows) - 1,
      summary: summary)
  }

  func pass(_ request: PassRequest) throws -> [PassSums] {
    let rows = working(
      sets: request.weightSets, scales: request.weightScales, point: request.point, columns: request.columns)
    let requests = request.weightSets.indices.map {
      ProductRequest(weight: "ww\($0)", vector: "r\($0)", extras: ["dev\($0)"])
    }
    // Sets split over statements by the select-list limit share one working-rows text each.
    return try crossProducts(requests, columns: request.columns, over: rows).map {
      PassSums(gram: $0.gram, score: $0.vector, deviance: $0.extras[0])
    }
  }

  func scores(_ request: ScoresRequest) throws -> ScoresResult {
    let k = request.columns.count
    let rows = scoreRows(coefficients: request.coefficients, columns: request.columns)
    let nm = SQL.number(request.nullMean)
    var statistics: [String]
    switch family {
    case .gaussian:
      statistics = [
        "a0 * (y - eta0) * (y - eta0)", "a0 * (eta0 - \(nm)) * (eta0 - \(nm))",
        "CASE WHEN a0 > 0.0 THEN LN(a0) ELSE 0.0 END",
      ]
    default:
      statistics = [
        "dev0", "a0 * (y - mu0) * (y - mu0) / (\(varianceFunction("mu0")))", logLikelihood("a0", "mu0"),
        unitDeviance("a0", nm), logLikelihood("a0", nm),
      ]
    }
    if family.isBinomial {
      let eps = SQL.number(10 * Double.ulpOfOne)
      statistics += [
        "CASE WHEN a0 > 0.0 AND mu0 > 1.0 - \(eps) THEN 1.0 ELSE 0.0 END",
        "CASE WHEN a0 > 0.0 AND mu0 < \(eps) THEN 1.0 ELSE 0.0 END",
      ]
    }
    let crossProduct: Matrix?
    let s: [Double]
    if case .crossProduct = request.totals {
      let sums = try crossProducts(
        [ProductRequest(weight: "r0 * r0", vector: nil, extras: statistics)], columns: request.columns, over: rows)[0]
      crossProduct = sums.gram
      s = sums.extras
    } else {
      crossProduct = nil
      s = try totals(statistics.map(sum), over: rows)
    }
    var fit = FitSums()
    switch family {
    case .gaussian:
      (fit.rss, fit.mss, fit.sumLogW) = (s[0], s[1], s[2])
    default:
      (fit.deviance, fit.pearson, fit.logLik, fit.nullDeviance, fit.nullLogLik) = (s[0], s[1], s[2], s[3], s[4])
    }
    if family == .poisson {
      let lgammaTotal = try lgammaTerm()
      fit.logLik -= lgammaTotal
      fit.nullLogLik -= lgammaTotal
    }
    var result = ScoresResult(
      crossProduct: crossProduct, statistics: fit, boundaryOnes: family.isBinomial ? Int(s[5].rounded()) : 0,
      boundaryZeros: family.isBinomial ? Int(s[6].rounded()) : 0)
    let scoreItems = scoreItems(request.columns)
    switch request.totals {
    case .none, .crossProduct: break
    case .clusters(let names):
      let cells = try grouped(scoreItems, by: Self.clusterAliases(names.count), over: rows, where: "a0 > 0.0")
      let keys = Self.orderedCells(cells.keys)
      var totals = Matrix(rows: keys.count, cols: k)
      for (cell, key) in keys.enumerated() {
        let values = cells[key] ?? []
        for j in 0..<k { totals[cell, j] = values[j] }
      }
      let codes = Self.clusterCodes(of: keys, variables: names.count)
      result.cells = (totals, names.indices.map { ClusterCells(name: names[$0], codes: codes[$0].codes, count: codes[$0].count) })
    case .units:
      result.units = try unitScores(rows: rows, items: scoreItems, columns: k)
    }
    return result
  }

  /// The scores pass's working rows at the estimate `coefficients` over `columns`.
  func scoreRows(coefficients: [Double], columns: [Int]) -> String {
    working(sets: [0], scales: [1], point: .coefficients([coefficients]), columns: columns)
  }

  /// The score sums `Σ r₀ xⱼ` over `columns` (the scores pass's working rows).
  func scoreItems(_ columns: [Int]) -> [String] { columns.map { sum("r0 * x\($0)") } }

  /// The aliases of the clustering columns in the base rows.
  static func clusterAliases(_ count: Int) -> [String] { (0..<count).map { "g\($0)" } }

  /// Cluster cells (keys of the clustering columns' values) in the order the scores pass numbers them.
  static func orderedCells<C: Collection<[String?]>>(_ keys: C) -> [[String?]] {
    keys.sorted { ($0.map { $0 ?? "" }).lexicographicallyPrecedes($1.map { $0 ?? "" }) }
  }

  /// Each clustering column's dense group code of every cell, and its number of groups.
  static func clusterCodes(of keys: [[String?]], variables: Int) -> [(codes: [Int], count: Int)] {
    (0..<variables).map { c in
      var index: [String: Int] = [:]
      let codes = keys.map { key -> Int in
        let value = key[c] ?? ""
        let code = index[value] ?? index.count
        index[value] = code
        return code
      }
      return (codes, index.count)
    }
  }

  /// The score totals at the estimate `coefficients` (over the kept `columns`) by cell of the
  /// clustering columns (`clusters` of them): the scores pass's statement, for the influence
  /// totals of margins with the covariates sampled.
  func clusterScores(coefficients: [Double], columns: [Int], clusters: Int) throws -> [[String?]: [Double]] {
    let rows = scoreRows(coefficients: coefficients, columns: columns)
    return try grouped(scoreItems(columns), by: Self.clusterAliases(clusters), over: rows, where: "a0 > 0.0")
  }

  /// The score totals at the estimate by sampling unit (`unitKeys`' order), as the scores pass.
  func unitScores(coefficients: [Double], columns: [Int]) throws -> (units: UnitTotals, totals: Matrix) {
    let rows = scoreRows(coefficients: coefficients, columns: columns)
    return try unitScores(rows: rows, items: scoreItems(columns), columns: columns.count)
  }

  /// `Σ a lgamma(y + 1)` over the estimation rows: PostgreSQL has no lgamma, so the weights are
  /// summed by distinct response value (`GROUP BY y`) and the client takes lgamma of each.
  func lgammaTerm() throws -> Double {
    let rows = "SELECT b.*, \(weightSQL[0]) AS a0 FROM (\(base)) AS b"
    let byValue = try grouped([sum("a0")], by: ["y"], over: rows, where: "a0 > 0.0")
    var total = CompensatedSum()
    for (key, values) in byValue {
      guard let text = key[0] ?? nil, let y = Double(text) else { continue }
      total.add(values[0] * lgamma(y + 1))
    }
    return total.value
  }

  // MARK: Design units

  /// Reads every sampling unit of the table (every row, complete or not, in the domain or not)
  /// and the design's counts.
  func describeUnits(_ specification: DesignSpecification, strata: Bool, psu: Bool, fpc: String?) throws {
    let fpcItems = fpc == nil ? "" : ", MIN(f), MAX(f)"
    let designColumns = extra.filter { ["h", "c", "f", "w"].contains($0.alias) }.map { "\($0.sql) AS \($0.alias)" }
    let allRows = "SELECT \(designColumns.isEmpty ? "1 AS one" : designColumns.joined(separator: ", ")) FROM \(relation)"
    var strataLabels: [String] = []
    var clusterLabels: [String] = []
    var fpcValues: [Double] = []
    var keys: [[String?]] = []
    func fpcValue(_ group: UnitGroup, _ place: String) throws -> Double {
      guard group.low == group.high else {
        throw PostgresError.data("fpc '\(fpc ?? "")' of \(label) varies within \(place)")
      }
      return group.low
    }
    if psu {
      let by = strata ? ["h", "c"] : ["c"]
      let groups = try unitGroups(
        "SELECT \(by.joined(separator: ", ")), COUNT(*)\(fpcItems) FROM (\(allRows)) AS u GROUP BY \(by.joined(separator: ", "))",
        keys: by.count)
      for group in groups {
        keys.append(group.key)
        strataLabels.append(strata ? (group.key[0] ?? "") : "")
        clusterLabels.append(group.key[by.count - 1] ?? "")
        if fpc != nil { fpcValues.append(try fpcValue(group, "PSU \(group.key[by.count - 1] ?? "")")) }
      }
    } else {
      // Each row is a unit; the units of a stratum are numbered, those with rows of positive
      // weight first (their scores cross the wire, p numbers a row: give the PSU column for
      // large tables).
      let groups = try unitGroups(
        strata
          ? "SELECT h, COUNT(*)\(fpcItems) FROM (\(allRows)) AS u GROUP BY h"
          : "SELECT '1', COUNT(*)\(fpcItems) FROM (\(allRows)) AS u",
        keys: 1)
      for group in groups {
        let stratum = group.key[0] ?? ""
        let count = group.count
        let f = fpc == nil ? nil : try fpcValue(group, "stratum \(stratum)")
        for u in 0..<count {
          keys.append([stratum, String(u)])
          strataLabels.append(stratum)
          clusterLabels.append("\(stratum)#\(u + 1)")
          if let f { fpcValues.append(f) }
        }
      }
    }
    unitKeys = keys
    unitsArePSUs = psu
    units = UnitTotals(strata: strata ? strataLabels : [], clusters: [clusterLabels], fpc: fpc == nil ? [] : [fpcValues])
    let counts = try runner.totals(
      "SELECT COUNT(*), \(extra.contains { $0.alias == "w" } ? "\(sum("w")), SUM(CASE WHEN w = 0.0 THEN 1 ELSE 0 END)" : "COUNT(*), 0") FROM (\(allRows)) AS u"
    )
    let unitDesign = try units.design(specification: specification)
    let summary = DesignSummary(
      kind: "linearization", observations: Int(counts[0].rounded()), strata: unitDesign.strataCount,
      psus: unitDesign.psuCount, stages: unitDesign.stageCount, populationSize: counts[1], df: 0,
      replicates: nil, replicateType: nil, lonelyPSU: specification.lonelyPSU, zeroWeights: Int(counts[2].rounded()),
      weightSource: specification.weights == nil ? "equal" : "column", fpc: !specification.fpc.isEmpty)
    design = .linearization(specification, summary: summary)
  }

  /// A group of `describeUnits`' statements: its key, its rows and its FPC's range.
  struct UnitGroup {
    var key: [String?]
    var count: Int
    var low = Double.infinity
    var high = -Double.infinity
  }

  /// Runs a `SELECT key…, COUNT(*)[, MIN(f), MAX(f)] … GROUP BY key…` statement and merges the
  /// groups that several shards return (a PSU or stratum may have rows on more than one):
  /// counts added, the FPC's range widened. Groups in the order first seen.
  func unitGroups(_ sql: String, keys: Int) throws -> [UnitGroup] {
    var groups: [UnitGroup] = []
    var position: [[String?]: Int] = [:]
    for row in try run(sql) {
      let key = Array(row[0..<keys])
      let g = position[key] ?? groups.count
      if g == groups.count {
        position[key] = g
        groups.append(UnitGroup(key: key, count: 0))
      }
      groups[g].count += Int(row[keys] ?? "0") ?? 0
      if row.count > keys + 2 {
        groups[g].low = Swift.min(groups[g].low, Double(row[keys + 1] ?? "") ?? .nan)
        groups[g].high = Swift.max(groups[g].high, Double(row[keys + 2] ?? "") ?? .nan)
      }
    }
    return groups
  }

  /// The score totals of every unit (zero for units without rows of positive weight).
  func unitScores(rows: String, items: [String], columns k: Int) throws -> (units: UnitTotals, totals: Matrix) {
    let strata = !units.strata.isEmpty
    var totals = Matrix(rows: unitKeys.count, cols: k)
    var inEstimation = [Bool](repeating: false, count: unitKeys.count)
    if unitsArePSUs {
      let by = strata ? ["h", "c"] : ["c"]
      let sums = try grouped(items + ["SUM(CASE WHEN a0 > 0.0 THEN 1 ELSE 0 END)"], by: by, over: rows)
      for (u, key) in unitKeys.enumerated() {
        guard let t = sums[key] else { continue }
        for j in 0..<k { totals[u, j] = t[j] }
        inEstimation[u] = t[k] > 0
      }
    } else {
      let scoreItems = items.map { String($0.dropFirst(4).dropLast()) }  // SUM(expr) → expr
      let rowsOut = try run(
        "SELECT \(strata ? "h" : "'1'"), \(scoreItems.joined(separator: ", ")) FROM (\(rows)) AS s WHERE a0 > 0.0")
      var next: [String: Int] = [:]
      var position: [[String?]: Int] = [:]
      for (u, key) in unitKeys.enumerated() { position[key] = u }
      for row in rowsOut {
        let stratum = row[0] ?? ""
        let n = next[stratum, default: 0]
        next[stratum] = n + 1
        let key: [String?] = [stratum, String(n)]
        guard let u = position[key] else { throw PostgresError.data("\(label) changed during the fit") }
        inEstimation[u] = true
        for j in 0..<k {
          guard let v = Double(row[1 + j] ?? ""), v.isFinite else {
            throw PostgresError.numerical("a score on \(label) is not finite")
          }
          totals[u, j] = v
        }
      }
    }
    var u = units
    u.inEstimation = inEstimation
    return (u, totals)
  }
}

/// Neumaier's compensated sum (the partial sums of a statement's groups are added with it).
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
