import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataLinalg

/// Model families the pushdown computes (canonical links).
public enum PushdownFamily: String, Sendable, CaseIterable {
  case gaussian  // lm / wls
  case logit  // binomial(logit)
  case poisson  // poisson(log)
}

/// Variance estimators of the pushdown.
public enum PushdownVariance: Sendable, Equatable {
  case classical, hc0, hc1
  /// Cluster-robust (sandwich::vcovCL, type HC1 with the G/(G-1) adjustment), one column.
  case cluster(String)
  /// Design-based (survey::svyglm): the design's weights are the sampling weights. Linearization
  /// goes through `LinearizationDesign.variance(of: UnitTotals…)` (strata, PSUs, FPC, nest,
  /// lonely-PSU rule); with `replicateWeights`, the replicate fits and `replicateVariance`.
  case design(DesignSpecification)
}

/// A fit whose data stay in PostgreSQL: the formula is compiled into aggregate SQL.
public struct PushdownSpecification: Sendable {
  public var family: PushdownFamily
  public var formula: String
  /// Case weights (ignored with a design, whose weights are used).
  public var weights: String?
  public var variance: PushdownVariance
  /// A domain (R `subset(design, …)`): rows outside it count zero, every PSU is kept.
  public var subpop: String?
  /// The table's partition or distribution key: each pass's sums are grouped by it.
  public var partitionKey: String?
  /// Sums over `numeric` (exact, slower) instead of double precision.
  public var exactSums: Bool
  public var maxIterations: Int
  public init(
    family: PushdownFamily, formula: String, weights: String? = nil, variance: PushdownVariance = .classical,
    subpop: String? = nil, partitionKey: String? = nil, exactSums: Bool = false, maxIterations: Int = 100
  ) {
    self.family = family
    self.formula = formula
    self.weights = weights
    self.variance = variance
    self.subpop = subpop
    self.partitionKey = partitionKey
    self.exactSums = exactSums
    self.maxIterations = maxIterations
  }
}

/// The result: coefficients, covariance and the SQL that produced them.
public struct PushdownFit: Sendable {
  public var terms: [String]
  public var coefficients: [Double]
  /// Covariance, row-major p × p.
  public var covariance: [[Double]]
  public var standardErrors: [Double] { (0..<terms.count).map { covariance[$0][$0].squareRoot() } }
  /// Rows of positive weight in the estimation (domain rows with a design).
  public var observations: Int
  public var iterations: Int
  /// Deviance (residual sum of squares for gaussian).
  public var deviance: Double
  /// Design degrees of freedom (nil without a design).
  public var designDegreesOfFreedom: Int?
  /// Replicate fits run (0 without replicate weights).
  public var replicates: Int
  /// Every statement sent, in order (no connection details).
  public var statements: [String]
  public var source: String
}

/// Compiles and runs a pushdown fit.
///
/// The Newton/IRLS iteration here is interim: it is to be replaced by the aggregate-fit driver
/// of `StrataScale` (issue 21), of which `PostgresAggregates` is a source. The variances already
/// go through the library: `LinearizationDesign.variance(of: UnitTotals…)` and
/// `replicateVariance`.
public enum Pushdown {
  /// Fits `spec` on the rows of `source`.
  public static func fit(_ spec: PushdownSpecification, source: PostgresSource) throws -> PushdownFit {
    let connection = try LibPQConnection(conninfo: source.conninfo)
    let displayName = source.displayName
    // PostgreSQL's JIT compiles each statement's expressions with LLVM; the passes' hundreds of
    // aggregate expressions take it minutes to compile for seconds of work. Engines without
    // the setting refuse it, which is harmless.
    _ = try? connection.query("SET jit = off")
    let from = try source.fromClause()
    let label = source.table.map { "table \($0)" } ?? "the query"
    var log: [String] = []
    func run(_ sql: String) throws -> [[String?]] {
      log.append(sql)
      return try connection.query(sql)
    }

    // The source's columns and their kinds.
    let described = try connection.describe("SELECT * FROM \(from) LIMIT 0")
    var kinds: [String: SQLColumnKind] = [:]
    for (name, type) in described {
      switch type {
      case 20, 21, 23, 700, 701, 1700, 26: kinds[name] = .numeric
      case 25, 1042, 1043, 18, 19: kinds[name] = .text
      case 16: kinds[name] = .boolean
      default: continue  // other types cannot be used: "not a column" names them
      }
    }
    let schema = SourceSchema(names: described.map(\.name), kinds: kinds, label: label)

    let design: DesignSpecification?
    if case .design(let d) = spec.variance { design = d } else { design = nil }
    if let design {
      guard design.calibration == nil, design.buildReplicates == nil else {
        throw PostgresError.unsupported("calibrated designs and replicates built from the design (give the replicate-weight columns)")
      }
      guard design.psu.count <= 1, design.fpc.count <= 1 else {
        throw PostgresError.unsupported("multistage designs (one PSU column and one FPC column)")
      }
    }
    if spec.subpop != nil && design == nil {
      throw PostgresError.unsupported("a domain (subpop) without a survey design")
    }
    let weightColumn = design == nil ? spec.weights : design?.weights

    // Required columns (weights, design and replicate columns): numeric where numbers are
    // needed, and no NULL (checked below).
    func column(_ name: String, numeric: Bool, _ role: String) throws -> String {
      let kind = try schema.kind(of: name, in: role)
      if numeric {
        guard kind == .numeric else { throw PostgresError.data("\(role) '\(name)' of \(label) is not numeric") }
        return "CAST(\(SQL.identifier(name)) AS double precision)"
      }
      return "CAST(\(SQL.identifier(name)) AS varchar)"
    }
    var extra: [(sql: String, alias: String)] = []
    var required: [String] = []
    if let w = weightColumn {
      extra.append((try column(w, numeric: true, "weights"), "w"))
      required.append(w)
    } else {
      extra.append(("1.0", "w"))
    }
    var replicateColumns: [String] = []
    var replicateDesign: ReplicateDesign?
    if let r = design?.replicateWeights {
      replicateColumns = try expand(r.columns, in: schema)
      var resolved = r
      resolved.columns = replicateColumns
      // The library resolves the type's scale and rscales (svrepdesign's defaults) from the
      // specification; the two placeholder rows carry no data.
      var frameColumns = replicateColumns.map { Column(name: $0, storage: .numeric(NumericColumn(values: [1, 1]))) }
      if let w = weightColumn { frameColumns.append(Column(name: w, storage: .numeric(NumericColumn(values: [1, 1])))) }
      replicateDesign = try ReplicateDesign(
        resolved, weights: weightColumn, data: DataFrame(columns: frameColumns, source: label))
      for (k, c) in replicateColumns.enumerated() {
        extra.append((try column(c, numeric: true, "replicate weights"), "rw\(k)"))
        required.append(c)
      }
    }
    let strata = design?.strata, psu = design?.psu.first, fpc = design?.fpc.first
    if let strata { extra.append((try column(strata, numeric: false, "strata"), "h")); required.append(strata) }
    if let psu { extra.append((try column(psu, numeric: false, "psu"), "c")); required.append(psu) }
    if let fpc { extra.append((try column(fpc, numeric: true, "fpc"), "f")); required.append(fpc) }
    var clusterColumn: String?
    if case .cluster(let g) = spec.variance { clusterColumn = g }
    if let clusterColumn { extra.append((try column(clusterColumn, numeric: false, "cluster"), "g")) }
    if let key = spec.partitionKey { _ = try schema.kind(of: key, in: "the partition key") }

    // The domain.
    var domainSQL: String?
    if let subpop = spec.subpop {
      let expression: RowExpression
      do { expression = try RowExpression.parse(subpop) } catch {
        throw PostgresError.data("subpop '\(subpop)': \(error)")
      }
      var compiler = SQLExpressionCompiler(schema: schema, context: "subpop '\(subpop)'")
      domainSQL = try compiler.condition(expression.expression)
    }

    // The formula; factor levels from the complete rows of the domain, sorted as R sorts them
    // in the C locale (numeric labels numerically).
    let model = try SQLModel.columnsRead(formula: spec.formula, schema: schema)
    let used = unique(model + (design == nil ? (weightColumn.map { [$0] } ?? []) : []) + (clusterColumn.map { [$0] } ?? []))
    let complete = used.map { "\(SQL.identifier($0)) IS NOT NULL" }.joined(separator: " AND ")
    let domainFilter = domainSQL.map { " AND \($0)" } ?? ""
    let compiled = try SQLModel.compile(formula: spec.formula, schema: schema) { levelSQL in
      let rows = try run("SELECT DISTINCT \(levelSQL) AS level FROM \(from) WHERE \(complete)\(domainFilter)")
      return rows.compactMap { $0.first ?? nil }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
    let p = compiled.columns.count

    // Missing values where none may be: weights, design and replicate columns.
    if !required.isEmpty {
      let nulls = try run(
        "SELECT \(required.map { "SUM(CASE WHEN \(SQL.identifier($0)) IS NULL THEN 1 ELSE 0 END)" }.joined(separator: ", ")) FROM \(from)"
      )[0]
      for (k, c) in required.enumerated() where (Int(nulls[k] ?? "0") ?? 0) > 0 {
        throw PostgresError.data("column '\(c)' of \(label) has \(nulls[k] ?? "") missing value(s); a design column may have none")
      }
    }

    var source = PostgresAggregates(
      connection: connection, from: from, model: compiled, complete: complete, domain: domainSQL,
      family: spec.family, exact: spec.exactSums, partitionKey: spec.partitionKey, extra: extra)

    // Checks on the rows, in one query: rows, response range, weights.
    let checks = try run(
      "SELECT SUM(CASE WHEN inc > 0.0 THEN 1 ELSE 0 END), MIN(CASE WHEN inc > 0.0 THEN y END), MAX(CASE WHEN inc > 0.0 THEN y END), MIN(w) FROM (\(source.base)) AS d"
    )[0]
    let n = Int(checks[0] ?? "0") ?? 0
    guard n > p else { throw PostgresError.data("\(label) has \(n) complete rows for \(p) coefficients") }
    let yMin = Double(checks[1] ?? "0") ?? 0, yMax = Double(checks[2] ?? "0") ?? 0
    if (Double(checks[3] ?? "1") ?? 1) < 0 {
      throw PostgresError.data("weights '\(weightColumn ?? "")' of \(label) has negative values")
    }
    switch spec.family {
    case .logit:
      guard yMin >= 0, yMax <= 1 else {
        throw PostgresError.data("the response '\(compiled.responseName)' of \(label) is outside [0, 1] for logit")
      }
    case .poisson:
      guard yMin >= 0 else {
        throw PostgresError.data("the response '\(compiled.responseName)' of \(label) has negative counts")
      }
    case .gaussian: break
    }

    // Start: R's mustart by one weighted least-squares aggregate (zero for least squares).
    let fullWeight = "inc * w"
    var beta = [Double](repeating: 0, count: p)
    if spec.family != .gaussian {
      let (wz, z): (String, String)
      if spec.family == .logit {
        let m = "((y * a + 0.5) / (a + 1.0))"
        (wz, z) = ("a * \(m) * (1.0 - \(m))", "LN(\(m) / (1.0 - \(m)))")
      } else {
        (wz, z) = ("a * (y + 0.1)", "LN(y + 0.1)")
      }
      let (a, b) = try source.startSums(weight: fullWeight, wz: wz, z: z)
      beta = try solve(a, b, label)
    }

    // Newton/IRLS for the full sample, then for all replicates together.
    func iterate(_ start: [[Double]], weights: [String]) throws -> (betas: [[Double]], last: [PassSums], iterations: Int) {
      var betas = start
      var last = [PassSums?](repeating: nil, count: start.count)
      var active = Array(start.indices)
      var iterations = 0
      while !active.isEmpty {
        iterations += 1
        let sums = try source.pass(active.map { WeightSet(weight: weights[$0], beta: betas[$0]) })
        var still: [Int] = []
        for (k, set) in active.enumerated() {
          let step = try solve(sums[k].information, sums[k].score, label)
          last[set] = sums[k]
          let stepNorm = step.map { $0 * $0 }.reduce(0, +).squareRoot()
          let betaNorm = betas[set].map { $0 * $0 }.reduce(0, +).squareRoot()
          // The last step is still taken: the estimate then sits at the fixed point to
          // rounding (Newton converges quadratically), as the library's IRLS polishes.
          for j in 0..<p { betas[set][j] += step[j] }
          if stepNorm <= 1e-10 * (betaNorm + 1e-10) && iterations >= 2 { continue }
          still.append(set)
        }
        active = still
        if !active.isEmpty && iterations >= spec.maxIterations {
          throw PostgresError.numerical("the fit on \(label) did not converge in \(spec.maxIterations) iterations")
        }
      }
      return (betas, last.map { $0! }, iterations)
    }
    let full = try iterate([beta], weights: [fullWeight])
    beta = full.betas[0]
    let sums = full.last[0]
    let bread: Matrix
    do { bread = try Cholesky(sums.information).inverse() } catch {
      throw PostgresError.numerical("X'WX of \(label) is singular: a term is collinear or constant")
    }
    let final = WeightSet(weight: fullWeight, beta: beta)
    func sandwich(_ meat: Matrix, scale: Double) -> Matrix { scale * (bread * meat * bread) }

    var covariance: Matrix
    var designDF: Int?
    var replicateCount = 0
    switch spec.variance {
    case .classical:
      covariance = (spec.family == .gaussian ? sums.deviance / Double(n - p) : 1) * bread
    case .hc0, .hc1:
      let meat = try source.scoreCrossProducts(final)
      covariance = sandwich(meat, scale: spec.variance == .hc1 ? Double(n) / Double(n - p) : 1)
    case .cluster(let g):
      let totals = try source.scoreTotals(final, by: ["g"])
      let groups = Double(totals.count)
      guard groups >= 2 else { throw PostgresError.data("cluster variance on \(label) needs two clusters of '\(g)'") }
      var meat = Matrix(rows: p, cols: p)
      for t in totals.values { for j in 0..<p { for k in 0..<p { meat[j, k] += t[j] * t[k] } } }
      covariance = sandwich(meat, scale: groups / (groups - 1) * Double(n - 1) / Double(n - p))
    case .design(let d):
      if let replicates = replicateDesign {
        let weights = (0..<replicateColumns.count).map {
          replicates.combinedWeights ? "inc * rw\($0)" : "inc * w * rw\($0)"
        }
        let fits = try iterate(Array(repeating: beta, count: weights.count), weights: weights)
        covariance = replicateVariance(
          fits.betas, estimate: beta, scale: replicates.scale, rscales: replicates.rscales, mse: replicates.mse)
        replicateCount = weights.count
      } else {
        let (units, totals) = try unitTotals(
          &source, final, strata: strata != nil, psu: psu != nil, fpc: fpc, from: from, label: label)
        var influence = Matrix(rows: units.count, cols: p)
        for u in 0..<units.count { for j in 0..<p { for k in 0..<p { influence[u, j] += totals[u][k] * bread[k, j] } } }
        let result = try LinearizationDesign.variance(of: units, totals: influence, specification: d)
        covariance = result.covariance
        designDF = result.df
      }
    }
    return PushdownFit(
      terms: compiled.columns.map(\.name), coefficients: beta,
      covariance: (0..<p).map { j in (0..<p).map { covariance[j, $0] } },
      observations: sums.count, iterations: full.iterations, deviance: sums.deviance,
      designDegreesOfFreedom: designDF, replicates: replicateCount,
      statements: log + source.log, source: displayName)
  }

  /// The sample's units with their score totals: every PSU (or, without PSUs, every row) of the
  /// source, also those with no rows in the domain (zero totals), as `UnitTotals` needs.
  static func unitTotals(
    _ source: inout PostgresAggregates, _ set: WeightSet, strata: Bool, psu: Bool, fpc: String?, from: String,
    label: String
  ) throws -> (UnitTotals, [[Double]]) {
    let p = source.p
    let fpcItems = fpc == nil ? "" : ", MIN(f), MAX(f)"
    // Every unit, from every row (complete or not, in the domain or not).
    let designColumns = source.extra.filter { ["h", "c", "f"].contains($0.alias) }
      .map { "\($0.sql) AS \($0.alias)" }.joined(separator: ", ")
    let allRows = "SELECT \(designColumns.isEmpty ? "1 AS one" : designColumns) FROM \(from)"
    var strataLabels: [String] = []
    var clusterLabels: [String] = []
    var fpcValues: [Double] = []
    var inEstimation: [Bool] = []
    var totals: [[Double]] = []
    func fpcValue(_ row: [String?], _ where_: String) throws -> Double {
      let lo = Double(row[0] ?? "") ?? .nan, hi = Double(row[1] ?? "") ?? .nan
      guard lo == hi else { throw PostgresError.data("fpc '\(fpc ?? "")' of \(label) varies within \(where_)") }
      return lo
    }
    if psu {
      let by = strata ? ["h", "c"] : ["c"]
      let units = try source.run(
        "SELECT \(by.joined(separator: ", ")), COUNT(*)\(fpcItems) FROM (\(allRows)) AS u GROUP BY \(by.joined(separator: ", "))")
      let scores = try source.scoreTotals(set, by: by)
      for row in units {
        let key = Array(row[0..<by.count])
        strataLabels.append(strata ? (row[0] ?? "") : "")
        clusterLabels.append(row[by.count - 1] ?? "")
        if fpc != nil { fpcValues.append(try fpcValue(Array(row[(by.count + 1)...]), "PSU \(row[by.count - 1] ?? "")")) }
        let t = scores[key] ?? Array(repeating: 0, count: p + 1)
        totals.append(Array(t[0..<p]))
        inEstimation.append(t[p] > 0)
      }
    } else {
      // Each row is a unit: the rows of positive weight bring their scores (p numbers a row
      // cross the wire: give the PSU column for large tables); the others are zero units of
      // their stratum.
      let counts = try source.run(
        strata
          ? "SELECT h, COUNT(*)\(fpcItems) FROM (\(allRows)) AS u GROUP BY h"
          : "SELECT '1', COUNT(*)\(fpcItems) FROM (\(allRows)) AS u")
      let scoreItems = (0..<p).map { "r0 * x\($0)" }.joined(separator: ", ")
      let rows = try source.run(
        "SELECT \(strata ? "h" : "'1'"), \(scoreItems) FROM (\(source.working([set]))) AS s WHERE a0 > 0.0")
      var byStratum: [String: [[Double]]] = [:]
      for row in rows {
        byStratum[row[0] ?? "", default: []].append(
          try row[1...].map {
            guard let v = Double($0 ?? ""), v.isFinite else {
              throw PostgresError.numerical("a score on \(label) is not finite")
            }
            return v
          })
      }
      for row in counts {
        let stratum = row[0] ?? ""
        let count = Int(row[1] ?? "0") ?? 0
        let f = fpc == nil ? nil : try fpcValue(Array(row[2...]), "stratum \(stratum)")
        let inside = byStratum[stratum] ?? []
        for u in 0..<count {
          strataLabels.append(stratum)
          clusterLabels.append("\(stratum)#\(u + 1)")
          if let f { fpcValues.append(f) }
          totals.append(u < inside.count ? inside[u] : Array(repeating: 0, count: p))
          inEstimation.append(u < inside.count)
        }
      }
    }
    let units = UnitTotals(
      strata: strata ? strataLabels : [], clusters: [clusterLabels], fpc: fpc == nil ? [] : [fpcValues],
      inEstimation: inEstimation)
    return (units, totals)
  }

  /// Replicate-weight columns: names, or glob patterns (`*`, `?`) expanded in column order.
  static func expand(_ patterns: [String], in schema: SourceSchema) throws -> [String] {
    var out: [String] = []
    for pattern in patterns {
      if pattern.contains("*") || pattern.contains("?") {
        let matches = schema.names.filter { glob(pattern[...], $0[...]) }
        guard !matches.isEmpty else {
          throw PostgresError.data("replicate weights '\(pattern)' match no column of \(schema.label)")
        }
        out += matches
      } else {
        _ = try schema.kind(of: pattern, in: "replicate weights")
        out.append(pattern)
      }
    }
    return unique(out)
  }

  static func glob(_ p: Substring, _ s: Substring) -> Bool {
    guard let c = p.first else { return s.isEmpty }
    if c == "*" {
      var rest = s
      while true {
        if glob(p.dropFirst(), rest) { return true }
        if rest.isEmpty { return false }
        rest = rest.dropFirst()
      }
    }
    guard let d = s.first, c == "?" || c == d else { return false }
    return glob(p.dropFirst(), s.dropFirst())
  }

  static func unique(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
  }

  static func solve(_ a: Matrix, _ b: [Double], _ label: String) throws -> [Double] {
    do { return try Cholesky(a).solve(b) } catch {
      throw PostgresError.numerical("X'WX of \(label) is singular: a term is collinear or constant")
    }
  }
}
