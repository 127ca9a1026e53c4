import Foundation
@testable import StrataReport
import Testing

/// The esttab/modelsummary controls of `ModelTable` (renames, statistics, warnings, rows shared
/// by label) and the page properties of its Word, RTF and LaTeX renderings.
@Suite("Model tables: selections, statistics and page layout")
struct ModelTableControlsTests {
  static func estimate(_ term: String, _ b: Double, _ se: Double) -> ModelSummary.Estimate {
    ModelSummary.Estimate(
      term: term, estimate: b, stdError: se, statistic: b / se, pValue: 0.5, confLow: b - 2 * se, confHigh: b + 2 * se)
  }

  /// A classical fit and a design-based one (log-likelihood and AIC present in both files).
  static let ols = ModelSummary(
    name: "(1)", model: "ols", dependent: "y", estimates: [estimate("(Intercept)", 1, 0.5), estimate("x", 2, 0.25)],
    nobs: 100, rSquared: 0.5, logLik: -120.5, aic: 247, variance: "classical", degreesOfFreedom: 98)
  static let svy = ModelSummary(
    name: "(2)", model: "logit", dependent: "y", estimates: [estimate("(Intercept)", 0.5, 0.25), estimate("x", 1, 0.125)],
    nobs: 100, pseudoRSquared: 0.2, logLik: -4.2e9, aic: 8.4e9, variance: "design-based", design: "2 strata, 10 PSUs",
    usesNormal: false, degreesOfFreedom: 8)

  static func labels(_ t: ModelTable) -> [String] { t.rows.map(\.label) }

  @Test func designFitsShowNoPseudoLikelihoodByDefault() {
    let t = ModelTable(models: [Self.ols, Self.svy])
    let ll = t.rows.first { $0.label == "Log-likelihood" }
    #expect(ll?.cells == ["-120.500", ""])
    #expect(t.rows.first { $0.label == "AIC" }?.cells == ["247.000", ""])
    // Only design-based fits: no row at all.
    let only = ModelTable(models: [Self.svy])
    #expect(!Self.labels(only).contains("Log-likelihood") && !Self.labels(only).contains("AIC"))
    #expect(!Self.labels(only).contains("Degrees of freedom"))
    #expect(Self.labels(only).contains("Design"))
  }

  @Test func statisticsChosenByKey() {
    let t = ModelTable(models: [Self.ols, Self.svy], options: ModelTableOptions(statistics: ["df", "ll", "n"]))
    #expect(t.rows.filter { $0.kind == .statistic }.map(\.label) == ["Degrees of freedom", "Log-likelihood", "Observations"])
    // Asked for, the design-based pseudo-log-likelihood is shown.
    #expect(t.rows.first { $0.label == "Log-likelihood" }?.cells == ["-120.500", "-4200000000.000"])
    #expect(t.rows.first { $0.label == "Degrees of freedom" }?.cells == ["98", "8"])
    #expect(t.warnings.isEmpty)
    let none = ModelTable(
      models: [Self.ols], options: ModelTableOptions(addedRows: [("Source", ["test"])], statistics: []))
    #expect(none.rows.filter { $0.kind == .statistic }.map(\.label) == ["Source"])
  }

  @Test func dropRemovesStatisticsByKeyOrLabel() {
    let t = ModelTable(
      models: [Self.ols], options: ModelTableOptions(drop: ["aic", "Std. errors", "R*"], addedRows: [("Rows", ["1"])]))
    #expect(t.rows.filter { $0.kind == .statistic }.map(\.label) == ["Observations", "Log-likelihood"])
    #expect(t.rows.filter { $0.kind == .estimate }.map(\.label) == ["(Intercept)", "x"])
    #expect(t.warnings.isEmpty)
  }

  @Test func selectionsThatMatchNothingWarn() {
    let t = ModelTable(
      models: [Self.ols, Self.svy],
      options: ModelTableOptions(
        keep: ["x", "xx*"], drop: ["zz"], order: ["w"], labels: ["x": "The x", "q": "Q"], rename: [("v", "u")]))
    #expect(
      t.warnings == [
        "rename v=u: no model has a term 'v'", "keep pattern 'xx*' matches no term",
        "drop pattern 'zz' matches no term or statistic", "order pattern 'w' matches no term",
        "label for 'q' matches no term",
      ])
    #expect(Self.labels(t).first == "The x")
    // Every keep pattern misspelled: no term at all (the command makes this an error).
    #expect(ModelTable(models: [Self.ols], options: ModelTableOptions(keep: ["xz"])).terms.isEmpty)
  }

  @Test func renamedTermsShareARow() {
    let other = ModelSummary(name: "(3)", model: "ols", estimates: [Self.estimate("x_centered", 3, 1)])
    let t = ModelTable(
      models: [Self.ols, other], options: ModelTableOptions(rename: [("x_centered", "x")], statistics: []))
    #expect(t.rows.map(\.cells) == [["1.000", ""], ["(0.500)", ""], ["2.000", "3.000"], ["(0.250)", "(1.000)"]])
    #expect(t.warnings.isEmpty)
    // A model with both names keeps its own term and says so.
    let both = ModelSummary(name: "(4)", model: "ols", estimates: [Self.estimate("x", 1, 1), Self.estimate("z", 2, 1)])
    let clash = ModelTable(models: [both], options: ModelTableOptions(rename: [("z", "x")]))
    #expect(clash.warnings == ["rename z=x: model (4) has both terms; 'z' is not renamed there"])
    #expect(clash.rows.filter { $0.kind == .estimate }.map(\.label) == ["x", "z"])
  }

  /// A coefficient and an average marginal effect of the same factor level, under one label.
  @Test func coefficientsAndMarginsAlignByLabel() {
    let fit = ModelSummary(
      name: "Probit", model: "probit",
      estimates: [Self.estimate("(Intercept)", 1, 0.5), Self.estimate("platformB", 0.4, 0.1), Self.estimate("age", 0.1, 0.01)],
      labels: ["platformB": "Platform B", "age": "Age"])
    let ame = ModelSummary(
      name: "AME", model: "margins: dydx",
      estimates: [Self.estimate("platform (B vs A)", 0.1, 0.025), Self.estimate("age", 0.025, 0.0025)])
    let t = ModelTable(
      models: [fit, ame], options: ModelTableOptions(labels: ["platform (B vs A)": "Platform B"], statistics: []))
    #expect(Self.labels(t) == ["(Intercept)", "", "Platform B", "", "Age", ""])
    #expect(t.rows[2].cells == ["0.400", "0.100"])
    #expect(t.rows[3].cells == ["(0.100)", "(0.025)"])
    #expect(t.rows[4].cells == ["0.100", "0.025"])
    // The tidy output keeps each model's own term.
    let csv = t.csv()
    #expect(csv.contains("2,AME,platform (B vs A),Platform B,estimate,0.1"))
    #expect(csv.contains("1,Probit,platformB,Platform B,estimate,0.4"))
    // Without a label file, the AME of a factor level takes the label of the coefficient.
    let fitLabelled = ModelSummary(
      name: "Probit", model: "probit", estimates: [Self.estimate("platformB", 0.4, 0.1)], labels: ["platformB": "Platform B"])
    let auto = ModelTable(models: [fitLabelled, ame], options: ModelTableOptions(keep: ["platform*"], statistics: []))
    #expect(auto.rows.map(\.label) == ["Platform B", ""])
    #expect(auto.rows[0].cells == ["0.400", "0.100"])
    // Two terms of one model with one label stay apart.
    let same = ModelTable(models: [fit], options: ModelTableOptions(labels: ["age": "Platform B"], statistics: []))
    #expect(same.rows.filter { $0.kind == .estimate }.count == 3)
  }

  static func longLabelTable(landscape: Bool = false, fontSize: Double? = nil) -> ModelTable {
    let long = "缴费负担=最低缴费/月收入 Contribution burden: the minimum contribution as a share of monthly income"
    let m = ModelSummary(
      name: "(1)", model: "probit", dependent: "pension", estimates: [Self.estimate("burden", -1.25, 0.5), Self.estimate("age", 0.1, 0.01)],
      nobs: 10, labels: ["burden": long])
    return ModelTable(
      models: [m, m, m], options: ModelTableOptions(fontSize: fontSize, landscape: landscape))
  }

  @Test func wordTableRepeatsItsHeaderAndKeepsEstimatesWithErrors() throws {
    let t = Self.longLabelTable()
    let xml = t.docxDocument()
    let rows = xml.components(separatedBy: "<w:tr>").dropFirst()
    // Three header rows, one row per estimate (with its standard error), one statistic.
    #expect(rows.count == 3 + 2 + 1)
    // Every row is unsplittable; the three header rows repeat on each page and keep with the next.
    #expect(rows.allSatisfy { $0.hasPrefix("<w:trPr><w:cantSplit/>") })
    #expect(rows.prefix(3).allSatisfy { $0.contains("<w:tblHeader/>") && $0.contains("<w:keepNext/>") })
    #expect(!rows.dropFirst(3).contains { $0.contains("<w:tblHeader/>") })
    // An estimate and its standard error are two paragraphs of one cell, in one row.
    let burden = try #require(rows.dropFirst(3).first)
    let cells = burden.components(separatedBy: "<w:tc>").dropFirst()
    #expect(cells.count == 4)
    #expect(cells.dropFirst().allSatisfy { $0.contains(">-1.250</w:t>") && $0.contains(">(0.500)</w:t>") })
    #expect(cells.dropFirst().allSatisfy { $0.components(separatedBy: "<w:p>").count == 3 })
    // Widths from the content: the label column takes what the numbers leave of the A4 text width.
    let widths = t.wordColumnWidths
    #expect(widths.reduce(0, +) == 11906 - 2 * 1440)
    #expect(widths.dropFirst().allSatisfy { $0 < 1400 })
    #expect(xml.contains("<w:gridCol w:w=\"\(widths[0])\"/>"))
  }

  @Test func wordWidthsFollowShortLabelsAndThePage() {
    let short = ModelTable(models: [Self.ols, Self.svy])
    let widths = short.wordColumnWidths
    // "Log-likelihood" is the longest label: 14 characters of 100 twips and the padding.
    #expect(widths[0] == 14 * 100 + 276)
    let landscape = Self.longLabelTable(landscape: true)
    #expect(landscape.wordColumnWidths[0] > Self.longLabelTable().wordColumnWidths[0])
    #expect(landscape.docxDocument().contains("<w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>"))
    let small = Self.longLabelTable(fontSize: 8)
    #expect(small.rtf().contains("\\f0\\fs16\n"))
  }

  @Test func rtfRowsRepeatAndKeepTogether() {
    let rtf = Self.longLabelTable().rtf()
    let rows = rtf.components(separatedBy: "\\trowd").dropFirst()
    #expect(rows.count == 6)
    #expect(rows.allSatisfy { $0.contains("\\trkeep") })
    #expect(rows.filter { $0.contains("\\trhdr") }.count == 3)
    #expect(rows.prefix(3).allSatisfy { $0.contains("\\trhdr") && $0.contains("\\keepn") })
    let body = Array(rows.dropFirst(3))
    #expect(body[0].contains("\\pard\\intbl\\qc -1.250\\line (0.500)\\cell"))
    #expect(!body[0].contains("\\keepn"))
  }

  @Test func latexWrapsLabelsAndSetsNotesUnderTheTable() {
    let tex = Self.longLabelTable(landscape: true, fontSize: 9).latex(standalone: false)
    let lines = tex.components(separatedBy: "\n")
    #expect(lines[0] == "% strata table: needs the LaTeX packages booktabs, tabularx, threeparttable, pdflscape; for its Chinese/Japanese/Korean text ctex (xelatex, lualatex) or CJKutf8 (pdflatex).")
    #expect(lines.contains("\\begin{tabularx}{\\linewidth}{@{}>{\\raggedright\\arraybackslash}X*{3}{c}@{}}"))
    #expect(lines.contains("\\fontsize{9}{10.8}\\selectfont"))
    #expect(lines.contains("\\begin{landscape}") && lines.contains("\\end{landscape}"))
    #expect(lines.contains("\\begin{tablenotes}[flushleft]"))
    #expect(lines.contains("\\item Standard errors in parentheses. * p \\textless{} 0.1, ** p \\textless{} 0.05, *** p \\textless{} 0.01."))
    #expect(!tex.contains("\\documentclass"))
  }

  @Test func latexLongTableRepeatsItsHeader() {
    let m = Self.longLabelTable().models[0]
    let t = ModelTable(models: [m, m, m], options: ModelTableOptions(title: "T", longTable: true))
    let lines = t.latex(standalone: true).components(separatedBy: "\n")
    #expect(lines.contains("\\usepackage{longtable}") && !lines.contains("\\usepackage{threeparttable}"))
    #expect(!lines.contains("\\begin{table}[htbp]"))
    // Number columns as wide as their widest cell, "pension" (7 letters of 0.52 em), and 0.3 em,
    // rounded up to 0.1 em; the label column takes the rest of the line.
    #expect(t.latexColumnEms == [4, 4, 4])
    #expect(
      lines.contains(
        "\\begin{longtable}{@{}>{\\raggedright\\arraybackslash}p{\\dimexpr\\linewidth-6\\tabcolsep-12em\\relax}"
          + String(repeating: ">{\\centering\\arraybackslash}p{4em}", count: 3) + "@{}}"))
    #expect(lines.contains("\\caption{T}\\\\"))
    #expect(lines.filter { $0 == "\\endfirsthead" || $0 == "\\endhead" || $0 == "\\endlastfoot" }.count == 3)
    #expect(lines.filter { $0 == " & (1) & (1) & (1) \\\\" }.count == 2)
  }
}
