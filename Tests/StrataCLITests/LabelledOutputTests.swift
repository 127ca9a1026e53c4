import Foundation
import Testing
import _StrataTestSupport

/// Notebook table blocks and the one label set of every report, on `Tests/Fixtures/labels/labelled.dta`
/// (written by `make_labelled.R` there): `y`, `x`, `z` carry bilingual variable labels, and `grp`
/// keeps its numbers 1, 2, 3 with value labels for 1 ("first") and 2 ("second") only.
@Suite("Notebook table blocks and data labels in every report")
struct LabelledOutputTests {
  static let data = "Tests/Fixtures/labels/labelled.dta"
  static let yLabel = "Outcome (结果)"
  static let xLabel = "Regressor x (自变量)"
  static let zLabel = "Positive regressor z"
  static let groupLabel = "Group (组别)"

  func run(_ arguments: [String]) throws -> String {
    let r = try runStrata(arguments)
    #expect(r.status == 0, "strata \(arguments.joined(separator: " ")): \(r.stderr)")
    return r.stdout
  }

  /// The text table's line that starts with `label` (then two spaces), split on runs of two or
  /// more spaces.
  func row(_ text: String, _ label: String) -> [String]? {
    text.split(separator: "\n").first { $0.hasPrefix(label + "  ") }.map {
      $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
  }

  /// Every block of a notebook whose output is a table shows it as a Markdown table in the .md
  /// and an HTML `<table>` in the .html; header lines and notes stay text. One command per block:
  /// the descriptive statistics, tab, fit, fit --margins, margins --over, elasticities, --split,
  /// lincom and nlcom (a Wald test prints a statistic, not a table, and stays text).
  @Test func tableBlocksRenderAsTables() throws {
    let dir = try temporaryDirectory()
    let data = repositoryRoot.appendingPathComponent(Self.data).path
    let design = "--data \(data) --weights w"
    let commands: [(command: String, tables: Int, markdown: String)] = [
      ("strata mean y x \(design) --by grp", 1, "| \(Self.yLabel) | first | 0.54509 |"),
      ("strata total y \(design)", 1, "| \(Self.yLabel) | 266.41 |"),
      ("strata prop grp \(design)", 1, "| \(Self.groupLabel) | second | 0.32969 |"),
      ("strata ratio y/x \(design)", 1, "| y/x | 0.056233 |"),
      ("strata quantile x \(design)", 1, "| \(Self.xLabel) | 0.5 | 10.112 |"),
      ("strata var x \(design)", 1, "| \(Self.xLabel) | 4.3640 |"),
      ("strata tab y grp \(design)", 1, "| Total | cell % | 34.67 | 32.97 | 32.36 | 100.00 |"),
      ("strata fit logit 'y ~ x + log(z) + grp' \(design) --save $WORK/fit.json", 1, "| x | 0.35499 | 0.052378 | 6.778 |"),
      ("strata fit logit 'y ~ x + log(z) + grp' \(design) --margins dydx", 2, "| z | dy/dx | 0.023158 |"),
      ("strata margins $WORK/fit.json --margins dydx --over grp", 1, "| x | dy/dx | second | 0.077156 |"),
      ("strata elasticities $WORK/fit.json", 1, "| \(Self.zLabel) | 0.023158 | (0.01976) | 0.11672 |"),
      ("strata fit logit 'y ~ x + z' \(design) --split grp", 1, "|  | grp = first | grp = second | grp = 3 |"),
      ("strata test $WORK/fit.json 'x, grp'", 0, "  chi2(2) = 47.588,  p-value: 4.64e-11"),
      ("strata lincom $WORK/fit.json 'x + grp'", 1, "| x + grp | 0.11319 | 0.12713 | 0.890 |"),
      ("strata nlcom $WORK/fit.json 'x / grp'", 1, "| x / grp | -1.4681 | 0.74652 | -1.967 |"),
    ]
    let notebook = dir.appendingPathComponent("blocks.md")
    let text = "# Table blocks\n\n" + commands.map { "```strata\n\($0.command)\n```\n" }.joined(separator: "\nProse.\n\n")
    try Data(text.utf8).write(to: notebook)
    let out = dir.appendingPathComponent("out")
    _ = try run(["notebook", "run", notebook.path, "--out", out.path])

    let markdown = try String(contentsOf: out.appendingPathComponent("blocks.md"), encoding: .utf8)
    let html = try String(contentsOf: out.appendingPathComponent("blocks.html"), encoding: .utf8)
    #expect(XMLCollector.parse(html) != nil, "notebook HTML is not well-formed")
    let mdBlocks = markdown.components(separatedBy: "```strata\n").dropFirst()
    let htmlBlocks = html.components(separatedBy: "<pre class=\"strata-command\">").dropFirst()
    try #require(mdBlocks.count == commands.count && htmlBlocks.count == commands.count)
    for ((c, md), page) in zip(zip(commands, mdBlocks), htmlBlocks) {
      let tableLines = md.split(separator: "\n").filter { $0.hasPrefix("|:---") }.count
      #expect(tableLines == c.tables, "\(c.command): \(tableLines) Markdown tables")
      #expect(page.components(separatedBy: "<table class=\"strata-models\">").count - 1 == c.tables, "\(c.command): HTML tables")
      #expect(md.contains(c.markdown), "\(c.command): no line \(c.markdown)\n\(md)")
      // The header lines stay text above the table; no table is left in preformatted text.
      if c.tables > 0 {
        #expect(md.contains("```text\n"), "\(c.command): its header lines")
        #expect(!md.contains("Estimate  Std."), "\(c.command): a table left as text")
      }
    }
    // A table's cells in the HTML, escaped, with the labels.
    #expect(html.contains("<tr><td class=\"label\">\(Self.yLabel)</td><td class=\"label\">first</td><td>0.54509</td>"))
    #expect(html.contains("<th>Pr(&gt;|z|)</th>"))
  }

  /// mean, total and prop show variable labels in the variable column and value labels for
  /// levels and `--by` groups; a code without a value label shows as itself. The JSON carries
  /// the labels, so `strata table` labels its rows the same way.
  @Test func descriptivesShowLabels() throws {
    let design = ["--data", Self.data, "--weights", "w"]
    let mean = try run(["mean", "y", "x"] + design + ["--by", "grp"])
    #expect(row(mean, Self.yLabel) == ["\(Self.yLabel)", "first", "0.54509", "0.058388", "0.43065", "0.65953", "2.132", "0.1071"])
    #expect(mean.contains("\(Self.xLabel)  second"))
    #expect(mean.contains("\(Self.xLabel)  3 "))
    #expect(!mean.contains("\ny "))
    let prop = try run(["prop", "grp"] + design)
    #expect(prop.contains("\(Self.groupLabel)  first "))
    #expect(prop.contains("\(Self.groupLabel)  second "))
    let total = try run(["total", "z"] + design)
    #expect(row(total, Self.zLabel) != nil, "\(total)")
    // CSV and JSON keep the data's names and codes; the JSON adds the labels.
    let csv = try run(["mean", "y"] + design + ["--by", "grp", "--format", "csv"])
    #expect(csv.contains("\ny,,1,"), "\(csv)")
    let dir = try temporaryDirectory()
    let json = dir.appendingPathComponent("mean.json").path
    _ = try run(["mean", "y"] + design + ["--by", "grp", "--format", "json", "--output", json])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
    #expect(document["labels"] as? [String: String] == ["y": Self.yLabel, "grp": Self.groupLabel])
    #expect(document["value_labels"] as? [String: [String: String]] == ["grp": ["1": "first", "2": "second"]])
    let table = try run(["table", json])
    #expect(table.contains("\(Self.yLabel) [\(Self.groupLabel) = first]"), "\(table)")
    #expect(table.contains("\(Self.yLabel) [\(Self.groupLabel) = 3]"), "\(table)")
    // Unlabelled data print as before: names and codes.
    let plain = try run(["mean", "api00", "--data", "datasets/apistrat.csv", "--weights", "pw", "--by", "stype"])
    #expect(row(plain, "api00") != nil)
  }

  /// margins --over shows the groups' value labels and lists the variables' labels under the
  /// table; its JSON carries the labels to `strata table` and `strata plot margins`.
  @Test func marginsOverGroupsAndPlotsShowLabels() throws {
    let dir = try temporaryDirectory()
    let fit = dir.appendingPathComponent("fit.json").path
    _ = try run(["fit", "logit", "y ~ x + log(z) + grp", "--data", Self.data, "--weights", "w", "--save", fit])
    let margins = try run(["margins", fit, "--margins", "dydx", "--margins-variables", "x", "--over", "grp"])
    #expect(row(margins, "x")?.prefix(3) == ["x", "dy/dx", "first"], "\(margins)")
    #expect(margins.contains("x  dy/dx  second "))
    #expect(margins.contains("x  dy/dx  3 "))
    #expect(margins.hasSuffix("\nVariable labels:\n  x: \(Self.xLabel)\n  grp: \(Self.groupLabel)\n"), "\(margins)")

    let ame = dir.appendingPathComponent("ame.json").path
    _ = try run(["margins", fit, "--margins", "dydx", "--margins-variables", "x", "--over", "grp", "--format", "json", "--output", ame])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ame))) as? [String: Any])
    #expect((document["labels"] as? [String: String])?["grp"] == Self.groupLabel)
    #expect(document["value_labels"] as? [String: [String: String]] == ["grp": ["1": "first", "2": "second"]])
    let svg = try run(["plot", "margins", ame])
    for group in ["first", "second", "3"] {
      #expect(svg.contains(">\(Self.xLabel) [\(Self.groupLabel) = \(group)]</text>"), "\(group): \(svg.prefix(3000))")
    }
    let table = try run(["table", ame])
    #expect(table.contains("\(Self.xLabel) [\(Self.groupLabel) = second]"), "\(table)")

    // fit --margins --over writes the same labels.
    let fitAME = dir.appendingPathComponent("fit-ame.json").path
    _ = try run([
      "fit", "logit", "y ~ x + log(z) + grp", "--data", Self.data, "--weights", "w", "--margins", "dydx",
      "--margins-variables", "x", "--over", "grp", "--format", "json", "--output", fitAME,
    ])
    let fitSVG = try run(["plot", "margins", fitAME])
    #expect(fitSVG.contains(">\(Self.xLabel) [\(Self.groupLabel) = first]</text>"))
  }

  /// Elasticity tables label their rows (a variable used through log() included) in text and,
  /// through the JSON, in `strata table`.
  @Test func elasticitiesShowLabels() throws {
    let dir = try temporaryDirectory()
    let fit = dir.appendingPathComponent("fit.json").path
    _ = try run(["fit", "logit", "y ~ x + log(z) + grp", "--data", Self.data, "--weights", "w", "--save", fit])
    let text = try run(["elasticities", fit, "--variables", "x,z", "--width", "0"])
    #expect(row(text, Self.xLabel)?.prefix(3) == [Self.xLabel, "0.077236", "(0.009151)"], "\(text)")
    #expect(row(text, Self.zLabel)?.prefix(3) == [Self.zLabel, "0.023158", "(0.01976)"], "\(text)")
    let json = dir.appendingPathComponent("el.json").path
    _ = try run(["elasticities", fit, "--variables", "x,z", "--format", "json", "--output", json])
    let table = try run(["table", json, "--keep", "eyex*"])
    #expect(table.contains("eyex: \(Self.zLabel)"), "\(table)")
  }

  /// `fit --split` labels its terms and its groups' columns (value labels; a code without one
  /// shows as itself).
  @Test func splitShowsLabels() throws {
    let text = try run(["fit", "logit", "y ~ x + z", "--data", Self.data, "--weights", "w", "--split", "grp"])
    #expect(text.contains("grp = first  grp = second      grp = 3\n"), "\(text)")
    #expect(row(text, Self.xLabel)?.prefix(2) == [Self.xLabel, "0.210457*"], "\(text)")
    #expect(row(text, Self.zLabel) != nil)
    #expect(row(text, "(Intercept)") != nil)
  }
}
