extension ModelTable {
  /// The LaTeX packages the table needs (CJK ones apart).
  var latexPackages: [String] {
    ["booktabs", "tabularx", "threeparttable"] + (options.landscape ? ["pdflscape"] : [])
  }

  /// A LaTeX table that fits the text width: `booktabs` rules, a `tabularx` label column that
  /// wraps long labels, the notes in a `threeparttable` `tablenotes` beneath; `--landscape` turns
  /// the page (`pdflscape`), a font size in points sets `\fontsize`.
  ///
  /// - Parameter standalone: wrap the table in a document that compiles on its own. When the
  ///   table holds Chinese, Japanese or Korean text the document uses `CJKutf8` (font `gbsn`)
  ///   under `pdflatex` and `ctex` (xeCJK) under `xelatex`/`lualatex`. The first lines, comments,
  ///   name the packages a fragment needs in the preamble.
  public func latex(standalone: Bool = true) -> String {
    let n = headers.count
    var out: [String] = []
    var needs = latexPackages.joined(separator: ", ")
    if containsCJK { needs += "; for its Chinese/Japanese/Korean text ctex (xelatex, lualatex) or CJKutf8 (pdflatex)" }
    out.append("% strata table: needs the LaTeX packages \(needs).")
    if standalone {
      out.append("% Compiles with pdflatex, xelatex or lualatex.")
      out += ["\\documentclass{article}"] + latexPackages.map { "\\usepackage{\($0)}" }
      if containsCJK {
        out += ["\\usepackage{iftex}", "\\ifPDFTeX\\usepackage{CJKutf8}\\else\\usepackage[UTF8,linespread=1]{ctex}\\fi"]
      }
      out += ["\\begin{document}"]
      if containsCJK { out.append("\\ifPDFTeX\\begin{CJK}{UTF8}{gbsn}\\fi") }
      out.append("")
    }
    if options.landscape { out.append("\\begin{landscape}") }
    out.append("\\begin{table}[htbp]")
    out.append("\\centering")
    if let size = options.fontSize {
      let points = NumberFormat.significant(size, 4)
      out.append("\\fontsize{\(points)}{\(NumberFormat.significant((size * 1.2 * 10).rounded() / 10, 4))}\\selectfont")
    }
    out.append("\\begin{threeparttable}")
    if let title { out.append("\\caption{\(Self.latexEscape(title))}") }
    // The label column takes the width the numbers leave and wraps, ragged right.
    out.append("\\begin{tabularx}{\\linewidth}{@{}>{\\raggedright\\arraybackslash}X*{\(n)}{c}@{}}")
    out.append("\\toprule")
    func line(_ label: String, _ cells: [String], stacked: Bool = false) -> String {
      let body = cells.map { stacked ? Self.latexStacked($0) : Self.latexCell($0) }
      return ([Self.latexEscape(label)] + body).joined(separator: " & ") + " \\\\"
    }
    for h in headerLines { out.append(line("", h, stacked: true)) }
    out.append("\\midrule")
    var previous: RowKind?
    var i = 0
    while i < rows.count {
      let r = rows[i]
      if r.kind == .statistic && previous != nil && previous != .statistic { out.append("\\midrule") }
      previous = r.kind
      if r.kind == .estimate, i + 1 < rows.count, rows[i + 1].kind == .beneath, rows[i + 1].term == r.term {
        // An estimate and what is beneath it share one row, stacked in each cell, so a label
        // that wraps to a second line sits beside them instead of pushing them apart.
        let beneath = rows[i + 1].cells
        let cells = r.cells.enumerated().map { j, estimate -> String in
          let below = j < beneath.count ? beneath[j] : ""
          if below.isEmpty { return Self.latexCell(estimate) }
          return "\\begin{tabular}[t]{@{}c@{}}" + Self.latexCell(estimate) + "\\\\" + Self.latexCell(below) + "\\end{tabular}"
        }
        out.append(([Self.latexEscape(r.label)] + cells).joined(separator: " & ") + " \\\\")
        i += 2
        continue
      }
      out.append(line(r.label, r.cells, stacked: r.kind == .statistic))
      i += 1
    }
    out.append("\\bottomrule")
    out.append("\\end{tabularx}")
    if !notes.isEmpty {
      out.append("\\begin{tablenotes}[flushleft]")
      out.append("\\footnotesize")
      for note in notes { out.append("\\item " + Self.latexEscape(note)) }
      out.append("\\end{tablenotes}")
    }
    out.append("\\end{threeparttable}")
    out.append("\\end{table}")
    if options.landscape { out.append("\\end{landscape}") }
    if standalone {
      out.append("")
      if containsCJK { out.append("\\ifPDFTeX\\end{CJK}\\fi") }
      out.append("\\end{document}")
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// A text cell of a header or statistics row (`margins: dydx`, `12 strata, 637 PSUs`) stacked
  /// on lines of at most 10 characters, split at spaces, in a nested `tabular`, so that the
  /// number columns stay narrow and the label column keeps the width.
  static func latexStacked(_ s: String) -> String {
    guard displayWidth(s) > 10, s.contains(" ") else { return latexCell(s) }
    var lines: [String] = []
    for word in s.split(separator: " ").map(String.init) {
      if let last = lines.last, displayWidth(last) + 1 + displayWidth(word) <= 10 {
        lines[lines.count - 1] = last + " " + word
      } else {
        lines.append(word)
      }
    }
    guard lines.count > 1 else { return latexCell(s) }
    return "\\begin{tabular}[t]{@{}c@{}}" + lines.map(latexCell).joined(separator: "\\\\") + "\\end{tabular}"
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
    text = text.replacingOccurrences(of: "{[}-", with: "{[}$-$").replacingOccurrences(of: ", -", with: ", $-$")
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
      // Braced, so that a bracket after `\\` is not read as its optional argument.
      case "[": out += "{[}"
      case "]": out += "{]}"
      default: out.append(ch)
      }
    }
    return out
  }
}
