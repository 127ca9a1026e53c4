extension ModelTable {
  /// Header lines: the column headers, the estimators and, when known, the dependent variables.
  var headerLines: [[String]] {
    var lines = [headers, modelNames]
    if let dependents { lines.append(dependents) }
    return lines
  }

  /// Plain text aligned by display width (East Asian wide characters count as two columns),
  /// with rules above and below the header and the estimates, fitted to `width` columns
  /// (`TextLayout.width`; 0 or less for no limit) as `TextRenderer` fits a table: the label
  /// column narrows to 16 columns (labels with spaces wrap, names are abbreviated with `~`), and
  /// models that still do not fit go to further panels beneath, each with the labels.
  public func text(width: Int = TextLayout.width) -> String {
    var labelWidth = 0
    for r in rows { labelWidth = max(labelWidth, displayWidth(r.label)) }
    var widths = headers.map(displayWidth)
    for line in headerLines + rows.map(\.cells) {
      for (j, cell) in line.enumerated() where j < widths.count { widths[j] = max(widths[j], displayWidth(cell)) }
    }
    let limit = width > 0 ? width : Int.max
    func total(_ columns: [Int]) -> Int { labelWidth + columns.reduce(0) { $0 + widths[$1] + 2 } }
    var fitLabels = false
    if total(Array(widths.indices)) > limit {
      let narrowed = max(min(labelWidth, TextRenderer.minimumLabelWidth), labelWidth - (total(Array(widths.indices)) - limit))
      if narrowed < labelWidth {
        labelWidth = narrowed
        fitLabels = true
      }
    }
    var panels: [[Int]] = []
    var current: [Int] = []
    for j in widths.indices {
      if !current.isEmpty && total(current + [j]) > limit {
        panels.append(current)
        current = []
      }
      current.append(j)
    }
    if !current.isEmpty || panels.isEmpty { panels.append(current) }
    var out: [String] = []
    if let title { out += TextLayout.wrap(title, width: width) }
    for (k, columns) in panels.enumerated() {
      let rule = String(repeating: "-", count: total(columns))
      func lines(_ label: String, _ cells: [String]) -> [String] {
        let labels = fitLabels ? TextLayout.cellLines(label, width: labelWidth) : [label]
        func line(_ label: String, _ cells: [String]) -> String {
          var s = pad(label, to: labelWidth, alignment: .left)
          for j in columns {
            let w = widths[j]
            let cell = j < cells.count ? cells[j] : ""
            // Centre each cell in its column, the way esttab does.
            let spare = w - displayWidth(cell)
            let left = spare / 2
            s += "  " + String(repeating: " ", count: left) + cell + String(repeating: " ", count: spare - left)
          }
          while s.hasSuffix(" ") { s.removeLast() }
          return s
        }
        return [line(labels[0], cells)] + labels.dropFirst().map { line($0, []) }
      }
      if k > 0 { out.append("") }
      out.append(rule)
      for h in headerLines { out += lines("", h) }
      out.append(rule)
      var previous: RowKind?
      for r in rows {
        if r.kind == .statistic && previous != nil && previous != .statistic { out.append(rule) }
        out += lines(r.label, r.cells)
        previous = r.kind
      }
      out.append(rule)
    }
    for note in notes { out += TextLayout.wrap(note, width: width) }
    return out.joined(separator: "\n") + "\n"
  }

  /// A GitHub-flavoured Markdown pipe table, with the notes as a paragraph beneath.
  public func markdown() -> String {
    func escape(_ s: String) -> String {
      var out = ""
      for ch in s {
        if "\\|*_`<>[]".contains(ch) { out.append("\\") }
        out.append(ch)
      }
      return out
    }
    func line(_ cells: [String]) -> String { "| " + cells.map(escape).joined(separator: " | ") + " |" }
    var out: [String] = []
    if let title { out += ["**" + escape(title) + "**", ""] }
    out.append(line([""] + headers))
    out.append("|:---|" + String(repeating: ":---:|", count: headers.count))
    for h in headerLines.dropFirst() { out.append(line([""] + h)) }
    for r in rows { out.append(line([r.label] + r.cells)) }
    out.append("")
    out.append(notes.map(escape).joined(separator: " "))
    return out.joined(separator: "\n") + "\n"
  }
}
