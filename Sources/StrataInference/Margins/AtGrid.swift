import Foundation

/// Representative values for margins (`--at 'educ=12,16; age=mean; region=north'`): a grid, the
/// Cartesian product of each variable's values, the first variable varying slowest.
///
///     let grid = try AtGrid.parse("educ=12,16; age=mean")
///     grid.settings.count   // 2: (educ 12, age mean), (educ 16, age mean)
///
/// Values are numbers, the statistics `mean`, `median`, `min`, `max` (of the estimation sample,
/// weighted for the mean, within the `--over` group), or level labels of a factor; which ones a
/// variable accepts is checked against the model (`MarginsError.atValueType`, `.atUnknownLevel`).
public struct AtGrid: Sendable, Equatable {
  /// A value as written.
  public enum Value: Sendable, Equatable {
    case number(Double)
    case statistic(Statistic)
    /// Any other text: a level label.
    case label(String)

    /// The text as written, for messages.
    public var text: String {
      switch self {
      case .number(let x): return formatNumber(x)
      case .statistic(let s): return s.rawValue
      case .label(let l): return l
      }
    }
  }

  /// A summary of the estimation sample.
  public enum Statistic: String, Sendable, Equatable, CaseIterable {
    case mean, median, min, max
  }

  /// The variables and their values, in the order written.
  public var variables: [(name: String, values: [Value])]

  public static func == (a: AtGrid, b: AtGrid) -> Bool {
    a.variables.count == b.variables.count
      && zip(a.variables, b.variables).allSatisfy { $0.name == $1.name && $0.values == $1.values }
  }

  /// Parses `name=v1,v2; name2=v`.
  ///
  /// - Throws: `MarginsError.atSyntax` for a part without `=`, an empty name or value;
  ///   `.atRepeated` when a variable appears twice.
  public static func parse(_ text: String) throws -> AtGrid {
    var variables: [(name: String, values: [Value])] = []
    for part in text.split(separator: ";") {
      let piece = part.trimmingCharacters(in: .whitespaces)
      if piece.isEmpty { continue }
      guard let eq = piece.firstIndex(of: "=") else {
        throw MarginsError.atSyntax(text: text, reason: "'\(piece)' has no '='")
      }
      let name = piece[..<eq].trimmingCharacters(in: .whitespaces)
      let rest = piece[piece.index(after: eq)...]
      guard !name.isEmpty else { throw MarginsError.atSyntax(text: text, reason: "a variable name is missing") }
      if variables.contains(where: { $0.name == name }) { throw MarginsError.atRepeated(variable: name) }
      var values: [Value] = []
      for raw in rest.split(separator: ",", omittingEmptySubsequences: false) {
        var v = raw.trimmingCharacters(in: .whitespaces)
        if v.count >= 2, let f = v.first, f == "\"" || f == "'", v.last == f { v = String(v.dropFirst().dropLast()) }
        guard !v.isEmpty else { throw MarginsError.atSyntax(text: text, reason: "'\(name)' has an empty value") }
        if let s = Statistic(rawValue: v) {
          values.append(.statistic(s))
        } else if let x = Double(v), x.isFinite {
          values.append(.number(x))
        } else {
          values.append(.label(v))
        }
      }
      variables.append((name, values))
    }
    if variables.isEmpty { throw MarginsError.atSyntax(text: text, reason: "no variable is set") }
    return AtGrid(variables: variables)
  }

  /// Every combination of values, first variable slowest.
  public var settings: [[(name: String, value: Value)]] {
    var out: [[(name: String, value: Value)]] = [[]]
    for v in variables {
      out = out.flatMap { prefix in v.values.map { prefix + [(v.name, $0)] } }
    }
    return out
  }
}

/// Shortest text of a number, integers without a decimal point.
func formatNumber(_ x: Double) -> String {
  if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
  return "\(x)"
}
