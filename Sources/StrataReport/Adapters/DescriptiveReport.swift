import StrataDesign
import StrataInference

/// Turns design-based descriptives and cross-tabulations into text, JSON and CSV.
public enum DescriptiveReport {
  /// "Design: 3 strata, 200 PSUs, population size 6,194, df 197 (FPC; lonely PSU: fail)".
  public static func designLine(_ d: DesignSummary) -> String {
    let sig = NumberFormat.significant
    if d.kind == "replicate" {
      var s = "\(d.replicates ?? 0) \(d.replicateType?.rawValue.uppercased() ?? "") replicates"
      if let scale = d.scale { s += " (scale \(sig(scale, 6))\(d.mse == true ? ", mse" : ""))" }
      return s + ", population size \(NumberFormat.grouped(d.populationSize)), df \(d.df)" + calibrationNote(d)
    }
    let strata = d.strata ?? 1
    var s = strata == 1 ? "1 stratum, \(d.psus ?? 0) PSUs" : "\(strata) strata, \(d.psus ?? 0) PSUs"
    if let stages = d.stages, stages > 1 { s += " (\(stages) stages)" }
    s += ", population size \(NumberFormat.grouped(d.populationSize)), df \(d.df)"
    var extra: [String] = []
    if d.fpc { extra.append("FPC") }
    if d.weightSource == "fpc" { extra.append("weights from FPC") }
    if d.weightSource == "equal" { extra.append("equal weights") }
    if let rule = d.lonelyPSU { extra.append("lonely PSU: \(rule.rawValue)") }
    if d.zeroWeights > 0 { extra.append("\(d.zeroWeights) zero weights") }
    return (extra.isEmpty ? s : s + " (" + extra.joined(separator: "; ") + ")") + calibrationNote(d)
  }

  /// `; calibrated (linear, 4 totals)`, with a warning about negative weights (as R's, for `linear`).
  public static func calibrationNote(_ d: DesignSummary) -> String {
    guard let c = d.calibration else { return "" }
    let what: String
    switch c.method {
    case .calibrate: what = "calibrated (\(c.distance?.rawValue ?? "linear"), \(c.targets.count) totals)"
    case .poststratify: what = "post-stratified (\(c.targets.count) cells)"
    case .rake: what = "raked (\(c.targets.count) margin totals, \(c.iterations) sweeps)"
    }
    var s = "; " + what
    if c.negativeWeights > 0 {
      s += "; warning: \(c.negativeWeights) negative calibrated weight(s): bound the g-weights or use the raking distance"
    }
    return s
  }

  static func title(_ s: DescriptiveStatistic) -> String {
    switch s {
    case .mean: return "Survey mean"
    case .total: return "Survey total"
    case .proportion: return "Survey proportions"
    case .ratio: return "Survey ratio"
    case .quantile: return "Survey quantiles"
    case .variance: return "Survey variance"
    }
  }

  static func intervalNote(_ r: DescriptiveResult) -> String {
    let dfs = Set(r.estimates.compactMap(\.df))
    if let method = r.estimates.lazy.compactMap(\.interval).first {
      let list = dfs.sorted().map(String.init).joined(separator: ", ")
      return "Intervals: \(method.rawValue) (R svyciprop method = \"\(method.rawValue)\"), t with \(list) design df."
    }
    if dfs.isEmpty { return "Intervals: normal (R convention, as confint() of svymean/svytotal)." }
    let list = dfs.sorted().map(String.init).joined(separator: ", ")
    switch r.convention {
    case .stata: return "Intervals: t with \(list) design df (Stata convention)."
    case .r: return "Intervals: Woodruff, t with \(list) design df (R svyquantile)."
    }
  }

  /// The estimate table; with the data's `labels`, variables show their variable labels, and
  /// levels and groups their value labels.
  public static func table(_ r: DescriptiveResult, labels: DataLabels = .none) -> Table {
    let byNames = r.estimates.first?.by.map(\.0) ?? []
    let hasLevel = r.statistic == .proportion || r.estimates.contains { $0.level != nil }
    let hasCovariate = r.estimates.contains { $0.covariate != nil }
    let hasQuantile = r.statistic == .quantile
    let levelText = NumberFormat.significant(r.level, 4)
    var columns: [Table.Column] = [.init("", alignment: .left)]
    if hasCovariate { columns.append(.init("with", alignment: .left)) }
    if hasLevel { columns.append(.init("level", alignment: .left)) }
    columns += byNames.map { Table.Column($0, alignment: .left) }
    if hasQuantile { columns.append(.init("quantile")) }
    // svyvar has no design effect: no empty column.
    let hasDeff = r.statistic != .variance
    columns += [.init("Estimate"), .init("Std. Err."), .init("[\(levelText)% Conf."), .init("Interval]")]
    columns += (hasDeff ? [.init("Deff")] : []) + [.init("CV")]
    var t = Table(columns: columns)
    let est = NumberFormat.column(r.estimates.map(\.estimate))
    let se = NumberFormat.column(r.estimates.map(\.stdError))
    let lo = NumberFormat.column(r.estimates.map(\.confLow))
    let hi = NumberFormat.column(r.estimates.map(\.confHigh))
    for (i, e) in r.estimates.enumerated() {
      var row = [labels.variable(e.variable)]
      if hasCovariate { row.append(e.covariate.map(labels.variable) ?? "") }
      if hasLevel { row.append(e.level.map { labels.value(e.variable, $0) } ?? "") }
      row += e.by.map { labels.value($0.0, $0.1) }
      if hasQuantile { row.append(NumberFormat.significant(e.quantile ?? .nan, 4)) }
      row += [est[i], se[i], lo[i], hi[i]]
      if hasDeff { row.append(e.deff.map { NumberFormat.significant($0, 4) } ?? "") }
      row.append(NumberFormat.significant(e.cv, 4))
      t.rows.append(row)
    }
    return t
  }

  /// A report like R's `print(svymean(...))` with the design, interval and deff columns (with
  /// the data's variable and value labels, see `table(_:labels:)`).
  public static func text(_ r: DescriptiveResult, dataSource: String, labels: DataLabels = .none) -> String {
    var out = "\(title(r.statistic)) (\(r.design.kind) design)\n"
    out += "Data:    \(dataSource), \(r.design.observations) observations\n"
    out += "Design:  \(designLine(r.design))\n"
    if let d = r.domain { out += "Domain:  \(d)\n" }
    out += "\n" + TextRenderer.render(table(r, labels: labels))
    out += intervalNote(r) + "\n"
    if !r.notes.isEmpty { out += "Notes:\n" + r.notes.map { "  " + $0 }.joined(separator: "\n") + "\n" }
    return out
  }

  /// The design object of every JSON document.
  public static func designJSON(_ d: DesignSummary) -> JSONValue {
    var pairs: [(String, JSONValue)] = [("type", .string(d.kind)), ("observations", .int(d.observations))]
    if let s = d.strata { pairs.append(("strata", .int(s))) }
    if let p = d.psus { pairs.append(("psus", .int(p))) }
    if let s = d.stages { pairs.append(("stages", .int(s))) }
    pairs.append(("population_size", .num(d.populationSize)))
    pairs.append(("df", .int(d.df)))
    if let r = d.replicates { pairs.append(("replicates", .int(r))) }
    if let t = d.replicateType { pairs.append(("replicate_type", .string(t.rawValue))) }
    if let s = d.scale { pairs.append(("scale", .num(s))) }
    if let m = d.mse { pairs.append(("mse", .bool(m))) }
    if let l = d.lonelyPSU { pairs.append(("lonely_psu", .string(l.rawValue))) }
    pairs.append(("fpc", .bool(d.fpc)))
    pairs.append(("weights", .string(d.weightSource)))
    pairs.append(("zero_weights", .int(d.zeroWeights)))
    if let c = d.calibration { pairs.append(("calibration", calibrationJSON(c))) }
    return .object(pairs)
  }

  /// The calibration block of the design JSON: method, g-weights, iterations, totals reproduced.
  public static func calibrationJSON(_ c: CalibrationSummary) -> JSONValue {
    var pairs: [(String, JSONValue)] = [("method", .string(c.method.rawValue))]
    if let f = c.distance { pairs.append(("calfun", .string(f.rawValue))) }
    pairs += [
      ("g_min", .num(c.gMinimum)), ("g_max", .num(c.gMaximum)), ("g_mean", .num(c.gMean)),
      ("iterations", .int(c.iterations)), ("largest_error", .num(c.largestError)),
      ("negative_weights", .int(c.negativeWeights)),
      ("totals", .array(c.targets.map { t in
        .object([("name", .string(t.name)), ("target", .num(t.target)), ("achieved", .num(t.achieved))])
      })),
    ]
    return .object(pairs)
  }

  /// `{"statistic", "estimates": [...], "design": {...}, "df"}` plus level, convention, domain,
  /// notes, and the data's labels of the variables shown (`labels`: variable → label;
  /// `value_labels`: variable → value → label), which `strata table` uses to label its rows.
  public static func json(_ r: DescriptiveResult, dataSource: String, labels: DataLabels = .none) -> JSONValue {
    let estimates: [JSONValue] = r.estimates.map { e in
      var pairs: [(String, JSONValue)] = [("variable", .string(e.variable))]
      if r.statistic == .variance { pairs.append(("with", .string(e.covariate ?? e.variable))) }
      pairs.append(("level", e.level.map { .string($0) } ?? .null))
      if let q = e.quantile { pairs.append(("quantile", .num(q))) }
      pairs.append(("by", .object(e.by.map { ($0.0, .string($0.1)) })))
      pairs += [
        ("estimate", .num(e.estimate)), ("std_error", .num(e.stdError)), ("conf_low", .num(e.confLow)),
        ("conf_high", .num(e.confHigh)), ("deff", .num(e.deff)), ("cv", .num(e.cv)), ("n", .int(e.observations)),
      ]
      if let method = e.interval { pairs += [("interval", .string(method.rawValue)), ("df", e.df.map { .int($0) } ?? .null)] }
      return .object(pairs)
    }
    var used: [String] = []
    for e in r.estimates {
      for name in [e.variable] + (e.covariate.map { [$0] } ?? []) + e.by.map(\.0) where !used.contains(name) { used.append(name) }
    }
    return .object([
      ("statistic", .string(r.statistic.rawValue)), ("data", .string(dataSource)), ("estimates", .array(estimates)),
      ("design", designJSON(r.design)), ("df", .int(r.df)), ("conf_level", .num(r.level)),
      ("convention", .string(r.convention.rawValue)), ("domain", r.domain.map { .string($0) } ?? .null),
      ("notes", .array(r.notes.map { .string($0) })),
    ] + labelsJSON(labels, of: used))
  }

  /// `labels` (variable → label) and `value_labels` (variable → value → label) of the named
  /// columns that carry them; nothing when none does.
  public static func labelsJSON(_ labels: DataLabels, of names: [String]) -> [(String, JSONValue)] {
    var variables: [(String, JSONValue)] = []
    var values: [(String, JSONValue)] = []
    for name in names {
      guard let c = labels.columns.first(where: { $0.name == name }) else { continue }
      if let l = c.label, !l.isEmpty { variables.append((name, .string(l))) }
      if !c.values.isEmpty {
        values.append((name, .object(c.values.keys.sorted().map { (NumberFormat.significant($0, 15), .string(c.values[$0] ?? "")) })))
      }
    }
    return (variables.isEmpty ? [] : [("labels", .object(variables))]) + (values.isEmpty ? [] : [("value_labels", .object(values))])
  }

  /// A tidy CSV at full precision.
  public static func csv(_ r: DescriptiveResult) -> String {
    let byNames = r.estimates.first?.by.map(\.0) ?? []
    let hasCovariate = r.statistic == .variance
    var header = (hasCovariate ? ["variable", "with", "level"] : ["variable", "level"]) + byNames
    if r.statistic == .quantile { header.append("quantile") }
    header += ["estimate", "std_error", "conf_low", "conf_high", "deff", "cv"]
    var t = Table(columns: header.map { Table.Column($0) })
    func n(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "NA" } ?? "NA" }
    for e in r.estimates {
      var row = (hasCovariate ? [e.variable, e.covariate ?? e.variable, e.level ?? ""] : [e.variable, e.level ?? ""])
        + e.by.map(\.1)
      if r.statistic == .quantile { row.append(n(e.quantile)) }
      row += [n(e.estimate), n(e.stdError), n(e.confLow), n(e.confHigh), n(e.deff), n(e.cv)]
      t.rows.append(row)
    }
    return CSVRenderer.render(t)
  }

  // MARK: Cross-tabulations

  /// The cell table of a cross-tabulation.
  public static func table(_ t: CrossTabulation) -> Table {
    let levelText = NumberFormat.significant(t.level, 4)
    var table = Table(columns: [
      .init(t.rowVariable, alignment: .left), .init(t.columnVariable, alignment: .left), .init("Proportion"),
      .init("Std. Err."), .init("[\(levelText)% Conf."), .init("Interval]"), .init("Est. total"),
    ])
    let p = NumberFormat.column(t.cells.map(\.proportion))
    let se = NumberFormat.column(t.cells.map(\.stdError))
    let lo = NumberFormat.column(t.cells.map(\.confLow))
    let hi = NumberFormat.column(t.cells.map(\.confHigh))
    let total = NumberFormat.column(t.cells.map(\.total), significant: 7)
    for (i, c) in t.cells.enumerated() {
      table.rows.append([c.row, c.column, p[i], se[i], lo[i], hi[i], total[i]])
    }
    return table
  }

  /// The cell table followed by the margins (Stata's `svy: tab`, long form): one line per row
  /// level over all columns, one per column level over all rows, and the grand total.
  static func longTable(_ t: CrossTabulation) -> Table {
    guard !t.rowMargins.isEmpty || !t.columnMargins.isEmpty else { return table(t) }
    var table = table(t)
    table.rows = []
    typealias Line = (row: String, column: String, p: Double, se: Double?, lo: Double?, hi: Double?, total: Double)
    var lines: [Line] = t.cells.map { ($0.row, $0.column, $0.proportion, $0.stdError, $0.confLow, $0.confHigh, $0.total) }
    lines += t.rowMargins.map { ($0.level, "Total", $0.proportion, $0.stdError, $0.confLow, $0.confHigh, $0.total) }
    lines += t.columnMargins.map { ("Total", $0.level, $0.proportion, $0.stdError, $0.confLow, $0.confHigh, $0.total) }
    lines.append(("Total", "Total", 1, nil, nil, nil, t.cells.reduce(0) { $0 + $1.total }))
    // One format per column over cells and margins, as `table(_:)` formats the cells.
    let p = NumberFormat.column(lines.map(\.p))
    let se = NumberFormat.column(lines.map(\.se))
    let lo = NumberFormat.column(lines.map(\.lo))
    let hi = NumberFormat.column(lines.map(\.hi))
    let total = NumberFormat.column(lines.map(\.total), significant: 7)
    for (i, l) in lines.enumerated() {
      let blank = l.se == nil
      table.rows.append([l.row, l.column, p[i], blank ? "" : se[i], blank ? "" : lo[i], blank ? "" : hi[i], total[i]])
    }
    return table
  }

  static func testLine(_ t: CrossTabulation) -> String {
    let sig = NumberFormat.significant
    return "Pearson's X^2 with Rao & Scott adjustment: F = \(sig(t.statistic, 6)), ndf = \(sig(t.ndf, 6)), "
      + "ddf = \(sig(t.ddf, 6)), p-value = \(NumberFormat.pValue(t.pValue))\n"
  }

  /// Text: the design line, the cells, and the Rao–Scott test as R's `svychisq` prints it.
  public static func text(_ t: CrossTabulation, dataSource: String) -> String {
    var out = "Survey cross-tabulation of \(t.rowVariable) by \(t.columnVariable) (\(t.design.kind) design)\n"
    out += "Data:    \(dataSource), \(t.design.observations) observations\n"
    out += "Design:  \(designLine(t.design))\n"
    if let d = t.domain { out += "Domain:  \(d)\n" }
    out += "\n" + TextRenderer.render(longTable(t))
    out += "Cell proportions of the population (normal intervals); Total lines are the margins of each variable.\n"
    out += testLine(t)
    return out
  }

  /// JSON with the cells, the test and the design.
  public static func json(_ t: CrossTabulation, dataSource: String) -> JSONValue {
    .object([
      ("statistic", .string("tab")), ("data", .string(dataSource)), ("rows", .string(t.rowVariable)),
      ("columns", .string(t.columnVariable)),
      (
        "cells",
        .array(
          t.cells.map { c in
            .object([
              (t.rowVariable, .string(c.row)), (t.columnVariable, .string(c.column)), ("proportion", .num(c.proportion)),
              ("std_error", .num(c.stdError)), ("conf_low", .num(c.confLow)), ("conf_high", .num(c.confHigh)),
              ("total", .num(c.total)),
            ])
          })
      ),
      (
        "test",
        .object([
          ("method", .string("Pearson's X^2: Rao & Scott adjustment")), ("pearson", .num(t.pearson)),
          ("statistic", .num(t.statistic)), ("ndf", .num(t.ndf)), ("ddf", .num(t.ddf)), ("p_value", .num(t.pValue)),
        ])
      ),
      ("row_margins", .array(t.rowMargins.map { marginJSON($0, variable: t.rowVariable) })),
      ("column_margins", .array(t.columnMargins.map { marginJSON($0, variable: t.columnVariable) })),
      ("design", designJSON(t.design)), ("df", .int(t.df)), ("conf_level", .num(t.level)),
      ("domain", t.domain.map { .string($0) } ?? .null),
    ])
  }

  /// One margin of a cross-tabulation as JSON, named like a cell.
  static func marginJSON(_ m: CrossTabulation.Margin, variable: String) -> JSONValue {
    .object([
      (variable, .string(m.level)), ("proportion", .num(m.proportion)), ("std_error", .num(m.stdError)),
      ("conf_low", .num(m.confLow)), ("conf_high", .num(m.confHigh)), ("total", .num(m.total)),
    ])
  }

  /// CSV of the cells at full precision.
  public static func csv(_ t: CrossTabulation) -> String {
    var table = Table(columns: [t.rowVariable, t.columnVariable, "proportion", "std_error", "conf_low", "conf_high", "total"].map {
      Table.Column($0)
    })
    for c in t.cells {
      table.rows.append([c.row, c.column, "\(c.proportion)", "\(c.stdError)", "\(c.confLow)", "\(c.confHigh)", "\(c.total)"])
    }
    return CSVRenderer.render(table)
  }

  // MARK: Stata's svy: tab layout

  /// The two-way table as Stata's `svy: tab r c, cell row column se` lays it out: one block of
  /// lines per row level (cell, row and column percentages, each with its SE beneath in
  /// parentheses), a Total column and a Total row. `rowShares` are the proportions of the column
  /// variable within each row level (`strata prop c --by r`), `columnShares` those of the row
  /// variable within each column level. The Total column holds the row variable's margins and
  /// the Total row the column variable's, each with its SE (`CrossTabulation.rowMargins`,
  /// `columnMargins`: R `svymean` of the variable); a row's row percentages and a column's
  /// column percentages total 100 exactly, without an SE.
  public static func grid(_ t: CrossTabulation, dataSource: String, rowShares: DescriptiveResult, columnShares: DescriptiveResult) -> String {
    func cell(_ r: String, _ c: String) -> CrossTabulation.Cell? { t.cells.first { $0.row == r && $0.column == c } }
    func share(_ d: DescriptiveResult, level: String, group: String) -> DescriptiveEstimate? {
      d.estimates.first { $0.level == level && $0.by.first?.1 == group }
    }
    func pct(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.2f", 100 * $0) : "NA" } ?? "" }
    func se(_ x: Double?) -> String { x.map { "(" + ($0.isFinite ? String(format: "%.2f", 100 * $0) : "NA") + ")" } ?? "" }
    // Margins with SEs; a table made without them falls back to sums of the cells.
    func margins(_ given: [CrossTabulation.Margin], _ levels: [String], _ cells: (String) -> [CrossTabulation.Cell])
      -> [String: (Double, Double?)]
    {
      if given.count == levels.count {
        return Dictionary(uniqueKeysWithValues: given.map { ($0.level, ($0.proportion, $0.stdError)) })
      }
      return Dictionary(uniqueKeysWithValues: levels.map { ($0, (cells($0).reduce(0) { $0 + $1.proportion }, nil)) })
    }
    let rowMargin = margins(t.rowMargins, t.rowLevels) { r in t.cells.filter { $0.row == r } }
    let columnMargin = margins(t.columnMargins, t.columnLevels) { c in t.cells.filter { $0.column == c } }
    var table = Table(columns: [Table.Column(t.rowVariable, alignment: .left), Table.Column("", alignment: .left)]
      + t.columnLevels.map { Table.Column($0) } + [Table.Column("Total")])
    for (k, r) in t.rowLevels.enumerated() {
      let cells = t.columnLevels.map { cell(r, $0) }
      let rows = t.columnLevels.map { share(rowShares, level: $0, group: r) }
      let cols = t.columnLevels.map { share(columnShares, level: r, group: $0) }
      let (margin, marginSE) = rowMargin[r] ?? (.nan, nil)
      table.rows.append([r, "cell %"] + cells.map { pct($0?.proportion) } + [pct(margin)])
      table.rows.append(["", ""] + cells.map { se($0?.stdError) } + [se(marginSE)])
      table.rows.append(["", "row %"] + rows.map { pct($0?.estimate) } + [pct(1)])
      table.rows.append(["", ""] + rows.map { se($0?.stdError) } + [""])
      table.rows.append(["", "column %"] + cols.map { pct($0?.estimate) } + [pct(margin)])
      table.rows.append(["", ""] + cols.map { se($0?.stdError) } + [se(marginSE)])
      if k < t.rowLevels.count - 1 { table.rows.append([]) }
    }
    table.rows.append([])
    let margins = t.columnLevels.map { columnMargin[$0] ?? (.nan, nil) }
    table.rows.append(["Total", "cell %"] + margins.map { pct($0.0) } + [pct(1)])
    table.rows.append(["", ""] + margins.map { se($0.1) } + [""])
    table.rows.append(["", "row %"] + margins.map { pct($0.0) } + [pct(1)])
    table.rows.append(["", ""] + margins.map { se($0.1) } + [""])
    table.rows.append(["", "column %"] + margins.map { _ in pct(1) } + [pct(1)])

    var out = "Survey cross-tabulation of \(t.rowVariable) by \(t.columnVariable) (\(t.design.kind) design)\n"
    out += "Data:    \(dataSource), \(t.design.observations) observations\n"
    out += "Design:  \(designLine(t.design))\n"
    if let d = t.domain { out += "Domain:  \(d)\n" }
    out += "\nColumns: \(t.columnVariable)\n"
    out += TextRenderer.render(table)
    out += "Percentages of the estimated population, standard errors in parentheses. Total: the margins of\n"
      + "each variable, their SEs from the cells' covariance; row and column percentages total 100 exactly.\n"
    out += testLine(t)
    return out
  }
}
