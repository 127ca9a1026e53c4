import Foundation
import Strata

/// Errors reading results for `strata table` and `strata plot`.
enum ResultFileError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case unknown(path: String)
  /// Not JSON at all: truncated or edited by hand.
  case notJSON(path: String, reason: String)
  case badLabels(path: String, line: Int, reason: String)
  /// A field of a JSON result that is not what strata writes there.
  case badField(path: String, field: String, reason: String)
  /// A CSV of known values (`term,value`) that is not one.
  case badKnownValues(path: String, reason: String)
  /// `--keep` (with `--drop`) left no term: a misspelled pattern, not an empty table.
  case nothingKept(keep: [String], drop: [String], terms: [String])

  var description: String {
    switch self {
    case .unreadable(let p, let r): return "cannot read results \(p): \(r)"
    case .unknown(let p):
      return
        "\(p) is not a saved fit (strata fit --save), a JSON result of strata fit, margins, elasticities, mean, total, prop or quantile (--format json), or a CSV of known values (columns term,value)"
    case .notJSON(let p, let r):
      return "results \(p) is not valid JSON (\(r)); it was truncated or edited: write it again with --format json or --save"
    case .badLabels(let p, let line, let r): return "labels file \(p), line \(line): \(r)"
    case .badField(let p, let f, let r):
      return "results \(p): field '\(f)' \(r); the file was edited or truncated: write it again with --format json"
    case .badKnownValues(let p, let r): return "known values \(p): \(r)"
    case .nothingKept(let keep, let drop, let terms):
      let shown = terms.prefix(30).joined(separator: ", ") + (terms.count > 30 ? ", ..." : "")
      return "--keep '\(keep.joined(separator: ","))'" + (drop.isEmpty ? "" : " with --drop '\(drop.joined(separator: ","))'")
        + " leaves no term in the table; the terms are: \(shown)"
    }
  }
}

/// Reads results into `ModelSummary` values: saved fits, fit reports, margins and elasticities.
enum ResultFiles {
  /// The models of one file (elasticity files hold one per model), named `(k)` in order
  /// unless the file names them.
  static func load(_ path: String) throws -> [ModelSummary] {
    if path.lowercased().hasSuffix(".csv") { return [try knownValues(path: path)] }
    let bytes: Data
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ResultFileError.unreadable(path: path, reason: fileErrorReason(error))
    }
    return try decode(bytes, path: path)
  }

  /// The models of a file's bytes (`path` is for messages and for reading a saved fit).
  static func decode(_ bytes: Data, path: String) throws -> [ModelSummary] {
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: bytes)
    } catch {
      throw ResultFileError.notJSON(path: path, reason: SavedFit.jsonErrorText(error))
    }
    guard let object = parsed as? [String: Any] else { throw ResultFileError.unknown(path: path) }
    if object["format"] as? String == "strata-fit" { return [try savedFit(SavedFit.decode(bytes, path: path))] }
    let reader = JSONFields(path: path)
    if let margins = object["margins"] {
      let entries = try reader.objects(margins, at: "margins")
      return [
        try marginsSummary(
          entries, vce: try reader.object(object["margins_vce"], at: "margins_vce"), name: "", object: object,
          reader: reader, at: "margins")
      ]
    }
    if let models = object["models"] {
      return try reader.objects(models, at: "models").enumerated().map { i, m in
        try marginsSummary(
          try reader.objects(m["margins"] ?? [], at: "models[\(i)].margins"),
          vce: try reader.object(m["margins_vce"], at: "models[\(i)].margins_vce"),
          name: m["name"] as? String ?? "", object: m, reader: reader, at: "models[\(i)].margins")
      }
    }
    if object["coefficients"] is [Any] { return [try fitReport(object, reader: reader)] }
    if object["estimates"] is [Any], object["statistic"] is String {
      return [try descriptiveSummary(object, reader: reader)]
    }
    throw ResultFileError.unknown(path: path)
  }

  /// A saved fit, checked by `SavedFit.decode` (lengths match): tests and intervals from its
  /// coefficients, covariance and degrees of freedom.
  static func savedFit(_ s: SavedFit) throws -> ModelSummary {
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
      labels: r?.labels ?? [:], degreesOfFreedom: s.degreesOfFreedom)
  }

  /// The response of an R formula (`y ~ x` → `y`).
  static func dependent(of formula: String) -> String? {
    guard let tilde = formula.firstIndex(of: "~") else { return nil }
    let lhs = formula[..<tilde].trimmingCharacters(in: .whitespaces)
    return lhs.isEmpty ? nil : lhs
  }

  static func number(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }

  /// Reads the fields of a JSON result strictly: a field that is present must have the type
  /// strata writes there, or the error names it.
  struct JSONFields {
    var path: String

    func bad(_ field: String, _ reason: String) -> ResultFileError {
      .badField(path: path, field: field, reason: reason)
    }

    /// An array of objects.
    func objects(_ any: Any, at field: String) throws -> [[String: Any]] {
      guard let array = any as? [Any] else { throw bad(field, "is not a list") }
      return try array.enumerated().map { i, e in
        guard let o = e as? [String: Any] else { throw bad("\(field)[\(i)]", "is not an object") }
        return o
      }
    }

    /// An optional object (absent or null: nil).
    func object(_ any: Any?, at field: String) throws -> [String: Any]? {
      guard let any, !(any is NSNull) else { return nil }
      guard let o = any as? [String: Any] else { throw bad(field, "is not an object") }
      return o
    }

    /// An optional finite number (absent or null: nil).
    func number(_ o: [String: Any], _ key: String, at field: String) throws -> Double? {
      guard let any = o[key], !(any is NSNull) else { return nil }
      guard let n = any as? NSNumber, n.doubleValue.isFinite else {
        throw bad("\(field).\(key)", "is not a number")
      }
      return n.doubleValue
    }

    /// A required string.
    func string(_ o: [String: Any], _ key: String, at field: String) throws -> String {
      guard let any = o[key] else { throw bad("\(field).\(key)", "is missing") }
      guard let s = any as? String else { throw bad("\(field).\(key)", "is not a string") }
      return s
    }

    /// One row of estimates: `estimate` must be there (a number or null), the rest optional.
    func estimate(_ o: [String: Any], term: String, at field: String) throws -> ModelSummary.Estimate {
      guard o["estimate"] != nil else { throw bad("\(field).estimate", "is missing") }
      return ModelSummary.Estimate(
        term: term, estimate: try number(o, "estimate", at: field), stdError: try number(o, "std_error", at: field),
        statistic: try number(o, "statistic", at: field), pValue: try number(o, "p_value", at: field),
        confLow: try number(o, "conf_low", at: field), confHigh: try number(o, "conf_high", at: field))
    }
  }

  /// A fit's `--format json` report.
  static func fitReport(_ o: [String: Any], reader: JSONFields) throws -> ModelSummary {
    let fit = o["fit"] as? [String: Any] ?? [:]
    let vce = o["vce"] as? [String: Any] ?? [:]
    let estimates = try reader.objects(o["coefficients"] ?? [], at: "coefficients").enumerated().map { i, c in
      try reader.estimate(c, term: try reader.string(c, "term", at: "coefficients[\(i)]"), at: "coefficients[\(i)]")
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
      level: number(vce["level"]) ?? 95, usesNormal: (vce["test"] as? String) == "z" || number(vce["df"]) == nil,
      degreesOfFreedom: (vce["test"] as? String) == "z" ? .infinity : number(vce["df"]))
  }

  /// Margins or elasticities: a row per variable (and level, group, kind).
  static func marginsSummary(
    _ entries: [[String: Any]], vce: [String: Any]?, name: String, object: [String: Any], reader: JSONFields,
    at field: String
  ) throws -> ModelSummary {
    let kinds = Set(entries.compactMap { $0["type"] as? String })
    // Variable labels of the data (`labels` of a margins document), carried to the table rows.
    let variableLabels = object["labels"] as? [String: String] ?? [:]
    let valueLabels = object["value_labels"] as? [String: [String: String]] ?? [:]
    var labels: [String: String] = [:]
    let estimates = try entries.enumerated().map { i, m -> ModelSummary.Estimate in
      let variable = try reader.string(m, "variable", at: "\(field)[\(i)]")
      var term = variable
      var label = variableLabels[variable] ?? variable
      if let level = m["level"] as? String {
        let suffix = m["base"] as? String != nil ? " (\(level) vs \(m["base"] as? String ?? ""))" : " (\(level))"
        term += suffix
        // A factor level's label is saved under its coefficient (`contractoutsourced`); the AME
        // takes it as it is (the coefficient is a contrast with the same base too), so that a
        // coefficient and its AME share one row of a table.
        if let levelLabel = variableLabels[variable + level] {
          label = levelLabel
        } else {
          label += suffix
        }
      }
      if let group = m["group"] as? [String: Any], let (g, v) = group.first {
        term += " [\(g) = \(v)]"
        label += " [\(variableLabels[g] ?? g) = \(valueLabels[g]?["\(v)"] ?? "\(v)")]"
      }
      if kinds.count > 1, let type = m["type"] as? String {
        term = "\(type): " + term
        label = "\(type): " + label
      }
      if label != term { labels[term] = label }
      return try reader.estimate(m, term: term, at: "\(field)[\(i)]")
    }
    let kindText = kinds.sorted().joined(separator: ", ")
    return ModelSummary(
      name: name, model: "margins" + (kindText.isEmpty ? "" : ": " + kindText),
      dependent: (object["formula"] as? String).flatMap(dependent(of:)), estimates: estimates,
      nobs: object["nobs"] as? Int, variance: vce?["title"] as? String, level: number(vce?["level"]) ?? 95,
      usesNormal: (vce?["test"] as? String) == "z", labels: labels)
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
    // CSV as RFC 4180: a quoted field may hold commas, doubled quotes and line breaks.
    var out: [String: String] = [:]
    var records: [(line: Int, fields: [String])] = []
    var fields: [String] = []
    var field = ""
    var quoted = false
    var wasQuoted = false
    var line = 1
    var recordLine = 1
    var chars = Array(text)
    if chars.first == "\u{FEFF}" { chars.removeFirst() }
    var i = 0
    func endRecord() {
      fields.append(field)
      records.append((recordLine, fields))
      fields = []
      field = ""
      wasQuoted = false
    }
    while i < chars.count {
      let c = chars[i]
      if quoted {
        if c == "\"" {
          if i + 1 < chars.count, chars[i + 1] == "\"" {
            field.append("\"")
            i += 1
          } else {
            quoted = false
          }
        } else {
          if c == "\n" || c == "\r\n" { line += 1 }
          field.append(c)
        }
      } else if c == "\"", !wasQuoted, field.trimmingCharacters(in: .whitespaces).isEmpty {
        field = ""
        quoted = true
        wasQuoted = true
      } else if c == "," {
        fields.append(field)
        field = ""
        wasQuoted = false
      } else if c == "\n" || c == "\r\n" || c == "\r" {
        endRecord()
        line += 1
        recordLine = line
      } else if wasQuoted {
        if !c.isWhitespace {
          throw ResultFileError.badLabels(path: path, line: line, reason: "text after a closing quote")
        }
      } else {
        field.append(c)
      }
      i += 1
    }
    if quoted { throw ResultFileError.badLabels(path: path, line: recordLine, reason: "a quoted field is not closed") }
    if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
    for (n, record) in records.enumerated() {
      if record.fields.count == 1 && record.fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
      if n == 0 && record.fields == ["term", "label"] { continue }
      guard record.fields.count == 2 else {
        throw ResultFileError.badLabels(
          path: path, line: record.line,
          reason: "expected term,label (\(record.fields.count) fields; quote a label that holds commas)")
      }
      let term = record.fields[0]
      if term.isEmpty { throw ResultFileError.badLabels(path: path, line: record.line, reason: "the term is empty") }
      if out[term] != nil {
        throw ResultFileError.badLabels(path: path, line: record.line, reason: "'\(term)' is labelled twice")
      }
      out[term] = record.fields[1]
    }
    return out
  }
}
