import Foundation
import StrataReport
import Testing
import _StrataTestSupport

/// One `console` block of a notebook: a `$ strata ...` line and the output printed under it.
struct NotebookStep: CustomStringConvertible, Sendable {
  var notebook: String
  var command: String
  var expected: String
  var description: String { "\(notebook): \(command.prefix(60))" }
}

/// Every `console` block of every `notebooks-cli/*.md`.
func notebookSteps() -> [NotebookStep] {
  let dir = repositoryRoot.appendingPathComponent("notebooks-cli")
  let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
  var steps: [NotebookStep] = []
  for file in files {
    guard let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8) else { continue }
    var block: [String]?
    for line in text.components(separatedBy: "\n") {
      if block == nil, line == "```console" {
        block = []
      } else if let current = block, line == "```" {
        if let first = current.first, first.hasPrefix("$ ") {
          let output = current.dropFirst().joined(separator: "\n") + (current.count > 1 ? "\n" : "")
          steps.append(NotebookStep(notebook: file, command: String(first.dropFirst(2)), expected: output))
        }
        block = nil
      } else if block != nil {
        block?.append(line)
      }
    }
  }
  return steps
}

/// A folder the walkthroughs run in, so that their `--save` steps never write into the checkout:
/// `datasets` and `Tests` are links to the package's, `notebooks-cli` is a fresh copy (with the
/// saved fits the later steps read). Made once per test process; removed by nobody but the OS.
let replayFolder: Result<URL, any Error> = Result {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("strata-replay-\(UUID().uuidString)", isDirectory: true)
  let files = FileManager.default
  try files.createDirectory(at: folder, withIntermediateDirectories: true)
  for linked in ["datasets", "Tests"] {
    try files.createSymbolicLink(
      at: folder.appendingPathComponent(linked), withDestinationURL: repositoryRoot.appendingPathComponent(linked))
  }
  try files.copyItem(
    at: repositoryRoot.appendingPathComponent("notebooks-cli"), to: folder.appendingPathComponent("notebooks-cli"))
  return folder
}

@Suite("notebooks-cli walkthroughs stay true")
struct NotebookTests {
  /// The one splitter of notebook, walkthrough and published-case commands.
  @Test func shellWordsSplitsAsTheShell() {
    #expect(shellWords(#"strata fit ols 'y ~ x + I(x^2)' --data "my file.csv""#)
      == ["strata", "fit", "ols", "y ~ x + I(x^2)", "--data", "my file.csv"])
    #expect(shellWords(#"a\ b  'c\d' "e\"f" g"# + "\tx\ny") == ["a b", #"c\d"#, #"e"f"#, "g", "x", "y"])
    #expect(shellWords("--subpop 'stype != \"E\"' ''") == ["--subpop", "stype != \"E\"", ""])
    #expect(shellWords("   ").isEmpty)
  }

  @Test func notebooksHaveSteps() {
    #expect(notebookSteps().count >= 5)
  }

  @Test(arguments: notebookSteps())
  func replay(_ step: NotebookStep) throws {
    let words = shellWords(step.command)
    #expect(words.first == "strata")
    let run = try runStrata(Array(words.dropFirst()), in: try replayFolder.get())
    #expect(run.status == 0, "\(run.stderr)")
    // Numbers within 1e-10 (or one unit in the last printed place): OpenBLAS kernels differ per CPU.
    let difference = textDifference(run.stdout, step.expected)
    #expect(difference == nil, "output of `\(step.command)` changed: \(difference ?? "")\n\(run.stdout)")
  }
}
