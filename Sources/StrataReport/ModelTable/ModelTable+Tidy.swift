extension ModelTable {
  /// Tidy long-form CSV at full precision: one line per model, term and quantity
  /// (`estimate`, `std_error`, `statistic`, `p_value`, `conf_low`, `conf_high`), then one per
  /// model and fit statistic (with an empty term).
  public func csv() -> String {
    var t = Table(columns: ["model", "name", "term", "label", "quantity", "value"].map { Table.Column($0) })
    for record in tidyRecords() {
      t.rows.append([record.model, record.name, record.term, record.label, record.quantity, record.value])
    }
    return CSVRenderer.render(t)
  }

  /// Tidy JSON: `{"estimates": [{model, name, term, label, estimate, std_error, statistic, p_value,
  /// conf_low, conf_high}], "statistics": [{model, name, nobs, r_squared, ...}]}`, full precision.
  public func json() -> JSONValue {
    let labels = Dictionary(terms.map { ($0.term, $0.label) }, uniquingKeysWith: { a, _ in a })
    var estimates: [JSONValue] = []
    for (term, _) in terms {
      for (i, m) in models.enumerated() {
        guard let e = m.estimates.first(where: { $0.term == term }) else { continue }
        estimates.append(
          .object([
            ("model", .int(i + 1)), ("name", .string(m.name)), ("term", .string(term)),
            ("label", .string(labels[term] ?? term)), ("estimate", .num(e.estimate)), ("std_error", .num(e.stdError)),
            ("statistic", .num(e.statistic)), ("p_value", .num(e.pValue)), ("conf_low", .num(e.confLow)),
            ("conf_high", .num(e.confHigh)),
          ]))
      }
    }
    let statistics: [JSONValue] = models.enumerated().map { i, m in
      .object([
        ("model", .int(i + 1)), ("name", .string(m.name)), ("estimator", .string(m.model)),
        ("dependent", m.dependent.map { .string($0) } ?? .null), ("nobs", m.nobs.map { .int($0) } ?? .null),
        ("r_squared", .num(m.rSquared)), ("adj_r_squared", .num(m.adjRSquared)),
        ("pseudo_r_squared", .num(m.pseudoRSquared)), ("logLik", .num(m.logLik)), ("AIC", .num(m.aic)),
        ("vce", m.variance.map { .string($0) } ?? .null), ("design", m.design.map { .string($0) } ?? .null),
        ("level", .num(m.level)), ("test", .string(m.usesNormal ? "z" : "t")),
      ])
    }
    return .object([("estimates", .array(estimates)), ("statistics", .array(statistics))])
  }

  struct TidyRecord {
    var model: String
    var name: String
    var term: String
    var label: String
    var quantity: String
    var value: String
  }

  func tidyRecords() -> [TidyRecord] {
    func text(_ x: Double?) -> String? { x.map { $0.isFinite ? "\($0)" : "NA" } }
    var out: [TidyRecord] = []
    for (term, label) in terms {
      for (i, m) in models.enumerated() {
        guard let e = m.estimates.first(where: { $0.term == term }) else { continue }
        let quantities: [(String, Double?)] = [
          ("estimate", e.estimate), ("std_error", e.stdError), ("statistic", e.statistic), ("p_value", e.pValue),
          ("conf_low", e.confLow), ("conf_high", e.confHigh),
        ]
        for (q, v) in quantities {
          if let v = text(v) { out.append(TidyRecord(model: String(i + 1), name: m.name, term: term, label: label, quantity: q, value: v)) }
        }
      }
    }
    for (i, m) in models.enumerated() {
      let quantities: [(String, String?)] = [
        ("nobs", m.nobs.map(String.init)), ("r_squared", text(m.rSquared)), ("adj_r_squared", text(m.adjRSquared)),
        ("pseudo_r_squared", text(m.pseudoRSquared)), ("logLik", text(m.logLik)), ("AIC", text(m.aic)),
        ("vce", m.variance), ("design", m.design),
      ]
      for (q, v) in quantities {
        if let v { out.append(TidyRecord(model: String(i + 1), name: m.name, term: "", label: "", quantity: q, value: v)) }
      }
    }
    return out
  }
}
