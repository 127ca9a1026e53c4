import Foundation
import StrataReport
import Testing
import _StrataTestSupport

/// Lines of `text` wider than `width` display columns (East Asian characters count two).
func linesWider(than width: Int, in text: String) -> [String] {
  text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { displayWidth($0) > width }
}

/// `text` with every run of spaces and line breaks made one space: what a reader sees of a
/// sentence or a label that the 100-column fitting may have wrapped.
func flattened(_ text: String) -> String {
  text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
}

/// A fresh folder like the walkthroughs' replay folder (`datasets` and `Tests` linked, a copy of
/// `notebooks-cli`), so these runs' `--save` steps write nowhere else.
func widthReplayFolder() throws -> URL {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-width-\(UUID().uuidString)")
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

/// Whether a walkthrough command prints text that `--width` fits (not a plot, a file format or
/// a command without the option).
func printsFittedText(_ words: [String]) -> Bool {
  guard let command = words.dropFirst().first, !["plot", "notebook", "simulate"].contains(command) else { return false }
  if let f = words.firstIndex(of: "--format"), f + 1 < words.count, words[f + 1] != "text" { return false }
  return !words.contains("-o") && !words.contains("--output")
}

/// Issue 20: "Text output fits 100 columns by default (wrap or abbreviate long labels and
/// expressions; `--width N`)".
@Suite("Text output within 100 columns, --width N")
struct TextWidthCommandTests {
  /// Every walkthrough's printed text is within 100 columns. The console blocks are what the
  /// commands print (NotebookTests.replay runs each and compares), so this reads them.
  @Test func everyWalkthroughOutputLineFits100Columns() throws {
    let steps = notebookSteps()
    #expect(steps.count >= 30)
    for step in steps {
      // CSV, JSON and Markdown are data, never fitted.
      let words = shellWords(step.command)
      if let f = words.firstIndex(of: "--format"), f + 1 < words.count, words[f + 1] != "text" { continue }
      let wide = linesWider(than: 100, in: step.expected)
      #expect(wide.isEmpty, "\(step): \(wide.count) lines wider than 100 columns:\n\(wide.joined(separator: "\n"))")
    }
  }

  /// Every walkthrough command that prints text, run again with `--width 60`, stays within 60
  /// columns (labels, notes, formula lines, scenario definitions, bilingual labels and tables).
  @Test func everyWalkthroughCommandFits60ColumnsWithWidth60() throws {
    let folder = try widthReplayFolder()
    var checked = 0
    for step in notebookSteps() {
      let words = shellWords(step.command)
      guard printsFittedText(words) else {
        // Still run it: later steps may read what it saved.
        _ = try runStrata(Array(words.dropFirst()), in: folder)
        continue
      }
      let run = try runStrata(Array(words.dropFirst()) + ["--width", "60"], in: folder)
      #expect(run.status == 0, "\(step): \(run.stderr)")
      let wide = linesWider(than: 60, in: run.stdout)
      #expect(wide.isEmpty, "\(step) --width 60: \(wide.count) lines wider than 60:\n\(wide.joined(separator: "\n"))")
      checked += 1
    }
    #expect(checked >= 20)
  }

  /// Commands run inside `strata notebook run` (in-process, their output captured) are fitted
  /// too: every text output block of the rendered Markdown is within 100 columns, and a block
  /// with `--width 60` within 60. The notebook holds the walkthroughs' text-heavy commands (IV
  /// and fixed-effects notes, a two-stage design line, the tab layout, scenario definitions, a
  /// long ordered-outcome line).
  @Test func notebookRunTextBlocksFitTheWidth() throws {
    let folder = try widthReplayFolder()
    let commands = [
      "strata fit iv 'lwage ~ exper + expersq + educ | motheduc + fatheduc + huseduc + exper + expersq' --data datasets/mroz.csv --vce hc1",
      "strata fit poisson 'yc ~ x1 + x2 | fe1 + fe2' --data Tests/Fixtures/ivfe/fe_panel.csv --vce classical",
      "strata total enroll --data datasets/apiclus2.csv --psu dnum,snum --fpc fpc1,fpc2",
      "strata tab sch.wide stype --data datasets/apiclus1.csv --weights pw --psu dnum --fpc fpc",
      "strata fit ologit 'I(1 + (meals > 25) + (meals > 50) + (meals > 75)) ~ avg.ed + mobility + stype' --data datasets/apiclus1.csv --weights pw --psu dnum --fpc fpc",
      "strata fit iv 'lwage ~ exper + expersq + educ | motheduc + fatheduc + huseduc + exper + expersq' --data datasets/mroz.csv --vce hc1 --width 60",
    ]
    let notebook = "# Width\n\n" + commands.map { "```strata\n\($0)\n```\n\n" }.joined()
    let path = folder.appendingPathComponent("width.md")
    try Data(notebook.utf8).write(to: path)
    let out = folder.appendingPathComponent("out")
    let run = try runStrata(["notebook", "run", path.path, "--out", out.path], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    let markdown = try String(contentsOf: out.appendingPathComponent("width.md"), encoding: .utf8)
    // Text blocks by command: the report repeats each ```strata block, then its outputs (text
    // blocks, and tables as Markdown tables, which are not width-limited).
    var blocks: [(command: Int, lines: [String])] = []
    var current: [String]?
    var command = -1
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if current == nil, line == "```strata" {
        command += 1
      } else if current == nil, line == "```text" {
        current = []
      } else if let block = current, line.hasPrefix("```") {
        blocks.append((command, block))
        current = nil
      } else {
        current?.append(line)
      }
    }
    try #require(command == commands.count - 1, "\(command + 1) command blocks")
    #expect(Set(blocks.map(\.command)) == Set(0..<commands.count), "a command without text output")
    for (k, block) in blocks {
      let width = k == commands.count - 1 ? 60 : 100
      let wide = block.filter { displayWidth($0) > width }
      #expect(wide.isEmpty, "command \(k + 1) wider than \(width):\n\(wide.joined(separator: "\n"))")
    }
    // The unfitted output of the first command is wider than 100 columns: the fitting did the work.
    let unlimited = try runStrata(Array(shellWords(commands[0]).dropFirst()) + ["--width", "0"], in: folder)
    #expect(!linesWider(than: 100, in: unlimited.stdout).isEmpty)
  }

  /// A broad sample beyond the walkthroughs: long formulas, many models side by side, a
  /// two-way table, a bilingual data set's labels; at the default width and at 60.
  @Test(arguments: [
    ["fit", "ols", "lwage ~ educ + exper + I(exper^2) + tenure + female + married + nonwhite + south + west + northcen + smsa + numdep",
     "--data", "datasets/wage1.csv", "--vce", "robust"],
    ["tab", "stype", "awards", "--data", "datasets/apiclus1.csv", "--psu", "dnum", "--weights", "pw", "--fpc", "fpc"],
    ["tab", "stype", "awards", "--data", "datasets/apiclus1.csv", "--psu", "dnum", "--weights", "pw", "--fpc", "fpc", "--long"],
    ["prop", "stype", "--by", "awards", "--data", "datasets/apiclus1.csv", "--psu", "dnum", "--weights", "pw", "--fpc", "fpc"],
    ["describe", "datasets/apistrat.csv"],
    ["fit", "logit", "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + kidsge6", "--data", "datasets/mroz.csv",
     "--margins", "dydx"],
  ])
  func sampleCommandsFit(_ arguments: [String]) throws {
    for width in [100, 60] {
      let run = try runStrata(arguments + (width == 100 ? [] : ["--width", "\(width)"]))
      #expect(run.status == 0, "\(arguments.prefix(3)): \(run.stderr)")
      #expect(!run.stdout.isEmpty)
      let wide = linesWider(than: width, in: run.stdout)
      #expect(wide.isEmpty, "\(arguments.prefix(3)) at \(width): \(wide.joined(separator: "\n"))")
    }
  }

  @Test func manyModelsSideBySideSplitIntoPanels() throws {
    let dir = try temporaryDirectory()
    var saved: [String] = []
    for (k, formula) in ["lwage ~ educ", "lwage ~ educ + exper", "lwage ~ educ + exper + tenure", "lwage ~ educ + exper + tenure + female",
                         "lwage ~ educ + exper + tenure + female + married", "lwage ~ educ + exper + tenure + female + married + nonwhite",
                         "lwage ~ educ + exper + tenure + female + married + nonwhite + south",
                         "lwage ~ educ + exper + tenure + female + married + nonwhite + south + west",
                         "lwage ~ educ + exper + tenure + female + married + nonwhite + south + west + smsa"].enumerated() {
      let path = dir.appendingPathComponent("m\(k).json").path
      let fit = try runStrata(["fit", "ols", formula, "--data", "datasets/wage1.csv", "--save", path, "--format", "json"])
      #expect(fit.status == 0, "\(fit.stderr)")
      saved.append(path)
    }
    let unlimited = try runStrata(["table"] + saved + ["--width", "0"])
    #expect(unlimited.status == 0, "\(unlimited.stderr)")
    #expect(!linesWider(than: 100, in: unlimited.stdout).isEmpty, "nine models should be wider than 100 columns")
    let fitted = try runStrata(["table"] + saved)
    #expect(linesWider(than: 100, in: fitted.stdout).isEmpty, "\(fitted.stdout)")
    let narrow = try runStrata(["table"] + saved + ["--width", "60"])
    #expect(linesWider(than: 60, in: narrow.stdout).isEmpty, "\(narrow.stdout)")
    // Every model's column header and every estimate are still printed.
    for k in 1...9 { #expect(narrow.stdout.contains("(\(k))"), "model \(k)") }
    let numbers = { (s: String) in s.split(whereSeparator: { " \n()*[]".contains($0) }).filter { Double($0) != nil }.count }
    #expect(numbers(narrow.stdout) == numbers(unlimited.stdout))
  }

  @Test func widthZeroMeansNoLimitAndBadWidthsAreErrors() throws {
    let formula = "lwage ~ " + ["educ", "exper", "tenure", "female", "married", "nonwhite", "south", "west", "northcen", "smsa",
                                "numdep", "services", "profocc", "clerocc", "servocc", "construc"].joined(separator: " + ")
    let unlimited = try runStrata(["fit", "ols", formula, "--data", "datasets/wage1.csv", "--width", "0"])
    #expect(unlimited.status == 0, "\(unlimited.stderr)")
    #expect(unlimited.stdout.contains("Formula:     " + formula + "\n"))
    let fitted = try runStrata(["fit", "ols", formula, "--data", "datasets/wage1.csv"])
    #expect(linesWider(than: 100, in: fitted.stdout).isEmpty)
    for bad in ["-1", "10"] {
      let run = try runStrata(["fit", "ols", "lwage ~ educ", "--data", "datasets/wage1.csv", "--width", bad])
      #expect(run.status != 0)
      #expect(run.stderr.contains("--width"), "\(run.stderr)")
    }
    // JSON and CSV are not fitted.
    let csv = try runStrata(["fit", "ols", formula, "--data", "datasets/wage1.csv", "--format", "csv", "--width", "40"])
    #expect(csv.status == 0, "\(csv.stderr)")
    let widthHelp = try runStrata(["fit", "ols", "--help"])
    #expect(widthHelp.stdout.contains("--width"))
  }
}
