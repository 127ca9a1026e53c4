import Foundation
import Testing
import _StrataTestSupport

/// The terminal side of issue 20: "did you mean", `svyset --describe`, `tab`'s layout, and the
/// cheat sheet's commands.
@Suite("The terminal: suggestions, svyset --describe, tab layout, cheat sheet")
struct TerminalTests {
  @Test func misspelledSubcommandsAndValuesGetASuggestion() throws {
    let fit = try runStrata(["fit", "probt", "inlf ~ educ", "--data", "datasets/mroz.csv"])
    #expect(fit.status == 64)
    #expect(fit.stderr.contains("did you mean 'probit'?"), "\(fit.stderr)")
    #expect(!fit.stderr.contains("Usage:"))
    let top = try runStrata(["tabb", "a", "b"])
    #expect(top.status == 64)
    #expect(top.stderr.contains("did you mean 'tab'?"), "\(top.stderr)")
    let margins = try runStrata(["fit", "probit", "inlf ~ educ", "--data", "datasets/mroz.csv", "--margins", "dydz"])
    #expect(margins.status != 0)
    #expect(margins.stderr.contains("did you mean 'dydx'?"), "\(margins.stderr)")
    let vce = try runStrata(["fit", "ols", "inlf ~ educ", "--data", "datasets/mroz.csv", "--vce", "robst"])
    #expect(vce.status == 64)
    #expect(vce.stderr.contains("did you mean 'robust'?"), "\(vce.stderr)")
    // Far from every subcommand: no guess.
    let far = try runStrata(["fit", "xyzzyq", "y ~ x", "--data", "datasets/mroz.csv"])
    #expect(far.status != 0)
    #expect(!far.stderr.contains("did you mean"))
  }

  @Test func everySubcommandHelpShowsAnExample() throws {
    let commands = [
      ["svyset"], ["tab"], ["plot", "predict"], ["plot", "coef"], ["plot", "margins"], ["fit"], ["describe"], ["mean"],
      ["total"], ["prop"], ["quantile"], ["ratio"], ["margins"], ["predict"], ["elasticities"], ["notebook", "run"],
      ["reproduce"], ["mediate"], ["simulate", "flexwork"],
    ]
    for command in commands {
      let run = try runStrata(command + ["--help"])
      #expect(run.status == 0)
      #expect(run.stdout.contains("strata " + command.joined(separator: " ")), "\(command) --help has no example")
    }
  }

  @Test func svysetDescribeListsStrataAndWeights() throws {
    let run = try runStrata([
      "svyset", "--data", "datasets/apistrat.csv", "--strata", "stype", "--weights", "pw", "--fpc", "fpc", "--describe",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    // One row per stratum: PSUs, observations, rows per PSU, weight sum (R: tapply(pw, stype, sum)).
    #expect(lines.contains { $0.split(separator: " ") == ["E", "100", "100", "1", "1.0", "1", "4,421"] }, "\(run.stdout)")
    #expect(lines.contains { $0.split(separator: " ") == ["H", "50", "50", "1", "1.0", "1", "755"] })
    #expect(lines.contains { $0.split(separator: " ") == ["M", "50", "50", "1", "1.0", "1", "1,018"] })
    #expect(lines.contains { $0.split(separator: " ") == ["Total", "(3)", "200", "200", "6,194"] })
    // R: min, max, mean, sd/mean of pw.
    #expect(
      lines.contains("Weights: n 200, min 15.1, max 44.21, mean 30.97, CV 0.4328, max/min 2.928, sum 6,194"),
      "\(run.stdout)")
  }

  @Test func svysetDescribeFlagsSingletonStrata() throws {
    let dir = try temporaryDirectory()
    let csv = dir.appendingPathComponent("single.csv")
    try "y,s,p,w\n1,a,1,2\n2,a,2,2\n3,a,2,2\n4,b,3,5\n5,b,3,5\n".write(to: csv, atomically: true, encoding: .utf8)
    let run = try runStrata([
      "svyset", "--data", csv.path, "--strata", "s", "--psu", "p", "--weights", "w", "--describe",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.split(separator: " ") == ["a", "2", "3", "1", "1.5", "2", "6"] }, "\(run.stdout)")
    #expect(lines.contains { $0.split(separator: " ") == ["b", "1", "2", "2", "2.0", "2", "10", "singleton"] })
    #expect(run.stdout.contains("1 singleton stratum (one PSU): b; estimation needs --lonely-psu"))
    #expect(run.stdout.contains("The design as declared stops here"))
    // Without --describe the design still stops, as before.
    let plain = try runStrata(["svyset", "--data", csv.path, "--strata", "s", "--psu", "p", "--weights", "w"])
    #expect(plain.status != 0)
  }

  @Test func tabPrintsRowColumnAndCellPercentagesLikeStata() throws {
    let design = ["--data", "datasets/apistrat.csv", "--strata", "stype", "--weights", "pw", "--fpc", "fpc"]
    let run = try runStrata(["tab", "sch.wide", "stype"] + design)
    #expect(run.status == 0, "\(run.stderr)")
    let prop = try runStrata(["prop", "stype", "--by", "sch.wide", "--format", "json"] + design)
    #expect(prop.status == 0, "\(prop.stderr)")
    // Row percentages: the proportions of stype within sch.wide = No, to two decimals.
    let object = try #require(JSONSerialization.jsonObject(with: Data(prop.stdout.utf8)) as? [String: Any])
    let estimates = try #require(object["estimates"] as? [[String: Any]])
    let lines = run.stdout.split(separator: "\n").map(String.init)
    let noBlock = try #require(lines.firstIndex { $0.hasPrefix("No ") })
    let rowLine = lines[noBlock + 2].split(separator: " ").map(String.init)
    #expect(rowLine.first == "row")
    for (k, level) in ["E", "H", "M"].enumerated() {
      let e = try #require(estimates.first { ($0["level"] as? String) == level && "\($0)".contains("No") })
      let p = try #require(e["estimate"] as? Double)
      #expect(rowLine[2 + k] == String(format: "%.2f", 100 * p), "\(level): \(rowLine)")
    }
    #expect(rowLine.last == "100.00")
    #expect(lines.contains { $0.hasPrefix("Total") })
    #expect(run.stdout.contains("Pearson's X^2 with Rao & Scott adjustment"))
    let long = try runStrata(["tab", "sch.wide", "stype", "--long"] + design)
    #expect(long.status == 0)
    #expect(long.stdout.contains("Proportion"))
    #expect(long.stdout.contains("Est. total"))
  }

  @Test func everyCheatSheetCommandRuns() throws {
    let sheet = try String(contentsOf: repositoryRoot.appendingPathComponent("Guides/CheatSheet.md"), encoding: .utf8)
    var commands: [String] = []
    var inBlock = false
    for line in sheet.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```") {
        inBlock = line == "```strata"
        continue
      }
      if inBlock && line.hasPrefix("strata ") { commands.append(String(line.dropFirst(7))) }
    }
    #expect(commands.count >= 20)
    let dir = try temporaryDirectory()
    try FileManager.default.createSymbolicLink(
      at: dir.appendingPathComponent("datasets"), withDestinationURL: repositoryRoot.appendingPathComponent("datasets"))
    for command in commands {
      let run = try runStrata(shellWords(command), in: dir)
      #expect(run.status == 0, "strata \(command)\n\(run.stderr)")
    }
    // Every strata command in the tables' last column names a real subcommand.
    for line in sheet.split(separator: "\n") where line.hasPrefix("|") {
      for piece in line.components(separatedBy: "`strata ").dropFirst() {
        let name = piece.split(separator: " ").first.map(String.init) ?? ""
        let help = try runStrata([name, "--help"])
        #expect(help.status == 0, "strata \(name) in: \(line)")
      }
    }
  }

  @Test func flagshipOutputsFitInOneHundredColumns() throws {
    let dir = try temporaryDirectory()
    let design = dir.appendingPathComponent("design.json").path
    let svyset = try runStrata([
      "svyset", "--data", "datasets/flexwork/flexwork.dta", "--weights", "weight", "--strata", "stratum", "--psu", "psu,id",
      "--fpc", "n_points,point_size", "--save", design, "--describe",
    ])
    #expect(svyset.status == 0, "\(svyset.stderr)")
    let formula = "pension ~ knowledge + know_channel + present_bias + discount + income_cv + burden + contract + copay"
      + " + union + migrant + algo_control + multihome + pilot + risk_aversion + trust + age + I(age^2) + female + educ"
      + " + married + children + log(income) + hours + tenure + platform + city_tier"
    let fit = try runStrata(["fit", "probit", formula, "--data", "datasets/flexwork/flexwork.dta", "--design", design])
    #expect(fit.status == 0, "\(fit.stderr)")
    for output in [svyset.stdout, fit.stdout] {
      for line in output.split(separator: "\n") {
        #expect(displayColumns(String(line)) <= 100, "\(displayColumns(String(line))) columns: \(line)")
      }
    }
    // The wrapped formula reads back as the formula, continuation lines indented under it.
    let lines = fit.stdout.split(separator: "\n").map(String.init)
    let start = try #require(lines.firstIndex { $0.hasPrefix("Formula:     ") })
    var text = String(lines[start].dropFirst(13))
    for line in lines[(start + 1)...] {
      guard line.hasPrefix(String(repeating: " ", count: 13) + "+") else { break }
      text += " " + line.trimmingCharacters(in: .whitespaces)
    }
    #expect(text == formula)
    // Population sizes print as whole numbers with separators.
    #expect(svyset.stdout.contains(/population size [0-9]{1,3}(,[0-9]{3})+,/), "\(svyset.stdout)")
  }

  /// Terminal columns of `s` (East Asian wide and full-width characters count two).
  private func displayColumns(_ s: String) -> Int {
    s.unicodeScalars.reduce(0) { n, u in
      let v = u.value
      let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
        || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
        || (0xFFE0...0xFFE6).contains(v)
      return n + (wide ? 2 : 1)
    }
  }

  /// Splits a command line on spaces, keeping single-quoted words whole.
  private func shellWords(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var quoted = false
    var started = false
    for ch in text {
      if ch == "'" {
        quoted.toggle()
        started = true
      } else if ch == " " && !quoted {
        if started { words.append(current) }
        current = ""
        started = false
      } else {
        current.append(ch)
        started = true
      }
    }
    if started { words.append(current) }
    return words
  }
}
