import Foundation
import Testing
import _StrataTestSupport

@testable import StrataData

/// `Tests/Fixtures/data/<name>`.
func fixturePath(_ name: String) -> String {
  repositoryRoot.appendingPathComponent("Tests/Fixtures/data").appendingPathComponent(name).path
}

/// Parses a JSON fixture whose top level is an object.
///
/// Numbers become `Double` (or `Int` when integral and written without `.`/exponent), parsed
/// with `Double(String)`, which is correctly rounded; Foundation's `JSONSerialization` on
/// Linux is not, and would move 17-digit references by an ulp or two. `null` is `NSNull`.
func loadJSON(_ path: String) throws -> [String: Any] {
  let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  var parser = MiniJSON(bytes: bytes)
  guard let dict = try parser.value() as? [String: Any] else { throw FixtureError.notAnObject(path) }
  return dict
}

/// A small JSON parser for test fixtures.
struct MiniJSON {
  let bytes: [UInt8]
  var i = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func skip() {
    while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
  }

  mutating func value() throws -> Any {
    skip()
    guard i < bytes.count else { throw FixtureError.badJSON(i) }
    switch bytes[i] {
    case UInt8(ascii: "{"):
      i += 1
      var dict: [String: Any] = [:]
      skip()
      if bytes[i] == UInt8(ascii: "}") { i += 1; return dict }
      while true {
        skip()
        guard let key = try value() as? String else { throw FixtureError.badJSON(i) }
        skip()
        guard bytes[i] == UInt8(ascii: ":") else { throw FixtureError.badJSON(i) }
        i += 1
        dict[key] = try value()
        skip()
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        guard bytes[i] == UInt8(ascii: "}") else { throw FixtureError.badJSON(i) }
        i += 1
        return dict
      }
    case UInt8(ascii: "["):
      i += 1
      var array: [Any] = []
      skip()
      if bytes[i] == UInt8(ascii: "]") { i += 1; return array }
      while true {
        array.append(try value())
        skip()
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        guard bytes[i] == UInt8(ascii: "]") else { throw FixtureError.badJSON(i) }
        i += 1
        return array
      }
    case UInt8(ascii: "\""):
      i += 1
      var out: [UInt8] = []
      while bytes[i] != UInt8(ascii: "\"") {
        if bytes[i] == UInt8(ascii: "\\") {
          i += 1
          switch bytes[i] {
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "t"): out.append(0x09)
          default: out.append(bytes[i])
          }
        } else {
          out.append(bytes[i])
        }
        i += 1
      }
      i += 1
      return String(decoding: out, as: UTF8.self)
    case UInt8(ascii: "n"):
      i += 4
      return NSNull()
    case UInt8(ascii: "t"):
      i += 4
      return true
    case UInt8(ascii: "f"):
      i += 5
      return false
    default:
      let start = i
      while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
      let text = String(decoding: bytes[start..<i], as: UTF8.self)
      if !text.contains(where: { ".eE".contains($0) }), let n = Int(text) { return n }
      guard let d = Double(text) else { throw FixtureError.badJSON(start) }
      return d
    }
  }
}

enum FixtureError: Error { case notAnObject(String), badJSON(Int) }

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// Writes `bytes` to `name` and returns its path.
  func write(_ name: String, bytes: [UInt8]) throws -> String {
    let path = url.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Writes UTF-8 `text` to `name` and returns its path.
  func write(_ name: String, _ text: String) throws -> String {
    try write(name, bytes: Array(text.utf8))
  }
}

extension Column {
  var numeric: NumericColumn? {
    if case .numeric(let c) = storage { return c }
    return nil
  }
  var factor: FactorColumn? {
    if case .factor(let f) = storage { return f }
    return nil
  }
}

/// A JSON number as a double (integers included); `nil` for `null` or anything else.
func number(_ any: Any?) -> Double? {
  if let d = any as? Double { return d }
  if let n = any as? Int { return Double(n) }
  return nil
}
