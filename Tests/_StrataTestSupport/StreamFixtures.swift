import Foundation

/// Whether two outputs are the same text with their numbers equal to `rtol` relative (or `atol`
/// absolute, for numbers that are zero up to rounding): what a streamed fit's or a pushed-down
/// fit's full-precision output shares with the in-memory fit's, whose sums ran in another order.
/// Every number (`-1.5`, `2e-07`) is compared; the text between numbers must be equal exactly.
public func sameUpToRounding(_ a: String, _ b: String, rtol: Double = 1e-9, atol: Double = 1e-14) -> Bool {
  guard let pattern = try? NSRegularExpression(pattern: "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?") else { return false }
  func split(_ s: String) -> (String, [Double]) {
    let ns = s as NSString
    let matches = pattern.matches(in: s, range: NSRange(location: 0, length: ns.length))
    let numbers = matches.map { Double(ns.substring(with: $0.range)) ?? .nan }
    let text = pattern.stringByReplacingMatches(
      in: s, range: NSRange(location: 0, length: ns.length), withTemplate: "#")
    return (text, numbers)
  }
  let (sa, na) = split(a)
  let (sb, nb) = split(b)
  guard sa == sb, na.count == nb.count else { return false }
  return zip(na, nb).allSatisfy { x, y in x == y || abs(x - y) <= rtol * max(abs(x), abs(y)) || abs(x - y) < atol }
}

/// A file written into a fresh temporary folder of its own, for one test; `remove()` deletes
/// that folder (what this created, nothing else).
///
///     let csv = try TemporaryFile(named: "mixed.csv", contents: "y,x\n1,2\n")
///     defer { csv.remove() }
public struct TemporaryFile {
  /// The folder created for the file.
  public let folder: URL
  public let url: URL
  public var path: String { url.path }

  public init(named name: String, contents: String) throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    url = folder.appendingPathComponent(name)
    try Data(contents.utf8).write(to: url)
  }

  /// A CSV file of `lines` (the header first), each ended by a line feed.
  public init(csv name: String, lines: [String]) throws {
    try self.init(named: name, contents: lines.joined(separator: "\n") + "\n")
  }

  public func remove() {
    try? FileManager.default.removeItem(at: folder)
  }
}
