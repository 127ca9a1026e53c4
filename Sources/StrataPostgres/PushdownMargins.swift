import Foundation
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataScale

/// Margins of a pushed-down fit, summed in the server: one aggregate statement after the fit
/// (split only past the select-list limit) returns, per `--over` group, every margin's weighted
/// sums (`Σ aᵢ fᵢ` and `Σ aᵢ ∂fᵢ/∂β`, the table of "Margins and scenarios from sums" in
/// Guides/Scale.md) and the group's weight `Σ aᵢ`; the client adds the partition groups and the
/// shards' rows with Neumaier's sum and hands them to `MarginSums`, so the estimates and their
/// `J V Jᵀ` standard errors (covariates fixed, the fit's covariance) are the streamed path's.
///
/// Per row: η = Σ βⱼxⱼ; μ, μ′, μ″ at η (`SQLMath`); for a continuous variable x_k the
/// derivative of each kept column `Dⱼ = ∂xⱼ/∂x_k` (`SQLDerivative`: the product rule over the
/// column's parts and the chain rule through `I()`, `log()`, powers, …) and `d = Σ βⱼDⱼ`; for a
/// factor (or `--discrete` 0/1 column) at level l, the columns that depend on it recompiled with
/// the column set to l, η_l and μ(η_l), μ′(η_l). Each level of the working rows ends with
/// `OFFSET 0`, as the fit's passes do.
enum PushdownMargins {
  /// How a reported variable is treated (as `Margins.treatment`).
  enum Treatment {
    case continuous
    case discrete(levels: [String])
  }

  /// The margins of `fitted` on the rows of `aggregates` (the fit's source, its compiled model).
  ///
  /// - Throws: `MarginsError` as the in-memory margins (`notInModel`, `mixedRole`,
  ///   `notDiscrete`, `notBinary`, `elasticityOfDiscrete`, `nonFinite` and `zeroPrediction`
  ///   without a row number, `notSummable`); `PostgresError.unsupported` for `--at`.
  static func margins(
    of fitted: AggregateMargins.FittedModel, aggregates: PostgresAggregates, schema: SourceSchema,
    options: MarginsOptions, weighted: Bool, unconditional: Bool = false
  ) throws -> MarginsResult {
    try Margins.checkSummable(options)
    let sampling = try unconditional ? Self.samplingInputs(fitted, aggregates: aggregates) : nil
    guard options.level > 0, options.level < 100 else { throw MarginsError.invalidLevel(options.level) }
    if options.at != nil {
      throw PostgresError.unsupported("margins at --at values (margins are averaged over the sample)")
    }
    let model = aggregates.model
    let roles = model.dataVariables(schema: schema)
    let explicit = !options.variables.isEmpty
    let names = explicit ? options.variables : roles.map(\.name)
    var treatments: [(name: String, treatment: Treatment)] = []
    for name in names {
      guard let role = roles.first(where: { $0.name == name })?.role else {
        throw MarginsError.notInModel(variable: name, modelVariables: roles.map(\.name))
      }
      if options.discrete.contains(name) {
        treatments.append((name, .discrete(levels: ["0", "1"])))
        continue
      }
      switch role {
      case .numeric: treatments.append((name, .continuous))
      case .numericAndCategorical: throw MarginsError.mixedRole(variable: name)
      case .categorical:
        guard let levels = model.factorLevels(of: name) else { throw MarginsError.notDiscrete(variable: name) }
        treatments.append((name, .discrete(levels: levels)))
      }
    }
    for k in options.kinds where k != .dydx {
      for t in treatments {
        if case .discrete = t.treatment, explicit, !options.kinds.contains(.dydx) {
          throw MarginsError.elasticityOfDiscrete(variable: t.name, type: k.rawValue)
        }
      }
    }
    let statement = try Statement(
      fitted: fitted, aggregates: aggregates, schema: schema, treatments: treatments, options: options)
    try statement.checkBinary(options.discrete.filter { d in treatments.contains { $0.name == d } })
    return try statement.run(weighted: weighted, sampling: sampling)
  }

  /// The fit and covariance the covariate-sampling variance needs, checked before any statement:
  /// a variance whose influence totals are sums by a `GROUP BY` (clusters, a design's PSUs).
  static func samplingInputs(
    _ fitted: AggregateMargins.FittedModel, aggregates: PostgresAggregates
  ) throws -> (fit: Fit, covariance: CovarianceEstimate) {
    guard let sampling = fitted.sampling else {
      throw MarginsError.notSummable(what: "--margins-vce unconditional without the fit's bread and scores")
    }
    let spec = sampling.covariance.spec
    try InfluenceVariance.checkUnconditional(spec)
    switch spec {
    case .cluster, .hc, .robust: break
    case .design:
      guard aggregates.unitsArePSUs else {
        throw PostgresError.unsupported(
          "--margins-vce unconditional on a design without a --psu column (each row a unit: give the PSU column)")
      }
    default:
      throw PostgresError.unsupported("--margins-vce unconditional with the \(spec.name) variance")
    }
    return sampling
  }

  /// The margins statement: its working rows and its aggregates, and how the sums become
  /// `MarginSums` entries.
  struct Statement {
    let aggregates: PostgresAggregates
    let fitted: AggregateMargins.FittedModel
    let options: MarginsOptions
    let treatments: [(name: String, treatment: Treatment)]
    /// The working rows (every level ending with the barrier).
    var rows = ""
    /// The aggregates, in order; `layout` says which belong to which margin.
    var items: [String] = []
    /// Per treatment: for a continuous variable, per kind, the positions of its non-finite count,
    /// zero-prediction count (or nil), value and gradient; for a discrete one, per level, the
    /// positions of its value and gradient.
    var continuous: [Int: [(kind: MarginKind, bad: Int, zero: Int?, value: Int, gradient: [Source])]] = [:]
    var discrete: [Int: [String: (value: Int, gradient: [Source])]] = [:]
    /// The labels of the factor whose groups the statement is grouped by (`groupingFactor`, as the
    /// fit's cross-products): a sum times one of its indicator columns is the sum over that
    /// level's group, so it is asked once for all the factor's columns.
    var groupsByFactor = false
    /// The row expression each value item sums (`Σ a f` of a margin or of a factor's level).
    var valueExpressions: [Int: String] = [:]

    /// Where a gradient sum comes from: an aggregate summed over every group; an aggregate over
    /// the grouping factor's `level` group only (times that level's indicator column); or an
    /// aggregate times a constant (a column that is constant at a factor's level).
    enum Source {
      case item(Int)
      case level(Int, String)
      case scaled(Int, Double)
    }
    /// Per continuous treatment: the positions of each derivative column's non-finite count,
    /// with the column's name.
    var derivativeChecks: [Int: [(column: String, bad: Int)]] = [:]
    var groupColumn: String?
    var numericGroups = false

    init(
      fitted: AggregateMargins.FittedModel, aggregates: PostgresAggregates, schema: SourceSchema,
      treatments: [(name: String, treatment: Treatment)], options: MarginsOptions
    ) throws {
      self.aggregates = aggregates
      self.fitted = fitted
      self.options = options
      self.treatments = treatments
      let model = aggregates.model
      let kept = fitted.kept
      let beta = fitted.coefficients
      func combination(_ terms: [(Double, String)]) -> String {
        terms.isEmpty ? "0.0" : terms.map { "\(SQL.number($0.0)) * \($0.1)" }.joined(separator: " + ")
      }
      var baseItems: [String] = []
      if let over = options.over {
        let kind = try schema.kind(of: over, in: "--over")
        numericGroups = kind == .numeric
        baseItems.append(
          "\(numericGroups ? "CAST(\(SQL.identifier(over)) AS double precision)" : "CAST(\(SQL.identifier(over)) AS varchar)") AS og")
        groupColumn = over
      }
      let level1 = ["\(aggregates.weightSQL[0]) AS a", "\(aggregates.eta(beta, columns: kept)) AS eta"]
      var level2 = [
        "\(aggregates.mean("eta")) AS mu", "\(SQLMath.meanDerivative(aggregates.family, "eta")) AS m1",
      ]
      var level3: [String] = []
      var level4: [String] = []
      var level5: [String] = []
      let logResponse = aggregates.family == .gaussian && model.responseIsLog
      level3.append("\(SQLMath.meanSecondDerivative(aggregates.family, "eta", mu: "mu")) AS m2")
      var index: [String: Int] = [:]
      var list = ["COUNT(*)", aggregates.sum("a")]
      func add(_ sql: String) -> Int {
        if let i = index[sql] { return i }
        index[sql] = list.count
        list.append(sql)
        return list.count - 1
      }
      let factor = aggregates.groupingFactor
      var indicatorLevel: [Int: String] = [:]
      for (j, level) in factor?.columns ?? [] { indicatorLevel[j] = level }
      for (t, entry) in treatments.enumerated() {
        switch entry.treatment {
        case .continuous:
          // ∂xⱼ/∂x_k of the kept columns (over the source's columns, as the model's columns
          // are), d = Σ βⱼ Dⱼ, and the column's value.
          var derivatives: [(q: Int, alias: String)] = []
          for (q, j) in kept.enumerated() {
            guard let d = try model.columnDerivative(j, withRespectTo: entry.name, schema: schema) else { continue }
            baseItems.append("\(d) AS d\(t)_\(q)")
            derivatives.append((q, "d\(t)_\(q)"))
          }
          baseItems.append("CAST(\(SQL.identifier(entry.name)) AS double precision) AS v\(t)")
          derivativeChecks[t] = derivatives.map { d in
            (model.columns[kept[d.q]].name, add("SUM(CASE WHEN \(Self.notFinite(d.alias)) THEN 1 ELSE 0 END)"))
          }
          level2.append("\(combination(derivatives.map { (beta[$0.q], $0.alias) })) AS dd\(t)")
          var margins: [(kind: MarginKind, bad: Int, zero: Int?, value: Int, gradient: [Source])] = []
          for kind in options.kinds {
            let m = "\(t)_\(kind.rawValue)"
            let (d, v) = ("dd\(t)", "v\(t)")
            let (f, fEta, fD): (String, String, String)
            var zero: String?
            switch kind {
            case .dydx: (f, fEta, fD) = ("m1 * \(d)", "m2 * \(d)", "m1")
            case .dyex: (f, fEta, fD) = ("m1 * \(d) * \(v)", "m2 * \(d) * \(v)", "m1 * \(v)")
            case .eydx, .eyex:
              let s = kind == .eyex ? " * \(v)" : ""
              if logResponse {
                (f, fEta, fD) = ("\(d)\(s)", "0.0", "1.0\(s)")
              } else {
                let q = SQLDerivative.quotient
                f = "\(q("m1 * \(d)", "mu"))\(s)"
                fEta = "\(d) * (\(q("m2", "mu")) - \(q("m1 * m1", "(mu * mu)")))\(s)"
                fD = "\(q("m1", "mu"))\(s)"
                zero = "CASE WHEN mu = 0.0 THEN 1 ELSE 0 END"
              }
            }
            level4 += ["\(f) AS f\(m)", "\(fEta) AS fe\(m)", "\(fD) AS fd\(m)"]
            // A row whose margin is NULL (a division by zero) or not finite counts as bad; its
            // terms are summed as zero so that the statement finishes and the error is named.
            let bad = Self.notFinite("f\(m)")
            level5 += [
              "CASE WHEN \(bad) THEN 1 ELSE 0 END AS b\(m)",
              "CASE WHEN \(bad) THEN 0.0 ELSE a * f\(m) END AS vf\(m)",
              "CASE WHEN \(bad) THEN 0.0 ELSE a * fe\(m) END AS ve\(m)",
              "CASE WHEN \(bad) THEN 0.0 ELSE a * fd\(m) END AS vd\(m)",
            ]
            let badIndex = add("SUM(b\(m))")
            let zeroIndex = zero.map { add("SUM(\($0))") }
            let valueIndex = add(aggregates.sum("vf\(m)"))
            valueExpressions[valueIndex] = "vf\(m)"
            var gradient: [Source] = []
            for (q, j) in kept.enumerated() {
              let dq = derivatives.first { $0.q == q }
              if dq == nil, let level = indicatorLevel[j] {
                gradient.append(.level(add(aggregates.sum("ve\(m)")), level))
              } else {
                gradient.append(.item(add(aggregates.sum("ve\(m) * x\(j)\(dq.map { " + vd\(m) * \($0.alias)" } ?? "")"))))
              }
            }
            margins.append((kind, badIndex, zeroIndex, valueIndex, gradient))
          }
          continuous[t] = margins
        case .discrete(let levels):
          guard options.kinds.contains(.dydx) else { continue }
          let numeric = try schema.kind(of: entry.name, in: "margins") == .numeric
          var positions: [String: (value: Int, gradient: [Source])] = [:]
          for (l, level) in levels.enumerated() {
            let value: ExpressionKind
            if numeric {
              guard let x = Double(level) else { throw MarginsError.notDiscrete(variable: entry.name) }
              value = .number(x)
            } else {
              value = .string(level)
            }
            let set = try model.columns(setting: entry.name, to: value, schema: schema)
            var columns: [String] = []
            var gradient: [Source] = []
            let (u, slope) = ("u\(t)_\(l)", "s\(t)_\(l)")
            for (q, j) in kept.enumerated() {
              if let sql = set[j] {
                if let c = model.constantValue(ofColumn: j, factorOf: entry.name, at: level) {
                  // A column of the factor alone: constant at the level.
                  baseItems.append("\(SQL.number(c)) AS l\(t)_\(l)_\(q)")
                  gradient.append(.scaled(add(aggregates.sum("a * \(slope)")), c))
                } else {
                  baseItems.append("\(sql) AS l\(t)_\(l)_\(q)")
                  gradient.append(.item(add(aggregates.sum("a * \(slope) * l\(t)_\(l)_\(q)"))))
                }
                columns.append("l\(t)_\(l)_\(q)")
              } else {
                columns.append("x\(j)")
                if let group = indicatorLevel[j] {
                  gradient.append(.level(add(aggregates.sum("a * \(slope)")), group))
                } else {
                  gradient.append(.item(add(aggregates.sum("a * \(slope) * x\(j)"))))
                }
              }
            }
            let e = "e\(t)_\(l)"
            level2.append("\(combination(zip(beta, columns).map { ($0, $1) })) AS \(e)")
            level3 += [
              "\(aggregates.mean(e)) AS \(u)", "\(SQLMath.meanDerivative(aggregates.family, e)) AS \(slope)",
            ]
            let valueIndex = add(aggregates.sum("a * \(u)"))
            valueExpressions[valueIndex] = "a * \(u)"
            positions[level] = (valueIndex, gradient)
          }
          discrete[t] = positions
        }
      }
      let barrier = aggregates.barrier
      var q = "SELECT b.*, \(level1.joined(separator: ", ")) FROM (\(aggregates.base(adding: baseItems))\(barrier)) AS b"
      q = "SELECT c.*, \(level2.joined(separator: ", ")) FROM (\(q)\(barrier)) AS c"
      q = "SELECT g.*, \(level3.joined(separator: ", ")) FROM (\(q)\(barrier)) AS g"
      if !level4.isEmpty {
        q = "SELECT h.*, \(level4.joined(separator: ", ")) FROM (\(q)\(barrier)) AS h"
        q = "SELECT k.*, \(level5.joined(separator: ", ")) FROM (\(q)\(barrier)) AS k"
      }
      rows = q + barrier
      items = list
      groupsByFactor = factor != nil
    }

    /// Whether a column's value is NULL (a division by zero) or not finite.
    static func notFinite(_ alias: String) -> String {
      "(\(alias) IS NULL OR NOT (ABS(\(alias)) <= \(SQL.number(.greatestFiniteMagnitude))))"
    }

    /// `--discrete` columns must be 0/1 over the estimation rows (`MarginsError.notBinary`).
    func checkBinary(_ names: [String]) throws {
      for name in names {
        let v = "CAST(\(SQL.identifier(name)) AS double precision)"
        let found = try aggregates.run(
          "SELECT dv FROM (\(aggregates.base(adding: ["\(v) AS dv"]))) AS s WHERE inc > 0.0 AND dv <> 0.0 AND dv <> 1.0 LIMIT 1")
        if let text = found.first?.first ?? nil, let bad = Double(text) {
          throw MarginsError.notBinary(variable: name, value: bad)
        }
      }
    }

    /// Runs the statement (several when the select list would pass PostgreSQL's limit) and
    /// forms the margins.
    func run(weighted: Bool, sampling: (fit: Fit, covariance: CovarianceEstimate)? = nil) throws -> MarginsResult {
      let by = (groupColumn == nil ? [] : ["og"]) + (groupsByFactor ? ["fg"] : [])
      var cells: [[String?]: [Double]] = [:]
      var start = 0
      let limit = PostgresAggregates.selectListLimit - by.count - 1
      while start < items.count {
        let part = Array(items[start..<min(items.count, start + limit)])
        for (key, values) in try aggregates.grouped(part, by: by, over: rows, where: "inc > 0.0") {
          cells[key, default: []] += values
        }
        start += limit
      }
      // The factor's groups of each --over group, added (compensated) item by item, and the
      // sums of each factor level's group kept for the indicator columns.
      var sums: [[String?]: [Double]] = [:]
      var byLevel: [[String?]: [String: [Double]]] = [:]
      var grouped: [[String?]: [[Double]]] = [:]
      for (key, values) in cells {
        let outer = groupColumn == nil ? [] : [key[0]]
        grouped[outer, default: []].append(values)
        if groupsByFactor, let level = key.last ?? nil { byLevel[outer, default: [:]][level] = values }
      }
      for (outer, parts) in grouped {
        var total = [CompensatedSum](repeating: CompensatedSum(), count: items.count)
        for values in parts { for (i, v) in values.enumerated() { total[i].add(v) } }
        sums[outer] = total.map(\.value)
      }
      func value(_ source: Source, _ s: [Double], _ key: [String?]) -> Double {
        switch source {
        case .item(let i): return s[i]
        case .scaled(let i, let c): return c * s[i]
        case .level(let i, let level): return byLevel[key]?[level]?[i] ?? 0
        }
      }
      var margins = MarginSums(entries: [], rows: 0, weighted: weighted, numericGroups: numericGroups)
      // Each entry's value items (Σ a f of the level `to` minus that of `from`) and its --over group.
      var valueItems: [String: (group: String?, to: Int, from: Int?)] = [:]
      var rowCount = 0.0
      for (key, s) in sums {
        var group: (variable: String, label: String)?
        if let over = groupColumn {
          guard let text = key.first ?? nil else {
            throw PostgresError.data(
              "--over column '\(over)' of \(aggregates.label) has \(Int(s[0].rounded())) missing value(s) in the estimation rows")
          }
          group = (over, numericGroups ? MarginSums.groupLabel(Double(text) ?? .nan) : text)
        }
        rowCount += s[0]
        let weight = s[1]
        var entries: [MarginSums.Entry] = []
        for (t, entry) in treatments.enumerated() {
          // A derivative column that is not finite on a row (sqrt(x) at 0): the in-memory
          // error, with the count of rows instead of the first row.
          for check in derivativeChecks[t] ?? [] where s[check.bad] > 0 {
            throw PostgresError.numerical(
              "the derivative of '\(check.column)' with respect to '\(entry.name)' is infinite or NaN on \(Int(s[check.bad].rounded())) row(s) of \(aggregates.label)")
          }
          for m in continuous[t] ?? [] {
            if s[m.bad] > 0 { throw MarginsError.nonFinite(variable: entry.name, type: m.kind.rawValue, row: nil) }
            if let z = m.zero, s[z] > 0 {
              throw MarginsError.zeroPrediction(variable: entry.name, type: m.kind.rawValue, row: nil)
            }
            entries.append(
              MarginSums.Entry(
                variable: entry.name, type: m.kind, group: group, weight: weight, value: s[m.value],
                gradient: m.gradient.map { value($0, s, key) }))
            valueItems[Self.key(entries[entries.count - 1].estimate)] = (key.first ?? nil, m.value, nil)
          }
          guard case .discrete(let levels) = entry.treatment, let positions = discrete[t] else { continue }
          let pairs: [(Int, Int)]
          switch options.contrast {
          case .reference: pairs = (1..<max(levels.count, 1)).map { (0, $0) }
          case .pairwise: pairs = levels.indices.flatMap { i in ((i + 1)..<levels.count).map { (i, $0) } }
          }
          for (b, l) in pairs {
            guard let to = positions[levels[l]], let from = positions[levels[b]] else { continue }
            entries.append(
              MarginSums.Entry(
                variable: entry.name, type: .dydx, level: levels[l], base: levels[b], group: group, weight: weight,
                value: s[to.value] - s[from.value],
                gradient: zip(to.gradient, from.gradient).map { value($0, s, key) - value($1, s, key) }))
            valueItems[Self.key(entries[entries.count - 1].estimate)] = (key.first ?? nil, to.value, from.value)
          }
        }
        margins.add(MarginSums(entries: entries, rows: 0, weighted: weighted, numericGroups: numericGroups))
      }
      margins.add(MarginSums(entries: [], rows: Int(rowCount.rounded()), weighted: weighted, numericGroups: numericGroups))
      if let sampling {
        let covariance = try unconditionalCovariance(margins, valueItems: valueItems, sampling: sampling)
        return try margins.result(
          options: options, unconditionalCovariance: covariance, degreesOfFreedom: fitted.degreesOfFreedom,
          varianceTitle: InfluenceVariance.title(sampling.covariance.spec))
      }
      return try margins.result(
        options: options, covariance: fitted.covariance, degreesOfFreedom: fitted.degreesOfFreedom,
        varianceTitle: fitted.varianceTitle)
    }

    /// The key of a margin among the statement's entries.
    static func key(_ e: MarginEstimate) -> String {
      [e.variable, e.type.rawValue, e.level ?? "", e.base ?? "", e.group?.label ?? ""].joined(separator: "\u{2}")
    }

    /// The margins' covariance with the covariates sampled: each margin's influence totalled by
    /// what the fit's variance sums over (a design's PSUs within strata, or cluster cells; rows
    /// outside the domain count zero) from two grouped statements, the margins' value sums
    /// `Σ a f` and weights `Σ a` by unit (and --over group) and the fit's scores pass by unit;
    /// then `InfluenceVariance.covariance(ofTotals:fit:spec:)`, the streamed path's engine.
    func unconditionalCovariance(
      _ margins: MarginSums, valueItems: [String: (group: String?, to: Int, from: Int?)],
      sampling: (fit: Fit, covariance: CovarianceEstimate)
    ) throws -> Matrix {
      let spec = sampling.covariance.spec
      switch spec {
      case .hc, .robust:
        return try InfluenceVariance.covariance(
          ofTotals: .crossProduct(try influenceCrossProduct(margins, valueItems: valueItems, bread: sampling.fit.bread)),
          fit: sampling.fit, spec: spec)
      default: break
      }
      let grouping = try PushdownUnits(
        aggregates: aggregates, spec: spec, coefficients: fitted.coefficients, columns: fitted.kept)
      // Σ a f of every value item and Σ a, by --over group and unit.
      let used = Array(Set(valueItems.values.flatMap { [$0.to] + ($0.from.map { [$0] } ?? []) })).sorted()
      let over = groupColumn == nil ? [] : ["og"]
      let sums = try aggregates.grouped(
        used.map { items[$0] } + [aggregates.sum("a")], by: over + grouping.by, over: rows, where: "a > 0.0")
      let cellKeys = grouping.keys(seen: sums.keys.map { Array($0.dropFirst(over.count)) })
      var position: [[String?]: Int] = [:]
      for (u, key) in cellKeys.enumerated() { position[key] = u }
      let column = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, $0) })
      let psi = try margins.influenceTotals(
        units: cellKeys.count,
        unitSums: { entry in
          guard let source = valueItems[Self.key(entry.estimate)] else {
            throw MarginsError.notSummable(what: "the margin of \(entry.estimate.variable) by unit")
          }
          var values = [Double](repeating: 0, count: cellKeys.count)
          var weights = values
          for (key, s) in sums where over.isEmpty || key[0] == source.group {
            guard let u = position[Array(key.dropFirst(over.count))] else {
              throw PostgresError.data("\(aggregates.label) changed during the fit (a unit the fit did not see)")
            }
            values[u] += s[column[source.to] ?? 0] - (source.from.map { s[column[$0] ?? 0] } ?? 0)
            weights[u] += s[used.count]
          }
          return (values, weights)
        }, coefficientInfluence: grouping.coefficientInfluence(cellKeys, bread: sampling.fit.bread))
      return try grouping.covariance(of: psi, keys: cellKeys, sampling: sampling)
    }

    /// `ψᵀψ` of the margins (HC0, HC1, robust: each row its own unit). A row's ψ is linear in
    /// zᵢ = (its value items `a f`, `a`, its score `r x` over the kept columns): ψᵢ = L_g zᵢ, L_g
    /// holding 1/W and −θ/W for the margins of the row's --over group g and A⁻¹J for every
    /// margin. So one statement (split past the select-list limit) sums `Σ zzᵀ` per group over
    /// the margins' working rows, with the scores' multiplier `r` written on them
    /// (`PostgresAggregates.scoreMultiplier`), and `ψᵀψ = Σ_g L_g (Σ zzᵀ) L_gᵀ`.
    func influenceCrossProduct(
      _ margins: MarginSums, valueItems: [String: (group: String?, to: Int, from: Int?)], bread: Matrix
    ) throws -> Matrix {
      let kept = fitted.kept
      let used = Array(Set(valueItems.values.flatMap { [$0.to] + ($0.from.map { [$0] } ?? []) })).sorted()
      let z = try used.map { i -> String in
        guard let e = valueExpressions[i] else { throw MarginsError.notSummable(what: "a margin's row value") }
        return e
      } + ["a"] + kept.map { "rr * x\($0)" }
      let multiplier = aggregates.scoreMultiplier("a", mu: "mu", muEta: "m1")
      let scored = "SELECT t.*, \(multiplier) AS rr FROM (\(rows)) AS t\(aggregates.barrier)"
      let pairs = z.indices.flatMap { p in (p..<z.count).map { (p, $0) } }
      let over = groupColumn == nil ? [] : ["og"]
      var products: [[String?]: [Double]] = [:]
      var start = 0
      let limit = PostgresAggregates.selectListLimit - over.count - 1
      while start < pairs.count {
        let part = pairs[start..<min(pairs.count, start + limit)]
        let sums = try aggregates.grouped(
          part.map { aggregates.sum("\(z[$0.0]) * \(z[$0.1])") }, by: over, over: scored, where: "a > 0.0")
        for (key, values) in sums { products[key, default: []] += values }
        start += limit
      }
      let column = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, $0) })
      let entries = margins.entriesInResultOrder
      // A⁻¹J of every margin (kept × margins), the same in every group.
      var gradients = Matrix(rows: kept.count, cols: entries.count)
      for (m, e) in entries.enumerated() { for j in kept.indices { gradients[j, m] = e.gradient[j] / e.weight } }
      let coefficientPart = bread * gradients
      var meat = Matrix(rows: entries.count, cols: entries.count)
      for (key, values) in products {
        var zz = Matrix(rows: z.count, cols: z.count)
        for (q, pair) in pairs.enumerated() {
          zz[pair.0, pair.1] = values[q]
          zz[pair.1, pair.0] = values[q]
        }
        var l = Matrix(rows: entries.count, cols: z.count)
        for (m, e) in entries.enumerated() {
          for j in kept.indices { l[m, used.count + 1 + j] = coefficientPart[j, m] }
          guard let source = valueItems[Self.key(e.estimate)] else {
            throw MarginsError.notSummable(what: "the margin of \(e.estimate.variable) by row")
          }
          guard over.isEmpty || (key.first ?? nil) == source.group else { continue }
          l[m, column[source.to] ?? 0] += 1 / e.weight
          if let from = source.from { l[m, column[from] ?? 0] -= 1 / e.weight }
          l[m, used.count] = -(e.value / e.weight) / e.weight
        }
        meat = meat + l * zz * l.transposed
      }
      return meat
    }
  }
}

extension Pushdown {
  /// The margins of a pushed-down fit with the covariates sampled (Stata `margins,
  /// vce(unconditional)`), summed in the server: the fit's set-up statements again (levels,
  /// missing values, the design's units), the margins statement, then the margins' sums and the
  /// fit's scores grouped by design unit (PSU within stratum) or cluster cell
  /// (`PushdownMargins.Statement.unconditionalCovariance`).
  ///
  /// - Parameters:
  ///   - model: the fit of `specification` on `source` with its `sampling` (bread and variance:
  ///     `FittedModel(fit(…).result.result)`, or a saved fit's model with those of a refit).
  /// - Throws: `MarginsError.unconditionalReplicates` for replicate weights,
  ///   `.unconditionalNeedsRobust` for the classical variance; `PostgresError.unsupported` for
  ///   HC variances and designs without a PSU column; as `fit(…, margins:)`.
  public static func unconditionalMargins(
    of model: AggregateMargins.FittedModel, _ specification: ScaleSpecification, variance: AggregateVariance, source: PostgresSource,
    partitionKey: String? = nil, exactSums: Bool = false, options: MarginsOptions, shardFanOut: Bool = true
  ) throws -> MarginsResult {
    let set = try PushdownUnits.prepare(
      specification, variance: variance, source: source, partitionKey: partitionKey, exactSums: exactSums,
      shardFanOut: shardFanOut)
    return try PushdownMargins.margins(
      of: model, aggregates: set.aggregates, schema: set.schema, options: options, weighted: set.weighted,
      unconditional: true)
  }
}
