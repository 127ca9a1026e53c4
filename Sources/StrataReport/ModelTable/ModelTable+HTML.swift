extension ModelTable {
  /// A self-contained HTML document (inline style, no scripts or external files) that is also
  /// well-formed XML.
  public func html() -> String {
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>"
      + Self.htmlEscape(title ?? "Models") + "</title>\n<style>\n" + Self.tableStyle + "</style>\n</head>\n<body>\n"
      + htmlTable() + "</body>\n</html>\n"
  }

  /// The inline style of `html()` (also used by notebooks).
  public static let tableStyle = """
    table.strata-models { border-collapse: collapse; font-family: "Times New Roman", "Noto Serif CJK SC", "Songti SC", SimSun, serif; }
    table.strata-models caption { font-weight: bold; padding-bottom: 0.4em; }
    table.strata-models th, table.strata-models td { padding: 0.1em 0.8em; text-align: center; }
    table.strata-models th.label, table.strata-models td.label { text-align: left; }
    table.strata-models thead tr:first-child th { border-top: 2px solid #000; }
    table.strata-models thead tr:last-child th { border-bottom: 1px solid #000; }
    table.strata-models tr.first-statistic td { border-top: 1px solid #000; }
    table.strata-models tbody tr:last-child td { border-bottom: 2px solid #000; }
    table.strata-models tfoot td { font-size: 0.85em; text-align: left; }

    """

  /// The `<table>` element alone.
  public func htmlTable() -> String {
    var out = "<table class=\"strata-models\">\n"
    if let title { out += "<caption>" + Self.htmlEscape(title) + "</caption>\n" }
    out += "<thead>\n"
    for h in headerLines {
      out += "<tr><th class=\"label\"></th>" + h.map { "<th>" + Self.htmlEscape($0) + "</th>" }.joined() + "</tr>\n"
    }
    out += "</thead>\n<tbody>\n"
    var previous: RowKind?
    for r in rows {
      let first = r.kind == .statistic && previous != nil && previous != .statistic
      out += first ? "<tr class=\"first-statistic\">" : "<tr>"
      out += "<td class=\"label\">" + Self.htmlEscape(r.label) + "</td>"
      out += r.cells.map { "<td>" + Self.htmlEscape($0) + "</td>" }.joined() + "</tr>\n"
      previous = r.kind
    }
    out += "</tbody>\n<tfoot>\n"
    for note in notes {
      out += "<tr><td colspan=\"\(headers.count + 1)\">" + Self.htmlEscape(note) + "</td></tr>\n"
    }
    return out + "</tfoot>\n</table>\n"
  }

  /// Escapes `&`, `<`, `>` and quotes for HTML and XML text and attributes.
  public static func htmlEscape(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(ch)
      }
    }
    return out
  }
}
