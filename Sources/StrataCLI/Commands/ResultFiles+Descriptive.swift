import Foundation
import Strata

/// `strata table` inputs besides models: descriptive results and columns of known values.
extension ResultFiles {
  /// A `--format json` result of `strata mean`, `total`, `prop` or `quantile`: one row per
  /// estimate, named by its variable, then ` (level)` for a level of a factor and
  /// ` [by = value]` for a group, as `strata table` names margins over groups
  /// (`pension [platform = shop]`, `willingness (3)`).
  static func descriptiveSummary(_ object: [String: Any], reader: JSONFields) throws -> ModelSummary {
    let statistic = try reader.string(object, "statistic", at: "")
    // The data's labels of the variables shown (`labels`, `value_labels` of the document): a
    // row is labelled as its terms are named, with labels in place of names and codes.
    let variableLabels = object["labels"] as? [String: String] ?? [:]
    let valueLabels = object["value_labels"] as? [String: [String: String]] ?? [:]
    func value(_ variable: String, _ v: String) -> String { valueLabels[variable]?[v] ?? v }
    var labels: [String: String] = [:]
    let estimates = try reader.objects(object["estimates"] ?? [], at: "estimates").enumerated().map { i, e in
      let field = "estimates[\(i)]"
      let variable = try reader.string(e, "variable", at: field)
      var term = variable
      var label = variableLabels[variable] ?? variable
      if let level = e["level"] as? String {
        term += " (\(level))"
        label += " (\(value(variable, level)))"
      }
      if let quantile = try reader.number(e, "quantile", at: field) {
        term += " q\(CSVNumber.text(quantile))"
        label += " q\(CSVNumber.text(quantile))"
      }
      if let by = try reader.object(e["by"], at: "\(field).by"), !by.isEmpty {
        // JSONSerialization loses the order of keys: the groups come back sorted by name.
        let keys = by.keys.sorted()
        term += " [" + keys.map { "\($0) = \(by[$0].map { "\($0)" } ?? "")" }.joined(separator: ", ") + "]"
        label += " [" + keys.map { "\(variableLabels[$0] ?? $0) = \(value($0, by[$0].map { "\($0)" } ?? ""))" }.joined(separator: ", ") + "]"
      }
      if label != term { labels[term] = label }
      var row = try reader.estimate(e, term: term, at: field)
      row.statistic = nil  // a descriptive result has no test
      return row
    }
    let df = number(object["df"])
    return ModelSummary(
      name: "", model: statistic, estimates: estimates, variance: object["design"] == nil ? nil : "design-based",
      level: number(object["conf_level"]) ?? 95, usesNormal: df == nil, labels: labels)
  }

  /// A CSV file of known values with columns `term` and `value` (others are ignored): a column
  /// of estimates without errors, such as the population values of a simulation
  /// (`strata simulate flexwork --truth`) or published figures, set beside estimates of the same
  /// terms. An empty `value` (`NA`) leaves the cell empty.
  static func knownValues(path: String) throws -> ModelSummary {
    let frame: DataFrame
    do {
      frame = try DataReader.read(path: path)
    } catch {
      throw ResultFileError.unreadable(path: path, reason: "\(error)")
    }
    guard let termColumn = try? frame.column(named: "term"), let valueColumn = try? frame.column(named: "value") else {
      throw ResultFileError.badKnownValues(
        path: path, reason: "needs columns term and value; it has \(frame.names.joined(separator: ", "))")
    }
    guard case .factor(let terms) = termColumn.storage else {
      throw ResultFileError.badKnownValues(path: path, reason: "column term must hold text (term names)")
    }
    guard case .numeric(let values) = valueColumn.storage else {
      throw ResultFileError.badKnownValues(path: path, reason: "column value must hold numbers")
    }
    var seen = Set<String>()
    let estimates = try (0..<frame.rowCount).map { i -> ModelSummary.Estimate in
      guard terms.codes[i] >= 0 else {
        throw ResultFileError.badKnownValues(path: path, reason: "row \(i + 2) has no term")
      }
      let term = terms.levels[Int(terms.codes[i])]
      guard seen.insert(term).inserted else {
        throw ResultFileError.badKnownValues(path: path, reason: "term '\(term)' appears twice (row \(i + 2))")
      }
      let value = values.missing[i] ? nil : values.values[i]
      return ModelSummary.Estimate(
        term: term, estimate: value, stdError: nil, statistic: nil, pValue: nil, confLow: nil, confHigh: nil)
    }
    return ModelSummary(name: "", model: "known values", estimates: estimates, usesNormal: true)
  }
}

/// Shortest round-trip text of a number, integral values without a decimal point.
private enum CSVNumber {
  static func text(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : x.description
  }
}
