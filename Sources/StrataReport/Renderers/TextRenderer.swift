/// Renders a `Table` as aligned plain text for a terminal (wide characters counted as two columns).
public enum TextRenderer {
  /// The narrowest a text column is made to fit a table into the width.
  static let minimumLabelWidth = 16

  /// The table as lines of text, columns separated by two spaces, fitted to `width` columns
  /// (`TextLayout.width`, 100 unless `--width` says otherwise; 0 or less for no limit).
  ///
  /// A table wider than that is fitted in steps. First its text (left-aligned) columns, the
  /// label column and descriptions, are narrowed, the widest first, down to 16 columns: text
  /// with spaces wraps onto more lines (modelsummary's way), single names are abbreviated with
  /// `~` (Stata's way), so each estimate keeps its row and a description wraps before an
  /// identifier is shortened. If the table is still too wide, its other columns are split into
  /// panels printed one under another, each repeating the leading left-aligned (label) columns.
  /// Notes wrap at word boundaries.
  public static func render(_ table: Table, width: Int = TextLayout.width) -> String {
    var widths = table.columns.map { displayWidth($0.header) }
    for row in table.rows {
      for (j, cell) in row.enumerated() where j < widths.count {
        widths[j] = max(widths[j], displayWidth(cell))
      }
    }
    var lines: [String] = []
    if let title = table.title { lines += TextLayout.wrap(title, width: width) }
    let limit = width > 0 ? width : Int.max
    let n = table.columns.count
    var fitted: Set<Int> = []
    if total(widths) > limit && n > 0 {
      // Narrow the text (left-aligned) columns, the widest first, so a description wraps
      // before an identifier or a label is shortened.
      let text = table.columns.indices.filter { table.columns[$0].alignment == .left }
      for j in text.sorted(by: { widths[$0] > widths[$1] || (widths[$0] == widths[$1] && $0 > $1) })
      where total(widths) > limit {
        let narrowed = max(min(widths[j], minimumLabelWidth), widths[j] - (total(widths) - limit))
        if narrowed < widths[j] {
          widths[j] = narrowed
          fitted.insert(j)
        }
      }
    }
    if total(widths) <= limit || n == 0 {
      lines += block(table, columns: Array(table.columns.indices), widths: widths, fitted: fitted)
    } else {
      // Panels of the remaining columns, each with the key (leading left-aligned) columns.
      var keys = table.columns.prefix { $0.alignment == .left }.count
      if keys == n { keys = 0 }
      let keyColumns = Array(0..<keys)
      var panels: [[Int]] = []
      var current: [Int] = []
      for j in keys..<n {
        if !current.isEmpty && total((keyColumns + current + [j]).map { widths[$0] }) > limit {
          panels.append(current)
          current = []
        }
        current.append(j)
      }
      if !current.isEmpty { panels.append(current) }
      for (k, panel) in panels.enumerated() {
        if k > 0 { lines.append("") }
        lines += block(table, columns: keyColumns + panel, widths: widths, fitted: fitted)
      }
    }
    for note in table.notes { lines += TextLayout.wrap(note, width: width) }
    let text = lines.joined(separator: "\n") + "\n"
    RenderedTables.current?.record(table, text: text)
    return text
  }

  /// The width of columns of these widths, two spaces apart.
  static func total(_ widths: [Int]) -> Int {
    widths.reduce(0, +) + 2 * max(0, widths.count - 1)
  }

  /// The header and rows of `columns`; the cells of `fitted` columns are fitted into their
  /// width (`TextLayout.cellLines`), a wrapped cell continuing on lines of its own.
  static func block(_ table: Table, columns: [Int], widths: [Int], fitted: Set<Int>) -> [String] {
    func lines(_ cells: [String]) -> [String] {
      var pieces: [Int: [String]] = [:]
      var height = 1
      for j in columns where fitted.contains(j) && j < cells.count {
        let p = TextLayout.cellLines(cells[j], width: widths[j])
        pieces[j] = p
        height = max(height, p.count)
      }
      return (0..<height).map { k in
        var parts: [String] = []
        for j in columns {
          let cell: String
          if let p = pieces[j] {
            cell = k < p.count ? p[k] : ""
          } else {
            cell = k == 0 && j < cells.count ? cells[j] : ""
          }
          parts.append(pad(cell, to: widths[j], alignment: table.columns[j].alignment))
        }
        return TextLayout.trimmingTrailingSpaces(parts.joined(separator: "  "))
      }
    }
    var out = lines(table.columns.map(\.header))
    for row in table.rows { out += lines(row) }
    return out
  }
}
