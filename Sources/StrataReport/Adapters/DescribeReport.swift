import StrataData

/// Renders `describe` summaries: one row per variable, then the levels of each factor.
public enum DescribeReport {
  /// The per-variable table (variable, type, n, missing, mean, sd, min, max, label).
  public static func table(_ summaries: [VariableSummary], full: Bool = false) -> Table {
    var t = Table(columns: [
      .init("variable", alignment: .left), .init("type", alignment: .left), .init("n"), .init("missing"),
      .init("mean"), .init("sd"), .init("min"), .init("max"), .init("label", alignment: .left),
    ])
    func n(_ x: Double?) -> String {
      guard let x else { return "" }
      return full ? "\(x)" : NumberFormat.significant(x, 6)
    }
    for s in summaries {
      let kind: String
      switch s.kind {
      case .numeric: kind = "numeric"
      case .factor: kind = "factor(\(s.levels.count))"
      case .labelledNumeric: kind = "labelled"
      }
      t.rows.append([s.name, kind, String(s.nonMissing), String(s.missing), n(s.mean), n(s.sd), n(s.min), n(s.max), s.label ?? ""])
    }
    return t
  }

  /// The text report: the variable table, then each factor's levels with counts.
  public static func text(_ summaries: [VariableSummary], source: String, rows: Int) -> String {
    var out = "\(source): \(rows) rows, \(summaries.count) variables\n\n"
    out += TextRenderer.render(table(summaries))
    for s in summaries where !s.levels.isEmpty && s.kind != .numeric {
      out += "\n\(s.name)" + (s.label.map { " (\($0))" } ?? "") + ":\n"
      var levels = Table(columns: [.init("  level", alignment: .left), .init("count")])
      let shown = s.levels.prefix(50)
      for l in shown { levels.rows.append(["  " + l.level, String(l.count)]) }
      if s.levels.count > shown.count { levels.notes.append("  ... \(s.levels.count - shown.count) more levels") }
      out += TextRenderer.render(levels)
    }
    return out
  }

  /// JSON: one object per variable, levels included.
  public static func json(_ summaries: [VariableSummary], source: String, rows: Int) -> JSONValue {
    .object([
      ("data", .string(source)), ("rows", .int(rows)),
      (
        "variables",
        .array(
          summaries.map { s in
            .object([
              ("name", .string(s.name)), ("label", s.label.map { .string($0) } ?? .null),
              ("type", .string(s.kind == .numeric ? "numeric" : s.kind == .factor ? "factor" : "labelled")),
              ("n", .int(s.nonMissing)), ("missing", .int(s.missing)), ("mean", .num(s.mean)),
              ("sd", .num(s.sd)), ("min", .num(s.min)), ("max", .num(s.max)),
              ("levels", .array(s.levels.map { .object([("level", .string($0.level)), ("count", .int($0.count))]) })),
            ])
          })
      ),
    ])
  }
}
