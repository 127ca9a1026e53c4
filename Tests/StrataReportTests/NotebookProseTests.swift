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
