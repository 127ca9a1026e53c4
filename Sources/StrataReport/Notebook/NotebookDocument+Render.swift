extension NotebookDocument {
  /// The rendered Markdown: prose as written, each `strata` block followed by its outputs.
  ///
  /// `outputs[k]` holds the outputs of block `k + 1`, one per command.
  public func markdown(outputs: [[NotebookOutput]]) -> String {
    var out: [String] = frontMatterLines.isEmpty ? [] : frontMatterLines + [""]
    for part in parts {
      switch part {
      case .markdown(let lines): out += lines
      case .block(let b):
        out += ["```strata"] + b.source + ["```", ""]
        for output in b.number <= outputs.count ? outputs[b.number - 1] : [] {
          switch output {
          case .text(let text):
            guard !text.isEmpty else { continue }
            out += ["```text", text.hasSuffix("\n") ? String(text.dropLast()) : text, "```", ""]
          case .table(let markdown, _): out += [markdown.hasSuffix("\n") ? String(markdown.dropLast()) : markdown, ""]
          case .plot(let path, _): out += ["![plot](\(path))", ""]
          }
        }
      }
    }
    while out.last == "" { out.removeLast() }
    return out.joined(separator: "\n") + "\n"
  }

  /// A self-contained HTML page: prose converted from Markdown, commands, outputs, tables and
  /// inline SVG plots; no scripts and no external files.
  public func html(title: String, outputs: [[NotebookOutput]]) -> String {
    var body = ""
    var plots = 0
    for part in parts {
      switch part {
      case .markdown(let lines): body += MarkdownHTML.convert(lines)
      case .block(let b):
        body += "<pre class=\"strata-command\"><code>" + ModelTable.htmlEscape(b.source.joined(separator: "\n"))
          + "</code></pre>\n"
        for output in b.number <= outputs.count ? outputs[b.number - 1] : [] {
          switch output {
          case .text(let text):
            guard !text.isEmpty else { continue }
            body += "<pre class=\"strata-output\">" + ModelTable.htmlEscape(text) + "</pre>\n"
          case .table(_, let html): body += "<div class=\"strata-table\">\n" + html + "</div>\n"
          case .plot(_, let svg):
            plots += 1
            body += "<figure class=\"strata-plot\">\n" + Self.scopingIDs(svg, prefix: "plot\(plots)-") + "</figure>\n"
          }
        }
      }
    }
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8"/>
      <title>\(ModelTable.htmlEscape(title))</title>
      <style>
      body { max-width: 60em; margin: 2em auto; padding: 0 1em; font-family: "Helvetica Neue", Arial, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; line-height: 1.45; color: #222; }
      pre { background: #f6f8fa; padding: 0.6em 0.8em; overflow-x: auto; font-size: 0.85em; font-family: "DejaVu Sans Mono", Menlo, Consolas, "Noto Sans Mono CJK SC", monospace; }
      pre.strata-command { border-left: 3px solid #1f4e9a; }
      code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
      figure.strata-plot { margin: 1em 0; }
      figure.strata-plot svg { max-width: 100%; height: auto; }
      div.strata-table { margin: 1em 0; overflow-x: auto; }
      @media print { pre { white-space: pre-wrap; overflow-wrap: anywhere; } }
      \(ModelTable.tableStyle)</style>
      </head>
      <body>
      \(body)</body>
      </html>

      """
  }
}

extension NotebookDocument {
  /// The SVG with its element ids (and the `url(#…)`/`href="#…"` references to them) prefixed, so
  /// that plots inlined in one page do not share ids: each plot's clip paths are its own (with
  /// two plots defining `panel-0`, a browser clips the second by the first's rectangle).
  static func scopingIDs(_ svg: String, prefix: String) -> String {
    var out = svg
    for (open, close) in [("id=\"", "\""), ("url(#", ")"), ("href=\"#", "\"")] {
      var result = ""
      var rest = Substring(out)
      while let r = rest.range(of: open) {
        result += rest[..<r.upperBound]
        rest = rest[r.upperBound...]
        guard let end = rest.range(of: close) else { break }
        result += prefix + rest[..<end.lowerBound]
        rest = rest[end.lowerBound...]
      }
      out = result + rest
    }
    return out
  }
}

/// A small Markdown-to-HTML converter for notebook prose: headings, paragraphs, lists, fenced
/// code, block quotes, and inline code, bold, italics and links. Output is well-formed XML.
enum MarkdownHTML {
  static func convert(_ lines: [String]) -> String {
    var out = ""
    var paragraph: [String] = []
    var list: String?
    var code: [String]?
    func flushParagraph() {
      if !paragraph.isEmpty { out += "<p>" + inline(paragraph.joined(separator: " ")) + "</p>\n" }
      paragraph = []
    }
    func closeList() {
      if let l = list { out += "</\(l)>\n" }
      list = nil
    }
    for line in lines {
      if var c = code {
        if line.trimmingCharacters(in: .whitespaces) == "```" {
          out += "<pre><code>" + ModelTable.htmlEscape(c.joined(separator: "\n")) + "</code></pre>\n"
          code = nil
        } else {
          c.append(line)
          code = c
        }
        continue
      }
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("```") {
        flushParagraph()
        closeList()
        code = []
      } else if trimmed.isEmpty {
        flushParagraph()
        closeList()
      } else if let level = heading(trimmed) {
        flushParagraph()
        closeList()
        let text = trimmed.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
        out += "<h\(level)>" + inline(text) + "</h\(level)>\n"
      } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") || ordered(trimmed) != nil {
        flushParagraph()
        let kind = ordered(trimmed) == nil ? "ul" : "ol"
        if list != kind {
          closeList()
          out += "<\(kind)>\n"
          list = kind
        }
        let text = ordered(trimmed) ?? String(trimmed.dropFirst(2))
        out += "<li>" + inline(text) + "</li>\n"
      } else if trimmed.hasPrefix(">") {
        flushParagraph()
        closeList()
        out += "<blockquote><p>" + inline(trimmed.dropFirst().trimmingCharacters(in: .whitespaces)) + "</p></blockquote>\n"
      } else if list != nil && line.hasPrefix("  ") {
        // A list item's continuation line.
        if out.hasSuffix("</li>\n") {
          out.removeLast(6)
          out += " " + inline(trimmed) + "</li>\n"
        }
      } else {
        paragraph.append(trimmed)
      }
    }
    if let c = code { out += "<pre><code>" + ModelTable.htmlEscape(c.joined(separator: "\n")) + "</code></pre>\n" }
    flushParagraph()
    closeList()
    return out
  }

  static func heading(_ s: String) -> Int? {
    let hashes = s.prefix { $0 == "#" }.count
    guard (1...6).contains(hashes), s.dropFirst(hashes).first == " " else { return nil }
    return hashes
  }

  /// The text of an ordered list item (`1. text`).
  static func ordered(_ s: String) -> String? {
    let digits = s.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, s.dropFirst(digits.count).hasPrefix(". ") else { return nil }
    return String(s.dropFirst(digits.count + 2))
  }

  /// Inline code, bold, italics, links and backslash escapes (`\\*` is a literal `*`); everything
  /// else escaped.
  static func inline(_ s: String) -> String {
    var out = ""
    var rest = Substring(s)
    while let ch = rest.first {
      if ch == "\\", let next = rest.dropFirst().first, next.isASCII, next.isPunctuation || next.isSymbol {
        // A backslash escape (CommonMark): the punctuation character itself, never markup.
        out += ModelTable.htmlEscape(String(next))
        rest = rest.dropFirst(2)
      } else if ch == "`", let end = rest.dropFirst().firstIndex(of: "`") {
        out += "<code>" + ModelTable.htmlEscape(String(rest[rest.index(after: rest.startIndex)..<end])) + "</code>"
        rest = rest[rest.index(after: end)...]
      } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
        out += "<strong>" + inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound])) + "</strong>"
        rest = rest[end.upperBound...]
      } else if ch == "[", let close = rest.firstIndex(of: "]"), rest[close...].dropFirst().first == "(",
        let paren = rest[close...].firstIndex(of: ")")
      {
        let text = String(rest[rest.index(after: rest.startIndex)..<close])
        let url = String(rest[rest.index(close, offsetBy: 2)..<paren])
        out += "<a href=\"" + ModelTable.htmlEscape(url) + "\">" + inline(text) + "</a>"
        rest = rest[rest.index(after: paren)...]
      } else if ch == "*" || ch == "_", let end = rest.dropFirst().firstIndex(of: ch),
        rest.dropFirst().first.map({ !$0.isWhitespace }) == true, end > rest.index(after: rest.startIndex),
        ch == "*" || out.last.map({ !$0.isLetter && !$0.isNumber }) ?? true
      {
        out += "<em>" + inline(String(rest[rest.index(after: rest.startIndex)..<end])) + "</em>"
        rest = rest[rest.index(after: end)...]
      } else {
        out += ModelTable.htmlEscape(String(ch))
        rest = rest.dropFirst()
      }
    }
    return out
  }
}
