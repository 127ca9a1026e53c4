import Foundation
import StrataReport
import Testing
import _StrataTestSupport

/// The README's first screen ("What it is for"): its shell session runs as written on the shipped
/// survey (`survey.dta` is a copy of `datasets/flexwork/flexwork.dta`), and the marginal effects it
/// quotes are lines of what `strata fit … --margins dydx` prints.
@Suite("README session")
struct ReadmeSessionTests {
  /// The commands of the first ```sh block after "## What it is for", continuation lines joined.
  static func session() throws -> (commands: [String], quoted: [String]) {
    let readme = try String(contentsOfFile: repositoryPath("README.md"), encoding: .utf8)
    let section = try #require(readme.range(of: "## What it is for\n"))
    let open = try #require(readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
    let close = try #require(readme.range(of: "```\n", range: open.upperBound..<readme.endIndex))
    var commands: [String] = []
    var pending = ""
    for line in readme[open.upperBound..<close.lowerBound].split(separator: "\n") {
      if line.hasPrefix("#") { continue }
      if line.hasSuffix("\\") {
        pending += line.dropLast() + " "
      } else {
        commands.append(pending + line)
        pending = ""
      }
    }
    let text = try #require(readme.range(of: "```text\n", range: close.upperBound..<readme.endIndex))
    let textEnd = try #require(readme.range(of: "```\n", range: text.upperBound..<readme.endIndex))
    let quoted = readme[text.upperBound..<textEnd.lowerBound].split(separator: "\n").map(String.init)
    return (commands, quoted)
  }

  @Test func sessionRunsAndQuotesItsOutput() throws {
    let (commands, quoted) = try Self.session()
    #expect(commands.count >= 5)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-session-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.copyItem(
      atPath: repositoryPath("datasets/flexwork/flexwork.dta"), toPath: dir.appendingPathComponent("survey.dta").path)
    var fitOutput = ""
    for command in commands {
      var words = shellWords(command)
      #expect(words.first == "strata", "\(command)")
      words.removeFirst()
      let run = try runStrata(words, in: dir)
      #expect(run.status == 0, "\(command): \(run.stderr)")
      if words.first == "fit" { fitOutput = run.stdout }
    }
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("table1.docx").path))
    // The quoted header and AME rows appear in the fit's output (numbers to a unit in the last place).
    let lines = fitOutput.split(separator: "\n").map(String.init)
    for q in quoted {
      let matched = lines.contains { textDifference($0, q) == nil }
      #expect(matched, "README quotes a line the fit does not print: \(q)")
    }
  }
}
