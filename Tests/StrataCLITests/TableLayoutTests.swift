import Foundation
import Testing
import _StrataTestSupport

/// The three design-based fits of the flagship study (probit, logit, LPM of pension participation
/// on `flexwork.dta`, bilingual variable labels), saved by `Tests/Fixtures/tables/make_fixtures.sh`.
let flagshipTrio = [
  "Tests/Fixtures/tables/probit.json", "Tests/Fixtures/tables/logit.json", "Tests/Fixtures/tables/lpm.json",
  "--names", "Probit,Logit,LPM",
]

/// The behavioural and market terms, the rows of the flagship's coefficient plot.
let flagshipKeep = ["--keep", "knowledge,know_channel,present_bias,discount,income_cv,burden,contract*,copay,union,migrant"]

/// Widths in points of the `Overfull \hbox (W pt too wide)` lines of a TeX log.
func overfullBoxes(_ log: String) -> [Double] {
  log.components(separatedBy: "\n").compactMap { line in
    guard line.hasPrefix("Overfull \\hbox ("), let end = line.range(of: "pt too wide") else { return nil }
    return Double(line[line.index(line.startIndex, offsetBy: 16)..<end.lowerBound])
  }
}

/// The `word/document.xml` of a `.docx` strata wrote (entries are stored, not deflated).
func docxDocumentXML(_ data: Data) -> String? {
  let text = String(decoding: data, as: UTF8.self)
  guard let start = text.range(of: "<w:document"), let end = text.range(of: "</w:document>") else { return nil }
  return String(text[start.lowerBound..<end.upperBound])
}

@Suite("strata table: esttab controls, page layout and compiled LaTeX")
struct TableLayoutTests {
  @Test func misspelledKeepIsAnError() throws {
    let run = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--keep", "educc"])
    #expect(run.status == 1)
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.contains("warning: keep pattern 'educc' matches no term"))
    #expect(
      run.stderr.contains(
        "--keep 'educc' leaves no term in the table; the terms are: (Intercept), nwifeinc, educ, exper, I(exper^2), age, kidslt6, kidsge6"
      ), "\(run.stderr)")
  }

  @Test func selectionsThatMatchNothingWarn() throws {
    let labels = try temporaryFile("labels.csv", "term,label\neduc,Schooling\nedcu,Typo\n")
    let run = try runStrata([
      "table", "Tests/Fixtures/report/lpm.json", "--keep", "educ,kids*,expr", "--drop", "kidsge7", "--labels", labels,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stderr == """
        strata: warning: keep pattern 'expr' matches no term
        strata: warning: drop pattern 'kidsge7' matches no term or statistic
        strata: warning: label for 'edcu' matches no term

        """)
    #expect(run.stdout.contains("Schooling"))
  }

  @Test func quotedCSVLabels() throws {
    let labels = try temporaryFile(
      "labels.csv",
      "term,label\r\n\"educ\",\"Schooling, in years (\"\"grade\"\")\"\r\nkidslt6,\"Kids < 6, at home\"\r\nage,Age (\"years\")\r\n")
    let run = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--labels", labels, "--keep", "educ,kidslt6,age"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("Schooling, in years (\"grade\")  0.038***"))
    #expect(run.stdout.contains("Kids < 6, at home"))
    // A quote inside an unquoted label is taken as written.
    #expect(run.stdout.contains("Age (\"years\")"))
    #expect(run.stderr.isEmpty)

    for (text, message) in [
      ("educ,\"open\n", "labels file LABELS, line 1: a quoted field is not closed"),
      ("educ,Schooling, in years\n", "labels file LABELS, line 1: expected term,label (3 fields; quote a label that holds commas)"),
      ("educ,a\nexper,\"b\"c\n", "labels file LABELS, line 2: text after a closing quote"),
      ("educ,a\neduc,b\n", "labels file LABELS, line 2: 'educ' is labelled twice"),
    ] {
      let bad = try temporaryFile("bad.csv", text)
      let run = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--labels", bad])
      #expect(run.status == 1)
      #expect(run.stderr.contains(message.replacingOccurrences(of: "LABELS", with: bad)), "\(run.stderr)")
    }
  }

  @Test func statsAndRename() throws {
    let run = try runStrata([
      "table", "Tests/Fixtures/report/lpm.json", "Tests/Fixtures/report/logit.json", "--keep", "schooling",
      "--rename", "educ=schooling", "--stats", "n,df,ll,aic",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stdout == """
        --------------------------------------
                              (1)       (2)
                              ols      logit
                              inlf      inlf
        --------------------------------------
        schooling           0.038***  0.221***
                            (0.007)   (0.043)
        --------------------------------------
        Observations          753       753
        Degrees of freedom    745        ∞
        Log-likelihood      -423.892  -401.765
        AIC                 865.785   819.530
        --------------------------------------
        Standard errors in parentheses. * p < 0.1, ** p < 0.05, *** p < 0.01.

        """)
    let none = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--stats", "none", "--drop", "kid*"])
    #expect(none.status == 0)
    #expect(!none.stdout.contains("Observations") && !none.stdout.contains("kidslt6") && none.stdout.contains("educ"))
    let dropped = try runStrata(["table", "Tests/Fixtures/report/lpm.json", "--drop", "aic,Log-likelihood,vce"])
    #expect(dropped.status == 0)
    #expect(!dropped.stdout.contains("AIC") && !dropped.stdout.contains("Log-likelihood") && !dropped.stdout.contains("hc1"))
    #expect(dropped.stdout.contains("Adjusted R²"))

    for (arguments, message) in [
      (["--stats", "n,bic"], "--stats: no statistic 'bic' (choose from n, r2, r2_a, pr2, ll, aic, df, vce, design, or none)"),
      (["--rename", "educ"], "--rename: 'educ' is not old=new"),
      (["--font-size", "0"], "--font-size must be between 4 and 72 points"),
    ] {
      let bad = try runStrata(["table", "Tests/Fixtures/report/lpm.json"] + arguments)
      #expect(bad.status != 0)
      #expect(bad.stderr.contains(message), "\(bad.stderr)")
    }
  }

  /// Design-based fits: no weighted pseudo-log-likelihood or AIC unless asked for, as Stata's `svy:`.
  @Test func designFitsShowNoPseudoLikelihood() throws {
    let run = try runStrata(["table"] + flagshipTrio + flagshipKeep)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stdout.contains("Log-likelihood") && !run.stdout.contains("AIC"))
    #expect(run.stdout.contains("Design"))
    let asked = try runStrata(["table"] + flagshipTrio + flagshipKeep + ["--stats", "n,ll"])
    #expect(asked.stdout.contains("Log-likelihood"))
  }

  /// A fit's coefficients and its AMEs side by side: one row per variable.
  @Test func coefficientsAndMarginsShareRows() throws {
    let dir = try temporaryDirectory()
    let margins = dir.appendingPathComponent("ame.json").path
    let m = try runStrata(["margins", "Tests/Fixtures/tables/probit.json", "--format", "json", "--output", margins])
    #expect(m.status == 0, "\(m.stderr)")
    // The AME row "contract (outsourced vs none)" takes the data's label of the coefficient
    // "contractoutsourced" (no label file needed), so both share its row.
    let run = try runStrata([
      "table", "Tests/Fixtures/tables/probit.json", margins, "--names", "Coefficient,AME", "--keep",
      "knowledge,contractoutsourced,contract (outsourced vs none)", "--stats", "n",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.components(separatedBy: "\n")
    // The fit's label names both rows; each holds the coefficient and the AME.
    let knowledge = try #require(lines.first { $0.hasPrefix("政策知识得分（0-10）Policy-knowledge score (0-10)") })
    #expect(knowledge.contains("0.078***") && knowledge.hasSuffix("0.022***"), "\(knowledge)")
    let contract = try #require(lines.first { $0.hasPrefix("用工形式 Contract type: outsourced") })
    #expect(contract.contains("0.089*") && contract.hasSuffix("0.025*"), "\(contract)")
    #expect(lines.filter { $0.hasPrefix("用工形式") }.count == 1)
    #expect(lines.filter { $0.hasPrefix("contract") }.isEmpty)
    #expect(run.stderr.isEmpty, "\(run.stderr)")
  }

  @Test func docxAndRTFPageProperties() throws {
    let dir = try temporaryDirectory()
    let path = dir.appendingPathComponent("trio.docx").path
    let run = try runStrata(["table"] + flagshipTrio + ["--format", "docx", "--output", path])
    #expect(run.status == 0, "\(run.stderr)")
    let xml = try #require(docxDocumentXML(try Data(contentsOf: URL(fileURLWithPath: path))))
    let rows = xml.components(separatedBy: "<w:tr>").dropFirst()
    // Three header rows, 34 terms (each estimate with its error in one row), 6 statistics.
    #expect(rows.count == 3 + 34 + 6)
    #expect(rows.allSatisfy { $0.hasPrefix("<w:trPr><w:cantSplit/>") })
    #expect(rows.filter { $0.contains("<w:tblHeader/>") }.count == 3)
    #expect(rows.prefix(3).allSatisfy { $0.contains("<w:tblHeader/>") })
    let rtf = try runStrata(["table"] + flagshipTrio + ["--format", "rtf"]).stdout
    #expect(rtf.components(separatedBy: "\\trhdr").count - 1 == 3)
    #expect(rtf.components(separatedBy: "\\trkeep").count == rtf.components(separatedBy: "\\trowd").count)
    #expect(rtf.contains("\\pard\\intbl\\qc 0.078***\\line (0.013)\\cell"))
  }

  static func compile(_ engine: String, tex: String, in dir: URL) throws -> (status: Int32, log: String) {
    try Data(tex.utf8).write(to: dir.appendingPathComponent("table.tex"))
    let (status, output) = try runProgram(engine, ["-interaction=nonstopmode", "-halt-on-error", "table.tex"], in: dir)
    let log = (try? String(contentsOf: dir.appendingPathComponent("table.log"), encoding: .utf8)) ?? output
    return (status, log)
  }

  /// The golden pair and the flagship's three models with their long bilingual labels compile
  /// under xelatex (ctex) and pdflatex (CJKutf8) without a line wider than the text (1 pt slack).
  @Test(arguments: ["xelatex", "pdflatex"])
  func latexFitsThePage(_ engine: String) throws {
    guard let program = executable(engine) else {
      print("skipped: \(engine) is not installed (apt-get install texlive-xetex texlive-lang-chinese latex-cjk-chinese)")
      return
    }
    let cases: [[String]] = [
      ["table"] + reportPair,
      ["table"] + flagshipTrio + flagshipKeep,
      // A landscape page is wider and lower: fewer rows.
      ["table"] + flagshipTrio + ["--keep", "knowledge,burden,contract*", "--landscape", "--font-size", "9", "--ci"],
      // Every term: a longtable over pages (two runs, as longtable settles its widths).
      ["table"] + flagshipTrio + ["--longtable", "--title", "Pension participation"],
    ]
    for arguments in cases {
      let run = try runStrata(arguments + ["--format", "latex"])
      #expect(run.status == 0, "\(run.stderr)")
      let dir = try temporaryDirectory()
      var (status, log) = try Self.compile(program, tex: run.stdout, in: dir)
      if arguments.contains("--longtable") {
        (status, log) = try Self.compile(program, tex: run.stdout, in: dir)
        #expect(!log.contains("Column widths have changed"), "\(engine): longtable widths do not settle")
        #expect(log.contains("table.pdf (2 pages") || log.contains("table.pdf (3 pages"), "\(engine): not over pages")
      }
      #expect(status == 0, "\(engine) failed on \(arguments):\n\(log.suffix(3000))")
      let wide = overfullBoxes(log).filter { $0 > 1 }
      #expect(wide.isEmpty, "\(engine): overfull boxes \(wide) pt in \(arguments)")
      #expect(!log.contains("Missing character"), "\(engine): a character has no glyph in \(arguments)")
      #expect(!log.contains("Float too large"), "\(engine): the table is taller than the page in \(arguments)")
    }
  }
}
