import Foundation
import Testing
import _StrataTestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The fixed pair of saved models behind the table goldens: Wooldridge's Table 17.1 LPM (HC1)
/// and logit on `mroz`, with a labels file that gives `educ` a Chinese label.
let reportPair = [
  "Tests/Fixtures/report/lpm.json", "Tests/Fixtures/report/logit.json", "--labels", "Tests/Fixtures/report/labels.csv",
  "--names", "LPM,Logit", "--add-row", "Source|Table 17.1|Table 17.1",
]

/// Element names and attributes of an XML document, or the parser's error.
final class XMLCollector: NSObject, XMLParserDelegate {
  var elements: [(name: String, attributes: [String: String])] = []
  var texts: [String: [String]] = [:]
  private var openClass: [String?] = []
  private var text = ""

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    elements.append((name, attributes))
    openClass.append(attributes["class"])
    text = ""
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    if let c = openClass.popLast(), let c { texts[c, default: []].append(text) }
    text = ""
  }

  /// Parses `text`; nil when it is not well-formed XML.
  static func parse(_ text: String) -> XMLCollector? {
    let parser = XMLParser(data: Data(text.utf8))
    let collector = XMLCollector()
    parser.delegate = collector
    return parser.parse() ? collector : nil
  }

  func count(_ name: String, class c: String) -> Int {
    elements.filter { $0.name == name && $0.attributes["class"] == c }.count
  }
}

/// Compares bytes with `Snapshots/<name>`; `STRATA_RECORD_SNAPSHOTS=1` re-records them.
func assertBinarySnapshot(_ data: Data, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let url = repositoryRoot.appendingPathComponent("Tests/StrataCLITests/Snapshots/\(name)")
  if ProcessInfo.processInfo.environment["STRATA_RECORD_SNAPSHOTS"] == "1" {
    try data.write(to: url)
    return
  }
  #expect(data == (try Data(contentsOf: url)), "output differs from snapshot \(name)", sourceLocation: sourceLocation)
}

/// Where a program is on PATH, if anywhere.
func executable(_ name: String) -> String? {
  for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
    let path = "\(dir)/\(name)"
    if FileManager.default.isExecutableFile(atPath: path) { return path }
  }
  return nil
}

/// Runs a program in `directory`, returning its exit status and combined output.
func runProgram(_ path: String, _ arguments: [String], in directory: URL) throws -> (Int32, String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  process.currentDirectoryURL = directory
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-report-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  return dir
}

@Suite("strata table: side-by-side models in every format")
struct ReportTableTests {
  @Test(arguments: ["text", "markdown", "latex", "html", "csv", "json", "rtf"])
  func golden(_ format: String) throws {
    let run = try runStrata(["table"] + reportPair + ["--format", format])
    #expect(run.status == 0, "\(run.stderr)")
    let ext = ["text": "txt", "markdown": "md", "latex": "tex"][format] ?? format
    try assertSnapshot(run.stdout, named: "table_pair.\(ext)")
  }

  @Test func textAlignsChineseByDisplayWidth() throws {
    let run = try runStrata(["table"] + reportPair)
    let lines = run.stdout.components(separatedBy: "\n")
    // The column of the LPM estimate ends at the same display column on the Chinese and Latin rows.
    func lpmEnd(_ prefix: String) -> Int? {
      guard let line = lines.first(where: { $0.hasPrefix(prefix) }), let r = line.range(of: "***") else { return nil }
      return displayColumns(String(line[..<r.upperBound]))
    }
    #expect(lpmEnd("受教育年限") != nil)
    #expect(lpmEnd("受教育年限") == lpmEnd("age"))
  }

  @Test func docxIsAStableWordTable() throws {
    let dir = try temporaryDirectory()
    let a = dir.appendingPathComponent("a.docx").path
    let b = dir.appendingPathComponent("b.docx").path
    for path in [a, b] {
      let run = try runStrata(["table"] + reportPair + ["--format", "docx", "--output", path])
      #expect(run.status == 0, "\(run.stderr)")
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: a))
    #expect(data == (try Data(contentsOf: URL(fileURLWithPath: b))), "two runs give different .docx bytes")
    #expect(data.prefix(2) == Data("PK".utf8))
    // Entries are stored, so their XML can be read in the archive's bytes.
    let text = String(decoding: data, as: UTF8.self)
    for needle in ["word/document.xml", "<w:tbl>", "受教育年限", "w:eastAsia=\"SimSun\"", "Table 17.1"] {
      #expect(text.contains(needle), "no \(needle) in the .docx")
    }
    try assertBinarySnapshot(data, named: "table_pair.docx")
  }

  @Test func htmlIsWellFormedXML() throws {
    let run = try runStrata(["table"] + reportPair + ["--format", "html"])
    let xml = try #require(XMLCollector.parse(run.stdout), "HTML is not well-formed")
    // A header row per header line (names, estimators, dependents), 2 rows per term, statistics.
    #expect(xml.elements.filter { $0.name == "tr" }.count == 3 + 2 * 8 + 8 + 1)
    #expect(run.stdout.contains("受教育年限"))
    #expect(!run.stdout.contains("<script") && !run.stdout.contains("href="))
  }

  @Test func latexCompilesWithPdflatex() throws {
    guard let pdflatex = executable("pdflatex") else {
      print("skipped: pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)")
      return
    }
    var arguments = ["table"] + reportPair + ["--format", "latex"]
    let dir = try temporaryDirectory()
    if let kpsewhich = executable("kpsewhich"), (try runProgram(kpsewhich, ["CJKutf8.sty"], in: dir)).0 == 0 {
      // The golden pair, Chinese label included.
    } else {
      print("note: CJKutf8.sty is absent (apt-get install latex-cjk-chinese); compiling the table without its Chinese label")
      arguments = ["table", "Tests/Fixtures/report/lpm.json", "Tests/Fixtures/report/logit.json", "--format", "latex"]
    }
    let run = try runStrata(arguments)
    try Data(run.stdout.utf8).write(to: dir.appendingPathComponent("table.tex"))
    let (status, log) = try runProgram(pdflatex, ["-interaction=nonstopmode", "-halt-on-error", "table.tex"], in: dir)
    #expect(status == 0, "pdflatex failed:\n\(log.suffix(3000))")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("table.pdf").path))
  }

  @Test func latexEscapesSpecialCharacters() throws {
    let labels = try temporaryFile("labels.csv", "term,label\nnwifeinc,Income ($1000s) & 50% _x_ #1\n")
    let run = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--labels", labels, "--format", "latex", "--fragment"])
    #expect(run.stdout.contains("Income (\\$1000s) \\& 50\\% \\_x\\_ \\#1"))
    #expect(!run.stdout.contains("\\documentclass"))
    #expect(run.stdout.contains("\\toprule") && run.stdout.contains("\\bottomrule"))
  }

  @Test func keepDropOrderAndBeneath() throws {
    let run = try runStrata([
      "table", "Tests/Fixtures/report/lpm.json", "Tests/Fixtures/report/logit.json", "--keep", "kid*,educ",
      "--order", "educ", "--ci", "--digits", "2", "--stars", "0.05", "--format", "csv",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let terms = run.stdout.components(separatedBy: "\n").dropFirst().compactMap { line -> String? in
      let f = line.split(separator: ",", omittingEmptySubsequences: false)
      return f.count > 2 && !f[2].isEmpty ? String(f[2]) : nil
    }
    var order: [String] = []
    for t in terms where !order.contains(t) { order.append(t) }
    #expect(order == ["educ", "kidslt6", "kidsge6"])
    let text = try runStrata([
      "table", "Tests/Fixtures/report/logit.json", "--keep", "educ", "--ci", "--digits", "2", "--stars", "0.05",
    ]).stdout
    // educ: 0.2211704 (z = 5.09), 95% interval [0.1360303, 0.3063105] (R confint.default).
    #expect(text.contains("0.22*"))
    #expect(text.contains("[0.14, 0.31]"))
    #expect(text.contains("95% confidence intervals in brackets. * p < 0.05."))
  }

  @Test func marginsTabulateLikeModels() throws {
    let dir = try temporaryDirectory()
    let margins = dir.appendingPathComponent("m.json").path
    let m = try runStrata(["margins", "Tests/Fixtures/report/logit.json", "--format", "json", "--output", margins])
    #expect(m.status == 0, "\(m.stderr)")
    let run = try runStrata(["table", margins, "--keep", "educ", "--names", "AME"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("margins: dydx"))
    #expect(run.stdout.contains("educ"))
  }

  @Test func badInputsAreErrors() throws {
    let notAResult = try temporaryFile("x.json", "{\"hello\": 1}")
    let run = try runStrata(["table", notAResult])
    #expect(run.status == 1)
    #expect(run.stderr.contains("is not a saved fit"))
    let docx = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--format", "docx"])
    #expect(docx.status != 0)
    #expect(docx.stderr.contains("--output"))
  }
}

/// Display columns as the text renderer counts them (East Asian wide characters are two).
func displayColumns(_ s: String) -> Int {
  s.unicodeScalars.reduce(0) { n, u in
    let v = u.value
    return n + ((0x2E80...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v) || (0xFF00...0xFF60).contains(v) ? 2 : 1)
  }
}
