import Foundation
import ZIPFoundation

/// Errors writing a Word document.
public enum ReportError: Error, CustomStringConvertible {
  /// The ZIP container of a `.docx` could not be written.
  case archive(String)

  public var description: String {
    switch self {
    case .archive(let reason): return "cannot build the .docx archive: \(reason)"
    }
  }
}

extension ModelTable {
  /// Rows as Word and RTF draw them: header lines, then body rows, each with the rule above it.
  /// An estimate and what is beneath it share one row, as two lines of each cell, so a label
  /// that wraps sits beside them and the row (never split across pages) keeps them together;
  /// `header` rows repeat on every page and keep with the next row.
  private var wordRows: [(cells: [[String]], bold: Bool, ruleAbove: Int, ruleBelow: Int, header: Bool)] {
    var out: [(cells: [[String]], bold: Bool, ruleAbove: Int, ruleBelow: Int, header: Bool)] = []
    let lines = headerLines
    for (i, h) in lines.enumerated() {
      out.append((([""] + h).map { [$0] }, i == 0, i == 0 ? 2 : 0, i == lines.count - 1 ? 1 : 0, true))
    }
    var previous: RowKind?
    var i = 0
    while i < rows.count {
      let r = rows[i]
      let first = r.kind == .statistic && previous != nil && previous != .statistic
      previous = r.kind
      var cells = ([r.label] + r.cells).map { [$0] }
      var last = i
      if r.kind == .estimate, i + 1 < rows.count, rows[i + 1].kind == .beneath, rows[i + 1].term == r.term {
        last = i + 1
        for (j, below) in rows[i + 1].cells.enumerated() where j + 1 < cells.count && !below.isEmpty {
          cells[j + 1].append(below)
        }
      }
      out.append((cells, false, first ? 1 : 0, last == rows.count - 1 ? 2 : 0, false))
      i = last + 1
    }
    return out
  }

  /// The font size in half-points (Word's and RTF's unit): 10 pt unless the options say.
  var wordHalfPoints: Int { Int(((options.fontSize ?? 10) * 2).rounded()) }

  /// Page width and height in twips: A4, turned with `landscape`; margins are one inch.
  var wordPage: (width: Int, height: Int) { options.landscape ? (16838, 11906) : (11906, 16838) }

  /// Column widths in twips from the content: each number column as wide as its widest cell; the
  /// label column as wide as its longest label, or what the page leaves (labels then wrap).
  var wordColumnWidths: [Int] {
    let scale = Double(wordHalfPoints) / 20
    // About 100 twips per Latin character and 200 per East Asian one at 10 pt (Times New Roman).
    func width(_ s: String) -> Int { Int((Double(displayWidth(s)) * 100 * scale).rounded(.up)) }
    let padding = 216 + 60
    var numbers = [Int](repeating: 600, count: headers.count)
    // Text of the statistics rows (`12 strata, 637 PSUs`) wraps past 12 characters rather than
    // widen a number column.
    let wrap = width(String(repeating: "0", count: 12))
    for line in headerLines + rows.filter({ $0.kind != .statistic }).map(\.cells) {
      for (j, cell) in line.enumerated() where j < numbers.count { numbers[j] = max(numbers[j], width(cell) + padding) }
    }
    for r in rows where r.kind == .statistic {
      for (j, cell) in r.cells.enumerated() where j < numbers.count {
        numbers[j] = max(numbers[j], min(width(cell), wrap) + padding)
      }
    }
    let longest = rows.map { width($0.label) }.max() ?? 0
    let available = wordPage.width - 2 * 1440 - numbers.reduce(0, +)
    let label = max(min(longest + padding, available), min(longest + padding, 1440))
    return [label] + numbers
  }

  /// An RTF document holding a real table (Word and LibreOffice open it as one), Times New Roman
  /// for Latin text and SimSun for Chinese.
  public func rtf() -> String {
    let size = wordHalfPoints
    let noteSize = Int((Double(size) * 0.8).rounded())
    let page = wordPage
    var out = "{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1\n"
    out += "{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}{\\f1\\fnil\\fcharset134 SimSun;}}\n"
    out += "\\paperw\(page.width)\\paperh\(page.height)\\margl1440\\margr1440" + (options.landscape ? "\\landscape" : "")
      + "\\f0\\fs\(size)\n"
    if let title { out += "\\pard\\qc\\keepn\\b " + Self.rtfText(title) + "\\b0\\par\n" }
    let widths = wordColumnWidths
    for row in wordRows {
      // \\trhdr: the row repeats at the top of each page; \\trkeep: it never splits across pages
      // (an estimate and its standard error are one row).
      out += "\\trowd\\trgaph108\\trleft0\\trqc" + (row.header ? "\\trhdr" : "") + "\\trkeep\n"
      var right = 0
      for j in 0..<row.cells.count {
        if row.ruleAbove > 0 { out += "\\clbrdrt\\brdrs\\brdrw\(row.ruleAbove * 10)" }
        if row.ruleBelow > 0 { out += "\\clbrdrb\\brdrs\\brdrw\(row.ruleBelow * 10)" }
        right += j < widths.count ? widths[j] : widths.last ?? 1000
        out += "\\cellx\(right)\n"
      }
      for (j, lines) in row.cells.enumerated() {
        // \\keepn on the header rows: they stay with the first row of the body.
        out += "\\pard\\intbl" + (row.header ? "\\keepn" : "") + (j == 0 ? "\\ql " : "\\qc ")
        let text = lines.map(Self.rtfText).joined(separator: "\\line ")
        out += (row.bold ? "\\b " : "") + text + (row.bold ? "\\b0" : "") + "\\cell\n"
      }
      out += "\\row\n"
    }
    for note in notes { out += "\\pard\\ql\\fs\(noteSize) " + Self.rtfText(note) + "\\fs\(size)\\par\n" }
    return out + "}\n"
  }

  /// RTF text: specials escaped, non-ASCII as `\uN?`, East Asian characters in the SimSun font.
  static func rtfText(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\\", "{", "}": out += "\\" + String(scalar)
      case _ where scalar.value < 0x80: out.unicodeScalars.append(scalar)
      default:
        var units = ""
        for unit in String(scalar).utf16 { units += "\\u\(Int16(bitPattern: unit))?" }
        out += displayWidth(String(scalar)) == 2 ? "{\\f1 " + units + "}" : units
      }
    }
    return out
  }

  /// A `.docx` (Office Open XML) document with the table as an editable Word table; Times New
  /// Roman for Latin text and SimSun (East Asian font slot, `zh-CN`) for Chinese.
  ///
  /// The archive's entries are stored (not deflated) with a fixed date, so the same table gives
  /// the same bytes whatever the zlib version.
  /// - Throws: `ReportError.archive` when the ZIP container cannot be written.
  public func docx() throws -> Data {
    let files: [(String, String)] = [
      ("[Content_Types].xml", Self.docxContentTypes), ("_rels/.rels", Self.docxRootRelationships),
      ("word/_rels/document.xml.rels", Self.docxDocumentRelationships), ("word/styles.xml", Self.docxStyles(wordHalfPoints)),
      ("word/document.xml", docxDocument()),
    ]
    // 1 January 2000, local time of nobody in particular: a stable date for every entry.
    let date = Date(timeIntervalSince1970: 946_684_800)
    do {
      let archive = try Archive(data: Data(), accessMode: .create)
      for (path, text) in files {
        let bytes = Data(text.utf8)
        try archive.addEntry(
          with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: date,
          compressionMethod: .none,
          provider: { position, size in bytes.subdata(in: Int(position)..<Int(position) + size) })
      }
      guard let data = archive.data else { throw ReportError.archive("no in-memory archive") }
      return data
    } catch let error as ReportError {
      throw error
    } catch {
      throw ReportError.archive(String(describing: error))
    }
  }

  func docxDocument() -> String {
    let esc = Self.htmlEscape
    var body = ""
    func paragraph(_ text: String, bold: Bool = false, size: Int? = nil, align: String, keepNext: Bool = false) -> String {
      var run = ""
      if bold || size != nil {
        run = "<w:rPr>" + (bold ? "<w:b/>" : "") + (size.map { "<w:sz w:val=\"\($0)\"/><w:szCs w:val=\"\($0)\"/>" } ?? "")
          + "</w:rPr>"
      }
      return "<w:p><w:pPr>" + (keepNext ? "<w:keepNext/>" : "") + "<w:spacing w:before=\"0\" w:after=\"0\"/><w:jc w:val=\"\(align)\"/></w:pPr>"
        + "<w:r>\(run)<w:t xml:space=\"preserve\">\(esc(text))</w:t></w:r></w:p>"
    }
    if let title { body += paragraph(title, bold: true, align: "center", keepNext: true) }
    let widths = wordColumnWidths
    body += "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:jc w:val=\"center\"/>"
    body += "<w:tblW w:w=\"\(widths.reduce(0, +))\" w:type=\"dxa\"/>"
    body += "<w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/>"
    body += "<w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr>"
    body += "<w:tblGrid>" + widths.map { "<w:gridCol w:w=\"\($0)\"/>" }.joined() + "</w:tblGrid>"
    for row in wordRows {
      // tblHeader: the row repeats at the top of each page; cantSplit: it never breaks across
      // pages, so an estimate stays with its standard error; keepNext on the header's paragraphs
      // keeps the header with the first row of the body.
      body += "<w:tr><w:trPr><w:cantSplit/>" + (row.header ? "<w:tblHeader/>" : "") + "</w:trPr>"
      for (j, lines) in row.cells.enumerated() {
        var borders = ""
        if row.ruleAbove > 0 { borders += "<w:top w:val=\"single\" w:sz=\"\(row.ruleAbove * 6)\" w:space=\"0\" w:color=\"000000\"/>" }
        if row.ruleBelow > 0 {
          borders += "<w:bottom w:val=\"single\" w:sz=\"\(row.ruleBelow * 6)\" w:space=\"0\" w:color=\"000000\"/>"
        }
        body += "<w:tc><w:tcPr><w:tcW w:w=\"\(j < widths.count ? widths[j] : 1000)\" w:type=\"dxa\"/>"
        body += (borders.isEmpty ? "" : "<w:tcBorders>" + borders + "</w:tcBorders>") + "</w:tcPr>"
        for line in lines {
          body += paragraph(line, bold: row.bold, align: j == 0 ? "left" : "center", keepNext: row.header)
        }
        body += "</w:tc>"
      }
      body += "</w:tr>"
    }
    body += "</w:tbl>"
    for note in notes { body += paragraph(note, size: Int((Double(wordHalfPoints) * 0.8).rounded()), align: "left") }
    let page = wordPage
    let orientation = options.landscape ? " w:orient=\"landscape\"" : ""
    return """
      <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
      <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)<w:sectPr><w:pgSz w:w="\(page.width)" w:h="\(page.height)"\(orientation)/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>

      """
  }

  static let docxContentTypes = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>

    """

  static let docxRootRelationships = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>

    """

  static let docxDocumentRelationships = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>

    """

  static func docxStyles(_ halfPoints: Int) -> String {
    """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="SimSun" w:cs="Times New Roman"/><w:sz w:val="\(halfPoints)"/><w:szCs w:val="\(halfPoints)"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>

    """
  }
}
