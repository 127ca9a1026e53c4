#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Exact powers of ten representable as `Double` (10^0 … 10^22); a literal, so the table is
/// statically initialized (no lazy-initialization check in the parsing loops).
private let exactPowersOfTen: [Double] = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
]

/// Parses the bytes `base[start..<end]` as a decimal number, exactly as C `strtod` would.
///
/// Accepts optional surrounding spaces/tabs, a sign, digits with an optional decimal point,
/// an optional exponent, and `Inf`/`Infinity`/`NaN` (any case). Rejects everything else,
/// including hexadecimal floats and empty text.
///
/// The fast path covers integers up to 2^53 and Clinger's case (a mantissa ≤ 2^53 and a power
/// of ten with |exponent| ≤ 22: one correctly rounded multiply or divide). Other inputs are
/// handed to `strtod` on a NUL-terminated copy, so the result is always the correctly rounded
/// double.
///
/// - Returns: The value, or `nil` if the text is not a number.
@inline(__always)
func parseDouble(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
  var s = start
  var e = end
  while s < e && (base[s] == 0x20 || base[s] == 0x09) { s += 1 }
  while e > s && (base[e - 1] == 0x20 || base[e - 1] == 0x09) { e -= 1 }
  if s == e { return nil }
  let textStart = s
  var negative = false
  if base[s] == UInt8(ascii: "-") {
    negative = true
    s += 1
  } else if base[s] == UInt8(ascii: "+") {
    s += 1
  }
  if s == e { return nil }
  // Letters: only inf / infinity / nan.
  let first = base[s] | 0x20
  if first == UInt8(ascii: "i") || first == UInt8(ascii: "n") {
    return parseSpecial(base, s, e, negative: negative)
  }

  var mantissa: UInt64 = 0
  var significant = 0  // digits accumulated into `mantissa` (after leading zeros)
  var truncated = false  // more than 19 significant digits seen
  var exp10 = 0
  var sawDigit = false
  // Integer part.
  while s < e {
    let d = base[s] &- 0x30
    if d > 9 { break }
    sawDigit = true
    if significant < 19 {
      if mantissa != 0 || d != 0 {
        mantissa = mantissa &* 10 &+ UInt64(d)
        significant += 1
      }
    } else {
      truncated = true
      exp10 += 1
    }
    s += 1
  }
  // Fraction.
  if s < e && base[s] == UInt8(ascii: ".") {
    s += 1
    while s < e {
      let d = base[s] &- 0x30
      if d > 9 { break }
      sawDigit = true
      if significant < 19 {
        if mantissa != 0 || d != 0 {
          mantissa = mantissa &* 10 &+ UInt64(d)
          significant += 1
        }
        exp10 -= 1
      } else {
        truncated = true
      }
      s += 1
    }
  }
  if !sawDigit { return nil }
  // Exponent.
  if s < e && (base[s] | 0x20) == UInt8(ascii: "e") {
    s += 1
    var expNegative = false
    if s < e && (base[s] == UInt8(ascii: "-") || base[s] == UInt8(ascii: "+")) {
      expNegative = base[s] == UInt8(ascii: "-")
      s += 1
    }
    var expValue = 0
    var sawExpDigit = false
    while s < e {
      let d = base[s] &- 0x30
      if d > 9 { break }
      sawExpDigit = true
      if expValue < 100_000 { expValue = expValue * 10 + Int(d) }
      s += 1
    }
    if !sawExpDigit { return nil }
    exp10 += expNegative ? -expValue : expValue
  }
  if s != e { return nil }

  if mantissa == 0 && !truncated { return negative ? -0.0 : 0.0 }
  if !truncated && mantissa <= (1 << 53) && exp10 >= -22 && exp10 <= 22 {
    var v = Double(mantissa)
    if exp10 > 0 {
      v *= exactPowersOfTen[exp10]
    } else if exp10 < 0 {
      v /= exactPowersOfTen[-exp10]
    }
    return negative ? -v : v
  }
  return strtodCopy(base, textStart, e)
}

/// `inf`, `infinity` or `nan` in any case, starting at `s` (after the sign).
private func parseSpecial(
  _ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, negative: Bool
) -> Double? {
  func matches(_ word: StaticString) -> Bool {
    let n = word.utf8CodeUnitCount
    guard e - s == n else { return false }
    let w = word.utf8Start
    for k in 0..<n where (base[s + k] | 0x20) != w[k] { return false }
    return true
  }
  if matches("inf") || matches("infinity") { return negative ? -.infinity : .infinity }
  if matches("nan") { return .nan }
  return nil
}

/// Calls `strtod` on a NUL-terminated copy of `base[start..<end]` (already validated).
private func strtodCopy(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
  let n = end - start
  return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
    guard let p = buf.baseAddress else { return nil }
    UnsafeMutableRawPointer(p).copyMemory(from: base + start, byteCount: n)
    p[n] = 0
    var endPtr: UnsafeMutablePointer<CChar>? = nil
    let v = strtod(p, &endPtr)
    guard let endPtr, endPtr - p == n else { return nil }
    return v
  }
}

/// Reads a plain decimal `[+-]digits[.digits]` starting exactly at `start` (no spaces) when its
/// value is one correctly rounded division: at most 19 digits, a mantissa ≤ 2^53 and at most
/// 22 decimals. This is `parseDouble`'s fast path for the same text, so the values are equal.
///
/// - Returns: The value and the index just past the number, or `nil` (the caller then uses
///   `parseDouble` on the whole field).
@inline(__always)
func plainNumber(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (Double, Int)? {
  var p = start
  var negative = false
  if p < end && (base[p] == UInt8(ascii: "-") || base[p] == UInt8(ascii: "+")) {
    negative = base[p] == UInt8(ascii: "-")
    p += 1
  }
  var mantissa: UInt64 = 0
  var digits = 0
  while p < end {
    let d = base[p] &- 0x30
    if d > 9 { break }
    mantissa = mantissa &* 10 &+ UInt64(d)
    digits += 1
    p += 1
  }
  var decimals = 0
  if p < end && base[p] == UInt8(ascii: ".") {
    p += 1
    while p < end {
      let d = base[p] &- 0x30
      if d > 9 { break }
      mantissa = mantissa &* 10 &+ UInt64(d)
      digits += 1
      decimals += 1
      p += 1
    }
  }
  guard digits > 0, digits <= 19, decimals <= 22, mantissa <= (1 << 53) else { return nil }
  var v = Double(mantissa)
  if decimals > 0 { v /= exactPowersOfTen[decimals] }
  return (negative ? -v : v, p)
}
