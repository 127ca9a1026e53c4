import StrataInference
import StrataModels

/// Renders `--split` fits side by side with the equality test.
public enum SplitReport {
  /// Terms down, one estimate and (standard error) column per group. With the data's `labels`,
  /// terms show their labels (as `termLabels(for:in:)` makes them) and groups their value labels.
  public static func table(_ s: SplitComparison, labels: DataLabels = .none) -> Table {
    var columns: [Table.Column] = [.init("", alignment: .left)]
    for g in s.groups { columns.append(.init("\(s.variable) = \(labels.value(s.variable, g.label))")) }
    var table = Table(columns: columns)
    var allTerms: [String] = []
    for g in s.groups { for t in g.result.fit.terms where !allTerms.contains(t) { allTerms.append(t) } }
    let termLabels = labels.terms(allTerms)
    for term in allTerms {
      var estimate = [termLabels[term] ?? term]
      var error = [""]
      for g in s.groups {
        let c = g.result.coefficients.first { $0.term == term }
        estimate.append((c?.estimate).map { NumberFormat.significant($0, 6) + NumberFormat.stars(c?.pValue) } ?? "")
        error.append((c?.stdError).map { "(" + NumberFormat.significant($0, 5) + ")" } ?? "")
      }
      table.rows.append(estimate)
      table.rows.append(error)
    }
    var n = ["Observations"]
    for g in s.groups { n.append(String(g.result.fit.nobs)) }
    table.rows.append(n)
    return table
  }

  /// Text report (with the data's `labels`, see `table(_:labels:)`).
  public static func text(_ s: SplitComparison, formula: String, data: String, labels: DataLabels = .none) -> String {
    let first = s.groups[0].result
    var out = "Split by \(s.variable): \(s.groups.count) groups\n"
    out += TextLayout.labelled("Formula:     ", formula)
    out += "Data:        \(data)\n"
    out += "Std. errors: \(first.covariance.title.isEmpty ? first.covariance.spec.title : first.covariance.title)\n\n"
    out += TextRenderer.render(table(s, labels: labels))
    out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n"
    let how = s.joint == .design
      ? "groups are domains of one design: joint covariance from the stacked influence functions"
      : "groups are independent: block-diagonal joint covariance"
    out += "Wald test of equal coefficients across groups (\(s.terms.count) terms; \(how)):\n"
    out += "  chi2(\(s.waldDF)) = \(NumberFormat.significant(s.waldStatistic, 6)),  p-value: \(NumberFormat.pValue(s.waldPValue))\n"
    if let slopes = s.slopes {
      out += "Wald test of equal slopes, intercepts free (\(slopes.terms.joined(separator: ", "))):\n"
      out += "  chi2(\(slopes.df)) = \(NumberFormat.significant(slopes.statistic, 6)),  p-value: \(NumberFormat.pValue(slopes.pValue))\n"
    }
    return out
  }

  /// JSON: each group's full regression document, then the test.
  public static func json(_ s: SplitComparison, context: ReportContext) -> JSONValue {
    .object([
      ("split", .string(s.variable)),
      ("groups", .array(s.groups.map { g in
        .object([("group", .string(g.label)), ("result", RegressionReport.json(g.result, context: context))])
      })),
      ("equality_test", .object([
        ("terms", .array(s.terms.map { .string($0) })), ("joint_covariance", .string(s.joint.rawValue)),
        ("statistic", .num(s.waldStatistic)), ("df", .int(s.waldDF)), ("p_value", .num(s.waldPValue)),
      ])),
      ("slopes_test", s.slopes.map { t in
        .object([
          ("terms", .array(t.terms.map { .string($0) })), ("joint_covariance", .string(s.joint.rawValue)),
          ("statistic", .num(t.statistic)), ("df", .int(t.df)), ("p_value", .num(t.pValue)),
        ])
      } ?? .null),
    ])
  }

  /// CSV: one row per group and term.
  public static func csv(_ s: SplitComparison) -> String {
    var t = Table(columns: ["group", "term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
      .map { Table.Column($0) })
    func n(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "NA" } ?? "NA" }
    for g in s.groups {
      for c in g.result.coefficients {
        t.rows.append([g.label, c.term, n(c.estimate), n(c.stdError), n(c.statistic), n(c.pValue), n(c.confLow), n(c.confHigh)])
      }
    }
    return CSVRenderer.render(t)
  }
}
