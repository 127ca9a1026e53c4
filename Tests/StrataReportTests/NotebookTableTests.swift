import Foundation
import StrataData
@testable import StrataReport
import Testing

/// How a notebook turns a command's text into tables (`RenderedTables`), and the one label set
/// (`DataLabels`) the text reports share.
@Suite("Notebook tables from text reports, and data labels")
struct NotebookTableTests {
  static let table = Table(
    title: "Estimates",
    columns: [.init("", alignment: .left), .init("Estimate"), .init("Std. Err.")],
    rows: [["pension", "0.358", "0.0071"], ["a|b", "1", "2"]], notes: ["Note: normal intervals."])

  /// A report's header and notes stay text; its table, drawn through `TextRenderer`, becomes
  /// a Markdown and an HTML table from the same `Table` value.
  @Test func tablesInTheOutputBecomeTables() throws {
    let recorder = RenderedTables()
    let text = RenderedTables.$current.withValue(recorder) {
      "Survey mean\nData: x.csv\n\n" + TextRenderer.render(Self.table) + "Intervals: normal.\n"
    }
    #expect(text == "Survey mean\nData: x.csv\n\n" + TextRenderer.render(Self.table) + "Intervals: normal.\n")
    let outputs = recorder.outputs(of: text)
    try #require(outputs.count == 3)
    guard case .text(let head) = outputs[0], case .table(let markdown, let html) = outputs[1],
      case .text(let tail) = outputs[2]
    else {
      Issue.record("expected text, table, text: \(outputs)")
      return
    }
    #expect(head == "Survey mean\nData: x.csv\n")
    #expect(tail == "Intervals: normal.\n")
    #expect(
      markdown == "**Estimates**\n\n|  | Estimate | Std. Err. |\n|:---|---:|---:|\n| pension | 0.358 | 0.0071 |\n"
        + "| a\\|b | 1 | 2 |\n\nNote: normal intervals.  \n")
    #expect(html.hasPrefix("<table class=\"strata-models\">\n<caption>Estimates</caption>\n"))
    #expect(html.contains("<tr><td class=\"label\">pension</td><td>0.358</td><td>0.0071</td></tr>"))
  }

  /// Without a recorder nothing is recorded; a recorded table missing from the output (drawn
  /// for another purpose, or changed after drawing) leaves the whole output as text.
  @Test func tablesNotInTheOutputStayText() throws {
    _ = TextRenderer.render(Self.table)
    let recorder = RenderedTables()
    let drawn = RenderedTables.$current.withValue(recorder) { TextRenderer.render(Self.table) }
    #expect(recorder.tables.count == 1)
    let indented = drawn.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    let outputs = recorder.outputs(of: "Header\n" + indented)
    try #require(outputs.count == 1)
    guard case .text(let text) = outputs[0] else {
      Issue.record("expected text: \(outputs)")
      return
    }
    #expect(text == "Header\n" + indented)
    #expect(RenderedTables().outputs(of: "").isEmpty)
  }

  /// Variable labels, value labels of numeric codes, and term labels as coefficient tables
  /// show them, from one `DataLabels` value.
  @Test func dataLabels() {
    let labels = DataLabels(columns: [
      (name: "migrant", label: "Away from home", values: [0: "local", 1: "migrant"]),
      (name: "educ", label: "Years of schooling", values: [:]),
      (name: "region", label: nil, values: [2: "North"]),
      (name: "x", label: "", values: [:]),
    ])
    #expect(labels.variable("educ") == "Years of schooling")
    #expect(labels.variable("x") == "x")
    #expect(labels.variable("nosuch") == "nosuch")
    #expect(labels.value("migrant", "1") == "migrant")
    #expect(labels.value("migrant", "1.0") == "migrant")
    #expect(labels.value("migrant", "7") == "7")
    #expect(labels.value("educ", "12") == "12")
    #expect(labels.variableLabels == ["migrant": "Away from home", "educ": "Years of schooling"])
    #expect(!labels.isEmpty && DataLabels.none.isEmpty)
    #expect(
      labels.terms(["educ", "migrant1", "educ:migrant1", "region2", "x", "(Intercept)"]) == [
        "educ": "Years of schooling", "migrant1": "Away from home: migrant",
        "educ:migrant1": "Years of schooling × Away from home: migrant", "region2": "region: North",
      ])
  }
}
