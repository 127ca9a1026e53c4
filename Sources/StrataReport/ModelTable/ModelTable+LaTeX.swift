extension ModelTable {
  /// The LaTeX packages the table needs (CJK ones apart).
  var latexPackages: [String] {
    ["booktabs", "tabularx", options.longTable ? "longtable" : "threeparttable"] + (options.landscape ? ["pdflscape"] : [])
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
    func line(_ label: String, _ cells: [String], stacked: Bool = false) -> String {
      let body = cells.map { stacked ? Self.latexStacked($0) : Self.latexCell($0) }
      return ([Self.latexEscape(label)] + body).joined(separator: " & ") + " \\\\"
    }
    // The label column takes the width the numbers leave and wraps, ragged right.
    let columns = "{\\linewidth}{@{}>{\\raggedright\\arraybackslash}X*{\(n)}{c}@{}}"
    let fontSize = options.fontSize.map { size in
      "\\fontsize{\(NumberFormat.significant(size, 4))}{\(NumberFormat.significant((size * 1.2 * 10).rounded() / 10, 4))}\\selectfont"
    }
    if options.longTable {
      // A longtable breaks across pages, its header repeated on each and the notes closing the
      // last page. Its columns have fixed widths (a longtable sets its rows in chunks, and
      // widths that depend on them would take several runs to settle): each number column as
      // wide as its widest cell, the label column what the line leaves, wrapping.
      let widths = latexColumnEms
      let numbers = widths.map { ">{\\centering\\arraybackslash}p{\(NumberFormat.significant($0, 4))em}" }.joined()
      let total = NumberFormat.significant(widths.reduce(0, +), 6)
      let label = ">{\\raggedright\\arraybackslash}p{\\dimexpr\\linewidth-\(2 * n)\\tabcolsep-\(total)em\\relax}"
      out.append("\\begingroup")
      if let fontSize { out.append(fontSize) }
      out.append("\\begin{longtable}{@{}" + label + numbers + "@{}}")
      if let title { out.append("\\caption{\(Self.latexEscape(title))}\\\\") }
      out.append("\\toprule")
      for h in headerLines { out.append(line("", h, stacked: true)) }
      out.append("\\midrule")
      out.append("\\endfirsthead")
      out.append("\\toprule")
      for h in headerLines { out.append(line("", h, stacked: true)) }
      out.append("\\midrule")
      out.append("\\endhead")
      out.append("\\bottomrule")
      out.append("\\endfoot")
      out.append("\\bottomrule")
      for note in notes {
        out.append("\\multicolumn{\(n + 1)}{@{}p{\\linewidth}@{}}{\\footnotesize \(Self.latexEscape(note))} \\\\")
      }
      out.append("\\endlastfoot")
    } else {
      out.append("\\begin{table}[htbp]")
      out.append("\\centering")
      if let fontSize { out.append(fontSize) }
      out.append("\\begin{threeparttable}")
      if let title { out.append("\\caption{\(Self.latexEscape(title))}") }
      out.append("\\begin{tabularx}" + columns)
      out.append("\\toprule")
      for h in headerLines { out.append(line("", h, stacked: true)) }
      out.append("\\midrule")
    }
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
    if options.longTable {
      out.append("\\end{longtable}")
      out.append("\\endgroup")
    } else {
      out.append("\\bottomrule")
      out.append("\\end{tabularx}")
    }
    if !options.longTable && !notes.isEmpty {
      out.append("\\begin{tablenotes}[flushleft]")
      out.append("\\footnotesize")
      for note in notes { out.append("\\item " + Self.latexEscape(note)) }
      out.append("\\end{tablenotes}")
    }
    if !options.longTable {
      out.append("\\end{threeparttable}")
      out.append("\\end{table}")
    }
    if options.landscape { out.append("\\end{landscape}") }
    if standalone {
      out.append("")
      if containsCJK { out.append("\\ifPDFTeX\\end{CJK}\\fi") }
      out.append("\\end{document}")
    }
    return out.joined(separator: "\n") + "\n"
  }

  /// Widths in em of the number columns of a longtable: the widest cell of each (stacked text
  /// cells by their longest line), from the glyph widths of Computer Modern / Latin Modern
  /// (digits half an em, a math minus 0.78 em, a superscript star 0.3 em), plus 0.3 em.
  var latexColumnEms: [Double] {
    func em(_ s: String) -> Double {
      s.unicodeScalars.reduce(0) { sum, u in
        switch u {
        case "-": return sum + 0.78
        case "*": return sum + 0.3
        case " ", ".", ",", ":", ";": return sum + 0.33
        case "(", ")", "[", "]": return sum + 0.39
        case "m", "w", "M", "W": return sum + 0.9
        case _ where u.properties.isUppercase: return sum + 0.75
        case _ where displayWidth(String(u)) == 2: return sum + 1.0
        default: return sum + 0.52
        }
      }
    }
    func stackedLines(_ s: String) -> [String] {
      guard displayWidth(s) > 10, s.contains(" ") else { return [s] }
      var lines: [String] = []
      for word in s.split(separator: " ").map(String.init) {
        if let last = lines.last, displayWidth(last) + 1 + displayWidth(word) <= 10 {
          lines[lines.count - 1] = last + " " + word
        } else {
          lines.append(word)
        }
      }
      return lines
    }
    var widths = [Double](repeating: 2, count: headers.count)
    for r in headerLines.map({ ($0, true) }) + rows.map({ ($0.cells, $0.kind == .statistic) }) {
      for (j, cell) in r.0.enumerated() where j < widths.count {
        let lines = r.1 ? stackedLines(cell) : [cell]
        widths[j] = max(widths[j], (lines.map(em).max() ?? 0) + 0.3)
      }
    }
    return widths.map { ($0 * 10).rounded(.up) / 10 }
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
