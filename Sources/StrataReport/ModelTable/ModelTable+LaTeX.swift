extension ModelTable {
  /// A LaTeX table with `booktabs` rules and a notes line.
  ///
  /// - Parameter standalone: wrap the table in a document that compiles on its own. When the
  ///   table holds Chinese, Japanese or Korean text the document uses `CJKutf8` (font `gbsn`)
  ///   under `pdflatex` and `ctex` (xeCJK) under `xelatex`/`lualatex`.
  public func latex(standalone: Bool = true) -> String {
    let n = headers.count
    var out: [String] = []
    if standalone {
      out += ["\\documentclass{article}", "\\usepackage{booktabs}"]
      if containsCJK {
        out += ["\\usepackage{iftex}", "\\ifPDFTeX\\usepackage{CJKutf8}\\else\\usepackage[UTF8]{ctex}\\fi"]
      }
      out += ["\\begin{document}"]
      if containsCJK { out.append("\\ifPDFTeX\\begin{CJK}{UTF8}{gbsn}\\fi") }
      out.append("")
    }
    out.append("\\begin{table}[htbp]")
    out.append("\\centering")
    if let title { out.append("\\caption{\(Self.latexEscape(title))}") }
    out.append("\\begin{tabular}{l" + String(repeating: "c", count: n) + "}")
    out.append("\\toprule")
    func line(_ label: String, _ cells: [String]) -> String {
      ([Self.latexEscape(label)] + cells.map(Self.latexCell)).joined(separator: " & ") + " \\\\"
    }
    for h in headerLines { out.append(line("", h)) }
    out.append("\\midrule")
    var previous: RowKind?
    for r in rows {
      if r.kind == .statistic && previous != nil && previous != .statistic { out.append("\\midrule") }
      out.append(line(r.label, r.cells))
      previous = r.kind
    }
    out.append("\\bottomrule")
    for note in notes {
      out.append("\\multicolumn{\(n + 1)}{l}{\\footnotesize \(Self.latexEscape(note))} \\\\")
    }
    out.append("\\end{tabular}")
    out.append("\\end{table}")
    if standalone {
      out.append("")
      if containsCJK { out.append("\\ifPDFTeX\\end{CJK}\\fi") }
      out.append("\\end{document}")
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// A cell: stars become superscripts, minus signs math minus signs.
  static func latexCell(_ s: String) -> String {
    var body = Substring(s)
    var stars = 0
    while body.hasSuffix("*") {
      body = body.dropLast()
      stars += 1
    }
    var text = latexEscape(String(body))
    if body.first == "-", body.dropFirst().first?.isNumber == true { text = "$-$" + text.dropFirst() }
    text = text.replacingOccurrences(of: "[-", with: "[$-$").replacingOccurrences(of: ", -", with: ", $-$")
    if stars > 0 { text += "$^{" + String(repeating: "*", count: stars) + "}$" }
    return text
  }

  /// Escapes LaTeX's special characters in text.
  public static func latexEscape(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case "\\": out += "\\textbackslash{}"
      case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
      case "~": out += "\\textasciitilde{}"
      case "^": out += "\\textasciicircum{}"
      case "<": out += "\\textless{}"
      case ">": out += "\\textgreater{}"
      case "²": out += "\\textsuperscript{2}"
      default: out.append(ch)
      }
    }
    return out
  }
}
