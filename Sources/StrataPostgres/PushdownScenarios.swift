import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataModels
import StrataScale

/// Scenario comparisons (`strata predict --scenario`) of a fit whose data stay in PostgreSQL,
/// from ONE aggregate statement: for the data as observed and under each scenario, per `--by`
/// group, `Σ w`, `Σ w·μ(η_s)` and its gradient `Σ w·μ′(η_s)·x_s` over the kept columns, with the
/// rows' `η_s = x_s β` computed in the server. A scenario's assignments are compiled into SQL
/// and substituted into the SQL-compiled formula (`SQLModel.compile(formula:schema:replacing:levels:)`),
/// so `x_s` is the model matrix of the changed row. The sums go to `ScenarioSums`, which forms
/// the averages, differences, ratios and their delta-method errors (covariates fixed) exactly as
/// for a streamed fit. A table partitioned over postgres_fdw foreign tables gets the statement
/// on each shard directly (`StatementRunner`), as a fit does.
public enum PushdownScenarios {
  /// The fitted model the scenarios are predicted from (as a saved fit records it).
  public struct FittedModel: Sendable {
    /// Every model-matrix column (R's names); the source must code the formula to these.
    public var terms: [String]
    /// The kept columns (indices into `terms`) and their coefficients.
    public var kept: [Int]
    public var coefficients: [Double]

    public init(terms: [String], kept: [Int], coefficients: [Double]) {
      self.terms = terms
      self.kept = kept
      self.coefficients = coefficients
    }
  }

  /// What `sums` returns: the sums and the statements sent (a shard's begin with `/* server */`).
  public struct Sums: Sendable {
    public var sums: ScenarioSums
    public var statements: [String]
    /// With `units`: per `--by` group and unit (the key: the group's label, then the unit's
    /// columns), `Σ w` and `Σ w·μ(η_s)` of the data as observed and of each scenario.
    var byUnit: [[String?]: [Double]] = [:]
  }

  /// The scenario sums of `model` (fitted on `specification`) over the rows of `source`: the
  /// estimation rows (complete cases, the subset, the domain), weighted by the case or design
  /// weights.
  ///
  /// - Throws: `PostgresError.unsupported` naming a scenario expression the compiler cannot
  ///   write in SQL, or a scenario that changes a factor to anything but one of its levels;
  ///   `PostgresError.data` for unknown columns, a `--by` column with missing values, or a
  ///   source whose formula no longer codes to the fitted columns.
  public static func sums(
    _ specification: ScaleSpecification, model: FittedModel, source: PostgresSource, partitionKey: String? = nil,
    scenarios: [Scenario], by: String?, shardFanOut: Bool = true
  ) throws -> Sums {
    try sums(
      specification, model: model, source: source, partitionKey: partitionKey, scenarios: scenarios, by: by,
      shardFanOut: shardFanOut, units: nil)
  }

  /// `sums`, and with `units` (select items of the unit columns and their aliases) the sums
  /// of the covariates-sampled variance by unit (`Sums.byUnit`), one more statement.
  static func sums(
    _ specification: ScaleSpecification, model: FittedModel, source: PostgresSource, partitionKey: String?,
    scenarios: [Scenario], by: String?, shardFanOut: Bool, units: (columns: [String], by: [String])?
  ) throws -> Sums {
    let family = try PushdownFamily(specification.model)
    let rows = try PushdownRows(specification, source: source, partitionKey: partitionKey, shardFanOut: shardFanOut)
    let schema = rows.opened.schema

    // The model as fitted: its factor levels (asked in order), checked against the saved columns.
    let (fitted, levels) = try rows.model(specification.formula)
    guard fitted.columns.map(\.name) == model.terms else {
      throw PostgresError.data(
        "the formula '\(specification.formula)' codes \(rows.opened.label) as the columns \(fitted.columns.map(\.name).joined(separator: ", ")), not the fitted \(model.terms.joined(separator: ", ")) (the data changed since the fit)"
      )
    }
    let changed = try scenarios.map { scenario -> SQLModel in
      let replacing = try assignments(scenario, schema: schema, levels: levels)
      return try SQLModel.compile(
        formula: specification.formula, schema: schema, replacing: replacing, levels: levels.map(\.levels))
    }

    // The group labels.
    var groupSQL: String?
    var numericGroups = false
    if let by {
      switch try schema.kind(of: by, in: "--by") {
      case .numeric:
        groupSQL = "CAST(\(SQL.identifier(by)) AS double precision)"
        numericGroups = true
      case .text: groupSQL = "CAST(\(SQL.identifier(by)) AS varchar)"
      case .boolean: throw PostgresError.unsupported("--by '\(by)' is a logical column (give a number or text column)")
      }
    }

    // Level 1: each model's kept columns; level 2: η; level 3: μ and μ′; then the sums.
    let models = [fitted] + changed
    var columns: [String] = ["\(rows.weight) AS w"]
    if let groupSQL { columns.append("\(groupSQL) AS gb") }
    if let key = partitionKey { columns.append("\(SQL.identifier(key)) AS pk") }
    columns += units?.columns ?? []
    var etas: [String] = []
    var means: [String] = []
    var sums = ["COUNT(*)", "SUM(w)"]
    for (s, m) in models.enumerated() {
      var products: [String] = []
      for (k, j) in model.kept.enumerated() {
        columns.append("\(m.columns[j].sql) AS x\(s)_\(k)")
        products.append("\(SQL.number(model.coefficients[k])) * x\(s)_\(k)")
      }
      etas.append("\(products.isEmpty ? "0.0" : products.joined(separator: " + ")) AS eta\(s)")
      means += ["\(family.meanSQL("eta\(s)")) AS mu\(s)", "\(family.muEtaSQL("eta\(s)")) AS d\(s)"]
      sums.append("SUM(w * mu\(s))")
      sums += model.kept.indices.map { "SUM(w * d\(s) * x\(s)_\($0))" }
    }
    let limit = 1600
    guard sums.count + 2 <= limit else {
      throw PostgresError.unsupported(
        "\(scenarios.count) scenario(s) of a model with \(model.kept.count) columns need \(sums.count) sums, more than one statement holds (\(limit)); give fewer scenarios per call"
      )
    }
    let barrier = rows.barrier
    let base = "SELECT \(columns.joined(separator: ", ")) FROM \(rows.runner.relation) WHERE \(rows.estimationRows)"
    let withEta = "SELECT r.*, \(etas.joined(separator: ", ")) FROM (\(base)\(barrier)) AS r"
    let withMean = "SELECT e.*, \(means.joined(separator: ", ")) FROM (\(withEta)\(barrier)) AS e"
    let keys = (groupSQL == nil ? [] : ["gb"]) + (partitionKey == nil ? [] : ["pk"])
    let select = ((groupSQL == nil ? [] : ["gb"]) + sums).joined(separator: ", ")
    let group = keys.isEmpty ? "" : " GROUP BY \(keys.joined(separator: ", "))"
    let statement = "SELECT \(select) FROM (\(withMean)\(barrier)) AS m\(group)"

    // Add the rows of each group (partitions and shards) with compensated sums.
    let width = model.kept.count + 1
    var order: [String?] = []
    var totals: [String?: [CompensatedSum]] = [:]
    for row in try rows.runner.run(statement) {
      let label: String? = groupSQL == nil ? nil : row[0]
      let cells = groupSQL == nil ? row[...] : row[1...]
      if groupSQL != nil && label == nil {
        throw PostgresError.data("--by '\(by ?? "")' has missing values (NULL) in the estimation rows of \(rows.opened.label)")
      }
      if totals[label] == nil {
        order.append(label)
        totals[label] = Array(repeating: CompensatedSum(), count: sums.count)
      }
      for (k, cell) in cells.enumerated() {
        guard let text = cell else { continue }
        guard let v = Double(text), v.isFinite else {
          throw PostgresError.numerical("a scenario sum over \(rows.opened.label) is '\(text)', not a finite number")
        }
        totals[label]?[k].add(v)
      }
    }
    var groups: [ScenarioSums.Group] = []
    var count = 0
    for label in order {
      let t = (totals[label] ?? []).map(\.value)
      count += Int(t[0].rounded())
      func part(_ s: Int) -> (value: Double, gradient: [Double]) {
        let start = 2 + s * width
        return (t[start], Array(t[(start + 1)..<(start + width)]))
      }
      groups.append(
        ScenarioSums.Group(
          group: label, weight: t[1], baseline: part(0), predicted: scenarios.indices.map { part($0 + 1) }))
    }
    let result = ScenarioSums(groups: groups, rows: count, weighted: rows.weighted, numericGroups: numericGroups)
    var byUnit: [[String?]: [Double]] = [:]
    if let units {
      let unitKeys = (groupSQL == nil ? [] : ["gb"]) + units.by
      let items = ["SUM(w)"] + models.indices.map { "SUM(w * mu\($0))" }
      let groupBy = (unitKeys + (partitionKey == nil ? [] : ["pk"])).joined(separator: ", ")
      var acc: [[String?]: [CompensatedSum]] = [:]
      for row in try rows.runner.run(
        "SELECT \((unitKeys + items).joined(separator: ", ")) FROM (\(withMean)\(barrier)) AS m WHERE w > 0.0 GROUP BY \(groupBy)")
      {
        let key = Array(row[0..<unitKeys.count])
        var sums = acc[key] ?? Array(repeating: CompensatedSum(), count: items.count)
        for (k, cell) in row[unitKeys.count...].enumerated() {
          guard let text = cell, let v = Double(text), v.isFinite else {
            throw PostgresError.numerical("a scenario sum by unit over \(rows.opened.label) is not a finite number")
          }
          sums[k].add(v)
        }
        acc[key] = sums
      }
      byUnit = acc.mapValues { $0.map(\.value) }
    }
    return Sums(sums: result, statements: rows.runner.log, byUnit: byUnit)
  }

  /// The SQL that replaces each column a scenario assigns: a numeric column's expression
  /// (compiled over the columns as changed by the assignments before it), a text column's level.
  /// A factor (a text column, or `factor(x)` of a number) may only be set to one of its levels.
  static func assignments(
    _ scenario: Scenario, schema: SourceSchema, levels: [(sql: String, levels: [String])]
  ) throws -> [String: SQLValue] {
    var replacing: [String: SQLValue] = [:]
    var constants: [String: String] = [:]
    let context = "scenario '\(scenario.text)'"
    for a in scenario.assignments {
      let e = a.expression.expression
      guard let kind = schema.kinds[a.variable] else {
        throw PostgresError.data("\(context) assigns '\(a.variable)', which is not a column of \(schema.label)")
      }
      switch kind {
      case .text:
        guard let label = constantLabel(e) else {
          throw PostgresError.unsupported(
            "\(context): '\(a.variable)' is categorical: set it to one level, as \(a.variable) = \"level\"")
        }
        replacing[a.variable] = SQLValue(sql: "CAST(\(SQL.literal(label)) AS varchar)", kind: .text)
        constants[a.variable] = label
      case .numeric:
        if case .string(let s) = e.kind {
          throw PostgresError.data("\(context): '\(a.variable)' is numeric and cannot be set to the label \"\(s)\"")
        }
        var changed = schema
        changed.substitutions = replacing
        var compiler = SQLExpressionCompiler(schema: changed, context: context)
        replacing[a.variable] = SQLValue(sql: "(\(try compiler.numeric(e)))", kind: .numeric)
        constants[a.variable] = constantLabel(e).flatMap(Double.init).map(serverText)
      case .boolean:
        throw PostgresError.unsupported("\(context) assigns the logical column '\(a.variable)'")
      }
    }
    // A factor's labels must stay among its levels (else every indicator would be 0: the
    // reference level, silently).
    for (column, _) in replacing {
      let quoted = SQL.identifier(column)
      for factor in levels where factor.sql.contains(quoted) {
        let simple = [
          "CAST(\(quoted) AS varchar)", "CAST(CAST(\(quoted) AS double precision) AS varchar)",
        ]
        guard simple.contains(factor.sql), let value = constants[column] else {
          throw PostgresError.unsupported(
            "\(context) changes '\(column)', which a factor of the model reads: set it to one of its levels (\(factor.levels.prefix(8).joined(separator: ", ")))"
          )
        }
        guard factor.levels.contains(value) else {
          throw PostgresError.data(
            "\(context) sets '\(column)' to '\(value)', not one of its levels in the fit (\(factor.levels.prefix(8).joined(separator: ", ")))"
          )
        }
      }
    }
    return replacing
  }

  /// The level label a constant expression names (`"b"`, `2`, `-1`), as `Scenario.apply` reads it.
  static func constantLabel(_ e: FormulaExpression) -> String? {
    switch e.kind {
    case .string(let s): return s
    case .number(let v): return formatRNumber(v)
    case .integer(let v): return String(v)
    case .unary(.minus, let x): return constantLabel(x).map { "-" + $0 }
    case .parenthesized(let x): return constantLabel(x)
    default: return nil
    }
  }

  /// A double as PostgreSQL prints it (`CAST(x AS varchar)`: the shortest text that reads back).
  static func serverText(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }
}

extension Pushdown {
  /// The recipe of a pushed-down fit (how its model matrix is coded: `ModelRecipe`, what a saved
  /// fit stores for `predict --newdata` and `strata table`): the formula's factor levels are read
  /// from the estimation rows (`SELECT DISTINCT`, as the fit reads them), and the formula
  /// machinery codes a few rows made of those levels, so the recipe is the one the in-memory
  /// fit of the same rows makes. Checked against the fitted columns `terms`.
  ///
  /// - Throws: `PostgresError.unsupported` for `factor()` of an expression (its levels are not a
  ///   column's values); `PostgresError.data` when the coding differs from `terms`.
  public static func recipe(
    _ specification: ScaleSpecification, terms: [String], source: PostgresSource, partitionKey: String? = nil,
    shardFanOut: Bool = true
  ) throws -> ModelRecipe {
    let rows = try PushdownRows(specification, source: source, partitionKey: partitionKey, shardFanOut: shardFanOut)
    let schema = rows.opened.schema
    let (model, levels) = try rows.model(specification.formula)
    // A few rows: each factor cycles through its levels; the other columns are numbers.
    let n = max(2, levels.map(\.levels.count).max() ?? 0)
    var columns: [String: Column] = [:]
    for (sql, found) in levels {
      guard let column = model.used.first(where: { sql == "CAST(\(SQL.identifier($0)) AS varchar)" }) else {
        guard let column = model.used.first(where: { sql == "CAST(CAST(\(SQL.identifier($0)) AS double precision) AS varchar)" })
        else {
          throw PostgresError.unsupported("--save of a fit with factor() of an expression in '\(specification.formula)' (give the factor as a column)")
        }
        let values = try (0..<n).map { i -> Double in
          guard let v = Double(found[i % found.count]) else { throw PostgresError.data("factor(\(column)) has the level '\(found[i % found.count])'") }
          return v
        }
        columns[column] = Column(name: column, storage: .numeric(NumericColumn(values: values)))
        continue
      }
      let codes = (0..<n).map { Int32($0 % found.count) }
      columns[column] = Column(name: column, storage: .factor(FactorColumn(codes: codes, levels: found)))
    }
    // Positive and varying: `log()`, `sqrt()` and `1/x` are defined (the coding ignores the
    // values, and the response's kind is not checked here).
    for name in model.used where columns[name] == nil {
      guard try schema.kind(of: name, in: "the formula") == .numeric else {
        throw PostgresError.unsupported("--save of a fit reading the logical column '\(name)'")
      }
      let values = (0..<n).map { 1.5 + Double($0 % 5) }
      columns[name] = Column(name: name, storage: .numeric(NumericColumn(values: values)))
    }
    let frame = DataFrame(columns: model.used.compactMap { columns[$0] }, source: rows.opened.label)
    let recipe: ModelRecipe
    do {
      recipe = try ModelMatrix.build(
        formula: try Formula.parse(specification.formula), data: frame,
        options: ModelFrameOptions(allowsCategoricalResponse: true)
      ).recipe
    } catch {
      throw PostgresError.unsupported("--save: the formula '\(specification.formula)' cannot be coded from its levels (\(error))")
    }
    guard recipe.columnNames == terms else {
      throw PostgresError.data(
        "--save: the formula codes as \(recipe.columnNames.joined(separator: ", ")), not the fitted \(terms.joined(separator: ", "))")
    }
    return recipe
  }
}

extension PushdownFamily {
  /// The family of an aggregate model (ols, wls, logit, probit, cloglog, poisson; fraclogit and
  /// fracprobit are the logit and probit SQL with a fractional response, `PostgresAggregates.fractional`).
  init(_ model: AggregateModel) throws {
    switch model {
    case .leastSquares: self = .gaussian
    case .glm(.logit), .glm(.fraclogit): self = .logit
    case .glm(.probit), .glm(.fracprobit): self = .probit
    case .glm(.cloglog): self = .cloglog
    case .glm(.poisson): self = .poisson
    }
  }

  /// `μ = g⁻¹(η)` as `Link.inverse` clamps it, at a linear-predictor column.
  func meanSQL(_ eta: String) -> String {
    switch self {
    case .gaussian: return eta
    case .logit: return PostgresAggregates.logistic(eta)
    case .probit: return SQLMath.probitMean(eta)
    case .cloglog: return SQLMath.cloglogMean(eta)
    case .poisson: return "GREATEST(EXP(\(eta)), \(SQL.number(SQLMath.eps)))"
    }
  }

  /// `dμ/dη` as `Link.muEta` bounds it (at least ε), at a linear-predictor column.
  func muEtaSQL(_ eta: String) -> String {
    switch self {
    case .gaussian: return "1.0"
    case .logit:
      let e = "EXP(ABS(\(eta)))"
      return "(CASE WHEN ABS(\(eta)) > 30.0 THEN \(SQL.number(SQLMath.eps)) ELSE GREATEST(\(e) / ((1.0 + \(e)) * (1.0 + \(e))), \(SQL.number(SQLMath.eps))) END)"
    case .probit: return SQLMath.probitMuEta(eta)
    case .cloglog: return SQLMath.cloglogMuEta(eta)
    case .poisson: return "GREATEST(EXP(\(eta)), \(SQL.number(SQLMath.eps)))"
    }
  }
}

extension AggregateModel {
  /// A fractional-response model (quasi-binomial: a response in [0, 1]).
  var isFractional: Bool {
    if case .glm(let m) = self { return m.family == .quasibinomial }
    return false
  }
}
