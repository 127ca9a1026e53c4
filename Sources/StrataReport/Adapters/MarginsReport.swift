import StrataInference
import StrataModels

/// Turns margins, elasticity tables, scenario comparisons and predictions into text, JSON and CSV.
///
/// JSON follows `fit`'s schema: a `margins` array of `{variable, type, level, base, outcome, at,
/// group, estimate, std_error, statistic, p_value, conf_low, conf_high}` where `variable` is the data
/// column, `level`/`base` describe a discrete change, `at` is the grid point (null without one).
public enum MarginsReport {
  /// A printable label of a margin kind.
  static func label(_ k: MarginKind) -> String {
    switch k {
    case .dydx: return "dy/dx"
    case .eyex: return "ey/ex"
    case .eydx: return "ey/dx"
    case .dyex: return "dy/ex"
    }
  }

  static func atText(_ at: [(variable: String, value: AtValue)]) -> String {
    at.map { a in
      switch a.value {
      case .number(let x): return "\(a.variable)=\(NumberFormat.significant(x, 6))"
      case .level(let l): return "\(a.variable)=\(l)"
      }
    }.joined(separator: ", ")
  }

  /// The margins table; with the data's `labels`, an `--over` group shows its value label.
  public static func table(_ r: MarginsResult, labels: DataLabels = .none) -> Table {
    let e = r.estimates
    let hasAt = e.contains { !$0.at.isEmpty }
    let hasGroup = e.contains { $0.group != nil }
    let hasOutcome = e.contains { $0.outcome != nil }
    let letter = r.degreesOfFreedom.isFinite ? "t" : "z"
    var columns: [Table.Column] = [.init("", alignment: .left), .init("", alignment: .left)]
    if hasOutcome { columns.append(.init("outcome", alignment: .left)) }
    if hasGroup { columns.append(.init(e.first?.group?.variable ?? "group", alignment: .left)) }
    if hasAt { columns.append(.init("at", alignment: .left)) }
    let levelText = NumberFormat.significant(r.level, 4)
    columns += [
      .init("Estimate"), .init("Std. Error"), .init("\(letter) value"), .init("Pr(>|\(letter)|)"),
      .init("[\(levelText)% Conf."), .init("Interval]"),
    ]
    var table = Table(columns: columns)
    let est = NumberFormat.column(e.map { $0.result.estimate })
    let se = NumberFormat.column(e.map { $0.result.stdError })
    let lo = NumberFormat.column(e.map { $0.result.confLow })
    let hi = NumberFormat.column(e.map { $0.result.confHigh })
    for (i, m) in e.enumerated() {
      var name = m.variable
      if let l = m.level, let b = m.base { name += " (\(l) vs \(b))" }
      var row = [name, label(m.type)]
      if hasOutcome { row.append(m.outcome ?? "") }
      if hasGroup { row.append(m.group.map { labels.value($0.variable, $0.label) } ?? "") }
      if hasAt { row.append(atText(m.at)) }
      row += [
        est[i], se[i], String(format: "%.3f", m.result.statistic), NumberFormat.pValue(m.result.pValue), lo[i], hi[i],
      ]
      table.rows.append(row)
    }
    return table
  }

  /// The variance line shared by margins and scenario reports.
  static func varianceLine(unconditional: Bool, title: String) -> String {
    unconditional
      ? "Std. errors: delta method, covariates sampled (unconditional); \(title)\n"
      : "Std. errors: delta method, covariates fixed; \(title)\n"
  }

  /// A text report: title, variance line, table, notes. With the data's `labels`, groups show
  /// their value labels and the labels of the variables shown are listed under the table, as
  /// `fit` lists its terms' labels.
  public static func text(_ r: MarginsResult, model: String, labels: DataLabels = .none) -> String {
    var out = r.atMeans ? "Marginal effects at the means (MEM)\n" : "Average marginal effects (AME)\n"
    out += "Model:        \(model)\n"
    out += "Observations: \(r.nobs)\(r.weighted ? " (averages weighted by the fit's weights)" : "")\n"
    out += varianceLine(unconditional: r.unconditional, title: r.varianceTitle) + "\n"
    out += TextRenderer.render(table(r, labels: labels))
    if r.estimates.contains(where: { $0.level != nil }) {
      out += "Factors and --discrete variables: discrete change of the average prediction (level vs base).\n"
    }
    var names: [String] = []
    for m in r.estimates {
      for name in [m.variable] + (m.group.map { [$0.variable] } ?? []) where !names.contains(name) { names.append(name) }
    }
    return out + variableLabelLines(names, labels: labels)
  }

  /// "Variable labels:" and a line `  name: label` for each of `names` that has a label (as
  /// `fit` lists its terms' labels); empty when none has.
  public static func variableLabelLines(_ names: [String], labels: DataLabels) -> String {
    let lines = names.compactMap { n -> String? in
      let l = labels.variable(n)
      return l == n ? nil : "  \(n): \(l)"
    }
    return lines.isEmpty ? "" : "\nVariable labels:\n" + lines.joined(separator: "\n") + "\n"
  }

  static func atJSON(_ at: [(variable: String, value: AtValue)]) -> JSONValue {
    if at.isEmpty { return .null }
    return .object(
      at.map { a in
        switch a.value {
        case .number(let x): return (a.variable, .num(x))
        case .level(let l): return (a.variable, .string(l))
        }
      })
  }

  static func statistics(_ d: DeltaEstimate) -> [(String, JSONValue)] {
    [
      ("estimate", .num(d.estimate)), ("std_error", .num(d.stdError)), ("statistic", .num(d.statistic)),
      ("p_value", .num(d.pValue)), ("conf_low", .num(d.confLow)), ("conf_high", .num(d.confHigh)),
    ]
  }

  /// The `margins` array.
  public static func jsonEntries(_ r: MarginsResult) -> JSONValue {
    .array(
      r.estimates.map { m in
        var pairs: [(String, JSONValue)] = [
          ("variable", .string(m.variable)), ("type", .string(m.type.rawValue)),
          ("level", m.level.map { .string($0) } ?? .null), ("base", m.base.map { .string($0) } ?? .null),
          ("outcome", m.outcome.map { .string($0) } ?? .null), ("at", atJSON(m.at)),
        ]
        if let g = m.group { pairs.append(("group", .object([(g.variable, .string(g.label))]))) }
        return .object(pairs + statistics(m.result))
      })
  }

  /// How the margins' errors were computed.
  public static func jsonVCE(unconditional: Bool, title: String, df: Double, level: Double, atMeans: Bool?) -> JSONValue {
    var pairs: [(String, JSONValue)] = [
      ("method", .string("delta")), ("covariates", .string(unconditional ? "sampled" : "fixed")),
      ("title", .string(title)), ("df", .num(df)), ("level", .num(level)), ("test", .string(df.isFinite ? "t" : "z")),
    ]
    if let atMeans { pairs.append(("evaluated", .string(atMeans ? "at means" : "average over the sample"))) }
    return .object(pairs)
  }

  /// A stand-alone JSON document (`strata margins`).
  public static func json(_ r: MarginsResult, model: String, formula: String, data: String) -> JSONValue {
    .object([
      ("model", .string(model)), ("formula", .string(formula)), ("data", .string(data)), ("nobs", .int(r.nobs)),
      (
        "margins_vce",
        jsonVCE(
          unconditional: r.unconditional, title: r.varianceTitle, df: r.degreesOfFreedom, level: r.level,
          atMeans: r.atMeans)
      ),
      ("margins", jsonEntries(r)),
    ])
  }

  /// A tidy CSV, full precision.
  public static func csv(_ r: MarginsResult) -> String {
    var t = Table(
      columns: [
        "variable", "type", "level", "base", "outcome", "at", "group", "estimate", "std_error", "statistic", "p_value", "conf_low",
        "conf_high",
      ].map { Table.Column($0) })
    for m in r.estimates {
      t.rows.append(
        [m.variable, m.type.rawValue, m.level ?? "", m.base ?? "", m.outcome ?? "", atText(m.at), m.group?.label ?? ""]
          + numbers(m.result))
    }
    return CSVRenderer.render(t)
  }

  static func numbers(_ d: DeltaEstimate) -> [String] {
    [d.estimate, d.stdError, d.statistic, d.pValue, d.confLow, d.confHigh].map { $0.isFinite ? "\($0)" : "NA" }
  }

  // MARK: Elasticity tables

  /// Variables in rows (by their labels, given the data's `labels`); for each model, estimate
  /// and standard error of each quantity in columns.
  public static func elasticityText(_ tables: [(name: String, table: ElasticityTable)], labels: DataLabels = .none) -> String {
    guard let first = tables.first else { return "" }
    var out = "Elasticity table: dy/dx, ey/ex (elasticity), ey/dx and dy/ex (semi-elasticities)\n"
    out += first.table.margins.atMeans ? "Evaluated at the means.\n" : "Averages over the estimation sample.\n"
    for t in tables {
      out += "Model:        \(t.name)\n"
      out += varianceLine(unconditional: t.table.margins.unconditional, title: t.table.margins.varianceTitle)
    }
    out += "\n"
    var columns: [Table.Column] = [.init("", alignment: .left)]
    for t in tables {
      for k in t.table.kinds {
        let prefix = tables.count > 1 ? "\(t.name) " : ""
        columns += [.init(prefix + label(k)), .init("(s.e.)")]
      }
    }
    var table = Table(columns: columns)
    var keys: [String] = []
    for t in tables {
      for r in t.table.rows {
        let key = rowName(r)
        if !keys.contains(key) { keys.append(key) }
      }
    }
    for key in keys {
      let first = tables.lazy.compactMap { t in t.table.rows.first { rowName($0) == key } }.first
      var row = [first.map { rowName($0, labels: labels) } ?? key]
      for t in tables {
        let r = t.table.rows.first { rowName($0) == key }
        for k in t.table.kinds {
          if let c = r?.cells[k] {
            row += [NumberFormat.significant(c.estimate, 5), "(" + NumberFormat.significant(c.stdError, 4) + ")"]
          } else {
            row += ["", ""]
          }
        }
      }
      table.rows.append(row)
    }
    out += TextRenderer.render(table)
    return out
  }

  static func rowName(_ r: ElasticityTable.Row, labels: DataLabels = .none) -> String {
    let name = labels.variable(r.variable)
    if let l = r.level, let b = r.base { return "\(name) (\(labels.value(r.variable, l)) vs \(labels.value(r.variable, b)))" }
    return name
  }

  /// JSON: one `margins` array per model, with the data's `labels` of its variables (as
  /// `strata margins` writes them), which `strata table` uses to label the rows.
  public static func elasticityJSON(_ tables: [(name: String, table: ElasticityTable)], labels: DataLabels = .none) -> JSONValue {
    .object([
      (
        "models",
        .array(
          tables.map { t in
            .object([
              ("name", .string(t.name)),
              (
                "margins_vce",
                jsonVCE(
                  unconditional: t.table.margins.unconditional, title: t.table.margins.varianceTitle,
                  df: t.table.margins.degreesOfFreedom, level: t.table.margins.level, atMeans: t.table.margins.atMeans)
              ),
              ("margins", jsonEntries(t.table.margins)),
            ] + variableLabelsJSON(t.table.rows.map(\.variable), labels: labels))
          })
      )
    ])
  }

  /// `labels`: the variable labels of `names` that have one (nothing when none has).
  static func variableLabelsJSON(_ names: [String], labels: DataLabels) -> [(String, JSONValue)] {
    var pairs: [(String, JSONValue)] = []
    for n in names where !pairs.contains(where: { $0.0 == n }) {
      let l = labels.variable(n)
      if l != n { pairs.append((n, .string(l))) }
    }
    return pairs.isEmpty ? [] : [("labels", .object(pairs.sorted { $0.0 < $1.0 }))]
  }

  // MARK: Scenarios and predictions

  /// Baseline, scenario, difference and ratio for each scenario (and group).
  public static func scenarioText(_ r: ScenarioResult, model: String) -> String {
    var out = "Policy scenarios: average predictions\n"
    out += "Model:        \(model)\n"
    out += "Observations: \(r.nobs)\(r.weighted ? " (averages weighted by the fit's weights)" : "")\n"
    out += varianceLine(unconditional: r.unconditional, title: r.varianceTitle) + "\n"
    let hasGroup = r.comparisons.contains { $0.group != nil }
    let levelText = NumberFormat.significant(r.level, 4)
    var columns: [Table.Column] = [.init("scenario", alignment: .left)]
    if hasGroup { columns.append(.init(r.comparisons.first?.group?.variable ?? "group", alignment: .left)) }
    columns += [
      .init("", alignment: .left), .init("Estimate"), .init("Std. Error"), .init("[\(levelText)% Conf."),
      .init("Interval]"),
    ]
    var table = Table(columns: columns)
    for c in r.comparisons {
      for (name, d) in [("baseline", c.baseline), ("scenario", c.predicted), ("difference", c.difference), ("ratio", c.ratio)] {
        var row = [name == "baseline" ? c.label : ""]
        if hasGroup { row.append(name == "baseline" ? (c.group?.label ?? "") : "") }
        row += [
          name, NumberFormat.significant(d.estimate, 6), NumberFormat.significant(d.stdError, 4),
          NumberFormat.significant(d.confLow, 6), NumberFormat.significant(d.confHigh, 6),
        ]
        table.rows.append(row)
      }
    }
    out += TextRenderer.render(table)
    var named: [String] = []
    for c in r.comparisons {
      guard let n = c.name else { continue }
      let line = "  \(n): \(c.scenario)"
      if !named.contains(line) { named.append(line) }
    }
    if !named.isEmpty { out += "Scenarios:\n" + named.joined(separator: "\n") + "\n" }
    return out
  }

  /// JSON: a `scenarios` array of `{scenario, name, group, baseline{}, predicted{}, difference{}, ratio{}}`
  /// (`scenario` the assignments, `name` the display name or null).
  public static func scenarioJSON(_ r: ScenarioResult, model: String, formula: String, data: String) -> JSONValue {
    .object([
      ("model", .string(model)), ("formula", .string(formula)), ("data", .string(data)), ("nobs", .int(r.nobs)),
      (
        "margins_vce",
        jsonVCE(unconditional: r.unconditional, title: r.varianceTitle, df: r.degreesOfFreedom, level: r.level, atMeans: nil)
      ),
      (
        "scenarios",
        .array(
          r.comparisons.map { c in
            .object([
              ("scenario", .string(c.scenario)),
              ("name", c.name.map { .string($0) } ?? .null),
              ("group", c.group.map { .object([($0.variable, .string($0.label))]) } ?? .null),
              ("baseline", .object(statistics(c.baseline))), ("predicted", .object(statistics(c.predicted))),
              ("difference", .object(statistics(c.difference))), ("ratio", .object(statistics(c.ratio))),
            ])
          })
      ),
    ])
  }

  /// A tidy CSV of scenario comparisons.
  public static func scenarioCSV(_ r: ScenarioResult) -> String {
    var t = Table(
      columns: ["scenario", "group", "quantity", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
        .map { Table.Column($0) })
    for c in r.comparisons {
      for (name, d) in [("baseline", c.baseline), ("predicted", c.predicted), ("difference", c.difference), ("ratio", c.ratio)] {
        t.rows.append([c.label, c.group?.label ?? "", name] + numbers(d))
      }
    }
    return CSVRenderer.render(t)
  }

  /// Row predictions as a table (text and CSV share it; text rounds).
  public static func predictionsTable(_ p: [RowPrediction], level: Double, fullPrecision: Bool) -> Table {
    let levelText = NumberFormat.significant(level, 4)
    var t = Table(
      columns: fullPrecision
        ? ["row", "linear_predictor", "prediction", "std_error", "conf_low", "conf_high"].map { Table.Column($0) }
        : [
          .init("row"), .init("xb"), .init("Prediction"), .init("Std. Error"), .init("[\(levelText)% Conf."),
          .init("Interval]"),
        ])
    for r in p {
      let values = [r.linearPredictor, r.result.estimate, r.result.stdError, r.result.confLow, r.result.confHigh]
      t.rows.append(
        [String(r.row)] + values.map { fullPrecision ? ($0.isFinite ? "\($0)" : "NA") : NumberFormat.significant($0, 6) })
    }
    return t
  }

  /// JSON: a `predictions` array.
  public static func predictionsJSON(_ p: [RowPrediction], data: String) -> JSONValue {
    .object([
      ("newdata", .string(data)),
      (
        "predictions",
        .array(
          p.map { r in
            .object([("row", .int(r.row)), ("linear_predictor", .num(r.linearPredictor))] + statistics(r.result))
          })
      ),
    ])
  }
}
