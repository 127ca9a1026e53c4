import Foundation
import Strata

/// One registry file of `datasets/published/`: the published cases of one source.
///
/// Schema (every number a string, exactly as printed, so its precision is kept):
///
///     { "source": "...", "description": "...", "paths_relative_to": "../..",
///       "cases": [ { "id", "citation": {work, location, page, printed_in}, "dataset", "model",
///                    "requires": ["fit iv"], "command": "strata fit ols '...' --data ...",
///                    "printed": { "coefficients": [{term, estimate, std_error}],
///                                 "estimates": [{variable, estimate, std_error}],
///                                 "statistics": [{name, printed, path, reason}] },
///                    "tolerance": {relative, reason}, "exceptions": [{item, units|significant_digits, reason}],
///                    "verification": {...} } ] }
struct PublishedSource: Decodable, Sendable {
  var source: String
  var description: String?
  /// Data paths in the commands are relative to this directory (itself relative to the file's directory).
  var pathsRelativeTo: String?
  var cases: [PublishedCase]

  enum CodingKeys: String, CodingKey {
    case source, description, cases
    case pathsRelativeTo = "paths_relative_to"
  }
}

/// A published estimate Strata re-derives: where it was printed, the command, and the numbers as printed.
struct PublishedCase: Decodable, Sendable {
  var id: String
  var citation: Citation
  var dataset: String?
  var model: String?
  /// Command paths (`"fit iv"`) this case needs; absent ones make the case skipped, not failed.
  var requires: [String]?
  /// The exact command line, starting with `strata`.
  var command: String
  var printed: Printed
  /// A case-wide rule replacing half a unit of the last printed digit (stated with its reason).
  var tolerance: CaseTolerance?
  /// Printed numbers the source itself rounded differently, each with its allowance and reason.
  var exceptions: [PrintedException]?

  struct Citation: Decodable, Sendable {
    var work: String
    var location: String
    var page: String?
    var printedIn: String?
    var provenanceNote: String?

    enum CodingKeys: String, CodingKey {
      case work, location, page
      case printedIn = "printed_in"
      case provenanceNote = "provenance_note"
    }

    /// "Work, location, p. N".
    var text: String {
      var parts = [work, location]
      if let page, !page.isEmpty { parts.append("p. \(page)") }
      return parts.joined(separator: ", ")
    }
  }

  struct Printed: Decodable, Sendable {
    var coefficients: [Row]?
    var estimates: [Row]?
    var statistics: [Statistic]?
  }

  /// A coefficient (`term`) or a descriptive estimate (`variable`) with its printed estimate and SE.
  struct Row: Decodable, Sendable {
    var term: String?
    var variable: String?
    var estimate: String?
    var stdError: String?

    enum CodingKeys: String, CodingKey {
      case term, variable, estimate
      case stdError = "std_error"
    }
  }

  /// Any other printed number, found in the command's JSON output at `path` (null: Strata does not compute it).
  struct Statistic: Decodable, Sendable {
    var name: String
    var printed: String
    var path: String?
    var reason: String?
  }
}

/// A case-wide tolerance, for sources that are not printed tables (for example R's unrounded doubles).
struct CaseTolerance: Decodable, Sendable {
  var relative: Double
  var reason: String
}

/// An allowance for one printed number the source rounded differently.
struct PrintedException: Decodable, Sendable {
  /// The item's path, e.g. `coefficients[term=educ].estimate` or `fit.statistic`.
  var item: String
  /// Allowed distance in units of the last printed digit (instead of one half).
  var units: Double?
  /// The number of significant digits the source actually rounded to.
  var significantDigits: Int?
  var reason: String

  enum CodingKeys: String, CodingKey {
    case item, units, reason
    case significantDigits = "significant_digits"
  }
}

/// A loaded registry: every case with the file it came from.
struct PublishedRegistry: Sendable {
  struct Entry: Sendable {
    var source: String
    var file: String
    /// The directory the case's data paths are relative to.
    var base: URL
    var testCase: PublishedCase
  }

  var directory: String
  var entries: [Entry]

  /// Reads every `*.json` file of `directory` (sorted by name); ids must be unique.
  static func load(directory: String) throws -> PublishedRegistry {
    let dir = URL(fileURLWithPath: directory)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ReproduceError.noRegistry(directory)
    }
    let files: [String]
    do {
      files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
    } catch {
      throw ReproduceError.noRegistry(directory)
    }
    if files.isEmpty { throw ReproduceError.noRegistry(directory) }
    var entries: [Entry] = []
    var seen: [String: String] = [:]
    for file in files {
      let url = dir.appendingPathComponent(file)
      let source: PublishedSource
      do {
        source = try JSONDecoder().decode(PublishedSource.self, from: try Data(contentsOf: url))
      } catch let error as DecodingError {
        throw ReproduceError.badRegistryFile(path: url.path, reason: describe(error))
      } catch {
        throw ReproduceError.badRegistryFile(path: url.path, reason: fileErrorReason(error))
      }
      let base = dir.appendingPathComponent(source.pathsRelativeTo ?? ".").standardizedFileURL
      for c in source.cases {
        if let other = seen[c.id] { throw ReproduceError.duplicateID(id: c.id, files: [other, file]) }
        seen[c.id] = file
        entries.append(Entry(source: source.source, file: file, base: base, testCase: c))
      }
    }
    return PublishedRegistry(directory: directory, entries: entries)
  }

  /// The entries with these ids, in the order asked.
  func entries(ids: [String]) throws -> [Entry] {
    try ids.map { id in
      guard let entry = entries.first(where: { $0.testCase.id == id }) else {
        let close = entries.map(\.testCase.id).filter { $0.contains(id) || id.contains($0) }.prefix(5)
        throw ReproduceError.unknownCase(id: id, suggestions: Array(close))
      }
      return entry
    }
  }

  private static func describe(_ error: DecodingError) -> String {
    func at(_ path: [CodingKey]) -> String {
      path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at \(at(context.codingPath))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "\(context.debugDescription) at \(at(context.codingPath))"
    case .dataCorrupted(let context): return "\(context.debugDescription) \(at(context.codingPath))"
    @unknown default: return String(describing: error)
    }
  }
}

/// Errors of `strata reproduce` itself (a failed case is a result, not an error).
enum ReproduceError: Error, CustomStringConvertible {
  case noRegistry(String)
  case badRegistryFile(path: String, reason: String)
  case duplicateID(id: String, files: [String])
  case unknownCase(id: String, suggestions: [String])

  var description: String {
    switch self {
    case .noRegistry(let dir):
      return "no registry of published cases at \(dir) (a directory of *.json files); pass --registry DIR"
    case .badRegistryFile(let path, let reason): return "\(path): \(reason)"
    case .duplicateID(let id, let files): return "case id '\(id)' appears in both \(files.joined(separator: " and "))"
    case .unknownCase(let id, let suggestions):
      let hint = suggestions.isEmpty ? "; `strata reproduce list` shows the ids" : "; did you mean \(suggestions.joined(separator: ", "))?"
      return "no published case '\(id)'\(hint)"
    }
  }
}
