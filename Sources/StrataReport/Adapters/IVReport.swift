import StrataInference

/// Text and JSON of the first-stage regressions and specification tests of a 2SLS fit.
public enum IVReport {
  /// The diagnostics table (as `summary(ivreg, diagnostics = TRUE)`) and the first stages.
  public static func text(_ d: IVDiagnostics) -> String {
    var out = ""
    for stage in d.firstStages {
      out += "First stage: \(stage.fit.formula)  (\(stage.covariance.spec.title))\n"
      out += TextRenderer.render(RegressionReport.coefficientTable(stage)) + "\n"
    }
    var table = Table(columns: [
      .init("Diagnostic tests", alignment: .left), .init("df1"), .init("df2"), .init("statistic"), .init("p-value"),
    ])
    for t in tests(d) {
      table.rows.append([
        t.name, "\(t.df1)", t.df2.map { "\($0)" } ?? "", NumberFormat.significant(t.statistic, 6),
        NumberFormat.pValue(t.pValue),
      ])
    }
    out += TextRenderer.render(table)
    out += "Weak instruments and Wu-Hausman: F tests with the fit's variance; Sargan: n R^2 (homoskedastic)"
    out += d.hansenJ == nil ? "" : "; Hansen J: two-step GMM with the robust/cluster weight matrix"
    if d.craggDonald != nil { out += "; Cragg-Donald: min-eigenvalue Wald F, as ivreg2" }
    if d.kleibergenPaap != nil { out += "; Kleibergen-Paap: rk Wald F (HC0/cluster), as ivreg2" }
    out += ".\n"
    return out
  }

  /// `{"first_stage": [...], "diagnostics": [{"name", "df1", "df2", "statistic", "p_value"}]}`.
  public static func json(_ d: IVDiagnostics) -> JSONValue {
    let stages: [JSONValue] = d.firstStages.map { s in
      .object([
        ("endogenous", .string(s.fit.responseName)),
        ("coefficients", .array(s.coefficients.map { c in
          .object([
            ("term", .string(c.term)), ("estimate", .num(c.estimate)), ("std_error", .num(c.stdError)),
            ("statistic", .num(c.statistic)), ("p_value", .num(c.pValue)),
          ])
        })),
      ])
    }
    let diagnostics: [JSONValue] = tests(d).map { t in
      .object([
        ("name", .string(t.name)), ("df1", .int(t.df1)), ("df2", t.df2.map { .int($0) } ?? .null),
        ("statistic", .num(t.statistic)), ("p_value", .num(t.pValue)),
      ])
    }
    return .object([("first_stage", .array(stages)), ("diagnostics", .array(diagnostics))])
  }

  static func tests(_ d: IVDiagnostics) -> [IVTest] {
    d.weakInstruments + [d.craggDonald, d.kleibergenPaap, d.wuHausman, d.sargan, d.hansenJ].compactMap { $0 }
  }
}
