import StrataReport
import Testing

/// Text output fitted to a terminal's width (issue 20, "The terminal and the files"): notes
/// wrap at word boundaries, label columns narrow (labels wrap, names are abbreviated with `~`),
/// tables too wide split into panels, East Asian characters count two columns.
@Suite("Text output within the terminal's width")
struct TextWidthTests {
  func widest(_ text: String) -> Int {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { displayWidth(String($0)) }.max() ?? 0
  }

  @Test func notesWrapAtWordBoundariesUnderTheirLabel() {
    let note = "Note: the instruments are strong by the first-stage F statistic, and the overidentifying restrictions are not rejected."
    let lines = TextLayout.wrap(note, width: 40)
    #expect(lines == [
      "Note: the instruments are strong by the",
      "      first-stage F statistic, and the",
      "      overidentifying restrictions are",
      "      not rejected.",
    ])
    // Words are kept whole and in order.
    #expect(lines.joined(separator: " ").split(separator: " ") == note.split(separator: " "))
    // A line that fits is unchanged, trailing spaces and all.
    #expect(TextLayout.wrap("short  ", width: 40) == ["short  "])
    // An indented line continues at its indentation.
    #expect(TextLayout.wrap("    alpha beta gamma delta", width: 16) == ["    alpha beta", "    gamma delta"])
  }

  @Test func aWordWiderThanTheLineIsCutNotDropped() {
    let path = "Data: " + String(repeating: "x", count: 50)
    let lines = TextLayout.wrap(path, width: 20)
    #expect(lines.allSatisfy { displayWidth($0) <= 20 })
    #expect(lines.map { $0.replacingOccurrences(of: " ", with: "") }.joined() == path.replacingOccurrences(of: " ", with: ""))
  }

  @Test func chineseCharactersCountTwoColumns() {
    let label = "Note: 平台工作者的参与意愿随负担上升而下降 workers' willingness falls as the burden rises"
    let lines = TextLayout.wrap(label, width: 30)
    #expect(lines.allSatisfy { displayWidth($0) <= 30 }, "\(lines)")
    #expect(lines.count >= 3)
    #expect(displayWidth("女性") == 4)
  }

  @Test func namesAreAbbreviatedLikeStata() {
    #expect(TextLayout.abbreviate("factor(region)Northeast", width: 12) == "factor~heast")
    #expect(displayWidth(TextLayout.abbreviate("factor(region)Northeast:income", width: 16)) == 16)
    #expect(TextLayout.abbreviate("income", width: 12) == "income")
    // A label with spaces wraps; a single name is abbreviated.
    #expect(TextLayout.cellLines("Log of household income", width: 12) == ["Log of", "household", "income"])
    #expect(TextLayout.cellLines("log(household_income)", width: 12) == ["log(ho~come)"])
  }

  @Test func fitLeavesShortTextAndZeroWidthAlone() {
    let text = "a\n" + String(repeating: "word ", count: 40) + "\n"
    #expect(TextLayout.fit("a\nb\n", width: 10) == "a\nb\n")
    #expect(TextLayout.fit(text, width: 0) == text)
    let fitted = TextLayout.fit(text, width: 60)
    #expect(widest(fitted) <= 60)
    #expect(fitted.hasSuffix("\n"))
    #expect(fitted.split(whereSeparator: { $0 == " " || $0 == "\n" }) == text.split(whereSeparator: { $0 == " " || $0 == "\n" }))
  }

  @Test func formulaLinesTakeTheTaskWidth() {
    let formula = "y ~ " + (1...30).map { "x\($0)" }.joined(separator: " + ")
    let wide = TextLayout.labelled("Formula:     ", formula)
    #expect(widest(wide) <= 100)
    #expect(wide.split(separator: "\n").count >= 2)
    let narrow = TextLayout.$width.withValue(60) { TextLayout.labelled("Formula:     ", formula) }
    #expect(widest(narrow) <= 60)
    #expect(narrow.split(separator: "\n").count > 2)
    let unlimited = TextLayout.$width.withValue(0) { TextLayout.labelled("Formula:     ", formula) }
    #expect(unlimited == "Formula:     " + formula + "\n")
  }

  func coefficientTable(labels: [String], columns: Int = 4) -> Table {
    var table = Table(
      columns: [Table.Column("", alignment: .left)] + (0..<columns).map { Table.Column("Column \($0 + 1)") },
      notes: ["Standard errors from the design (Taylor linearization), with the finite population correction; stars mark p-values below the thresholds."])
    for (i, label) in labels.enumerated() {
      table.rows.append([label] + (0..<columns).map { String(format: "%.6f", Double(i + 1) * 1.234567 * Double($0 + 1)) })
    }
    return table
  }

  @Test func aWideLabelColumnNarrowsKeepingOneRowPerEstimate() {
    let labels = [
      "(Intercept)", "factor(platform)Ride-hailing:log(household_income_per_capita)",
      "Weekly hours of platform work (每周平台工作小时数)", "burden",
    ]
    let table = coefficientTable(labels: labels)
    let unlimited = TextRenderer.render(table, width: 0)
    #expect(widest(unlimited) > 60)
    let text = TextRenderer.render(table, width: 60)
    #expect(widest(text) <= 60, "\(text)")
    let lines = text.split(separator: "\n").map(String.init)
    // The single name is abbreviated on its row; the label with spaces wraps onto lines of its own.
    #expect(lines.contains { $0.hasPrefix("factor(") && $0.contains("~") && $0.contains("2.469134") })
    let hours = try? #require(lines.firstIndex { $0.hasPrefix("Weekly") })
    if let hours {
      #expect(lines[hours].contains("3.703701"))
      #expect(!lines[hours + 1].contains("."))
    }
    // Every number is still there, as often as before.
    func numbers(_ s: String) -> [String] {
      s.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).filter { $0.contains(".") && $0.first?.isNumber == true }.sorted()
    }
    #expect(numbers(text) == numbers(unlimited))
    #expect(numbers(text).count == 16)
  }

  @Test func tablesTooWideSplitIntoPanelsRepeatingTheLabels() {
    let table = coefficientTable(labels: ["(Intercept)", "income", "burden"], columns: 9)
    let text = TextRenderer.render(table, width: 60)
    #expect(widest(text) <= 60, "\(text)")
    let headers = text.split(separator: "\n").filter { $0.contains("Column") }
    #expect(headers.count >= 2)
    for j in 1...9 { #expect(text.contains("Column \(j)")) }
    // Each panel repeats every label.
    #expect(text.components(separatedBy: "income").count - 1 == headers.count)
    // Default width is 100: the same table fits there in fewer panels.
    let wide = TextRenderer.render(table)
    #expect(widest(wide) <= 100)
    #expect(wide.split(separator: "\n").filter { $0.contains("Column") }.count < headers.count)
  }

  @Test func aTableThatFitsIsUnchanged() {
    var table = coefficientTable(labels: ["a", "b"], columns: 2)
    table.notes = ["A short note."]
    #expect(TextRenderer.render(table, width: 60) == TextRenderer.render(table, width: 0))
  }
}
