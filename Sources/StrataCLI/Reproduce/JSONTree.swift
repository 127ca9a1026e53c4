import Foundation

/// A parsed JSON document (a command's `--format json` output), read by path.
enum JSONTree: Decodable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONTree])
  case object([String: JSONTree])

  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let x = try? c.decode(Double.self) {
      self = .number(x)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([JSONTree].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONTree].self))
    }
  }

  /// Parses `text`; nil when it is not JSON.
  static func parse(_ text: String) -> JSONTree? {
    try? JSONDecoder().decode(JSONTree.self, from: Data(text.utf8))
  }

  /// The value at `path`, or nil when the path leads nowhere.
  func value(at path: JSONPath) -> JSONTree? {
    var node = self
    for step in path.steps {
      switch (step, node) {
      case (.key(let k), .object(let pairs)):
        guard let next = pairs[k] else { return nil }
        node = next
      case (.select(let key, let wanted), .array(let items)):
        guard
          let next = items.first(where: {
            if case .object(let pairs) = $0, case .string(let s)? = pairs[key] { return s == wanted }
            return false
          })
        else { return nil }
        node = next
      default: return nil
      }
    }
    return node
  }

  /// The number here, if it is one.
  var number: Double? {
    if case .number(let x) = self { return x }
    return nil
  }
}

/// A path into a JSON document: keys separated by dots, and `key[field=value]` to pick the array
/// element whose `field` is `value`: `fit.r_squared`, `coefficients[term=I(exper^2)].std_error`.
struct JSONPath: Sendable, CustomStringConvertible {
  enum Step: Sendable {
    case key(String)
    case select(field: String, value: String)
  }

  var steps: [Step]
  var description: String

  init(steps: [Step]) {
    self.steps = steps
    var text = ""
    for step in steps {
      switch step {
      case .key(let k): text += (text.isEmpty ? "" : ".") + k
      case .select(let f, let v): text += "[\(f)=\(v)]"
      }
    }
    description = text
  }

  /// `array[field=value].key` for a row of a printed table.
  static func row(_ array: String, field: String, value: String, key: String) -> JSONPath {
    JSONPath(steps: [.key(array), .select(field: field, value: value), .key(key)])
  }

  /// Parses the dotted text form; a selector's value runs to the `]` that ends it (followed by `.`,
  /// `[` or the end), so terms such as `I((1 - female) * married)` need no quoting.
  init?(parsing text: String) {
    var steps: [Step] = []
    var rest = Substring(text)
    while !rest.isEmpty {
      if rest.first == "[" {
        guard let eq = rest.firstIndex(of: "=") else { return nil }
        var close: Substring.Index?
        var i = rest.index(after: eq)
        while i < rest.endIndex {
          let next = rest.index(after: i)
          if rest[i] == "]" && (next == rest.endIndex || rest[next] == "." || rest[next] == "[") {
            close = i
            break
          }
          i = next
        }
        guard let close else { return nil }
        steps.append(.select(field: String(rest[rest.index(after: rest.startIndex)..<eq]), value: String(rest[rest.index(after: eq)..<close])))
        rest = rest[rest.index(after: close)...]
        if rest.first == "." { rest = rest.dropFirst() }
      } else {
        let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
        let key = rest[..<end]
        if key.isEmpty { return nil }
        steps.append(.key(String(key)))
        rest = rest[end...]
        if rest.first == "." { rest = rest.dropFirst() }
      }
    }
    if steps.isEmpty { return nil }
    self.init(steps: steps)
  }
}
