import Foundation
import StrataData
import Testing

/// Paths of the committed fixtures, found from this file's location.
enum FixturePaths {
  static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let formula = repositoryRoot.appendingPathComponent("Tests/Fixtures/formula")
  static let datasets = repositoryRoot.appendingPathComponent("datasets")

  /// The CSV behind a fixture dataset name.
  static func csv(for dataset: String) -> URL {
    dataset == "synthetic"
      ? formula.appendingPathComponent("synthetic.csv")
      : datasets.appendingPathComponent("\(dataset).csv")
  }
}

/// A minimal CSV loader for tests (independent of the data layer's readers): unquoted fields,
/// `NA` or empty = missing, a column is numeric when every present value parses as a number,
/// otherwise a factor with levels in C-locale (byte) order, as R's `factor()` under LC_COLLATE=C.
func loadTestCSV(_ url: URL) throws -> DataFrame {
  let text = try String(contentsOf: url, encoding: .utf8)
  var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
  let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  var fields = Array(repeating: [String](), count: header.count)
  for line in lines where !line.isEmpty {
    let parts = line.split(separator: ",", omittingEmptySubsequences: false)
    for (j, p) in parts.enumerated() where j < header.count { fields[j].append(String(p)) }
  }
  var columns: [Column] = []
  for (j, name) in header.enumerated() {
    let raw = fields[j]
    let isMissing = raw.map { $0.isEmpty || $0 == "NA" }
    let numbers = raw.map { Double($0) }
    if zip(numbers, isMissing).allSatisfy({ $0 != nil || $1 }) {
      let values = zip(numbers, isMissing).map { $1 ? Double.nan : ($0 ?? .nan) }
      columns.append(Column(name: name, storage: .numeric(NumericColumn(values: values, missing: isMissing))))
    } else {
      let levels = Set(zip(raw, isMissing).filter { !$1 }.map(\.0)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
      let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
      let codes = zip(raw, isMissing).map { $1 ? Int32(-1) : (index[$0] ?? -1) }
      columns.append(Column(name: name, storage: .factor(FactorColumn(codes: codes, levels: levels))))
    }
  }
  return DataFrame(columns: columns, source: url.lastPathComponent)
}

/// Caches loaded data sets across tests.
final class DatasetCache: @unchecked Sendable {
  static let shared = DatasetCache()
  private let lock = NSLock()
  private var frames: [String: DataFrame] = [:]

  func frame(_ name: String) throws -> DataFrame {
    lock.lock()
    defer { lock.unlock() }
    if let f = frames[name] { return f }
    let f = try loadTestCSV(FixturePaths.csv(for: name))
    frames[name] = f
    return f
  }
}

/// `|a - b| <= rtol * max(|a|, |b|)` (exact equality for zeros).
func isClose(_ a: Double, _ b: Double, rtol: Double = 1e-12) -> Bool {
  a == b || abs(a - b) <= rtol * max(abs(a), abs(b))
}

/// The formula fixture written by `make_formula_fixtures.R`.
struct FormulaFixture: Decodable {
  struct Case: Decodable, CustomTestStringConvertible {
    var dataset: String
    var formula: String
    var subset: String?
    var weights: String?
    var columnNames: [String]
    var termLabels: [String]
    var assign: [Int]
    var intercept: Bool
    var nrow: Int
    var droppedBySubset: Int
    var droppedMissing: Int
    var firstRowIndex: Int
    var lastRowIndex: Int
    var rowIndexSum: Double
    var firstRow: [Double]
    var lastRow: [Double]
    var columnSums: [Double]
    var columnSquareSums: [Double]
    var responseName: String?
    var responseSum: Double?
    var responseFirst: Double?
    var weightSum: Double?
    var weightLast: Double?

    var testDescription: String {
      "\(dataset): \(formula)" + (subset.map { " [subset \($0)]" } ?? "") + (weights.map { " [weights \($0)]" } ?? "")
    }
  }
  struct TermsCase: Decodable, CustomTestStringConvertible {
    var formula: String
    var termLabels: [String]
    var intercept: Bool
    var testDescription: String { formula }
  }
  struct DeparseCase: Decodable, CustomTestStringConvertible {
    var text: String
    var deparse: String
    var testDescription: String { text }
  }
  struct NumberCase: Decodable, CustomTestStringConvertible {
    var value: Double
    var text: String
    var testDescription: String { text }
  }
  struct RowExpressionCase: Decodable, CustomTestStringConvertible {
    var text: String
    /// R's values; nil is NA.
    var values: [Double?]
    var testDescription: String { text }
  }
  var cases: [Case]
  var rowExpressions: [RowExpressionCase]
  var terms: [TermsCase]
  var deparse: [DeparseCase]
  var numbers: [NumberCase]

  /// Reads and decodes formula.json.
  static func load() throws -> FormulaFixture {
    let data = try Data(contentsOf: FixturePaths.formula.appendingPathComponent("formula.json"))
    return try JSONDecoder().decode(FormulaFixture.self, from: data)
  }

  /// The fixture, or nil when it cannot be read (`fixtureLoads` then fails with the reason).
  static let shared: FormulaFixture? = try? load()
}
