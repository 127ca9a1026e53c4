import Foundation

/// What is printed beneath each estimate in a model table.
public enum BeneathEstimate: String, Sendable, CaseIterable {
  /// The standard error, in parentheses.
  case standardError = "se"
  /// The confidence interval, in brackets.
  case confidenceInterval = "ci"
  /// The t or z statistic, in parentheses.
  case statistic = "t"
}

/// How a side-by-side model table is laid out.
public struct ModelTableOptions: Sendable {
  public var beneath: BeneathEstimate
  /// Star thresholds on the p-value, any order (`[0.1, 0.05, 0.01]`: one star below 0.1, two
  /// below 0.05, three below 0.01); empty for no stars.
  public var stars: [Double]
  /// Decimals of estimates, errors and fit statistics.
  public var digits: Int
  /// Terms to keep (names or `*` patterns; nil keeps every term).
  public var keep: [String]?
  /// Terms to drop (names or `*` patterns).
  public var drop: [String]
  /// Terms (names or patterns) to put first, in this order; the rest follow in order of appearance.
  public var order: [String]
  /// Labels by term, overriding the data's labels.
  public var labels: [String: String]
  /// Extra rows under the fit statistics: a label and one cell per model.
  public var addedRows: [(label: String, cells: [String])]
  /// A title above the table.
  public var title: String?
  /// Term renames, old name to new name, applied before `keep`, `drop`, `order` and `labels`
  /// (which name the new terms), as esttab's `rename()`: terms renamed to one name share a row.
  public var rename: [(old: String, new: String)]
  /// The fit statistics to show, by key (`ModelTable.statisticKeys`: `n`, `r2`, `r2_a`, `pr2`,
  /// `ll`, `aic`, `df`, `vce`, `design`), in this order; empty for none; nil for the default:
  /// every statistic but `df`, without the log-likelihood and AIC of design-based fits (a weighted
  /// pseudo-likelihood, as Stata's `svy:` shows none). `drop` patterns remove statistics too.
  public var statistics: [String]?
  /// The font size in points (LaTeX, RTF, Word; nil: the document's size, 10 pt in RTF and Word).
  public var fontSize: Double?
  /// A landscape page (LaTeX `pdflscape`, RTF and Word page orientation).
  public var landscape: Bool
  /// LaTeX: a table that breaks across pages (`xltabular`, the header repeated on each page)
  /// instead of a float on one page.
  public var longTable: Bool

  public init(
    beneath: BeneathEstimate = .standardError, stars: [Double] = [0.1, 0.05, 0.01], digits: Int = 3,
    keep: [String]? = nil, drop: [String] = [], order: [String] = [], labels: [String: String] = [:],
    addedRows: [(label: String, cells: [String])] = [], title: String? = nil,
    rename: [(old: String, new: String)] = [], statistics: [String]? = nil, fontSize: Double? = nil,
    landscape: Bool = false, longTable: Bool = false
  ) {
    self.longTable = longTable
    self.rename = rename
    self.statistics = statistics
    self.fontSize = fontSize
    self.landscape = landscape
    self.beneath = beneath
    self.stars = stars
    self.digits = digits
    self.keep = keep
    self.drop = drop
    self.order = order
    self.labels = labels
    self.addedRows = addedRows
    self.title = title
  }
}

/// Models side by side, as Stata's `esttab` or R's `modelsummary`: a row per term with the
/// estimate and its standard error (or interval, or statistic) beneath, then fit statistics.
///
/// ```swift
/// let table = ModelTable(models: [ols, logit], options: ModelTableOptions(digits: 3))
/// print(table.text())
/// ```
/// Every renderer (`text()`, `markdown()`, `latex()`, `html()`, `rtf()`, `docx()`, `csv()`,
/// `json()`) draws these rows, so every format shows the same numbers.
public struct ModelTable: Sendable {
  /// The part of the table a row belongs to.
  public enum RowKind: Sendable {
    case estimate, beneath, statistic
  }

  /// One row: a label and one formatted cell per model.
  public struct Row: Sendable {
    public var kind: RowKind
    public var label: String
    public var cells: [String]
    /// The term of an estimate row.
    public var term: String?
  }

  public var title: String?
  /// Column headers, one per model: `(1)`, `(2)`, ... or the models' names.
  public var headers: [String]
  /// The estimator of each model.
  public var modelNames: [String]
  /// The dependent variable of each model (nil when no model names one).
  public var dependents: [String]?
  public var rows: [Row]
  /// Lines under the table (what is beneath estimates, the stars legend).
  public var notes: [String]
  /// The selected terms, in table order, with their labels.
  public var terms: [(term: String, label: String)]
  /// The models as given (for the tidy CSV/JSON, at full precision).
  public var models: [ModelSummary]
  public var options: ModelTableOptions
  /// Selections that matched nothing (a misspelled `keep` pattern, a label for an absent term).
  public var warnings: [String]

  /// The keys of the fit statistics (`ModelTableOptions.statistics`) and their row labels.
  public static let statisticKeys: [(key: String, label: String)] = [
    ("n", "Observations"), ("r2", "R²"), ("r2_a", "Adjusted R²"), ("pr2", "Pseudo R²"), ("ll", "Log-likelihood"),
    ("aic", "AIC"), ("df", "Degrees of freedom"), ("vce", "Std. errors"), ("design", "Design"),
  ]

  /// Lays out `models` side by side.
  ///
  /// Selections that match nothing (a `keep`, `drop` or `order` pattern, a label's term, a
  /// renamed term) are listed in `warnings`; the table is drawn all the same.
  public init(models inputModels: [ModelSummary], options: ModelTableOptions = ModelTableOptions()) {
    var warnings: [String] = []
    // Renames first: every later selection names the new terms.
    var models = inputModels
    for (old, new) in options.rename {
      var found = false
      for i in models.indices {
        guard let k = models[i].estimates.firstIndex(where: { $0.term == old }) else { continue }
        found = true
        if old == new { continue }
        if models[i].estimates.contains(where: { $0.term == new }) {
          warnings.append("rename \(old)=\(new): model \(models[i].name) has both terms; '\(old)' is not renamed there")
          continue
        }
        models[i].estimates[k].term = new
        if models[i].labels[new] == nil, let label = models[i].labels[old] { models[i].labels[new] = label }
      }
      if !found { warnings.append("rename \(old)=\(new): no model has a term '\(old)'") }
    }
    self.models = models
    self.options = options
    title = options.title
    headers = models.map(\.name)
    modelNames = models.map(\.model)
    let deps = models.map { $0.dependent ?? "" }
    dependents = deps.allSatisfy(\.isEmpty) ? nil : deps
    terms = []
    rows = []
    notes = []
    self.warnings = []

    var all: [String] = []
    for m in models { for e in m.estimates where !all.contains(e.term) { all.append(e.term) } }
    let statisticLabels = Self.statisticKeys.map(\.label) + options.addedRows.map(\.label)
    for pattern in options.keep ?? [] where !all.contains(where: { glob(pattern, matches: $0) }) {
      warnings.append("keep pattern '\(pattern)' matches no term")
    }
    for pattern in options.drop
    where !all.contains(where: { glob(pattern, matches: $0) })
      && !Self.statisticKeys.contains(where: { glob(pattern, matches: $0.key) })
      && !statisticLabels.contains(where: { glob(pattern, matches: $0) })
    {
      warnings.append("drop pattern '\(pattern)' matches no term or statistic")
    }
    for pattern in options.order where !all.contains(where: { glob(pattern, matches: $0) }) {
      warnings.append("order pattern '\(pattern)' matches no term")
    }
    for term in options.labels.keys.sorted() where !all.contains(term) {
      warnings.append("label for '\(term)' matches no term")
    }

    var order = all.filter { term in
      (options.keep.map { $0.contains { glob($0, matches: term) } } ?? true) && !options.drop.contains { glob($0, matches: term) }
    }
    var first: [String] = []
    for pattern in options.order { for t in order where glob(pattern, matches: t) && !first.contains(t) { first.append(t) } }
    order = first + order.filter { !first.contains($0) }

    let d = max(0, options.digits)
    func number(_ x: Double?) -> String {
      guard let x else { return "" }
      if !x.isFinite { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
      let s = String(format: "%.\(d)f", x)
      // No negative zero: "-0.000" reads as a sign that is not there.
      if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
      return s
    }
    let thresholds = options.stars.sorted(by: >)
    func stars(_ p: Double?) -> String {
      guard let p, p.isFinite else { return "" }
      return String(repeating: "*", count: thresholds.filter { p < $0 }.count)
    }

    // Terms that share a label share a row when no model has both (a coefficient and an AME of
    // the same variable, a renamed term): one row per label group, in order of first appearance.
    var groups: [(label: String, terms: [String])] = []
    for term in order {
      let label = options.labels[term] ?? Self.dataLabel(term, in: models) ?? term
      terms.append((term, label))
      if let g = groups.firstIndex(where: { group in
        group.label == label
          && !models.contains { m in m.estimates.contains { $0.term == term } && m.estimates.contains { group.terms.contains($0.term) } }
      }) {
        groups[g].terms.append(term)
      } else {
        groups.append((label, [term]))
      }
    }

    for (label, groupTerms) in groups {
      var estimates: [String] = []
      var beneath: [String] = []
      for m in models {
        guard let e = m.estimates.first(where: { groupTerms.contains($0.term) }), let value = e.estimate else {
          estimates.append("")
          beneath.append("")
          continue
        }
        estimates.append(number(value) + stars(e.pValue))
        switch options.beneath {
        case .standardError: beneath.append(e.stdError.map { "(" + number($0) + ")" } ?? "")
        case .statistic: beneath.append(e.statistic.map { "(" + number($0) + ")" } ?? "")
        case .confidenceInterval:
          if let lo = e.confLow, let hi = e.confHigh {
            beneath.append("[" + number(lo) + ", " + number(hi) + "]")
          } else {
            beneath.append("")
          }
        }
      }
      rows.append(Row(kind: .estimate, label: label, cells: estimates, term: groupTerms[0]))
      rows.append(Row(kind: .beneath, label: "", cells: beneath, term: groupTerms[0]))
    }

    let shown = options.statistics ?? Self.statisticKeys.map(\.key).filter { $0 != "df" }
    let byDefault = options.statistics == nil
    for key in shown {
      guard let label = Self.statisticKeys.first(where: { $0.key == key })?.label else {
        warnings.append("no statistic '\(key)' (statistics: \(Self.statisticKeys.map(\.key).joined(separator: ", ")))")
        continue
      }
      if options.drop.contains(where: { glob($0, matches: key) || glob($0, matches: label) }) { continue }
      let cells: [String] = models.map { m in
        switch key {
        case "n": return m.nobs.map(String.init) ?? ""
        case "r2": return number(m.rSquared)
        case "r2_a": return number(m.adjRSquared)
        case "pr2": return number(m.pseudoRSquared)
        case "ll": return byDefault && m.design != nil ? "" : number(m.logLik)
        case "aic": return byDefault && m.design != nil ? "" : number(m.aic)
        case "df":
          guard let df = m.degreesOfFreedom else { return "" }
          return df.isFinite ? NumberFormat.significant(df, 10) : "∞"
        case "vce": return m.variance ?? ""
        default: return m.design ?? ""
        }
      }
      if cells.contains(where: { !$0.isEmpty }) { rows.append(Row(kind: .statistic, label: label, cells: cells)) }
    }
    for added in options.addedRows where !options.drop.contains(where: { glob($0, matches: added.label) }) {
      let cells = (0..<models.count).map { $0 < added.cells.count ? added.cells[$0] : "" }
      rows.append(Row(kind: .statistic, label: added.label, cells: cells))
    }
    self.warnings = warnings

    let levels = Set(models.map(\.level))
    let levelText = levels.count == 1 ? NumberFormat.significant(levels.first ?? 95, 4) + "%" : "Confidence"
    let statisticName: String
    switch (models.allSatisfy(\.usesNormal), models.contains(where: \.usesNormal)) {
    case (true, _): statisticName = "z statistics"
    case (false, true): statisticName = "t or z statistics"
    case (false, false): statisticName = "t statistics"
    }
    switch options.beneath {
    case .standardError: notes.append("Standard errors in parentheses.")
    case .statistic: notes.append("\(statisticName.prefix(1).uppercased() + statisticName.dropFirst()) in parentheses.")
    case .confidenceInterval: notes.append("\(levelText) confidence intervals in brackets.")
    }
    if !thresholds.isEmpty {
      let legend = thresholds.enumerated().map { i, p in
        String(repeating: "*", count: i + 1) + " p < " + NumberFormat.significant(p, 6)
      }
      notes[0] += " " + legend.joined(separator: ", ") + "."
    }
  }

  /// The data's label of `term` in any model; a margins row `contract (outsourced vs none)` or
  /// `contract (outsourced)` without a label of its own takes the label of the coefficient
  /// `contractoutsourced`, so the AME sits on the coefficient's row.
  static func dataLabel(_ term: String, in models: [ModelSummary]) -> String? {
    if let label = models.lazy.compactMap({ $0.labels[term] }).first { return label }
    guard term.hasSuffix(")"), let open = term.range(of: " (", options: .backwards) else { return nil }
    let variable = term[..<open.lowerBound]
    var level = term[open.upperBound..<term.index(before: term.endIndex)]
    if let vs = level.range(of: " vs ") { level = level[..<vs.lowerBound] }
    guard !variable.isEmpty, !level.isEmpty else { return nil }
    return models.lazy.compactMap { $0.labels[String(variable + level)] }.first
  }

  /// Whether any text of the table is East Asian (so renderers pick a CJK-capable font or package).
  public var containsCJK: Bool {
    let texts = [title ?? ""] + headers + modelNames + (dependents ?? []) + rows.flatMap { [$0.label] + $0.cells } + notes
    return texts.contains(where: isCJK)
  }
}

/// Whether `s` holds East Asian wide characters.
func isCJK(_ s: String) -> Bool {
  s.unicodeScalars.contains { displayWidth(String($0)) == 2 }
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
func glob(_ pattern: String, matches name: String) -> Bool {
  guard pattern.contains("*") else { return pattern == name }
  let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
  var rest = Substring(name)
  for (i, part) in parts.enumerated() {
    if i == 0 {
      guard rest.hasPrefix(part) else { return false }
      rest = rest.dropFirst(part.count)
    } else if i == parts.count - 1 {
      return part.isEmpty || rest.hasSuffix(part)
    } else if !part.isEmpty {
      guard let r = rest.range(of: part) else { return false }
      rest = rest[r.upperBound...]
    }
  }
  return rest.isEmpty
}
