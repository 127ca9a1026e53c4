import Foundation

/// A JSON number that may also be written as "Inf", "-Inf" or "NaN".
struct FixtureNumber: Decodable {
  let value: Double
  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let d = try? c.decode(Double.self) {
      value = d
      return
    }
    switch try c.decode(String.self) {
    case "Inf": value = .infinity
    case "-Inf": value = -.infinity
    default: value = .nan
    }
  }
}

/// Reads and decodes `Tests/Fixtures/linalg/<name>`.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
  let url = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("Fixtures/linalg/\(name)")
  return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// `|a - b| ≤ max(abs, rel · |b|)`; `b` is the reference value.
func isClose(_ a: Double, _ b: Double, rel: Double, abs: Double = 0) -> Bool {
  if a == b { return true }
  if a.isNaN || b.isNaN { return false }
  return Swift.abs(a - b) <= Swift.max(abs, rel * Swift.abs(b))
}

/// Relative error of `a` against reference `b` (absolute when `b == 0`).
func relativeError(_ a: Double, _ b: Double) -> Double {
  if a == b { return 0 }
  return b == 0 ? Swift.abs(a) : Swift.abs(a - b) / Swift.abs(b)
}

/// Largest entry of `|a - b|` divided by the largest `|b|`.
func maxScaledError(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count)
  let scale = b.map { Swift.abs($0) }.max() ?? 0
  let err = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
  return scale == 0 ? err : err / scale
}

