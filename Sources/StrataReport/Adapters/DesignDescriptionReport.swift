import Foundation
import StrataDesign

/// Renders `strata svyset --describe` (Stata's `svydescribe`): one row per stratum and a
/// summary of the weights.
public enum DesignDescriptionReport {
  /// Strata table (singletons flagged), then the weight summary.
  public static func text(_ d: DesignDescription) -> String {
    var out = ""
    if let strata = d.strata {
      var t = Table(columns: [
        Table.Column("Stratum", alignment: .left), Table.Column("PSUs"), Table.Column("Obs"),
        Table.Column("Obs/PSU min"), Table.Column("mean"), Table.Column("max"), Table.Column("Weight sum"),
        Table.Column("", alignment: .left),
      ])
      for s in strata {
        t.rows.append([
          s.name, NumberFormat.grouped(Double(s.psus)), NumberFormat.grouped(Double(s.observations)), "\(s.minPerPSU)",
          String(format: "%.1f", s.meanPerPSU), "\(s.maxPerPSU)", NumberFormat.grouped(s.weightSum),
          s.isSingleton ? "singleton" : "",
        ])
      }
      let psus = strata.reduce(0) { $0 + $1.psus }
      let obs = strata.reduce(0) { $0 + $1.observations }
      let ws = strata.reduce(0) { $0 + $1.weightSum }
      t.rows.append([
        "Total (\(strata.count))", NumberFormat.grouped(Double(psus)), NumberFormat.grouped(Double(obs)), "", "", "",
        NumberFormat.grouped(ws), "",
      ])
      let singles = d.singletons
      if !singles.isEmpty {
        t.notes.append(
          "\(singles.count) singleton \(singles.count == 1 ? "stratum" : "strata") (one PSU): "
            + singles.prefix(10).joined(separator: ", ") + (singles.count > 10 ? ", …" : "")
            + "; estimation needs --lonely-psu certainty, remove, adjust or average")
      }
      out += TextRenderer.render(t) + "\n"
    } else {
      out += "Replicate-weight design: the data carry no strata or PSUs to describe.\n\n"
    }
    out += "Weights: " + weightLine(d.weights) + "\n"
    return out
  }

  /// `n 3,000, min 1.2, max 44, mean 9.3, CV 0.52, sum 27,936, 0 zero`.
  public static func weightLine(_ w: WeightDistribution) -> String {
    var parts = [
      "n \(NumberFormat.grouped(Double(w.count)))", "min \(NumberFormat.significant(w.minimum, 6))",
      "max \(NumberFormat.significant(w.maximum, 6))", "mean \(NumberFormat.significant(w.mean, 6))",
      "CV \(NumberFormat.significant(w.coefficientOfVariation, 4))", "max/min "
        + (w.minimum > 0 ? NumberFormat.significant(w.maximum / w.minimum, 4) : "NA"),
      "sum \(NumberFormat.grouped(w.sum))",
    ]
    if w.zeros > 0 { parts.append("\(w.zeros) zero") }
    return parts.joined(separator: ", ")
  }

  /// The description as JSON: `strata` (or null) and `weights`.
  public static func json(_ d: DesignDescription) -> JSONValue {
    let strata: JSONValue = d.strata.map { list in
      .array(
        list.map { s in
          .object([
            ("stratum", .string(s.name)), ("psus", .int(s.psus)), ("observations", .int(s.observations)),
            ("min_per_psu", .int(s.minPerPSU)), ("mean_per_psu", .num(s.meanPerPSU)),
            ("max_per_psu", .int(s.maxPerPSU)), ("weight_sum", .num(s.weightSum)),
            ("singleton", .bool(s.isSingleton)),
          ])
        })
    } ?? .null
    let w = d.weights
    return .object([
      ("strata", strata),
      ("weights", .object([
        ("n", .int(w.count)), ("min", .num(w.minimum)), ("max", .num(w.maximum)), ("mean", .num(w.mean)),
        ("cv", .num(w.coefficientOfVariation)), ("sum", .num(w.sum)), ("zeros", .int(w.zeros)),
      ])),
    ])
  }
}
