import ArgumentParser
import Foundation
import Strata

/// Formats of `strata table`.
enum TableFormat: String, ExpressibleByArgument, CaseIterable {
  case text, markdown, latex, html, csv, json, rtf, docx
}

/// `--se`, `--ci` or `--t`: what goes beneath each estimate.
enum BeneathFlag: String, EnumerableFlag {
  case se, ci, t

  static func help(for value: BeneathFlag) -> ArgumentHelp? {
    switch value {
    case .se: return "Standard errors beneath the estimates (default)."
    case .ci: return "Confidence intervals beneath the estimates."
    case .t: return "t or z statistics beneath the estimates."
    }
  }

  var value: BeneathEstimate {
    switch self {
    case .se: return .standardError
    case .ci: return .confidenceInterval
    case .t: return .statistic
    }
  }
}

/// Which terms, labels and names the table and plot commands use.
struct TermSelection: ParsableArguments {
  @Option(help: "Label file: a JSON object {\"term\": \"label\"} or CSV lines term,label, quoted as RFC 4180 when a label holds commas or quotes (overrides the data's labels).")
  var labels: String?

  @Option(help: "Terms to keep, comma-separated; '*' matches any text (e.g. 'educ,exper*').")
  var keep: String?

  @Option(help: "Terms to drop, comma-separated; '*' matches any text.")
  var drop: String?

  @Option(help: "Terms to put first, in this order, comma-separated.")
  var order: String?

  @Option(help: "Column names for the models, comma-separated (default (1), (2), ...).")
  var names: String?

  @Option(help: "A title.")
  var title: String?

  func labelMap() throws -> [String: String] { try labels.map(ResultFiles.labels) ?? [:] }
}

/// `strata table A.json B.json ... --format FORMAT`
struct TableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "table",
    abstract: "Models side by side (saved fits or JSON results of fit, margins, elasticities) in text, Markdown, LaTeX, HTML, RTF, Word, CSV or JSON.",
    discussion: """
      Besides models, a column may be a JSON result of mean, total, prop or quantile (rows named \
      'pension', 'willingness (3)', 'pension [platform = shop]'), or a CSV file of known values \
      with columns term,value (no errors beneath), such as the population values of a simulation \
      (strata simulate flexwork --truth) set beside the estimates of the same terms.
      A --keep, --drop or --order pattern, a --rename or a label that matches nothing is a warning on standard error; a --keep that leaves no term is an error. Terms that share a label (a coefficient and the AME of the same variable) share a row.
      """)

  @Argument(help: "Saved fits (strata fit ... --save), JSON results (--format json) or CSV files term,value of known values.")
  var results: [String]

  @Option(help: "Output format.")
  var format: TableFormat = .text

  @Option(name: [.short, .long], help: "Write to this file instead of standard output (required for docx).")
  var output: String?

  @Flag var beneath: BeneathFlag = .se

  @Option(help: "Star thresholds on p-values, comma-separated (one star per threshold passed).")
  var stars: String = "0.1,0.05,0.01"

  @Flag(name: .customLong("no-stars"), help: "No significance stars.")
  var noStars = false

  @Option(help: "Decimals of estimates, errors and statistics.")
  var digits: Int = 3

  @OptionGroup var selection: TermSelection

  @OptionGroup var textWidth: TextWidthOptions

  @Option(name: .customLong("add-row"), help: "An extra row 'Label|cell 1|cell 2|...' under the statistics (repeatable).")
  var addRow: [String] = []

  @Option(help: "Rename terms 'old=new', comma-separated, before --keep/--drop/--order/--labels (which then name the new terms); terms renamed to one name share a row.")
  var rename: String?

  @Option(help: ArgumentHelp(
    "Fit statistics to show, comma-separated, in this order: n, r2, r2_a, pr2, ll, aic, df, vce, design; or 'none'.",
    discussion: "Default: all but df, and no log-likelihood or AIC for design-based fits (a weighted pseudo-likelihood; Stata's svy: shows none). --drop also removes statistics by key or row label (e.g. --drop 'aic,Design')."))
  var stats: String?

  @Option(name: .customLong("font-size"), help: "Font size in points (LaTeX, RTF, Word; default: the document's, 10 pt in RTF/Word).")
  var fontSize: Double?

  @Flag(help: "A landscape page (LaTeX with pdflscape, RTF and Word).")
  var landscape = false

  @Flag(name: .customLong("longtable"), help: "LaTeX: a table that breaks across pages (xltabular), its header repeated on each page, for tables taller than a page.")
  var longTable = false

  @Flag(help: ArgumentHelp(
    "LaTeX: the table alone, without a document around it.",
    discussion: "The LaTeX needs the packages booktabs, tabularx (its label column wraps to fit the page) and threeparttable (notes under the table) or with --longtable xltabular, pdflscape with --landscape, and for Chinese, Japanese or Korean text ctex (xelatex, lualatex) or CJKutf8 (pdflatex); the file's first lines name them."))
  var fragment = false

  func validate() throws {
    if results.isEmpty { throw ValidationError("give one or more result files") }
    if !(0...10).contains(digits) { throw ValidationError("--digits must be between 0 and 10") }
    if format == .docx && output == nil { throw ValidationError("--format docx needs --output FILE.docx") }
    if !noStars { _ = try starThresholds() }
    _ = try renames()
    _ = try statistics()
    if let fontSize, !(fontSize >= 4 && fontSize <= 72) { throw ValidationError("--font-size must be between 4 and 72 points") }
  }

  /// `--rename old=new,...` as pairs.
  func renames() throws -> [(old: String, new: String)] {
    try list(rename).map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw ValidationError("--rename: '\(pair)' is not old=new")
      }
      return (parts[0], parts[1])
    }
  }

  /// `--stats` as keys (nil: the default; `none`: no statistics).
  func statistics() throws -> [String]? {
    guard let stats else { return nil }
    let keys = list(stats)
    if keys == ["none"] { return [] }
    let known = ModelTable.statisticKeys.map(\.key)
    for key in keys where !known.contains(key) {
      throw ValidationError("--stats: no statistic '\(key)' (choose from \(known.joined(separator: ", ")), or none)")
    }
    return keys
  }

  func starThresholds() throws -> [Double] {
    if noStars { return [] }
    return try list(stars).map { text in
      guard let p = Double(text), p > 0, p < 1 else { throw ValidationError("--stars: '\(text)' is not a p-value in (0, 1)") }
      return p
    }
  }

  func options() throws -> ModelTableOptions {
    let s = selection
    return ModelTableOptions(
      beneath: beneath.value, stars: try starThresholds(), digits: digits, keep: s.keep.map { list($0) },
      drop: list(s.drop), order: list(s.order), labels: try s.labelMap(),
      addedRows: addRow.map { row in
        let parts = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return (parts.first ?? "", Array(parts.dropFirst()))
      }, title: s.title, rename: try renames(), statistics: try statistics(), fontSize: fontSize, landscape: landscape,
      longTable: longTable)
  }

  func run() throws {
    let models = try ResultFiles.loadAll(results, names: list(selection.names))
    let options = try options()
    let table = ModelTable(models: models, options: options)
    for warning in table.warnings { progress("warning: " + warning) }
    if let keep = options.keep, table.terms.isEmpty {
      throw ResultFileError.nothingKept(
        keep: keep, drop: options.drop, terms: models.flatMap { $0.estimates.map(\.term) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
    }
    let bytes: Data
    switch format {
    case .text: bytes = Data(table.text(width: textWidth.width).utf8)
    case .markdown: bytes = Data(table.markdown().utf8)
    case .latex: bytes = Data(table.latex(standalone: !fragment).utf8)
    case .html: bytes = Data(table.html().utf8)
    case .csv: bytes = Data(table.csv().utf8)
    case .json: bytes = Data((table.json().serialized() + "\n").utf8)
    case .rtf: bytes = Data(table.rtf().utf8)
    case .docx: bytes = try table.docx()
    }
    try writeOutput(bytes, to: output)
  }
}

/// Writes bytes to a file (see `OutputFile`) or to standard output.
func writeOutput(_ bytes: Data, to path: String?) throws {
  guard let path else {
    FileHandle.standardOutput.write(bytes)
    return
  }
  try OutputFile.write(bytes, to: path)
}
