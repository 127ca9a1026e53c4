import StrataData

/// Labels of model terms from the data's variable and value labels (Stata `.dta`, SPSS `.sav`).
///
/// A term named after a labelled column takes its label (`educ` → "Years of schooling"); a factor
/// level term takes the column's label and the level's value label (`factor(region)2` →
/// "Region: North"); an interaction joins its parts' labels with " × ". Terms none of whose parts
/// carry a label are left out.
/// - Complexity: O(terms × columns).
public func termLabels(for terms: [String], in frame: DataFrame) -> [String: String] {
  var out: [String: String] = [:]
  for term in terms {
    var labelled = false
    let parts = term.split(separator: ":").map(String.init).map { part -> String in
      if let c = frame.columns.first(where: { $0.name == part }) {
        if let l = c.label, !l.isEmpty {
          labelled = true
          return l
        }
        return part
      }
      // A factor level: the longest column name (or factor(name)) the part starts with.
      var best: (column: Column, level: String)?
      for c in frame.columns {
        for prefix in [c.name, "factor(\(c.name))", "as.factor(\(c.name))"] where part.hasPrefix(prefix) && part.count > prefix.count {
          if best == nil || prefix.count > part.count - (best?.level.count ?? 0) {
            best = (c, String(part.dropFirst(prefix.count)))
          }
        }
      }
      guard let (c, level) = best else { return part }
      var levelText = level
      if let v = Double(level), let l = c.valueLabels[v] {
        levelText = l
        labelled = true
      }
      if let l = c.label, !l.isEmpty {
        labelled = true
        return l + ": " + levelText
      }
      return labelled ? c.name + ": " + levelText : part
    }
    if labelled { out[term] = parts.joined(separator: " × ") }
  }
  return out
}
