import StrataInference
import StrataModels

/// Text and JSON of Newey's two-step IV probit (`strata fit ivprobit`).
public enum IVProbitReport {
  /// The coefficient table (z tests with the minimum-χ² covariance), the first stages and the
  /// exogeneity and overidentification tests, in the layout of Stata's `ivprobit, twostep first`.
  public static func text(_ r: IVProbitTwoStep, result: RegressionResult, context: ReportContext) -> String {
    let f = r.fit
    var out = "Instrumental-variables probit (Newey two-step, as Stata's ivprobit, twostep)\n"
    out += TextLayout.labelled("Formula:     ", f.formula)
    out += "Data:        \(context.dataSource)\n"
    out += "Observations: \(f.nobs)\n"
    out += "Std. errors: Newey's minimum chi-squared covariance (D' Omega^-1 D)^-1\n"
    if let m = r.model {
      out += "Wald chi2(\(m.df)) = \(NumberFormat.significant(m.statistic, 6)),  Prob > chi2 = \(NumberFormat.pValue(m.pValue))\n"
    }
    out += "\n" + TextRenderer.render(RegressionReport.coefficientTable(result))
    out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"
    out += "Instrumented: \(r.firstStages.map(\.responseName).joined(separator: ", "))\n"
    out += "Instruments: \(f.iv?.instrumentNames.joined(separator: ", ") ?? "")\n\n"
    var table = Table(columns: [
      .init("Tests", alignment: .left), .init("df"), .init("chi2"), .init("p-value"),
    ])
    for t in [r.exogeneity] + [r.overidentification].compactMap({ $0 }) {
      let name = t.name == "Rivers-Vuong" ? "Wald test of exogeneity (Rivers-Vuong)" : "Overidentification (Amemiya-Lee-Newey)"
      table.rows.append([name, "\(t.df)", NumberFormat.significant(t.statistic, 6), NumberFormat.pValue(t.pValue)])
    }
    out += TextRenderer.render(table)
    out += "Exogeneity: the first-stage residuals' coefficients in the control-function probit.\n"
    if !f.diagnostics.isEmpty {
      out += "\nNotes:\n" + f.diagnostics.map { "  " + $0.description }.joined(separator: "\n") + "\n"
    }
    return out
  }

  /// The shared regression JSON plus `"ivprobit": {control_function, tests}`.
  public static func json(_ r: IVProbitTwoStep, result: RegressionResult, context: ReportContext) -> JSONValue {
    var document = RegressionReport.json(result, context: context)
    func coefficients(_ fit: Fit) -> JSONValue {
      .array(fit.kept.map { j in .object([("term", .string(fit.terms[j])), ("estimate", .num(fit.coefficients[j]))]) })
    }
    func test(_ t: ChiSquaredTest) -> JSONValue {
      .object([("name", .string(t.name)), ("df", .int(t.df)), ("statistic", .num(t.statistic)), ("p_value", .num(t.pValue))])
    }
    let extra: JSONValue = .object([
      ("estimator", .string("newey_twostep")),
      ("control_function", coefficients(r.controlFunction)),
      ("reduced_form", coefficients(r.reducedForm)),
      ("first_stage", .array(r.firstStages.map { s in
        .object([("endogenous", .string(s.responseName)), ("coefficients", coefficients(s))])
      })),
      ("exogeneity", test(r.exogeneity)),
      ("overidentification", r.overidentification.map(test) ?? .null),
    ])
    if case .object(var pairs) = document {
      // The linear-model fit statistics do not apply: the fit block is the model Wald test.
      pairs = pairs.map { key, value in
        key != "fit" ? (key, value) : ("fit", .object([
          ("nobs", .int(r.fit.nobs)), ("wald_chi2", r.model.map { .num($0.statistic) } ?? .null),
          ("wald_df", r.model.map { .int($0.df) } ?? .null), ("p_value", r.model.map { .num($0.pValue) } ?? .null),
        ]))
      }
      pairs.append(("ivprobit", extra))
      document = .object(pairs)
    }
    return document
  }
}
