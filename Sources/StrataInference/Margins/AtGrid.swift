import Foundation

/// Representative values for margins (`--at 'educ=12,16; age=mean; region=north'`): a grid, the
/// Cartesian product of each variable's values, the first variable varying slowest.
///
///     let grid = try AtGrid.parse("educ=12,16; age=mean")
///     grid.settings.count   // 2: (educ 12, age mean), (educ 16, age mean)
///
/// Values are numbers, R-style integer ranges `from:to` (`educ=10:16` is 10, 11, …, 16; step
/// ±1), the statistics `mean`, `median`, `min`, `max` (of the estimation sample, weighted for
/// the mean, within the `--over` group), or level labels of a factor; which ones a variable
/// accepts is checked against the model (`MarginsError.atValueType`, `.atUnknownLevel`).
///
/// Every grid point is an average over the whole sample, so the grid is limited to
/// `AtGrid.maximumPoints` points (10,000), counted before anything is expanded or computed
/// (`MarginsError.atGridTooLarge`).
public struct AtGrid: Sendable, Equatable {
  /// The most points (combinations of values) a grid may have.
  public static let maximumPoints = 10_000

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
  /// - Throws: `MarginsError.atMissingEquals`, `.atMissingName`, `.atEmptyValue`, `.atNoVariable`;
  ///   `.atRepeated` when a variable appears twice; `.atGridTooLarge` for more than
  ///   `maximumPoints` combinations.
  public static func parse(_ text: String) throws -> AtGrid {
    // The size first, from the text alone: a range or a product is never expanded beyond the limit.
    var counts: [(name: String, count: Double)] = []
    for part in text.split(separator: ";") {
      let piece = part.trimmingCharacters(in: .whitespaces)
      guard let eq = piece.firstIndex(of: "=") else { continue }
      let name = piece[..<eq].trimmingCharacters(in: .whitespaces)
      var count = 0.0
      for raw in piece[piece.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false) {
        count += range(raw.trimmingCharacters(in: .whitespaces)).map { $0.count } ?? 1
      }
      counts.append((name, count))
    }
    let points = counts.reduce(1.0) { $0 * $1.count }
    if points > Double(maximumPoints) {
      throw MarginsError.atGridTooLarge(
        points: points, variables: counts.map(\.name), counts: counts.map(\.count), limit: maximumPoints)
    }
    var variables: [(name: String, values: [Value])] = []
    for part in text.split(separator: ";") {
      let piece = part.trimmingCharacters(in: .whitespaces)
      if piece.isEmpty { continue }
      guard let eq = piece.firstIndex(of: "=") else {
        throw MarginsError.atMissingEquals(text: text, piece: String(piece))
      }
      let name = piece[..<eq].trimmingCharacters(in: .whitespaces)
      let rest = piece[piece.index(after: eq)...]
      guard !name.isEmpty else { throw MarginsError.atMissingName(text: text) }
      if variables.contains(where: { $0.name == name }) { throw MarginsError.atRepeated(variable: name) }
      var values: [Value] = []
      for raw in rest.split(separator: ",", omittingEmptySubsequences: false) {
        var v = raw.trimmingCharacters(in: .whitespaces)
        // A range is written unquoted (as counted above); a quoted 'a:b' is a label.
        let unquoted = range(v)
        if v.count >= 2, let f = v.first, f == "\"" || f == "'", v.last == f { v = String(v.dropFirst().dropLast()) }
        guard !v.isEmpty else { throw MarginsError.atEmptyValue(text: text, variable: name) }
        if let r = unquoted {
          let step = r.to >= r.from ? 1.0 : -1.0
          values += (0..<Int(r.count)).map { .number(r.from + Double($0) * step) }
        } else if let s = Statistic(rawValue: v) {
          values.append(.statistic(s))
        } else if let x = Double(v), x.isFinite {
          values.append(.number(x))
        } else {
          values.append(.label(v))
        }
      }
      variables.append((name, values))
    }
    if variables.isEmpty { throw MarginsError.atNoVariable(text: text) }
    return AtGrid(variables: variables)
  }

  /// `from:to` with two finite numbers: R's `from:to`, `⌊|to − from|⌋ + 1` values.
  private static func range(_ v: String) -> (from: Double, to: Double, count: Double)? {
    let parts = v.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2,
      let from = Double(parts[0].trimmingCharacters(in: .whitespaces)),
      let to = Double(parts[1].trimmingCharacters(in: .whitespaces)), from.isFinite, to.isFinite
    else { return nil }
    return (from, to, (abs(to - from) + 1e-10).rounded(.down) + 1)
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
