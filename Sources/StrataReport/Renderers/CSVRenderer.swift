/// Renders a `Table` as RFC 4180 CSV (header row, then one line per row).
public enum CSVRenderer {
  public static func render(_ table: Table) -> String {
    var out = table.columns.map { quote($0.header) }.joined(separator: ",") + "\n"
    for row in table.rows { out += row.map(quote).joined(separator: ",") + "\n" }
    return out
  }

  /// Quotes a field when it holds a comma, quote or line break.
  static func quote(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
  }
}
