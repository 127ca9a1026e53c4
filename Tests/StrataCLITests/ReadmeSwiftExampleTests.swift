import Foundation
import Testing
import _StrataTestSupport

/// The README's "Use Strata from Swift" program: its first ```swift block is the file
/// `Examples/ReadmeExample/main.swift`, which the package builds as `strata-readme-example`, and it
/// prints the numbers of the equivalent `strata fit` command (JSON output) to 1e-12 relative.
@Suite("README Swift example")
struct ReadmeSwiftExampleTests {
  /// The first ```swift block of the README.
  static func firstSwiftBlock() throws -> String {
    let readme = try String(contentsOfFile: repositoryPath("README.md"), encoding: .utf8)
    let start = try #require(readme.range(of: "```swift\n"))
    let end = try #require(readme.range(of: "```\n", range: start.upperBound..<readme.endIndex))
    return String(readme[start.upperBound..<end.lowerBound])
  }

  @Test func readmeBlockIsTheBuiltExample() throws {
    let example = try String(contentsOfFile: repositoryPath("Examples/ReadmeExample/main.swift"), encoding: .utf8)
    let block = try Self.firstSwiftBlock()
    #expect(block == example, "README.md's first swift block differs from Examples/ReadmeExample/main.swift")
    #expect(block.contains("import Strata"))
  }

  @Test func examplePrintsTheNumbersOfStrataFit() throws {
    let binary = try strataBinary().deletingLastPathComponent().appendingPathComponent("strata-readme-example")
    try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build strata-readme-example with `swift build`")
    let process = Process()
    process.executableURL = binary
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let lines = printed.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }

    let run = try runStrata([
      "fit", "logit", "sch.wide ~ ell + meals + mobility", "--data", "datasets/apistrat.csv", "--weights", "pw",
      "--strata", "stype", "--fpc", "fpc", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    try #require(lines.count == rows.count, "\(lines.count) lines printed for \(rows.count) coefficients:\n\(printed)")
    #expect(rows.count == 4)
    for (line, row) in zip(lines, rows) {
      try #require(line.count == 3, "not term<TAB>estimate<TAB>std_error: \(line)")
      #expect(String(line[0]) == row["term"] as? String)
      let estimate = try #require(Double(String(line[1])))
      let stdError = try #require(Double(String(line[2])))
      #expect(isClose(estimate, try #require(number(row["estimate"])), rtol: 1e-12), "\(line[0]) estimate")
      #expect(isClose(stdError, try #require(number(row["std_error"])), rtol: 1e-12), "\(line[0]) std_error")
    }
  }
}
