/// Renders a `Table` as a Markdown pipe table and as an HTML `<table>` (the notebook's tables
/// of command results; the HTML shares `ModelTable.tableStyle`).
public enum MarkdownRenderer {
  /// A pipe table: the title in bold above it, the notes as lines below it; `|` in a cell escaped.
  public static func render(_ table: Table) -> String {
    func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
    var lines: [String] = []
    if let title = table.title { lines += ["**\(cell(title))**", ""] }
    lines.append("| " + table.columns.map { cell($0.header) }.joined(separator: " | ") + " |")
    lines.append("|" + table.columns.map { $0.alignment == .left ? ":---" : "---:" }.joined(separator: "|") + "|")
    for row in table.rows {
      lines.append("| " + table.columns.indices.map { $0 < row.count ? cell(row[$0]) : "" }.joined(separator: " | ") + " |")
    }
    if !table.notes.isEmpty { lines += [""] + table.notes.map { $0 + "  " } }
    return lines.joined(separator: "\n") + "\n"
  }

  /// An HTML table (class `strata-models`), the title as its caption, the notes in its footer.
  public static func html(_ table: Table) -> String {
    func esc(_ s: String) -> String { ModelTable.htmlEscape(s) }
    func attr(_ c: Table.Column) -> String { c.alignment == .left ? " class=\"label\"" : "" }
    var out = "<table class=\"strata-models\">\n"
    if let title = table.title { out += "<caption>\(esc(title))</caption>\n" }
    out += "<thead><tr>" + table.columns.map { "<th\(attr($0))>\(esc($0.header))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
    for row in table.rows {
      out += "<tr>"
        + table.columns.indices.map { j in "<td\(attr(table.columns[j]))>\(esc(j < row.count ? row[j] : ""))</td>" }.joined()
        + "</tr>\n"
    }
    out += "</tbody>\n"
    if !table.notes.isEmpty {
      out += "<tfoot>" + table.notes.map { "<tr><td class=\"label\" colspan=\"\(table.columns.count)\">\(esc($0))</td></tr>" }.joined() + "</tfoot>\n"
    }
    return out + "</table>\n"
  }
}
