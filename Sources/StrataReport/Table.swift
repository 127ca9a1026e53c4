/// A format-neutral table: what every renderer draws, so every format shows the same numbers.
public struct Table: Sendable {
  /// Horizontal alignment of a column.
  public enum Alignment: Sendable {
    case left, right
  }

  /// A column header and its alignment.
  public struct Column: Sendable {
    public var header: String
    public var alignment: Alignment
    public init(_ header: String, alignment: Alignment = .right) {
      self.header = header
      self.alignment = alignment
    }
  }

  public var title: String?
  public var columns: [Column]
  /// Cells, already formatted, one array per row.
  public var rows: [[String]]
  /// Lines printed under the table.
  public var notes: [String]

  public init(title: String? = nil, columns: [Column], rows: [[String]] = [], notes: [String] = []) {
    self.title = title
    self.columns = columns
    self.rows = rows
    self.notes = notes
  }
}
