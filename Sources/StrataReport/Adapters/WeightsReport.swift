import StrataDesign

/// Renders the analysis weights of a design (`strata weights`).
public enum WeightsReport {
  /// A CSV with column `weight` and then `repw1` … `repwR`, one line per data row, numbers at
  /// full precision (Swift's shortest round-trip form).
  public static func csv(_ w: AnalysisWeights) -> String {
    var out = (["weight"] + w.replicateNames).joined(separator: ",") + "\n"
    out.reserveCapacity(w.weights.count * (1 + w.replicateWeights.count) * 12)
    for i in w.weights.indices {
      out += "\(w.weights[i])"
      for r in w.replicateWeights.indices {
        out += ","
        out += "\(w.replicateWeights[r][i])"
      }
      out += "\n"
    }
    return out
  }

  /// "Wrote 200 weights (sum 6194, min 15.1, mean 30.97, max 44.21) and 200 replicate weights to w.csv".
  public static func summary(_ w: AnalysisWeights, destination: String) -> String {
    let sig = NumberFormat.significant
    let range = w.range
    var s = "Wrote \(w.weights.count) analysis weights (sum \(sig(w.total, 8)), min \(sig(range.min, 6)), "
      + "mean \(sig(w.mean, 6)), max \(sig(range.max, 6)))"
    if !w.replicateWeights.isEmpty { s += " and \(w.replicateWeights.count) replicate weights" }
    s += " to \(destination)\nDesign:  \(DescriptiveReport.designLine(w.design))\n"
    return s
  }

  /// `{"rows", "sum", "min", "mean", "max", "replicates", "rscales", "columns", "output", "design"}`
  /// (`rscales` only with replicate weights; the design object carries the scale and type).
  public static func json(_ w: AnalysisWeights, destination: String) -> JSONValue {
    let range = w.range
    var pairs: [(String, JSONValue)] = [
      ("rows", .int(w.weights.count)), ("sum", .num(w.total)), ("min", .num(range.min)), ("mean", .num(w.mean)),
      ("max", .num(range.max)), ("replicates", .int(w.replicateWeights.count)),
    ]
    if !w.rscales.isEmpty { pairs.append(("rscales", .array(w.rscales.map { .num($0) }))) }
    pairs += [
      ("columns", .array((["weight"] + w.replicateNames).map { .string($0) })), ("output", .string(destination)),
      ("design", DescriptiveReport.designJSON(w.design)),
    ]
    return .object(pairs)
  }
}
