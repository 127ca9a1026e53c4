import CReadStat
import Foundation

/// Writes a data frame as a Stata `.dta` file (format 118, Stata 14 and later, UTF-8), through
/// ReadStat's writer, so that results and data go back into Stata.
///
/// ```swift
/// let bytes = try DTAWriter.bytes(of: frame)   // then write them to "results.dta"
/// ```
///
/// - Numeric columns are `double`; missing values are Stata's system missing `.`. Value labels
///   of a numeric column (``Column/valueLabels``, as read from a `.dta`/`.sav`) are written as its
///   value-label set when every labelled value is a whole number that fits a 32-bit integer.
/// - Factor columns are, by default (``FactorStorage/labelledIntegers``), `long` variables
///   holding 1, 2, … (the level's position, as R's factor codes and haven's `write_dta`) with a
///   value-label set of the same name mapping each code to its level. With
///   ``FactorStorage/strings`` they are string variables holding the level text (for tables of
///   results, whose `term` column is text to Stata users). Missing factor values are `.` (or
///   the empty string).
/// - Variable labels (``Column/label``) are written, cut to Stata's 80 bytes.
/// - Column names that are not Stata names (letters, digits and `_`, not starting with a digit,
///   at most 32 characters, not a reserved word such as `if` or `_n`) are changed to the
///   nearest one (`log(inc)` → `log_inc_`, `2010` → `_2010`), made unique with `_2`, `_3`, …;
///   the original name becomes the variable label when the column has none.
///
/// The file reads back through ``StatFileReader`` as the same frame (factor levels in the
/// same order, labels, missing values), and in R through `haven::read_dta`.
///
/// The corresponding C functions are `readstat_begin_writing_dta`, `readstat_add_variable`,
/// `readstat_add_label_set`, `readstat_insert_double_value` and `readstat_end_writing`.
public enum DTAWriter {
  /// How factor (text) columns are stored.
  public enum FactorStorage: Sendable {
    /// Integer codes 1…k with a value-label set of the levels (Stata's `encode`d variables).
    case labelledIntegers
    /// The level text as a string variable.
    case strings
  }

  /// The bytes of a `.dta` file holding `frame`.
  ///
  /// - Parameters:
  ///   - factors: How factor columns are stored.
  ///   - timestamp: The time stamp in the file's header (Stata shows it in `describe`); the
  ///     same frame and time stamp always give the same bytes.
  /// - Throws: ``DataWriteError`` naming the column for a value Stata cannot hold (an
  ///   infinite number, a level text over 2,045 bytes stored as a string, more than
  ///   2,147,483,646 levels), or with ReadStat's message.
  /// - Complexity: O(rows × columns).
  public static func bytes(
    of frame: DataFrame, factors: FactorStorage = .labelledIntegers, timestamp: Date = Date()
  ) throws -> [UInt8] {
    let names = stataNames(frame.names)
    try check(frame, factors: factors)

    guard let writer = readstat_writer_init() else {
      throw DataWriteError(reason: "ReadStat could not allocate a writer")
    }
    defer { readstat_writer_free(writer) }
    let sink = ByteSink()
    readstat_set_data_writer(writer, dtaDataWriter)
    readstat_writer_set_file_format_version(writer, 118)
    readstat_writer_set_file_timestamp(writer, time_t(timestamp.timeIntervalSince1970.rounded(.down)))
    readstat_writer_set_error_handler(writer, dtaWriteError)

    var variables: [UnsafeMutablePointer<readstat_variable_t>] = []
    var asStrings: [Bool] = []
    for (j, column) in frame.columns.enumerated() {
      let name = names[j]
      let variable: UnsafeMutablePointer<readstat_variable_t>?
      var set: UnsafeMutablePointer<readstat_label_set_t>?
      switch column.storage {
      case .numeric:
        variable = readstat_add_variable(writer, name, READSTAT_TYPE_DOUBLE, 0)
        let labels = column.valueLabels
        if !labels.isEmpty, labels.keys.allSatisfy({ $0 == $0.rounded() && abs($0) < 2_147_483_000 }) {
          set = readstat_add_label_set(writer, READSTAT_TYPE_INT32, name)
          for value in labels.keys.sorted() {
            readstat_label_int32_value(set, Int32(value), labels[value] ?? "")
          }
        }
        asStrings.append(false)
      case .factor(let f):
        if factors == .strings {
          let width = max(1, f.levels.map { $0.utf8.count }.max() ?? 1)
          variable = readstat_add_variable(writer, name, READSTAT_TYPE_STRING, width)
          asStrings.append(true)
        } else {
          variable = readstat_add_variable(writer, name, READSTAT_TYPE_INT32, 0)
          set = readstat_add_label_set(writer, READSTAT_TYPE_INT32, name)
          for (k, level) in f.levels.enumerated() { readstat_label_int32_value(set, Int32(k + 1), level) }
          asStrings.append(false)
        }
      }
      guard let variable else {
        throw DataWriteError(reason: "ReadStat could not add the variable \(name)")
      }
      if let set { readstat_variable_set_label_set(variable, set) }
      let label = column.label ?? (name == column.name ? nil : column.name)
      if let label, !label.isEmpty { readstat_variable_set_label(variable, truncatedUTF8(label, bytes: 80)) }
      variables.append(variable)
    }

    let context = Unmanaged.passUnretained(sink).toOpaque()
    try withExtendedLifetime(sink) {
      try check(readstat_begin_writing_dta(writer, context, frame.rowCount), sink)
      for i in 0..<frame.rowCount {
        try check(readstat_begin_row(writer), sink)
        for (j, column) in frame.columns.enumerated() {
          let variable = variables[j]
          switch column.storage {
          case .numeric(let c):
            try check(
              c.missing[i] || c.values[i].isNaN
                ? readstat_insert_missing_value(writer, variable)
                : readstat_insert_double_value(writer, variable, c.values[i]), sink)
          case .factor(let f):
            let code = f.codes[i]
            if asStrings[j] {
              try check(readstat_insert_string_value(writer, variable, code < 0 ? "" : f.levels[Int(code)]), sink)
            } else {
              try check(
                code < 0
                  ? readstat_insert_missing_value(writer, variable)
                  : readstat_insert_int32_value(writer, variable, code + 1), sink)
            }
          }
        }
        try check(readstat_end_row(writer), sink)
      }
      try check(readstat_end_writing(writer), sink)
    }
    return sink.bytes
  }

  /// Values Stata cannot hold, named by column and row (1-based).
  private static func check(_ frame: DataFrame, factors: FactorStorage) throws {
    for column in frame.columns {
      switch column.storage {
      case .numeric(let c):
        if let i = c.values.indices.first(where: { !c.missing[$0] && c.values[$0].isInfinite }) {
          throw DataWriteError(
            reason: "column '\(column.name)' has an infinite value at row \(i + 1), which a Stata file cannot hold")
        }
        if let i = c.values.indices.first(where: { !c.missing[$0] && abs(c.values[$0]) > 8.9884656743e307 }) {
          throw DataWriteError(
            reason: "column '\(column.name)' has the value \(c.values[i]) at row \(i + 1), beyond the largest "
              + "number a Stata file holds (8.988e307; larger ones are its missing codes)")
        }
      case .factor(let f):
        if factors == .strings, let long = f.levels.first(where: { $0.utf8.count > 2045 }) {
          throw DataWriteError(
            reason: "column '\(column.name)' has a value of \(long.utf8.count) bytes, over the 2,045 bytes of a "
              + "Stata string variable; write it with its factor codes instead")
        }
        if f.levels.count >= Int(Int32.max) {
          throw DataWriteError(reason: "column '\(column.name)' has too many levels for a Stata value label")
        }
      }
    }
  }

  private static func check(_ status: readstat_error_t, _ sink: ByteSink) throws {
    guard status != READSTAT_OK else { return }
    var reason = readstat_error_message(status).map { String(cString: $0) } ?? "ReadStat error \(status.rawValue)"
    if !sink.messages.isEmpty { reason += " (" + sink.messages.joined(separator: "; ") + ")" }
    throw DataWriteError(reason: "ReadStat could not write the Stata file: \(reason)")
  }

  /// Stata's reserved words, which cannot name a variable.
  static let reservedNames: Set<String> = [
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N", "_pi",
    "_pred", "_rc", "_skip", "str", "strL", "using", "with",
  ]

  /// Valid, unique Stata names for `names`, each the name itself when it is one already.
  static func stataNames(_ names: [String]) -> [String] {
    var used: Set<String> = []
    var out: [String] = []
    for name in names {
      func isDigit(_ v: UInt32) -> Bool { v >= 48 && v <= 57 }
      var s = String(
        name.unicodeScalars.map { scalar -> Character in
          let v = scalar.value
          let ok = (v >= 97 && v <= 122) || (v >= 65 && v <= 90) || isDigit(v) || v == 95
          return ok ? Character(scalar) : "_"
        })
      if s.isEmpty { s = "var" }
      if let first = s.unicodeScalars.first, isDigit(first.value) { s = "_" + s }
      if s.count > 32 { s = String(s.prefix(32)) }
      if reservedNames.contains(s) || s.hasPrefix("str") && Int(s.dropFirst(3)) != nil { s = String(s.prefix(31)) + "_" }
      var candidate = s
      var k = 2
      while used.contains(candidate.lowercased()) {
        let suffix = "_\(k)"
        candidate = String(s.prefix(32 - suffix.count)) + suffix
        k += 1
      }
      used.insert(candidate.lowercased())
      out.append(candidate)
    }
    return out
  }

  /// `text` cut to at most `bytes` UTF-8 bytes at a character boundary.
  static func truncatedUTF8(_ text: String, bytes: Int) -> String {
    if text.utf8.count <= bytes { return text }
    var out = ""
    var count = 0
    for ch in text {
      let n = String(ch).utf8.count
      if count + n > bytes { break }
      out.append(ch)
      count += n
    }
    return out
  }
}

/// A data frame could not be written in the requested format; `reason` says which column and why.
public struct DataWriteError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What Stata (or the writer) cannot hold.
  public var reason: String

  public init(reason: String) {
    self.reason = reason
  }

  public var description: String { reason }
}

/// Collects the bytes ReadStat writes, and its error messages.
private final class ByteSink {
  var bytes: [UInt8] = []
  var messages: [String] = []
}

private let dtaDataWriter: readstat_data_writer = { data, length, ctx in
  guard let ctx, let data else { return -1 }
  let sink = Unmanaged<ByteSink>.fromOpaque(ctx).takeUnretainedValue()
  sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: Int(length)))
  return Int(length)
}

private let dtaWriteError: readstat_error_handler = { message, ctx in
  guard let ctx, let message else { return }
  Unmanaged<ByteSink>.fromOpaque(ctx).takeUnretainedValue().messages.append(String(cString: message))
}
