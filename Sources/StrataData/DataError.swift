/// Errors from reading or looking up data. Every case names the file.
public enum DataError: Error, Sendable, Equatable {
  /// A column the user named is not in the data.
  case unknownColumn(name: String, source: String, suggestions: [String])
  /// A file could not be opened or read.
  case unreadable(path: String, reason: String)
  /// A malformed record (1-based `line`, 1-based `column` field number).
  case malformed(path: String, line: Int, column: Int?, reason: String)
  /// A file format Strata cannot read.
  case unsupportedFormat(path: String)
  /// A mostly numeric column has a non-numeric value and was used as a number.
  case nonNumericValue(name: String, path: String, stray: StrayText)
  /// A column used as numbers is a factor (text) column.
  case notNumeric(name: String, source: String, levels: [String])
  /// A column that must be complete (such as a cluster variable) is missing at a row (1-based).
  case missingValue(name: String, source: String, row: Int)
  /// A level label that is not in a categorical column's levels.
  case unknownLevel(name: String, source: String, level: String, levels: [String])
}

extension DataError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .unknownColumn(let name, let source, let suggestions):
      var s = "unknown column '\(name)' in \(source)"
      if !suggestions.isEmpty { s += " (did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?)" }
      return s
    case .unreadable(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .malformed(let path, let line, let column, let reason):
      if let column { return "\(path):\(line):\(column): \(reason)" }
      return "\(path):\(line): \(reason)"
    case .nonNumericValue(let name, let path, let stray) where isGroupedNumber(stray.text):
      let plain = stray.text.filter { $0 != "," && $0 != " " && $0 != "\t" }
      return "\(path):\(stray.line):\(stray.field): value '\(stray.text)' in column '\(name)' has thousands "
        + "separators, so the column was read as text (\(stray.numericCount) values are plain numbers, "
        + "\(stray.textCount) are not); remove the separators from the file (write \(plain)), "
        + "or use factor(\(name)) to treat the column as categorical"
    case .nonNumericValue(let name, let path, let stray):
      return "\(path):\(stray.line):\(stray.field): non-numeric value '\(stray.text)' in column '\(name)' "
        + "(\(stray.numericCount) values are numbers, \(stray.textCount) are not); correct it or write NA, "
        + "or use factor(\(name)) to treat the column as categorical"
    case .unsupportedFormat(let path):
      return "\(path): unsupported file format (expected .csv, .tsv, .txt, .dta, .sav, .zsav, .xpt or .sas7bdat, "
        + "or one of these compressed with gzip: .csv.gz, .dta.gz, …)"
    case .notNumeric(let name, let source, let levels):
      let shown = levels.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
      let more = levels.count > 3 ? ", …" : ""
      return "column '\(name)' in \(source) is not numeric (it has text values such as \(shown)\(more))"
    case .missingValue(let name, let source, let row):
      return "column '\(name)' in \(source) has a missing value at row \(row)"
    case .unknownLevel(let name, let source, let level, let levels):
      let shown = levels.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
      let more = levels.count > 8 ? ", …" : ""
      return "column '\(name)' in \(source) has no level '\(level)' (levels: \(shown)\(more))"
    }
  }
}
