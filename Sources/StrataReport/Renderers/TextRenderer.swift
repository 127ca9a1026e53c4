/// Renders a `Table` as aligned plain text for a terminal (wide characters counted as two columns).
public enum TextRenderer {
  /// The table as lines of text, columns separated by two spaces.
  public static func render(_ table: Table) -> String {
    var widths = table.columns.map { displayWidth($0.header) }
    for row in table.rows {
      for (j, cell) in row.enumerated() where j < widths.count {
        widths[j] = max(widths[j], displayWidth(cell))
      }
    }
    var lines: [String] = []
    if let title = table.title { lines.append(title) }
    func line(_ cells: [String]) -> String {
      var parts: [String] = []
      for (j, column) in table.columns.enumerated() {
        parts.append(pad(j < cells.count ? cells[j] : "", to: widths[j], alignment: column.alignment))
      }
      var s = parts.joined(separator: "  ")
      while s.hasSuffix(" ") { s.removeLast() }
      return s
    }
    lines.append(line(table.columns.map(\.header)))
    for row in table.rows { lines.append(line(row)) }
    lines.append(contentsOf: table.notes)
    let text = lines.joined(separator: "\n") + "\n"
    RenderedTables.current?.record(table, text: text)
    return text
  }
}
