import StrataInference
import StrataModels

/// Renders a mediation analysis: the three equations side by side, then the effects.
public enum MediationReport {
  /// Terms down; columns (1) total effect, (2) mediator, (3) outcome.
  public static func equationsTable(_ m: MediationResult) -> Table {
    let results = [m.total, m.mediatorEquation, m.outcomeEquation]
    var table = Table(columns: [
      .init("", alignment: .left), .init("(1) \(m.total.fit.responseName)"),
      .init("(2) \(m.mediatorEquation.fit.responseName)"), .init("(3) \(m.outcomeEquation.fit.responseName)"),
    ])
    var terms: [String] = []
    for r in results { for t in r.fit.terms where !terms.contains(t) { terms.append(t) } }
    for term in terms {
      var estimate = [term]
      var error = [""]
      for r in results {
        let c = r.coefficients.first { $0.term == term }
        estimate.append((c?.estimate).map { NumberFormat.significant($0, 6) + NumberFormat.stars(c?.pValue) } ?? "")
        error.append((c?.stdError).map { "(" + NumberFormat.significant($0, 5) + ")" } ?? "")
      }
      table.rows.append(estimate)
      table.rows.append(error)
    }
    table.rows.append(["Observations"] + results.map { String($0.fit.nobs) })
    return table
  }

  /// The effects: indirect (with Sobel and bootstrap intervals), direct, total.
  public static func effectsTable(_ m: MediationResult) -> Table {
    let sig = NumberFormat.significant
    var table = Table(columns: [.init("", alignment: .left), .init("Estimate"), .init("Std. Error"), .init("z"),
      .init("P>|z|"), .init("[\(sig(m.level, 4))% Conf."), .init("Interval]"), .init("method", alignment: .left)])
    let se = m.sobelStandardError
    table.rows.append([
      "indirect (a*b)", sig(m.indirect, 6), sig(se, 5), String(format: "%.3f", m.sobelStatistic),
      NumberFormat.pValue(m.sobelPValue), sig(m.sobelInterval.low, 6), sig(m.sobelInterval.high, 6), "Sobel",
    ])
    if let b = m.bootstrap {
      table.rows.append(["", "", sig(b.standardError, 5), "", "", sig(b.percentile.low, 6), sig(b.percentile.high, 6),
        "bootstrap percentile"])
      if let bc = b.biasCorrected {
        table.rows.append(["", "", "", "", "", sig(bc.low, 6), sig(bc.high, 6), "bootstrap bias-corrected"])
      }
    }
    table.rows.append(["direct (c')", sig(m.direct, 6), "", "", "", "", "", "equation (3)"])
    table.rows.append(["total (c)", sig(m.totalEffect, 6), "", "", "", "", "", "equation (1)"])
    table.rows.append(["proportion mediated", sig(m.proportionMediated, 4), "", "", "", "", "", "a*b / (a*b + c')"])
    return table
  }

  /// Text report.
  public static func text(_ m: MediationResult, data: String) -> String {
    let sig = NumberFormat.significant
    var out = "Mediation: \(m.treatment) -> \(m.mediator) -> \(m.outcomeEquation.fit.responseName)\n"
    out += "Data:        \(data)\n"
    out += "Std. errors: \(m.outcomeEquation.covariance.title.isEmpty ? m.outcomeEquation.covariance.spec.title : m.outcomeEquation.covariance.title)\n\n"
    out += TextRenderer.render(equationsTable(m))
    out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n"
    out += "a = \(sig(m.a, 6)) (\(m.treatment) in (2)),  b = \(sig(m.b, 6)) (\(m.mediator) in (3))\n\n"
    out += TextRenderer.render(effectsTable(m))
    if let b = m.bootstrap {
      out += "\nBootstrap: \(b.successful) of \(b.reps) replicates, seed \(b.seed), "
      out += b.designBased ? "PSUs resampled within strata (Rao-Wu rescaling).\n" : "rows resampled.\n"
    }
    if m.outcomeEquation.fit.glm != nil {
      out += "The outcome model is nonlinear: a*b is on the latent index scale (product of coefficients).\n"
    }
    return out
  }

  /// JSON: the three regression documents and the effects.
  public static func json(_ m: MediationResult, context: ReportContext) -> JSONValue {
    var effects: [(String, JSONValue)] = [
      ("a", .num(m.a)), ("b", .num(m.b)), ("indirect", .num(m.indirect)), ("direct", .num(m.direct)),
      ("total", .num(m.totalEffect)), ("proportion_mediated", .num(m.proportionMediated)),
      ("sobel_std_error", .num(m.sobelStandardError)), ("sobel_statistic", .num(m.sobelStatistic)),
      ("sobel_p_value", .num(m.sobelPValue)),
      ("sobel_conf", .array([.num(m.sobelInterval.low), .num(m.sobelInterval.high)])), ("level", .num(m.level)),
    ]
    if let b = m.bootstrap {
      effects.append(("bootstrap", .object([
        ("reps", .int(b.reps)), ("successful", .int(b.successful)), ("seed", .num(Double(b.seed))),
        ("design", .bool(b.designBased)), ("std_error", .num(b.standardError)),
        ("percentile", .array([.num(b.percentile.low), .num(b.percentile.high)])),
        ("bias_corrected", b.biasCorrected.map { .array([.num($0.low), .num($0.high)]) } ?? .null),
      ])))
    }
    return .object([
      ("treatment", .string(m.treatment)), ("mediator", .string(m.mediator)),
      ("equations", .object([
        ("total", RegressionReport.json(m.total, context: context)),
        ("mediator", RegressionReport.json(m.mediatorEquation, context: context)),
        ("outcome", RegressionReport.json(m.outcomeEquation, context: context)),
      ])),
      ("effects", .object(effects)),
    ])
  }

  /// CSV of the effects.
  public static func csv(_ m: MediationResult) -> String {
    var t = Table(columns: ["quantity", "estimate", "std_error", "conf_low", "conf_high"].map { Table.Column($0) })
    t.rows.append(["indirect_sobel", "\(m.indirect)", "\(m.sobelStandardError)",
      "\(m.sobelInterval.low)", "\(m.sobelInterval.high)"])
    if let b = m.bootstrap {
      t.rows.append(["indirect_bootstrap_percentile", "\(m.indirect)", "\(b.standardError)", "\(b.percentile.low)", "\(b.percentile.high)"])
      if let bc = b.biasCorrected {
        t.rows.append(["indirect_bootstrap_bc", "\(m.indirect)", "\(b.standardError)", "\(bc.low)", "\(bc.high)"])
      }
    }
    t.rows.append(["direct", "\(m.direct)", "NA", "NA", "NA"])
    t.rows.append(["total", "\(m.totalEffect)", "NA", "NA", "NA"])
    return CSVRenderer.render(t)
  }
}
