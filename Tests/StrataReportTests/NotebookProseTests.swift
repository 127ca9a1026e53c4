import StrataReport
import Testing

/// The notebook's Markdown prose as HTML: backslash escapes give the character itself.
@Suite("Notebook prose to HTML")
struct NotebookProseTests {
  static func body(_ markdown: String) -> String {
    NotebookDocument(parsing: markdown).html(title: "t", outputs: [])
  }

  @Test func backslashEscapesAreLiteral() {
    let html = Self.body("Stars: \\* p < 0.05, \\*\\* p < 0.01, \\*\\*\\* p < 0.001; a \\_name\\_ and \\`tick\\`.\n")
    #expect(html.contains("Stars: * p &lt; 0.05, ** p &lt; 0.01, *** p &lt; 0.001; a _name_ and `tick`."))
    #expect(!html.contains("\\*"))
    #expect(!html.contains("<em>"))
  }

  @Test func markupStillWorks() {
    let html = Self.body("Some **bold**, *italic* and `code`; a backslash before a letter stays: \\n.\n")
    #expect(html.contains("<strong>bold</strong>"))
    #expect(html.contains("<em>italic</em>"))
    #expect(html.contains("<code>code</code>"))
    #expect(html.contains("stays: \\n."))
  }
}

/// Plots inlined in one HTML page keep their own clip paths.
@Suite("Notebook plots in HTML")
struct NotebookPlotIDTests {
  @Test func idsAreScopedPerPlot() {
    let svg = "<svg viewBox=\"0 0 10 10\"><clipPath id=\"panel-0\"><rect/></clipPath><g clip-path=\"url(#panel-0)\"><use href=\"#panel-0\"/></g></svg>\n"
    let doc = NotebookDocument(parsing: "# T\n\n```strata\nstrata plot coef a.json\n```\n\n```strata\nstrata plot coef b.json\n```\n")
    let html = doc.html(title: "T", outputs: [[.plot(path: "p1.svg", svg: svg)], [.plot(path: "p2.svg", svg: svg)]])
    #expect(html.contains("id=\"plot1-panel-0\"") && html.contains("url(#plot1-panel-0)") && html.contains("href=\"#plot1-panel-0\""))
    #expect(html.contains("id=\"plot2-panel-0\"") && html.contains("url(#plot2-panel-0)") && html.contains("href=\"#plot2-panel-0\""))
    #expect(!html.contains("id=\"panel-0\""))
    #expect(html.contains("figure.strata-plot svg { max-width: 100%; height: auto; }"))
  }
}
