import Foundation
import Strata

/// Errors reading results for `strata table` and `strata plot`.
enum ResultFileError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case unknown(path: String)
  case badLabels(path: String, line: Int, reason: String)

  var description: String {
    switch self {
    case .unreadable(let p, let r): return "cannot read results \(p): \(r)"
    case .unknown(let p):
      return "\(p) is not a saved fit (strata fit --save) or a JSON result of strata fit, margins or elasticities (--format json)"
    case .badLabels(let p, let line, let r): return "labels file \(p), line \(line): \(r)"
    }
  }
}

/// Reads results into `ModelSummary` values: saved fits, fit reports, margins and elasticities.
enum ResultFiles {
  /// The models of one file (elasticity files hold one per model), named `(k)` in order
  /// unless the file names them.
  static func load(_ path: String) throws -> [ModelSummary] {
    let bytes: Data
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ResultFileError.unreadable(path: path, reason: fileErrorReason(error))
    }
    guard let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
      throw ResultFileError.unknown(path: path)
    }
    if object["format"] as? String == "strata-fit" { return [try savedFit(path)] }
    if let margins = object["margins"] as? [[String: Any]] {
      return [marginsSummary(margins, vce: object["margins_vce"] as? [String: Any], name: "", object: object)]
    }
    if let models = object["models"] as? [[String: Any]] {
      return models.map { m in
        marginsSummary(
          m["margins"] as? [[String: Any]] ?? [], vce: m["margins_vce"] as? [String: Any],
          name: m["name"] as? String ?? "", object: m)
      }
    }
    if object["coefficients"] is [[String: Any]] { return [fitReport(object)] }
    throw ResultFileError.unknown(path: path)
  }

  /// A saved fit: tests and intervals from its coefficients, covariance and degrees of freedom.
  static func savedFit(_ path: String) throws -> ModelSummary {
    let s = try SavedFit.load(from: path)
    let r = s.report
    let level = r?.level ?? 95
    let se = (0..<s.vcov.count).map { s.vcov[$0][$0].squareRoot() }
    var estimates = s.terms.map {
      ModelSummary.Estimate(term: $0, estimate: nil, stdError: nil, statistic: nil, pValue: nil, confLow: nil, confHigh: nil)
    }
    for (position, index) in s.kept.enumerated() where index < estimates.count && position < se.count {
      let d = DeltaEstimate(
        estimate: s.coefficients[position], stdError: se[position], degreesOfFreedom: s.degreesOfFreedom, level: level)
      estimates[index] = ModelSummary.Estimate(
        term: s.terms[index], estimate: d.estimate, stdError: d.stdError, statistic: d.statistic, pValue: d.pValue,
        confLow: d.confLow, confHigh: d.confHigh)
    }
    return ModelSummary(
      name: "", model: s.model, dependent: r?.dependent ?? dependent(of: s.formula), estimates: estimates, nobs: s.nobs,
      rSquared: r?.rSquared, adjRSquared: r?.adjRSquared, pseudoRSquared: r?.pseudoRSquared, logLik: r?.logLik,
      aic: r?.aic, variance: s.vce, design: r?.design, level: level, usesNormal: !s.degreesOfFreedom.isFinite,
      labels: r?.labels ?? [:])
  }

  /// The response of an R formula (`y ~ x` → `y`).
  static func dependent(of formula: String) -> String? {
    guard let tilde = formula.firstIndex(of: "~") else { return nil }
    let lhs = formula[..<tilde].trimmingCharacters(in: .whitespaces)
    return lhs.isEmpty ? nil : lhs
  }

  static func number(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }

  /// A fit's `--format json` report.
  static func fitReport(_ o: [String: Any]) -> ModelSummary {
    let fit = o["fit"] as? [String: Any] ?? [:]
    let vce = o["vce"] as? [String: Any] ?? [:]
    let estimates = (o["coefficients"] as? [[String: Any]] ?? []).map { c in
      ModelSummary.Estimate(
        term: c["term"] as? String ?? "", estimate: number(c["estimate"]), stdError: number(c["std_error"]),
        statistic: number(c["statistic"]), pValue: number(c["p_value"]), confLow: number(c["conf_low"]),
        confHigh: number(c["conf_high"]))
    }
    var design: String?
    if let d = vce["design"] as? [String: Any] {
      var parts: [String] = []
      if let s = d["strata"] as? Int { parts.append("\(s) strata") }
      if let p = d["psus"] as? Int { parts.append("\(p) PSUs") }
      if let r = d["replicates"] as? Int { parts.append("\(r) replicates") }
      design = parts.isEmpty ? (d["kind"] as? String) : parts.joined(separator: ", ")
    }
    return ModelSummary(
      name: "", model: o["model"] as? String ?? "", dependent: (o["formula"] as? String).flatMap(dependent(of:)),
      estimates: estimates, nobs: o["nobs"] as? Int, rSquared: number(fit["r_squared"]),
      adjRSquared: number(fit["adj_r_squared"]), pseudoRSquared: number(fit["pseudo_r_squared"]),
      logLik: number(fit["logLik"]), aic: number(fit["AIC"]), variance: vce["type"] as? String, design: design,
      level: number(vce["level"]) ?? 95, usesNormal: (vce["test"] as? String) == "z" || number(vce["df"]) == nil)
  }

  /// Margins or elasticities: a row per variable (and level, group, kind).
  static func marginsSummary(_ entries: [[String: Any]], vce: [String: Any]?, name: String, object: [String: Any])
    -> ModelSummary
  {
    let kinds = Set(entries.compactMap { $0["type"] as? String })
    let estimates = entries.map { m -> ModelSummary.Estimate in
      var term = m["variable"] as? String ?? ""
      if let level = m["level"] as? String {
        term += m["base"] as? String != nil ? " (\(level) vs \(m["base"] as? String ?? ""))" : " (\(level))"
      }
      if let group = m["group"] as? [String: Any], let (g, v) = group.first { term += " [\(g) = \(v)]" }
      if kinds.count > 1, let type = m["type"] as? String { term = "\(type): " + term }
      return ModelSummary.Estimate(
        term: term, estimate: number(m["estimate"]), stdError: number(m["std_error"]),
        statistic: number(m["statistic"]), pValue: number(m["p_value"]), confLow: number(m["conf_low"]),
        confHigh: number(m["conf_high"]))
    }
    let kindText = kinds.sorted().joined(separator: ", ")
    return ModelSummary(
      name: name, model: "margins" + (kindText.isEmpty ? "" : ": " + kindText),
      dependent: (object["formula"] as? String).flatMap(dependent(of:)), estimates: estimates,
      nobs: object["nobs"] as? Int, variance: vce?["title"] as? String, level: number(vce?["level"]) ?? 95,
      usesNormal: (vce?["test"] as? String) == "z")
  }

  /// Every file's models, named `(1)`, `(2)`, ... or by `names`.
  static func loadAll(_ paths: [String], names: [String]) throws -> [ModelSummary] {
    var models = try paths.flatMap { try load($0) }
    for i in models.indices {
      if i < names.count {
        models[i].name = names[i]
      } else if models[i].name.isEmpty {
        models[i].name = "(\(i + 1))"
      }
    }
    return models
  }

  /// A labels file: a JSON object `{"term": "label"}`, or CSV lines `term,label` (a first line
  /// `term,label` is a header).
  static func labels(_ path: String) throws -> [String: String] {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw ResultFileError.unreadable(path: path, reason: fileErrorReason(error))
    }
    if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
      guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] else {
        throw ResultFileError.badLabels(path: path, line: 1, reason: "not a JSON object of strings")
      }
      return object
    }
    var out: [String: String] = [:]
    for (i, raw) in text.components(separatedBy: "\n").enumerated() {
      let line = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
      if line.trimmingCharacters(in: .whitespaces).isEmpty || (i == 0 && line == "term,label") { continue }
      guard let comma = line.firstIndex(of: ",") else {
        throw ResultFileError.badLabels(path: path, line: i + 1, reason: "expected term,label")
      }
      var label = String(line[line.index(after: comma)...])
      if label.hasPrefix("\""), label.hasSuffix("\""), label.count >= 2 {
        label = String(label.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
      }
      out[String(line[..<comma])] = label
    }
    return out
  }
}
