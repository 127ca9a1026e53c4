import Foundation

/// Compares printed output with a recording made on another machine.
///
/// OpenBLAS picks its kernels per CPU, so the last one or two of 17 printed digits may differ
/// between machines, and a value printed to four decimals may round the other way when it lies
/// within 1e-15 of a rounding boundary. Text is compared exactly; each number is compared with
/// `rtol` relative to the larger of the two, or to one unit in the last printed place (whichever
/// is looser; whole numbers such as counts get `rtol` only). On a line where a number's printed length changed, runs of spaces (column
/// alignment) may differ in length; everywhere else white space is compared exactly too.
///
/// - Returns: `nil` when the two agree, else a message naming the first line that differs.
public func textDifference(_ actual: String, _ expected: String, rtol: Double = 1e-10) -> String? {
  if actual == expected { return nil }
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
  if a.count != b.count {
    return "\(a.count) lines, expected \(b.count)" + (firstDifferingLine(a, b).map { ": \($0)" } ?? "")
  }
  // Numbers first: a number printed wider or narrower anywhere may realign every table column.
  var widthChanged = false
  for (index, (x, y)) in zip(a, b).enumerated() where x != y {
    guard let changed = numbersAgree(pieces(x), pieces(y), rtol: rtol) else {
      return "line \(index + 1) differs:\n  got      \(x)\n  expected \(y)"
    }
    widthChanged = widthChanged || changed
  }
  for (index, (x, y)) in zip(a, b).enumerated() where x != y {
    if !textAgrees(pieces(x), pieces(y), spacesMayDiffer: widthChanged) {
      return "line \(index + 1) differs:\n  got      \(x)\n  expected \(y)"
    }
  }
  return nil
}

private func firstDifferingLine(_ a: [Substring], _ b: [Substring]) -> String? {
  for (index, (x, y)) in zip(a, b).enumerated() where x != y {
    return "line \(index + 1): got `\(x)`, expected `\(y)`"
  }
  return nil
}

/// A piece of a line: a number as printed, or the text between numbers.
private enum Piece: Equatable {
  case number(String)
  case text(String)
}

/// Whether the numbers of two lines agree (nil when they do not, or the pieces do not pair up),
/// and if so whether any was printed with another width.
private func numbersAgree(_ p: [Piece], _ q: [Piece], rtol: Double) -> Bool? {
  guard p.count == q.count else { return nil }
  var widthChanged = false
  for (u, v) in zip(p, q) {
    switch (u, v) {
    case (.number(let s), .number(let t)):
      guard numbersAgree(s, t, rtol: rtol) else { return nil }
      if s.count != t.count { widthChanged = true }
    case (.text, .text): continue
    default: return nil
    }
  }
  return widthChanged
}

/// Whether the text between the numbers agrees: exactly, or up to the length of space runs.
private func textAgrees(_ p: [Piece], _ q: [Piece], spacesMayDiffer: Bool) -> Bool {
  for (u, v) in zip(p, q) {
    guard case .text(let s) = u, case .text(let t) = v, s != t else { continue }
    if !spacesMayDiffer || collapsingSpaces(s) != collapsingSpaces(t) { return false }
  }
  return true
}

private func collapsingSpaces(_ s: String) -> String {
  var out = ""
  var lastWasSpace = false
  for c in s {
    if c == " " {
      if !lastWasSpace { out.append(c) }
      lastWasSpace = true
    } else {
      out.append(c)
      lastWasSpace = false
    }
  }
  return out
}

/// Splits a line into numbers (`-1.25`, `3e-05`, `.5`) and the text between them. A digit run
/// inside a name (`x1`, `I(exper^2)`) is a number too; equal on both sides, it compares equal.
private func pieces(_ line: Substring) -> [Piece] {
  let chars = Array(line.unicodeScalars)
  var result: [Piece] = []
  var text = ""
  var i = 0
  func isDigit(_ k: Int) -> Bool { k < chars.count && chars[k].properties.numericType != nil && chars[k].isASCII }
  while i < chars.count {
    let c = chars[i]
    let startsNumber =
      isDigit(i) || (c == "." && isDigit(i + 1))
      || ((c == "-" || c == "+") && (isDigit(i + 1) || (i + 2 < chars.count && chars[i + 1] == "." && isDigit(i + 2))))
    guard startsNumber else {
      text.unicodeScalars.append(c)
      i += 1
      continue
    }
    var j = i
    if c == "-" || c == "+" { j += 1 }
    while isDigit(j) { j += 1 }
    if j < chars.count, chars[j] == "." {
      j += 1
      while isDigit(j) { j += 1 }
    }
    if j < chars.count, chars[j] == "e" || chars[j] == "E" {
      var k = j + 1
      if k < chars.count, chars[k] == "-" || chars[k] == "+" { k += 1 }
      if isDigit(k) {
        while isDigit(k) { k += 1 }
        j = k
      }
    }
    if !text.isEmpty {
      result.append(.text(text))
      text = ""
    }
    var number = ""
    number.unicodeScalars.append(contentsOf: chars[i..<j])
    result.append(.number(number))
    i = j
  }
  if !text.isEmpty { result.append(.text(text)) }
  return result
}

/// Two printed numbers agree when equal as text, within `rtol`, or within one unit of the last
/// place printed by the less precise of the two (for numbers printed with a point or exponent).
private func numbersAgree(_ s: String, _ t: String, rtol: Double) -> Bool {
  if s == t { return true }
  guard let a = Double(s), let b = Double(t) else { return false }
  if a == b { return true }
  let difference = abs(a - b)
  if difference <= rtol * max(abs(a), abs(b)) { return true }
  // Whole numbers (counts, sizes) are never rounded output: only `rtol` applies to them.
  guard let unit = lastPlaceUnit(s).flatMap({ u in lastPlaceUnit(t).map { max(u, $0) } }) else { return false }
  return difference <= unit * (1 + 1e-9)
}

/// One unit in the last printed place: 0.0001 for `1.2345`, 1e-7 for `3.1e-06`; nil for a whole
/// number printed without a point or exponent (`42`).
private func lastPlaceUnit(_ s: String) -> Double? {
  guard s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
  var mantissa = Substring(s)
  var exponent = 0
  if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
    mantissa = s[..<e]
    exponent = Int(s[s.index(after: e)...]) ?? 0
  }
  let decimals = mantissa.firstIndex(of: ".").map { mantissa.distance(from: $0, to: mantissa.endIndex) - 1 } ?? 0
  return pow(10, Double(exponent - decimals))
}
