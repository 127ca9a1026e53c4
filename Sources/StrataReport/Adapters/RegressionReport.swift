import StrataDesign
import StrataInference
import StrataModels

/// Where a regression came from, for the report header and the JSON `data` field.
public struct ReportContext: Sendable {
  public var dataSource: String
  /// Variable labels by column name, shown beside terms when present.
  public var labels: [String: String]
  public init(dataSource: String, labels: [String: String] = [:]) {
    self.dataSource = dataSource
    self.labels = labels
  }
}

/// Turns a `RegressionResult` into text, JSON and CSV.
public enum RegressionReport {
  /// The coefficient table (term, estimate, std. error, t, p, stars, interval).
  public static func coefficientTable(_ r: RegressionResult) -> Table {
    let est = NumberFormat.column(r.coefficients.map(\.estimate))
    let se = NumberFormat.column(r.coefficients.map(\.stdError))
    let stat = r.coefficients.map { $0.statistic.map { String(format: "%.3f", $0) } ?? "NA" }
    let lo = NumberFormat.column(r.coefficients.map(\.confLow))
    let hi = NumberFormat.column(r.coefficients.map(\.confHigh))
    let levelText = NumberFormat.significant(r.level, 4)
    let letter = r.covariance.usesNormal ? "z" : "t"
    var table = Table(columns: [
      .init("", alignment: .left), .init("Estimate"), .init("Std. Error"), .init("\(letter) value"),
      .init("Pr(>|\(letter)|)"), .init("", alignment: .left), .init("[\(levelText)% Conf."), .init("Interval]"),
    ])
    for (i, c) in r.coefficients.enumerated() {
      table.rows.append([
        c.term, est[i], se[i], stat[i], NumberFormat.pValue(c.pValue), NumberFormat.stars(c.pValue),
        lo[i], hi[i],
      ])
    }
    return table
  }

  /// A report in the style of R's `summary.lm` and Stata's `regress`.
  public static func text(_ r: RegressionResult, context: ReportContext) -> String {
    if r.fit.categorical != nil { return categoricalText(r, context: context) }
    if r.fit.glm != nil { return glmText(r, context: context) }
    let f = r.fit
    let s = r.statistics
    let title = f.kind == .iv
      ? (r.covariance.design != nil
        ? "Survey-weighted instrumental-variables regression (2SLS)" : "Instrumental-variables regression (2SLS)")
      : r.covariance.design != nil
      ? "Survey-weighted linear regression (svyglm, gaussian)"
      : f.kind == .wls ? "Weighted least squares (WLS)" : "Linear regression (OLS)"
    var out = "\(title)\n"
    out += TextLayout.labelled("Formula:     ", f.formula)
    out += "Data:        \(context.dataSource)\n"
    out += "Observations: \(s.nobs)\n" + fixedEffectsLine(f)
    out += "Std. errors: \(r.covariance.spec.title)\n" + designLine(r.covariance) + "\n"
    out += TextRenderer.render(coefficientTable(r))
    out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n"
    let sig = NumberFormat.significant
    out += "Residual standard error: \(sig(s.sigma, 4)) on \(s.dfResidual) degrees of freedom\n"
    out += "Multiple R-squared: \(sig(s.rSquared, 4)),  Adjusted R-squared: \(sig(s.adjRSquared, 4))\n"
    if let fs = s.fStatistic, let d1 = s.fDF1, let d2 = s.fDF2 {
      let kind = r.covariance.spec.name == "classical" ? "F-statistic" : "Wald F-statistic"
      out += "\(kind): \(sig(fs, 4)) on \(d1) and \(sig(d2, 6)) DF,  p-value: \(NumberFormat.pValue(s.fPValue))\n"
    }
    out += "Log-likelihood: \(sig(s.logLik, 7)),  AIC: \(sig(s.aic, 7)),  BIC: \(sig(s.bic, 7))\n"
    if case .cluster = r.covariance.spec {
      out += "t tests use G - 1 = \(sig(r.covariance.degreesOfFreedom, 6)) degrees of freedom.\n"
    }
    let labelled = f.terms.compactMap { t in context.labels[t].map { "  \(t): \($0)" } }
    if !labelled.isEmpty { out += "\nVariable labels:\n" + labelled.joined(separator: "\n") + "\n" }
    if !f.diagnostics.isEmpty {
      out += "\nNotes:\n" + f.diagnostics.map { "  " + $0.description }.joined(separator: "\n") + "\n"
    }
    return out
  }

  /// The JSON document every estimator shares:
  /// `model, formula, data, nobs, vce, coefficients[], vcov{terms, matrix}, fit{}, warnings[]`.
  public static func json(_ r: RegressionResult, context: ReportContext) -> JSONValue {
    let f = r.fit
    let s = r.statistics
    let likelihood = s.likelihood
    let coefficients: [JSONValue] = r.coefficients.map { c in
      .object([
        ("term", .string(c.term)), ("estimate", .num(c.estimate)), ("std_error", .num(c.stdError)),
        ("statistic", .num(c.statistic)), ("p_value", .num(c.pValue)), ("conf_low", .num(c.confLow)),
        ("conf_high", .num(c.confHigh)),
      ])
    }
    let v = r.covariance.matrix
    let matrix: [JSONValue] = (0..<v.rows).map { i in .array((0..<v.cols).map { .num(v[i, $0]) }) }
    var vce: [(String, JSONValue)] = [
      ("type", .string(r.covariance.spec.name)), ("df", .num(r.covariance.degreesOfFreedom)),
      ("level", .num(r.level)),
    ]
    if case .cluster(let vars) = r.covariance.spec {
      vce.append(("cluster", .array(vars.map { .string($0.name) })))
      vce.append(("n_clusters", .array(vars.map { .int($0.count) })))
    }
    if let d = r.covariance.design {
      vce.append(("title", .string(r.covariance.title)))
      vce.append(("test", .string("t")))
      vce.append(("design", designJSON(d)))
    } else if f.glm != nil || f.categorical != nil {
      vce.append(("title", .string(r.covariance.title)))
      vce.append(("information", .string(r.covariance.information.rawValue)))
      vce.append(("test", .string(r.covariance.usesNormal ? "z" : "t")))
    }
    let fit: [(String, JSONValue)]
    if let c = f.categorical, let l = likelihood {
      fit = categoricalFitJSON(r, details: c, likelihood: l)
    } else if let glm = f.glm, let l = likelihood {
      fit = [
        ("nobs", .int(s.nobs)), ("family", .string(glm.familyName)), ("link", .string(glm.link.rawValue)),
        ("df_residual", .int(l.dfResidual)), ("df_null", .int(l.dfNull)),
        ("logLik", .num(s.logLik)), ("AIC", .num(s.aic)), ("BIC", .num(s.bic)),
        ("deviance", .num(l.deviance)), ("null_deviance", .num(l.nullDeviance)),
        ("null_logLik", .num(l.nullLogLik)), ("pseudo_r_squared", .num(l.pseudoRSquared)),
        ("lr_statistic", .num(l.lrStatistic)), ("lr_df", l.lrDF.map { .int($0) } ?? .null),
        ("lr_p_value", .num(l.lrPValue)), ("wald_statistic", .num(l.waldStatistic)),
        ("wald_df", l.waldDF.map { .int($0) } ?? .null), ("wald_p_value", .num(l.waldPValue)),
        ("wald_f", .num(l.waldF)), ("wald_f_df2", .num(l.waldFDF2)), ("wald_f_p_value", .num(l.waldFPValue)),
        ("pearson_chi2", .num(l.pearsonChiSquare)), ("dispersion", .num(l.dispersion)),
        ("iterations", .int(l.iterations)), ("converged", .bool(l.converged)), ("tolerance", .num(l.tolerance)),
      ] + thetaJSON(glm.theta, designBased: r.covariance.design != nil)
    } else {
      fit = [
      ("nobs", .int(s.nobs)), ("df_residual", .int(s.dfResidual)), ("r_squared", .num(s.rSquared)),
      ("adj_r_squared", .num(s.adjRSquared)), ("sigma", .num(s.sigma)), ("statistic", .num(s.fStatistic)),
      ("df", s.fDF1.map { .int($0) } ?? .null), ("df_denominator", .num(s.fDF2)),
      ("p_value", .num(s.fPValue)), ("logLik", .num(s.logLik)), ("AIC", .num(s.aic)), ("BIC", .num(s.bic)),
      ]
    }
    var root: [(String, JSONValue)] = [
      ("model", .string(f.kind.rawValue)), ("formula", .string(f.formula)),
      ("data", .string(context.dataSource)), ("nobs", .int(s.nobs)), ("vce", .object(vce)),
      ("coefficients", .array(coefficients)),
      ("vcov", .object([("terms", .array(f.keptTerms.map { .string($0) })), ("matrix", .array(matrix))])),
      ("fit", .object(fit)),
      ("warnings", .array(f.diagnostics.map { .string($0.description) })),
    ]
    if let fe = f.fixedEffects { root.append(("fixed_effects", fixedEffectsJSON(fe))) }
    return .object(root)
  }

  /// The design line of a design-based fit (empty otherwise): counts, population size and df.
  static func designLine(_ c: CovarianceEstimate) -> String {
    guard let d = c.design else { return "" }
    var parts: [String] = []
    if let strata = d.strata { parts.append("\(strata) strata") }
    if let psus = d.psus { parts.append("\(psus) PSUs") }
    if let reps = d.replicates { parts.append("\(reps) replicates") }
    parts.append("population size \(NumberFormat.grouped(d.populationSize))")
    parts.append("design df \(d.df)")
    parts.append("t tests on \(NumberFormat.significant(c.degreesOfFreedom, 10)) df")
    return "Design:      " + parts.joined(separator: ", ") + DescriptiveReport.calibrationNote(d) + "\n"
  }

  /// The design block of the JSON `vce` object.
  static func designJSON(_ d: DesignSummary) -> JSONValue {
    .object([
      ("kind", .string(d.kind)), ("observations", .int(d.observations)),
      ("strata", d.strata.map { .int($0) } ?? .null), ("psus", d.psus.map { .int($0) } ?? .null),
      ("replicates", d.replicates.map { .int($0) } ?? .null),
      ("replicate_type", d.replicateType.map { .string($0.rawValue) } ?? .null),
      ("population_size", .num(d.populationSize)), ("df", .int(d.df)),
    ] + (d.calibration.map { [("calibration", DescriptiveReport.calibrationJSON($0))] } ?? []))
  }

  /// The title line of a GLM report.
  /// The McFadden pseudo R², LR test and (with a non-classical variance) Wald test lines shared by
  /// GLM and categorical-outcome reports.
  static func likelihoodTestLines(_ l: LikelihoodStatistics, covariance: CovarianceEstimate) -> String {
    let sig = NumberFormat.significant
    var out = "McFadden pseudo R-squared: \(sig(l.pseudoRSquared, 4))"
    if let lr = l.lrStatistic, let df = l.lrDF {
      out += ",  LR chi2(\(df)): \(sig(lr, 6)),  p-value: \(NumberFormat.pValue(l.lrPValue))"
    }
    out += "\n"
    if let f = l.waldF, let df = l.waldDF, let df2 = l.waldFDF2 {
      out += "Design-based Wald F(\(df), \(sig(df2, 6))): \(sig(f, 6)),  p-value: \(NumberFormat.pValue(l.waldFPValue))\n"
      return out
    }
    switch covariance.spec {
    case .classical, .oim: break
    default:
      if let w = l.waldStatistic, let df = l.waldDF {
        out += "Wald chi2(\(df)): \(sig(w, 6)),  p-value: \(NumberFormat.pValue(l.waldPValue))\n"
      }
    }
    return out
  }

  static func glmTitle(_ kind: Fit.Kind) -> String {
    switch kind {
    case .logit: return "Logistic regression (logit: binomial family, logit link)"
    case .probit: return "Probit regression (binomial family, probit link)"
    case .cloglog: return "Complementary log-log regression (binomial family, cloglog link)"
    case .poisson: return "Poisson regression (log link)"
    case .nbreg: return "Negative binomial regression (NB2, log link; MASS::glm.nb)"
    case .fraclogit: return "Fractional logit (Papke-Wooldridge; quasi-binomial family, logit link)"
    case .fracprobit: return "Fractional probit (Papke-Wooldridge; quasi-binomial family, probit link)"
    case .ols, .wls: return "Linear regression"
    case .ologit: return "Ordered logit (proportional odds; MASS::polr)"
    case .oprobit: return "Ordered probit (MASS::polr, method = \"probit\")"
    case .mlogit: return "Multinomial logit (nnet::multinom)"
    case .iv: return "Instrumental-variables regression (2SLS)"
    case .ivprobit: return "Instrumental-variables probit (Newey two-step)"
    }
  }

  /// The `fit` keys of a negative binomial fit: θ (R's `theta`, `SE.theta`) and Stata's α = 1/θ.
  /// Under a design θ is a pseudo-ML estimate whose model-based error is not a design-based
  /// one: its standard errors are null there.
  static func thetaJSON(_ t: ThetaEstimate?, designBased: Bool) -> [(String, JSONValue)] {
    guard let t else { return [] }
    return [
      ("theta", .num(t.theta)), ("theta_std_error", designBased ? .null : .num(t.standardError)),
      ("alpha", .num(t.alpha)), ("alpha_std_error", designBased ? .null : .num(t.alphaStandardError)),
      ("theta_iterations", .int(t.outerIterations)),
    ]
  }

  /// A GLM report in the style of R's `summary.glm` with Stata's header statistics.
  static func glmText(_ r: RegressionResult, context: ReportContext) -> String {
    let f = r.fit
    let s = r.statistics
    let sig = NumberFormat.significant
    var out = "\(glmTitle(f.kind))\n"
    out += TextLayout.labelled("Formula:     ", f.formula)
    out += "Data:        \(context.dataSource)\n"
    out += "Observations: \(s.nobs)\n" + fixedEffectsLine(f)
    out += "Std. errors: \(r.covariance.title)\n" + designLine(r.covariance) + "\n"
    out += TextRenderer.render(coefficientTable(r))
    out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n"
    if let l = s.likelihood {
      if l.isQuasiLikelihood {
        out += "Quasi-log-likelihood (Bernoulli): \(sig(s.logLik, 7))\n"
      } else if l.isDesignBased {
        out += "Log pseudolikelihood: \(sig(s.logLik, 7))  (sampling-weighted: no LR test, AIC or BIC under a design)\n"
      } else {
        out += "Log-likelihood: \(sig(s.logLik, 7)),  AIC: \(sig(s.aic, 7)),  BIC: \(sig(s.bic, 7))\n"
      }
      out += "Deviance: \(sig(l.deviance, 7)) on \(l.dfResidual) DF,  Null deviance: \(sig(l.nullDeviance, 7)) on \(l.dfNull) DF\n"
      out += likelihoodTestLines(l, covariance: r.covariance)
      if let t = f.glm?.theta {
        if r.covariance.design != nil {
          out += "Theta: \(sig(t.theta, 7)),  alpha = 1/theta: \(sig(t.alpha, 7))  (pseudo-ML with the sampling weights; "
          out += "coefficient errors conditional on theta)\n"
        } else {
          out += "Theta: \(sig(t.theta, 7)) (SE \(sig(t.standardError, 5))),  alpha = 1/theta: \(sig(t.alpha, 7)) "
          out += "(SE \(sig(t.alphaStandardError, 5)))  (coefficient errors conditional on theta)\n"
        }
      }
      if f.kind == .poisson {
        out += "Dispersion (Pearson chi2 / df): \(sig(l.dispersion, 4))  (> 1 suggests overdispersion; use robust errors)\n"
      } else if l.isQuasiLikelihood {
        out += "Dispersion (Pearson chi2 / df): \(sig(l.dispersion, 4))\n"
      }
      if let t = f.glm?.theta {
        out += "Alternation of IRLS and theta: converged in \(t.outerIterations) rounds (tolerance \(sig(l.tolerance, 3))).\n"
      } else {
        out += "IRLS: \(l.converged ? "converged" : "NOT converged") in \(l.iterations) iterations (tolerance \(sig(l.tolerance, 3))).\n"
      }
    }
    let labelled = f.terms.compactMap { t in context.labels[t].map { "  \(t): \($0)" } }
    if !labelled.isEmpty { out += "\nVariable labels:\n" + labelled.joined(separator: "\n") + "\n" }
    if !f.diagnostics.isEmpty {
      out += "\nNotes:\n" + f.diagnostics.map { "  " + $0.description }.joined(separator: "\n") + "\n"
    }
    return out
  }

  /// A tidy CSV with broom's columns, full precision.
  public static func csv(_ r: RegressionResult) -> String {
    var t = Table(columns: ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"].map {
      Table.Column($0)
    })
    func n(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "NA" } ?? "NA" }
    for c in r.coefficients {
      t.rows.append([c.term, n(c.estimate), n(c.stdError), n(c.statistic), n(c.pValue), n(c.confLow), n(c.confHigh)])
    }
    return CSVRenderer.render(t)
  }
}
