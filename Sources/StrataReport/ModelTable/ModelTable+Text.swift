extension ModelTable {
  /// Header lines: the column headers, the estimators and, when known, the dependent variables.
  var headerLines: [[String]] {
    var lines = [headers, modelNames]
    if let dependents { lines.append(dependents) }
    return lines
  }

  /// Plain text aligned by display width (East Asian wide characters count as two columns),
  /// with rules above and below the header and the estimates.
  public func text() -> String {
    var labelWidth = 0
    for r in rows { labelWidth = max(labelWidth, displayWidth(r.label)) }
    var widths = headers.map(displayWidth)
    for line in headerLines + rows.map(\.cells) {
      for (j, cell) in line.enumerated() where j < widths.count { widths[j] = max(widths[j], displayWidth(cell)) }
    }
    let total = labelWidth + widths.reduce(0) { $0 + $1 + 2 }
    let rule = String(repeating: "-", count: total)
    func line(_ label: String, _ cells: [String]) -> String {
      var s = pad(label, to: labelWidth, alignment: .left)
      for (j, w) in widths.enumerated() {
        let cell = j < cells.count ? cells[j] : ""
        // Centre each cell in its column, the way esttab does.
        let spare = w - displayWidth(cell)
        let left = spare / 2
        s += "  " + String(repeating: " ", count: left) + cell + String(repeating: " ", count: spare - left)
      }
      while s.hasSuffix(" ") { s.removeLast() }
      return s
    }
    var out: [String] = []
    if let title { out.append(title) }
    out.append(rule)
    for h in headerLines { out.append(line("", h)) }
    out.append(rule)
    var previous: RowKind?
    for r in rows {
      if r.kind == .statistic && previous != nil && previous != .statistic { out.append(rule) }
      out.append(line(r.label, r.cells))
      previous = r.kind
    }
    out.append(rule)
    out.append(contentsOf: notes)
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
