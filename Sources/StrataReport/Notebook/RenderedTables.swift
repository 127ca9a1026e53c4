import Foundation

/// The tables a command drew as text while a notebook ran it, so the notebook can show each one
/// as a Markdown and an HTML table instead of preformatted text.
///
/// Every text report draws its tables through `TextRenderer.render`, which hands each `Table`
/// and the text it made to the recorder of the running task (`RenderedTables.$current`). The
/// notebook runs a command with a recorder, captures its standard output as usual, and then
/// `outputs(of:)` cuts that output at the recorded tables: the text between them stays text (the
/// header lines and notes of a report), each table becomes `.table` from the same `Table` value
/// the text shows. A table not found verbatim in the output (drawn for another purpose, or
/// changed after drawing) is left as text, so the notebook never loses or reorders a line.
///
///     let recorder = RenderedTables()
///     let text = try RenderedTables.$current.withValue(recorder) { try runCommand() }
///     let outputs = recorder.outputs(of: text)
public final class RenderedTables: @unchecked Sendable {
  /// The recorder of the command running on this task, if any.
  @TaskLocal public static var current: RenderedTables?

  private let lock = NSLock()
  private var recorded: [(table: Table, text: String)] = []

  public init() {}

  /// The tables recorded so far, with the text each was drawn as, in drawing order.
  public var tables: [(table: Table, text: String)] { lock.withLock { recorded } }

  /// Records a table and the text it was drawn as (`TextRenderer.render` calls this).
  public func record(_ table: Table, text: String) {
    lock.withLock { recorded.append((table, text)) }
  }

  /// `text` (a command's standard output) as notebook outputs: the recorded tables found in it,
  /// in order and each starting a line, become Markdown/HTML tables; the text around them stays
  /// text (without the blank lines that only separated it from a table).
  public func outputs(of text: String) -> [NotebookOutput] {
    var out: [NotebookOutput] = []
    var cursor = text.startIndex
    func appendText(_ s: Substring) {
      let trimmed = s.trimmingCharacters(in: .newlines)
      if !trimmed.isEmpty { out.append(.text(trimmed + "\n")) }
    }
    for (table, drawn) in tables where !drawn.isEmpty && !table.columns.isEmpty {
      var search = cursor
      var found: Range<String.Index>?
      while let r = text.range(of: drawn, range: search..<text.endIndex) {
        if r.lowerBound == text.startIndex || text[text.index(before: r.lowerBound)] == "\n" {
          found = r
          break
        }
        search = text.index(after: r.lowerBound)
      }
      guard let r = found else { continue }
      appendText(text[cursor..<r.lowerBound])
      out.append(.table(markdown: MarkdownRenderer.render(table), html: MarkdownRenderer.html(table)))
      cursor = r.upperBound
    }
    appendText(text[cursor...])
    return out
  }
}
