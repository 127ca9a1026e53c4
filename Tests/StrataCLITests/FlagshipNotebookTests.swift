import Foundation
import Testing
import _StrataTestSupport

@Suite("The flagship notebook (notebooks-cli/participation.md)")
struct FlagshipNotebookTests {
  /// The README's main job runs `notebooks-cli/participation.md` on the shipped data. Here a copy
  /// of it reads a small `strata simulate flexwork` sample instead (same variables and design), so
  /// every block runs quickly: the reports exist with their tables and plots, the HTML is
  /// self-contained and well-formed, saved fits stay in `$WORK`, and two runs are byte-identical.
  /// The population margins and values are the small sample's own population's
  /// (`--margins`, `--truth`), so the calibration section calibrates to the right totals.
  @Test func flagshipNotebookRunsOnASimulatedSample() throws {
    let dir = try temporaryDirectory()
    let data = dir.appendingPathComponent("flexwork-small.csv").path
    let margins = dir.appendingPathComponent("margins-small.csv").path
    let truth = dir.appendingPathComponent("truth-small.csv").path
    let simulate = try runStrata([
      "simulate", "flexwork", "--population", "30000", "--sample", "1500", "--seed", "11", "--out", data,
      "--margins", margins, "--truth", truth,
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")

    let source = try String(
      contentsOf: repositoryRoot.appendingPathComponent("notebooks-cli/participation.md"), encoding: .utf8)
    let shipped = "datasets/flexwork/flexwork.dta"
    #expect(source.contains(shipped))
    #expect(!source.contains("notebooks-cli/results"), "saved fits go to $WORK, not to the repository")
    let notebook = dir.appendingPathComponent("participation.md")
    for file in ["datasets/flexwork/population_margins.csv", "datasets/flexwork/population_truth.csv"] {
      #expect(source.contains(file))
    }
    try source.replacingOccurrences(of: shipped, with: data)
      .replacingOccurrences(of: "datasets/flexwork/population_margins.csv", with: margins)
      .replacingOccurrences(of: "datasets/flexwork/population_truth.csv", with: truth)
      .write(to: notebook, atomically: true, encoding: .utf8)

    let a = dir.appendingPathComponent("a")
    let b = dir.appendingPathComponent("b")
    for out in [a, b] {
      let run = try runStrata(["notebook", "run", notebook.path, "--out", out.path])
      #expect(run.status == 0, "\(run.stderr)")
    }

    let plots = ["plot-1.svg", "plot-2.svg", "plot-3.svg", "plot-4.svg"]
    for name in ["participation.md", "participation.html"] + plots.map({ "participation_files/" + $0 }) {
      let x = try Data(contentsOf: a.appendingPathComponent(name))
      let y = try Data(contentsOf: b.appendingPathComponent(name))
      #expect(!x.isEmpty, "\(name) is empty")
      #expect(x == y, "\(name) differs between runs")
    }
    for fit in ["probit", "logit", "lpm", "probit-migrant", "probit-unweighted", "medical", "injury", "months", "probit-cal"] {
      #expect(FileManager.default.fileExists(atPath: a.appendingPathComponent("participation_files/\(fit).json").path), "\(fit)")
    }

    let markdown = try String(contentsOf: a.appendingPathComponent("participation.md"), encoding: .utf8)
    for title in [
      "**Pension participation: design-based probit, logit and linear probability model**",
      "**Average marginal effects on pension participation**",
      "**Elasticities (ey/ex) and semi-elasticities (dy/ex) of pension participation**",
      "**Heterogeneity by residence: interactions**", "**Average marginal effects by platform type**", "**Weighted (design-based) and unweighted probit**",
      "**Other outcomes**", "**Participation rates: sampling and calibrated weights, and the population**",
      "**Pension participation by platform type**",
      "**Average marginal effects on pension participation: sampling and calibrated weights, and the population**",
    ] {
      #expect(markdown.contains(title), "missing table \(title)")
    }
    #expect(markdown.contains("| Probit | Logit | LPM |"))
    #expect(markdown.contains("| Pension | Medical | Injury cover | Months share |"))
    #expect(markdown.contains("| Sampling weights | Linear calibration | Raking | Population |"))
    #expect(markdown.contains("| Sampling weights | Linear calibration | Population |"))
    // The calibrated design reproduces the population counts (svyset's summary of the linear calibration).
    #expect(markdown.contains("Calibration: g-weights min "))
    for plot in plots { #expect(markdown.contains("![plot](participation_files/\(plot))")) }
    // Every table a block prints is a Markdown table (its header lines stay text): design-based
    // rates by platform and contract, the split, margins over residence, the contrasts, scenarios.
    #expect(markdown.contains("|  | platform | Estimate | Std. Err. |"))
    #expect(markdown.contains("|  | contract | Estimate | Std. Err. |"))
    #expect(markdown.contains("|  | migrant = 0 | migrant = 1 |"))
    #expect(markdown.contains("| knowledge | dy/dx | 1 |"))
    #expect(markdown.contains("| information_vs_bias |"))
    #expect(!markdown.contains("Estimate  Std."), "no table left as text")
    #expect(markdown.contains("Split by migrant: 2 groups"))
    #expect(markdown.contains("Policy scenarios: average predictions"))
    // Named scenarios render as Markdown tables, their definitions listed under them.
    #expect(markdown.contains("| Scenario |  | Estimate | Std. Error | 95% CI low | 95% CI high |"))
    #expect(markdown.contains("| Scenario | migrant |  | Estimate | Std. Error | 95% CI low | 95% CI high |"))
    for name in [
      "Elastic contributions", "Information campaign", "Co-payment for all", "Income +10%, burden fixed",
      "Income +10%, burden recomputed",
    ] {
      #expect(markdown.contains("| \(name) | baseline |"), "scenario row \(name)")
    }
    #expect(markdown.contains("  Co-payment for all: copay = 1"))
    #expect(markdown.contains("  Income +10%, burden recomputed: income = income * 1.1; burden = burden / 1.1"))
    #expect(!markdown.contains("scenario  "), "no scenario table left as text")
    // The slopes-only test, the joint test of the interactions, and the information/present-bias contrast.
    #expect(markdown.contains("Wald test of equal slopes"))
    #expect(markdown.contains("knowledge:migrant"))
    #expect(markdown.contains("information_vs_bias"))
    #expect(markdown.contains("## 9. Findings"))

    let html = try String(contentsOf: a.appendingPathComponent("participation.html"), encoding: .utf8)
    let xml = try #require(XMLCollector.parse(html), "notebook HTML is not well-formed")
    // The 10 `strata table` blocks, the 2 scenario tables, and the tables the other commands print
    // (svyset's summaries and its calibration totals, the rates, the split, margins over
    // residence, the contrasts).
    #expect(xml.elements.filter { $0.name == "table" }.count == 23)
    #expect(html.contains("<th>Achieved</th>") || html.contains(">Achieved<"))
    #expect(xml.elements.filter { $0.name == "svg" }.count == 4)
    #expect(!html.contains("<script") && !html.contains("src="))
  }
}
