import StrataData

/// The data's variable and value labels (Stata `.dta`, SPSS `.sav`), as reports show them: the
/// one label set of every table, so a variable reads the same in a coefficient table, a table of
/// means, an elasticity table or a split fit.
///
///     let labels = DataLabels(frame)
///     labels.variable("pension")       // "参加基本养老保险 Basic pension participation"
///     labels.value("migrant", "1")     // the value label of 1, or "1" when it has none
public struct DataLabels: Sendable {
  /// Columns in the data's order, with their variable label (nil or empty when unlabelled) and
  /// value labels (value → label, for numeric columns that kept their numbers).
  public var columns: [(name: String, label: String?, values: [Double: String])]

  /// No labels: every name shows as itself.
  public static let none = DataLabels(columns: [])

  public init(columns: [(name: String, label: String?, values: [Double: String])]) {
    self.columns = columns
  }

  /// The labels of a data frame's columns.
  public init(_ frame: DataFrame) {
    self.columns = frame.columns.map { ($0.name, $0.label, $0.valueLabels) }
  }

  /// Whether no column carries a variable or value label.
  public var isEmpty: Bool { !columns.contains { !($0.label ?? "").isEmpty || !$0.values.isEmpty } }

  /// Variable labels by column name (labelled columns only).
  public var variableLabels: [String: String] {
    var out: [String: String] = [:]
    for c in columns { if let l = c.label, !l.isEmpty { out[c.name] = l } }
    return out
  }

  /// The label of column `name`, or `name` when it has none.
  public func variable(_ name: String) -> String {
    guard let c = columns.first(where: { $0.name == name }), let l = c.label, !l.isEmpty else { return name }
    return l
  }

  /// The value label of `value` (a number as text, `"1"` or `"1.0"`) in column `name`, or
  /// `value` itself when the column has no label for it.
  public func value(_ name: String, _ value: String) -> String {
    guard let c = columns.first(where: { $0.name == name }), !c.values.isEmpty, let x = Double(value), let l = c.values[x]
    else { return value }
    return l
  }

  /// Labels of model terms (see `termLabels(for:in:)`); terms without a labelled part are left out.
  public func terms(_ terms: [String]) -> [String: String] {
    var out: [String: String] = [:]
    for term in terms {
      var labelled = false
      let parts = term.split(separator: ":").map(String.init).map { part -> String in
        if let c = columns.first(where: { $0.name == part }) {
          if let l = c.label, !l.isEmpty {
            labelled = true
            return l
          }
          return part
        }
        // A factor level: the longest column name (or factor(name)) the part starts with.
        var best: (column: (name: String, label: String?, values: [Double: String]), level: String)?
        for c in columns {
          for prefix in [c.name, "factor(\(c.name))", "as.factor(\(c.name))"] where part.hasPrefix(prefix) && part.count > prefix.count {
            if best == nil || prefix.count > part.count - (best?.level.count ?? 0) {
              best = (c, String(part.dropFirst(prefix.count)))
            }
          }
        }
        guard let (c, level) = best else { return part }
        var levelText = level
        if let v = Double(level), let l = c.values[v] {
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
}

/// Labels of model terms from the data's variable and value labels (Stata `.dta`, SPSS `.sav`).
///
/// A term named after a labelled column takes its label (`educ` → "Years of schooling"); a factor
/// level term takes the column's label and the level's value label (`factor(region)2` →
/// "Region: North"); an interaction joins its parts' labels with " × ". Terms none of whose parts
/// carry a label are left out.
/// - Complexity: O(terms × columns).
public func termLabels(for terms: [String], in frame: DataFrame) -> [String: String] {
  DataLabels(frame).terms(terms)
}
