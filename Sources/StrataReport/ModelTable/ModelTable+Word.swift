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
  private var wordRows: [(cells: [String], bold: Bool, ruleAbove: Int, ruleBelow: Int)] {
    var out: [(cells: [String], bold: Bool, ruleAbove: Int, ruleBelow: Int)] = []
    let lines = headerLines
    for (i, h) in lines.enumerated() {
      out.append(([""] + h, i == 0, i == 0 ? 2 : 0, i == lines.count - 1 ? 1 : 0))
    }
    var previous: RowKind?
    for (i, r) in rows.enumerated() {
      let first = r.kind == .statistic && previous != nil && previous != .statistic
      out.append(([r.label] + r.cells, false, first ? 1 : 0, i == rows.count - 1 ? 2 : 0))
      previous = r.kind
    }
    return out
  }

  /// An RTF document holding a real table (Word and LibreOffice open it as one), Times New Roman
  /// for Latin text and SimSun for Chinese.
  public func rtf() -> String {
    var out = "{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1\n"
    out += "{\\fonttbl{\\f0\\froman\\fcharset0 Times New Roman;}{\\f1\\fnil\\fcharset134 SimSun;}}\n"
    out += "\\paperw11906\\paperh16838\\margl1440\\margr1440\\f0\\fs20\n"
    if let title { out += "\\pard\\qc\\b " + Self.rtfText(title) + "\\b0\\par\n" }
    let labelWidth = 3400
    let cellWidth = 1700
    for row in wordRows {
      out += "\\trowd\\trgaph108\\trleft0\\trqc\n"
      for j in 0..<row.cells.count {
        if row.ruleAbove > 0 { out += "\\clbrdrt\\brdrs\\brdrw\(row.ruleAbove * 10)" }
        if row.ruleBelow > 0 { out += "\\clbrdrb\\brdrs\\brdrw\(row.ruleBelow * 10)" }
        out += "\\cellx\(labelWidth + j * cellWidth)\n"
      }
      for (j, cell) in row.cells.enumerated() {
        out += "\\pard\\intbl" + (j == 0 ? "\\ql " : "\\qc ")
        out += (row.bold ? "\\b " : "") + Self.rtfText(cell) + (row.bold ? "\\b0" : "") + "\\cell\n"
      }
      out += "\\row\n"
    }
    for note in notes { out += "\\pard\\ql\\fs16 " + Self.rtfText(note) + "\\fs20\\par\n" }
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
      ("word/_rels/document.xml.rels", Self.docxDocumentRelationships), ("word/styles.xml", Self.docxStyles),
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
    func paragraph(_ text: String, bold: Bool = false, size: Int? = nil, align: String) -> String {
      var run = ""
      if bold || size != nil {
        run = "<w:rPr>" + (bold ? "<w:b/>" : "") + (size.map { "<w:sz w:val=\"\($0)\"/><w:szCs w:val=\"\($0)\"/>" } ?? "")
          + "</w:rPr>"
      }
      return "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"0\"/><w:jc w:val=\"\(align)\"/></w:pPr>"
        + "<w:r>\(run)<w:t xml:space=\"preserve\">\(esc(text))</w:t></w:r></w:p>"
    }
    if let title { body += paragraph(title, bold: true, align: "center") }
    let columns = headers.count + 1
    let labelWidth = 3400
    let cellWidth = 1700
    body += "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:jc w:val=\"center\"/>"
    body += "<w:tblW w:w=\"\(labelWidth + cellWidth * headers.count)\" w:type=\"dxa\"/>"
    body += "<w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/>"
    body += "<w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr>"
    body += "<w:tblGrid>" + (0..<columns).map { "<w:gridCol w:w=\"\($0 == 0 ? labelWidth : cellWidth)\"/>" }.joined()
      + "</w:tblGrid>"
    for row in wordRows {
      body += "<w:tr>"
      for (j, cell) in row.cells.enumerated() {
        var borders = ""
        if row.ruleAbove > 0 { borders += "<w:top w:val=\"single\" w:sz=\"\(row.ruleAbove * 6)\" w:space=\"0\" w:color=\"000000\"/>" }
        if row.ruleBelow > 0 {
          borders += "<w:bottom w:val=\"single\" w:sz=\"\(row.ruleBelow * 6)\" w:space=\"0\" w:color=\"000000\"/>"
        }
        body += "<w:tc><w:tcPr><w:tcW w:w=\"\(j == 0 ? labelWidth : cellWidth)\" w:type=\"dxa\"/>"
        body += (borders.isEmpty ? "" : "<w:tcBorders>" + borders + "</w:tcBorders>") + "</w:tcPr>"
        body += paragraph(cell, bold: row.bold, align: j == 0 ? "left" : "center") + "</w:tc>"
      }
      body += "</w:tr>"
    }
    body += "</w:tbl>"
    for note in notes { body += paragraph(note, size: 16, align: "left") }
    return """
      <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
      <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>

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

  static let docxStyles = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="SimSun" w:cs="Times New Roman"/><w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>

    """
}
