import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataScale

/// Model families the pushdown computes.
public enum PushdownFamily: String, Sendable, CaseIterable {
  case gaussian  // lm / wls
  case logit  // binomial(logit)
  case probit  // binomial(probit): Φ and φ in plain SQL arithmetic (SQLMath)
  case cloglog  // binomial(cloglog)
  case poisson  // poisson(log)

  /// The binomial models (a 0/1 response).
  var isBinomial: Bool { self == .logit || self == .probit || self == .cloglog }
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
  /// A subset (R `glm(subset =)`): without a design only its rows are read (a WHERE
  /// condition); with a design it is a domain, as `subpop`.
  public var subset: String?
  /// The table's partition or distribution key: each pass's sums are grouped by it.
  public var partitionKey: String?
  /// Sums over `numeric` (exact, slower) instead of double precision.
  public var exactSums: Bool
  public var maxIterations: Int
  /// A table partitioned over postgres_fdw foreign tables is summed on each shard directly
  /// (the default); false sends every statement to the coordinator.
  public var shardFanOut: Bool
  public init(
    family: PushdownFamily, formula: String, weights: String? = nil, variance: PushdownVariance = .classical,
    subpop: String? = nil, partitionKey: String? = nil, exactSums: Bool = false, maxIterations: Int = 100,
    shardFanOut: Bool = true, subset: String? = nil
  ) {
    self.subset = subset
    self.shardFanOut = shardFanOut
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

/// The result: the aggregate fit (`AggregateFitResult`: the same `Fit` and `RegressionResult` as
/// a streamed fit, rendered by `RegressionReport`) and the SQL that produced it.
public struct PushdownFit: Sendable {
  public var result: AggregateFitResult
  /// Every statement over the table, in order (no connection details; a statement sent to a
  /// shard directly begins with a comment naming its foreign server: `/* shard1 */ SELECT …`).
  /// The catalog reads that find the shards are not listed.
  public var statements: [String]
  /// The foreign servers summed directly (empty when every statement went to the server of
  /// the URI).
  public var shards: [String] = []
  /// The source as printed in reports (no password).
  public var source: String
  /// Replicate fits run (0 without replicate weights).
  public var replicates: Int
  /// The margins asked for (`margins:`), summed in the server after the fit (`PushdownMargins`).
  public var margins: MarginsResult? = nil

  public var terms: [String] { result.result.coefficients.map(\.term) }
  public var coefficients: [Double] { result.result.coefficients.map { $0.estimate ?? .nan } }
  public var standardErrors: [Double] { result.result.coefficients.map { $0.stdError ?? .nan } }
  /// Covariance, row-major p × p.
  public var covariance: [[Double]] {
    let m = result.result.covariance.matrix
    return (0..<m.rows).map { j in (0..<m.cols).map { m[j, $0] } }
  }
  /// Rows of positive weight in the estimation (domain rows with a design).
  public var observations: Int { result.fit.nobs }
  /// Newton iterations of a GLM (0 for least squares, solved in increment steps by the driver).
  public var iterations: Int { result.fit.glm?.iterations ?? 0 }
  /// Deviance (residual sum of squares for least squares).
  public var deviance: Double {
    result.fit.glm?.deviance ?? result.fit.dispersion * Double(result.fit.nobs - result.fit.kept.count)
  }
  /// Design degrees of freedom (nil without a design).
  public var designDegreesOfFreedom: Int? { result.result.covariance.designDegreesOfFreedom }
}

/// Compiles a fit into aggregate SQL and runs it through the aggregate-fit driver
/// (`StrataScale.AggregateFit`), with `PostgresAggregates` as its source.
public enum Pushdown {
  /// Fits `spec` on the rows of `source` (the family, weights and variance of a
  /// `PushdownSpecification`; `fit(_:variance:source:…)` takes the streamed fit's specification).
  public static func fit(_ spec: PushdownSpecification, source: PostgresSource) throws -> PushdownFit {
    let model: AggregateModel
    switch spec.family {
    case .gaussian: model = .leastSquares
    case .logit: model = .glm(.logit)
    case .probit: model = .glm(.probit)
    case .cloglog: model = .glm(.cloglog)
    case .poisson: model = .glm(.poisson)
    }
    var scale = ScaleSpecification(
      model: model, formula: spec.formula, weights: spec.weights, subset: spec.subset, subpop: spec.subpop)
    let variance: AggregateVariance
    switch spec.variance {
    case .classical: variance = .classical
    case .hc0: variance = .hc(.hc0)
    case .hc1: variance = .hc(.hc1)
    case .cluster(let g):
      variance = .cluster([g])
      scale.clusters = [g]
    case .design(let d):
      variance = .design(.r)
      scale.design = d
      scale.weights = nil
    }
    return try fit(
      scale, variance: variance, source: source, partitionKey: spec.partitionKey, exactSums: spec.exactSums,
      control: GLMControl(maxIterations: spec.maxIterations), shardFanOut: spec.shardFanOut)
  }

  /// Fits `specification` on the rows of `source` through `AggregateFit`.
  ///
  /// - Parameters:
  ///   - partitionKey: the table's partition or distribution key: each statement's sums are
  ///     grouped by it (pushed to the shards).
  ///   - exactSums: sums over `numeric` (exact, slower) instead of double precision.
  ///   - groupsByFactor: group the cross-products by the labels of the model's largest
  ///     main-effect factor (fewer aggregates a row; the default).
  ///   - shardFanOut: when the table is partitioned over postgres_fdw foreign tables, send the
  ///     statements over the rows to each shard directly, all at once (`ShardDiscovery`); false
  ///     sends them to the coordinator.
  ///   - margins: margins to compute after the fit (averaged over the sample, covariates fixed;
  ///     one more aggregate statement, `PushdownMargins`), returned in `PushdownFit.margins`.
  ///   - unconditionalMargins: the margins' variance with the covariates sampled (their sums and
  ///     the fit's scores by design unit or cluster, on the fit's prepared source).
  public static func fit(
    _ specification: ScaleSpecification, variance: AggregateVariance, source: PostgresSource,
    partitionKey: String? = nil, exactSums: Bool = false, level: Double = 95, control: GLMControl = GLMControl(),
    information: InformationMatrix = .expected, groupsByFactor: Bool = true, shardFanOut: Bool = true,
    margins: MarginsOptions? = nil, unconditionalMargins: Bool = false
  ) throws -> PushdownFit {
    let set = try PushdownUnits.prepare(
      specification, variance: variance, source: source, partitionKey: partitionKey, exactSums: exactSums,
      shardFanOut: shardFanOut, groupsByFactor: groupsByFactor)
    let result = try AggregateFit.fit(
      set.aggregates, model: specification.model, formula: specification.formula, weighted: set.weighted,
      variance: variance, level: level, control: control, information: information)
    let marginsResult = try margins.map {
      try PushdownMargins.margins(
        of: AggregateMargins.FittedModel(result.result), aggregates: set.aggregates, schema: set.schema, options: $0,
        weighted: set.weighted, unconditional: unconditionalMargins)
    }
    var fit = PushdownFit(
      result: result, statements: set.aggregates.runner.log, source: source.displayName,
      replicates: set.replicates, margins: marginsResult)
    fit.shards = set.aggregates.runner.shards.map(\.server)
    return fit
  }

  /// The margins of a fitted model (a saved pushed-down fit: its coefficients and covariance)
  /// on the rows of `source`, summed in the server as `fit(…, margins:)` sums them: the fit's
  /// set-up statements (levels, missing values), then one margins statement; no fit.
  public static func margins(
    _ specification: ScaleSpecification, variance: AggregateVariance, model: AggregateMargins.FittedModel,
    source: PostgresSource, partitionKey: String? = nil, exactSums: Bool = false, options: MarginsOptions,
    shardFanOut: Bool = true
  ) throws -> MarginsResult {
    let set = try prepare(
      specification, variance: variance, source: source, partitionKey: partitionKey, exactSums: exactSums,
      groupsByFactor: true, shardFanOut: shardFanOut)
    guard set.aggregates.model.columns.map(\.name) == model.terms else {
      throw PostgresError.data(
        "the formula '\(specification.formula)' codes \(set.aggregates.label) as the columns \(set.aggregates.model.columns.map(\.name).joined(separator: ", ")), not the fitted \(model.terms.joined(separator: ", ")) (the data changed since the fit)"
      )
    }
    return try PushdownMargins.margins(
      of: model, aggregates: set.aggregates, schema: set.schema, options: options, weighted: set.weighted)
  }

  /// What a fit and its margins share: the source opened (shards found), the design's columns
  /// checked, the domain and subset compiled, the formula compiled with its factor levels, the
  /// design columns checked for missing values, and the aggregate source over them.
  struct Prepared {
    let aggregates: PostgresAggregates
    let schema: SourceSchema
    let weighted: Bool
    let replicates: Int
  }

  static func prepare(
    _ specification: ScaleSpecification, variance: AggregateVariance, source: PostgresSource,
    partitionKey: String?, exactSums: Bool, groupsByFactor: Bool, shardFanOut: Bool
  ) throws -> Prepared {
    let family = try PushdownFamily(specification.model)
    let opened = try source.open()
    let (from, label, schema) = (opened.from, opened.label, opened.schema)
    // The statements' runner: with a table partitioned over postgres_fdw foreign tables, the
    // statements over the rows (set-up and passes) go to each shard directly, all at once.
    let runner = try StatementRunner(opened, source: source, fanOut: shardFanOut)
    let rows = runner.relation

    let design = specification.design
    if let design {
      guard design.calibration == nil, design.buildReplicates == nil else {
        throw PostgresError.unsupported("calibrated designs and replicates built from the design (give the replicate-weight columns)")
      }
      guard design.psu.count <= 1, design.fpc.count <= 1 else {
        throw PostgresError.unsupported("multistage designs (one PSU column and one FPC column)")
      }
      if design.weights == nil && !design.fpc.isEmpty {
        throw PostgresError.unsupported("sampling weights derived from FPCs (give the weights column)")
      }
    }
    if specification.subpop != nil && design == nil {
      throw PostgresError.unsupported("a domain (subpop) without a survey design")
    }
    if case .design = variance, design == nil {
      throw PostgresError.unsupported("design-based variance without a design")
    }
    let weightColumn = design == nil ? specification.weights : design?.weights

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
    var clusterColumns: [String] = []
    if case .cluster(let names) = variance { clusterColumns = names }
    for (k, g) in clusterColumns.enumerated() { extra.append((try column(g, numeric: false, "cluster"), "g\(k)")) }
    if let key = partitionKey { _ = try schema.kind(of: key, in: "the partition key") }

    // The domain (--subpop) and the subset (--subset), compiled to SQL conditions (an
    // expression SQLExpressionCompiler cannot compile is refused, named). With a design the
    // subset is a domain too (R `subset(design, …)`; the in-memory and streamed fits combine
    // them the same way): every row stays for the design's units. Without one, the subset is
    // R's `glm(subset =)`: a WHERE condition, its rows the only rows.
    func condition(_ text: String, _ option: String) throws -> String {
      try SQLExpressionCompiler.condition(parsing: text, option: option, schema: schema)
    }
    let subpopSQL = try specification.subpop.map { try condition($0, "subpop") }
    let subsetSQL = try specification.subset.map { try condition($0, "subset") }
    var domainSQL: String?
    var subsetFilter: String?
    var subsetText: String?
    if design != nil {
      let parts = [subsetSQL, subpopSQL].compactMap { $0 }
      domainSQL = parts.isEmpty ? nil : parts.count == 1 ? parts[0] : parts.map { "(\($0))" }.joined(separator: " AND ")
      let texts = [specification.subset, specification.subpop].compactMap { $0.map { "(\($0))" } }
      subsetText = texts.isEmpty ? nil : texts.joined(separator: " & ")
    } else {
      subsetFilter = subsetSQL
      subsetText = specification.subset
    }

    // The formula; factor levels from the complete rows of the domain, sorted as R sorts them
    // in the C locale (numeric labels numerically).
    let columnsRead = try SQLModel.columnsRead(formula: specification.formula, schema: schema)
    let used = unique(columnsRead + (design == nil ? (weightColumn.map { [$0] } ?? []) : []) + clusterColumns)
    let conditions = used.map { "\(SQL.identifier($0)) IS NOT NULL" } + (subsetFilter.map { ["(\($0))"] } ?? [])
    let complete = conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
    let domainFilter = domainSQL.map { " AND \($0)" } ?? ""
    let compiled = try SQLModel.compile(formula: specification.formula, schema: schema) { levelSQL in
      // Each shard's levels; a level may be on several shards.
      let found = try runner.run("SELECT DISTINCT \(levelSQL) AS level FROM \(rows) WHERE \(complete)\(domainFilter)")
      return Set(found.compactMap { $0.first ?? nil }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    // Missing values where none may be: weights, design and replicate columns.
    if !required.isEmpty {
      let nulls = try runner.totals(
        "SELECT \(required.map { "SUM(CASE WHEN \(SQL.identifier($0)) IS NULL THEN 1 ELSE 0 END)" }.joined(separator: ", ")) FROM \(rows)"
      )
      for (k, c) in required.enumerated() where nulls[k] > 0 {
        throw PostgresError.data("column '\(c)' of \(label) has \(Int(nulls[k])) missing value(s); a design column may have none")
      }
    }

    // The weight sets: the full sample, then each replicate.
    var weightSQL = ["inc * w"]
    if let replicateDesign {
      weightSQL += replicateColumns.indices.map { replicateDesign.combinedWeights ? "inc * rw\($0)" : "inc * w * rw\($0)" }
    }
    let aggregates = PostgresAggregates(
      runner: runner, from: from, label: label, model: compiled, family: family, complete: complete,
      domain: domainSQL, subset: subsetFilter, subsetExpression: subsetText, exact: exactSums,
      partitionKey: partitionKey, extra: extra, weightSQL: weightSQL, replicate: replicateDesign,
      specification: design, groupsByFactor: groupsByFactor, fractional: specification.model.isFractional)
    return Prepared(
      aggregates: aggregates, schema: schema, weighted: weightColumn != nil, replicates: replicateColumns.count)
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
}
