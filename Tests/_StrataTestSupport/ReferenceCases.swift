import Foundation

/// One reference case from a JSON fixture, named by its id in test output.
public struct ReferenceCase: CustomStringConvertible, @unchecked Sendable {
  /// The case's `id`.
  public let id: String
  /// The whole case object.
  public let json: [String: Any]
  public var description: String { id }

  public init(id: String, json: [String: Any]) {
    self.id = id
    self.json = json
  }
}

/// Reads a JSON fixture (an object at the top level) at `relativePath` under the package root.
public func loadFixture(_ relativePath: String) throws -> [String: Any] {
  let data = try Data(contentsOf: repositoryRoot.appendingPathComponent(relativePath))
  guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
    throw CocoaError(.coderReadCorrupt)
  }
  return root
}

/// The cases (objects with an `id`) in the array `key` of the JSON file at `relativePath` under
/// the package root, optionally filtered; empty when the file is missing or malformed, which each
/// fixture's `fixtureIsPresent`-style test turns into a failure.
public func referenceCases(
  _ relativePath: String, key: String = "cases", where include: ([String: Any]) -> Bool = { _ in true }
) -> [ReferenceCase] {
  guard let root = try? loadFixture(relativePath), let cases = root[key] as? [[String: Any]] else { return [] }
  return cases.compactMap { c in
    guard include(c), let id = c["id"] as? String else { return nil }
    return ReferenceCase(id: id, json: c)
  }
}

/// A JSON number (or null) as an optional Double.
public func number(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
