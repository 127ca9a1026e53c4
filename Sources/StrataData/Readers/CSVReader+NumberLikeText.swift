/// Text columns of a delimited file that hold numbers in a form `strtod` does not read: decimal
/// commas (`1,5`, read as numbers in a `;`-delimited file, as R's `read.csv2`) and thousands
/// separators (`1,000`, kept as text as R does, but flagged so that numeric use is an error that
/// says so). Both work on a column's distinct values (its levels), never per cell.
extension CSVReader {
  /// The stray cell to keep on a text column: the first non-numeric cell when most values are
  /// numbers, or when every value is a number, some written with thousands separators.
  func keptStray(_ stray: StrayText?, levels: [String]) -> StrayText? {
    guard let stray else { return nil }
    if stray.numericCount > stray.textCount { return stray }
    if isGroupedNumber(stray.text) && levels.allSatisfy({ isPlainNumber($0) || isGroupedNumber($0) }) {
      return stray
    }
    return nil
  }

  /// Turns into numbers the text columns whose every value is a number written with a decimal
  /// comma (or a plain integer), at least one with a comma and none with a point.
  func readDecimalCommas(_ columns: inout [Column]) {
    for j in columns.indices {
      guard case .factor(let f) = columns[j].storage,
        let values = decimalCommaValues(f.levels)
      else { continue }
      var numbers = [Double](repeating: .nan, count: f.codes.count)
      var missing = [Bool](repeating: true, count: f.codes.count)
      for (i, code) in f.codes.enumerated() where code >= 0 {
        numbers[i] = values[Int(code)]
        missing[i] = values[Int(code)].isNaN
      }
      columns[j].storage = .numeric(NumericColumn(values: numbers, missing: missing))
      columns[j].strayText = nil
    }
  }

  /// The values of `levels` read with a decimal comma, or `nil` unless every level is
  /// `[+-]digits[,digits]` (spaces around allowed) and one has a comma.
  private func decimalCommaValues(_ levels: [String]) -> [Double]? {
    var sawComma = false
    var values: [Double] = []
    values.reserveCapacity(levels.count)
    for level in levels {
      var bytes = Array(level.utf8)
      var commas = 0
      for k in bytes.indices {
        switch bytes[k] {
        case UInt8(ascii: ","):
          commas += 1
          bytes[k] = UInt8(ascii: ".")
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), 0x20, 0x09: break
        default: return nil
        }
      }
      guard commas <= 1 else { return nil }
      sawComma = sawComma || commas == 1
      guard let v = bytes.withUnsafeBufferPointer({ b in b.baseAddress.flatMap { parseDouble($0, 0, b.count) } })
      else { return nil }
      values.append(v)
    }
    return sawComma ? values : nil
  }

  private func isPlainNumber(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { b in b.baseAddress.flatMap { parseDouble($0, 0, b.count) } != nil }
  }
}

/// Whether `text` is a number with thousands separators: `[+-]d{1,3}(,ddd)+[.digits]`, spaces
/// around allowed (`1,000`, `-12,345.5`).
func isGroupedNumber(_ text: String) -> Bool {
  var bytes = Substring(text).utf8.drop { $0 == 0x20 || $0 == 0x09 }[...]
  while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
  if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
  func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
  let lead = bytes.prefix(while: isDigit)
  guard (1...3).contains(lead.count) else { return false }
  bytes = bytes.dropFirst(lead.count)
  var groups = 0
  while bytes.first == UInt8(ascii: ",") {
    let group = bytes.dropFirst().prefix(while: isDigit)
    guard group.count == 3 else { return false }
    bytes = bytes.dropFirst(4)
    groups += 1
  }
  guard groups > 0 else { return false }
  if bytes.first == UInt8(ascii: ".") {
    bytes = bytes.dropFirst()
    bytes = bytes.drop(while: isDigit)
  }
  return bytes.isEmpty
}
