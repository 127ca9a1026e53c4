import StrataInference

/// Renders Wald tests of terms (`strata test`, `fit --test`) and combinations of coefficients
/// (`strata lincom`, `strata nlcom`) as text, JSON and CSV.
///
/// JSON: `{"test": {"terms", "columns", "statistic", "df_num", "df_den", "p_value", "chi2", "form"}}`
/// (`df_den` null for the χ² form) and `{"estimates": [{"label", "estimate", "std_error",
/// "statistic", "p_value", "conf_low", "conf_high"}]}`.
public enum TestReport {
  /// `test` member of a JSON document.
  public static func jsonTest(_ t: TermTest) -> JSONValue {
    .object([
      ("terms", .array(t.terms.map { .string($0) })),
      ("columns", .array(t.columns.map { .string($0) })),
      ("statistic", .num(t.statistic)),
      ("df_num", .int(t.dfNum)),
      ("df_den", t.dfDen.isFinite ? .num(t.dfDen) : .null),
      ("p_value", .num(t.pValue)),
      ("chi2", .num(t.chi2)),
      ("form", .string(t.form.rawValue)),
    ])
  }

  /// The document of `strata test`.
  public static func json(_ t: TermTest, model: String, formula: String) -> JSONValue {
    .object([("model", .string(model)), ("formula", .string(formula)), ("test", jsonTest(t))])
  }

  /// Text: the hypothesis, one line per coefficient tested, and the statistic.
  public static func text(_ t: TermTest) -> String {
    var out = "Wald test of \(t.terms.joined(separator: ", ")) (H0: these coefficients are all zero)\n"
    for c in t.columns { out += "  ( \(c) ) = 0\n" }
    let stat = NumberFormat.significant(t.statistic, 6)
    switch t.form {
    case .chiSquared:
      out += "  chi2(\(t.dfNum)) = \(stat),  p-value: \(NumberFormat.pValue(t.pValue))\n"
    case .f, .adjustedF:
      let den = NumberFormat.significant(t.dfDen, 6)
      out += "  F(\(t.dfNum), \(den)) = \(stat),  p-value: \(NumberFormat.pValue(t.pValue))"
      out += t.form == .adjustedF ? "  (design-adjusted F, Stata svy)\n" : "\n"
    }
    return out
  }

  /// CSV: one row.
  public static func csv(_ t: TermTest) -> String {
    var table = Table(columns: ["terms", "statistic", "df_num", "df_den", "p_value", "chi2", "form"].map { Table.Column($0) })
    table.rows.append([
      t.terms.joined(separator: "; "), "\(t.statistic)", "\(t.dfNum)", t.dfDen.isFinite ? "\(t.dfDen)" : "Inf",
      "\(t.pValue)", "\(t.chi2)", t.form.rawValue,
    ])
    return CSVRenderer.render(table)
  }

  /// The table of combinations.
  public static func table(_ estimates: [CombinationEstimate]) -> Table {
    let df = estimates.first?.degreesOfFreedom ?? .infinity
    let letter = df.isFinite ? "t" : "z"
    let levelText = NumberFormat.significant(estimates.first?.level ?? 95, 4)
    var table = Table(columns: [
      .init("", alignment: .left), .init("Estimate"), .init("Std. Error"), .init("\(letter) value"),
      .init("Pr(>|\(letter)|)"), .init("[\(levelText)% Conf."), .init("Interval]"),
    ])
    let est = NumberFormat.column(estimates.map(\.estimate))
    let se = NumberFormat.column(estimates.map(\.stdError))
    let lo = NumberFormat.column(estimates.map(\.confLow))
    let hi = NumberFormat.column(estimates.map(\.confHigh))
    for (i, c) in estimates.enumerated() {
      table.rows.append([
        c.label, est[i], se[i], String(format: "%.3f", c.statistic), NumberFormat.pValue(c.pValue), lo[i], hi[i],
      ])
    }
    return table
  }

  /// Text: a title, the test's distribution and the table.
  public static func combinationsText(
    _ estimates: [CombinationEstimate], linear: Bool, model: String?, of subject: String = "coefficients"
  ) -> String {
    let df = estimates.first?.degreesOfFreedom ?? .infinity
    var out = linear ? "Linear combinations of \(subject)\n" : "Nonlinear combinations of \(subject) (delta method)\n"
    if let model { out += "Model: \(model)\n" }
    out += df.isFinite ? "t tests on \(NumberFormat.significant(df, 6)) df\n\n" : "z tests\n\n"
    out += TextRenderer.render(table(estimates))
    return out
  }

  /// JSON: `{"model", "formula", "estimates": [...]}`.
  public static func combinationsJSON(_ estimates: [CombinationEstimate], model: String, formula: String) -> JSONValue {
    let df = estimates.first?.degreesOfFreedom ?? .infinity
    return .object([
      ("model", .string(model)), ("formula", .string(formula)),
      ("df", df.isFinite ? .num(df) : .null),
      ("estimates", .array(estimates.map { c in
        .object([
          ("label", .string(c.label)), ("estimate", .num(c.estimate)), ("std_error", .num(c.stdError)),
          ("statistic", .num(c.statistic)), ("p_value", .num(c.pValue)), ("conf_low", .num(c.confLow)),
          ("conf_high", .num(c.confHigh)),
        ])
      })),
    ])
  }

  /// CSV: one row per combination.
  public static func combinationsCSV(_ estimates: [CombinationEstimate]) -> String {
    var t = Table(columns: ["label", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
      .map { Table.Column($0) })
    for c in estimates {
      t.rows.append(["\(c.label)", "\(c.estimate)", "\(c.stdError)", "\(c.statistic)", "\(c.pValue)", "\(c.confLow)", "\(c.confHigh)"])
    }
    return CSVRenderer.render(t)
  }
}
