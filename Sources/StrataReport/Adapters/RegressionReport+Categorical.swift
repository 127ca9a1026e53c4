import StrataInference
import StrataModels

extension RegressionReport {
  /// A report of an ordered or multinomial fit: outcome levels, coefficients (cut points after the
  /// coefficients, or one block per outcome), likelihood statistics.
  static func categoricalText(_ r: RegressionResult, context: ReportContext) -> String {
    let f = r.fit
    let s = r.statistics
    let sig = NumberFormat.significant
    guard let c = f.categorical else { return "" }
    var out = "\(glmTitle(f.kind))\n"
    out += TextLayout.labelled("Formula:     ", f.formula)
    out += "Data:        \(context.dataSource)\n"
    out += "Observations: \(s.nobs)\n"
    let counts = zip(c.levels, c.levelCounts).map { "\($0) (\(sig($1, 8)))" }.joined(separator: ", ")
    out += "Outcome:     \(f.responseName): \(counts)\n"
    if let base = c.base { out += "Base outcome: \(c.levels[base])\n" }
    out += "Std. errors: \(r.covariance.title)\n" + designLine(r.covariance) + "\n"
    out += TextRenderer.render(coefficientTable(r))
    out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"
    if c.base == nil { out += "Cut points k|k+1: P(y <= k) = F(cut - xb).\n" }
    out += "\n"
    if let l = s.likelihood {
      if l.isDesignBased {
        out += "Log pseudolikelihood: \(sig(s.logLik, 7))  (sampling-weighted: no LR test, AIC or BIC under a design)\n"
      } else {
        out += "Log-likelihood: \(sig(s.logLik, 7)),  AIC: \(sig(s.aic, 7)),  BIC: \(sig(s.bic, 7))\n"
      }
      out += "Residual deviance: \(sig(l.deviance, 7)),  Null deviance: \(sig(l.nullDeviance, 7))\n"
      out += likelihoodTestLines(l, covariance: r.covariance)
      out += "Newton: \(l.converged ? "converged" : "NOT converged") in \(l.iterations) iterations (analytic Hessian).\n"
    }
    if !f.diagnostics.isEmpty {
      out += "\nNotes:\n" + f.diagnostics.map { "  " + $0.description }.joined(separator: "\n") + "\n"
    }
    return out
  }

  /// The JSON `fit` object of an ordered or multinomial fit.
  static func categoricalFitJSON(_ r: RegressionResult, details c: CategoricalDetails, likelihood l: LikelihoodStatistics)
    -> [(String, JSONValue)]
  {
    let s = r.statistics
    return [
      ("nobs", .int(s.nobs)), ("levels", .array(c.levels.map { .string($0) })),
      ("level_counts", .array(c.levelCounts.map { .num($0) })),
      ("base", c.base.map { .string(c.levels[$0]) } ?? .null),
      ("logLik", .num(s.logLik)), ("AIC", .num(s.aic)), ("BIC", .num(s.bic)),
      ("deviance", .num(l.deviance)), ("null_deviance", .num(l.nullDeviance)),
      ("null_logLik", .num(l.nullLogLik)), ("pseudo_r_squared", .num(l.pseudoRSquared)),
      ("lr_statistic", .num(l.lrStatistic)), ("lr_df", l.lrDF.map { .int($0) } ?? .null),
      ("lr_p_value", .num(l.lrPValue)), ("wald_statistic", .num(l.waldStatistic)),
      ("wald_df", l.waldDF.map { .int($0) } ?? .null), ("wald_p_value", .num(l.waldPValue)),
      ("wald_f", .num(l.waldF)), ("wald_f_df2", .num(l.waldFDF2)), ("wald_f_p_value", .num(l.waldFPValue)),
      ("iterations", .int(l.iterations)), ("converged", .bool(l.converged)),
    ]
  }
}
