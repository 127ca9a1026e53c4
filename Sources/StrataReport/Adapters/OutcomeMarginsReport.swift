import StrataInference

/// Renders per-outcome average marginal effects (ordered and multinomial fits).
public enum OutcomeMarginsReport {
  /// One row per variable and outcome.
  public static func table(_ r: OutcomeMarginsResult) -> Table {
    let est = NumberFormat.column(r.estimates.map { Optional($0.result.estimate) })
    let se = NumberFormat.column(r.estimates.map { Optional($0.result.stdError) })
    let lo = NumberFormat.column(r.estimates.map { Optional($0.result.confLow) })
    let hi = NumberFormat.column(r.estimates.map { Optional($0.result.confHigh) })
    let letter = r.degreesOfFreedom.isFinite ? "t" : "z"
    var table = Table(columns: [
      .init("", alignment: .left), .init("outcome", alignment: .left), .init("dy/dx"), .init("Std. Error"),
      .init(letter), .init("P>|\(letter)|"), .init("[\(NumberFormat.significant(r.level, 4))% Conf."),
      .init("Interval]"),
    ])
    for (i, e) in r.estimates.enumerated() {
      table.rows.append([
        e.variable, e.outcome, est[i], se[i], String(format: "%.3f", e.result.statistic),
        NumberFormat.pValue(e.result.pValue), lo[i], hi[i],
      ])
    }
    return table
  }

  /// Text: a header naming the quantity and variance, then the table.
  public static func text(_ r: OutcomeMarginsResult) -> String {
    var out = "Average marginal effects on Pr(outcome), \(r.nobs) observations\(r.weighted ? " (weighted)" : "")\n"
    out += "Delta-method std. errors from: \(r.varianceTitle)\n\n"
    return out + TextRenderer.render(table(r))
  }

  /// JSON entries with an `outcome` field.
  public static func json(_ r: OutcomeMarginsResult) -> JSONValue {
    .array(
      r.estimates.map { e in
        .object([
          ("variable", .string(e.variable)), ("outcome", .string(e.outcome)), ("type", .string("dydx")),
          ("estimate", .num(e.result.estimate)), ("std_error", .num(e.result.stdError)),
          ("statistic", .num(e.result.statistic)), ("p_value", .num(e.result.pValue)),
          ("conf_low", .num(e.result.confLow)), ("conf_high", .num(e.result.confHigh)),
        ])
      })
  }

  /// CSV, full precision.
  public static func csv(_ r: OutcomeMarginsResult) -> String {
    var t = Table(columns: ["variable", "outcome", "estimate", "std_error", "statistic", "p_value", "conf_low",
      "conf_high"].map { Table.Column($0) })
    for e in r.estimates {
      let d = e.result
      t.rows.append([e.variable, e.outcome] + [d.estimate, d.stdError, d.statistic, d.pValue, d.confLow, d.confHigh].map { "\($0)" })
    }
    return CSVRenderer.render(t)
  }
}
