/// Writes a data frame as comma-separated text that `CSVReader` (and R's `read.csv`) read back.
///
///     let text = CSVWriter.text(of: frame)
///
/// Numbers use Swift's shortest round-trip form (`12`, `0.1234`, `1e-07`), integers without a
/// decimal point; missing values are `NA`; factor values are their level text, quoted when they
/// contain a comma, quote or line break. The output is a pure function of the frame's values, so
/// the same frame always gives the same bytes.
public enum CSVWriter {
  /// The CSV text of `frame`, with a header line and a final newline.
  ///
  /// - Complexity: O(rows × columns).
  public static func text(of frame: DataFrame) -> String {
    var out = frame.names.map(quoted).joined(separator: ",") + "\n"
    for i in 0..<frame.rowCount {
      var fields: [String] = []
      fields.reserveCapacity(frame.columns.count)
      for column in frame.columns {
        switch column.storage {
        case .numeric(let c): fields.append(c.missing[i] ? "NA" : number(c.values[i]))
        case .factor(let f): fields.append(f.codes[i] < 0 ? "NA" : quoted(f.levels[Int(f.codes[i])]))
        }
      }
      out += fields.joined(separator: ",")
      out += "\n"
    }
    return out
  }

  /// A number in its shortest round-trip form; integral values without a decimal point.
  static func number(_ x: Double) -> String {
    if x.isNaN { return "NA" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return x.description
  }

  static func quoted(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      var q = "\""
      for ch in s {
        if ch == "\"" { q.append("\"") }
        q.append(ch)
      }
      return q + "\""
    }
    return s
  }
}
