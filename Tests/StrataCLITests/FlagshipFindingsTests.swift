import Foundation
import Testing
import _StrataTestSupport

/// The heterogeneity, contrast, scenario and Findings prose of `notebooks-cli/participation.md`
/// quotes numbers the notebook's commands print on the shipped data; each must be what the
/// commands give (to the decimals quoted), so a change to the data or the estimators that moves
/// one fails here instead of leaving the report's text wrong.
@Suite("The flagship notebook's heterogeneity, scenario and Findings prose")
struct FlagshipFindingsTests {
  static let regressors = """
    knowledge + know_channel + present_bias + discount + income_cv + burden + contract + copay + union \
    + migrant + algo_control + multihome + pilot + risk_aversion + trust + age + I(age^2) + female + educ \
    + married + children + log(income) + hours + tenure + platform + city_tier
    """
  static let data = "datasets/flexwork/flexwork.dta"

  /// The command's text output with no width limit (rows are found by their whole label).
  func run(_ arguments: [String]) throws -> String {
    let r = try runStrata(arguments + (arguments.contains("--format") ? [] : ["--width", "0"]))
    #expect(r.status == 0, "strata \(arguments.joined(separator: " ")): \(r.stderr)")
    return r.stdout
  }

  /// The numbers after the row label `label` of a text table.
  func row(_ text: String, _ label: String) throws -> [Double] {
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(label + " ") }, "no row \(label)")
    return line.split(separator: " ").compactMap { Double($0) }
  }

  func fixed(_ x: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", x).replacingOccurrences(of: "-", with: "−")
  }

  func matches(_ text: String, _ pattern: String) throws -> [[String]] {
    let re = try NSRegularExpression(pattern: pattern)
    return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
      (1..<m.numberOfRanges).map { String(text[Range(m.range(at: $0), in: text)!]) }
    }
  }

  @Test func quotedNumbersAreWhatTheCommandsPrint() throws {
    let notebook = try String(
      contentsOf: repositoryRoot.appendingPathComponent("notebooks-cli/participation.md"), encoding: .utf8)
    let prose = notebook.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    func quotes(_ s: String) { #expect(prose.contains(s), "the notebook should say: \(s)") }
    let dir = try temporaryDirectory()
    let design = dir.appendingPathComponent("design.json").path
    let probit = dir.appendingPathComponent("probit.json").path
    let interacted = dir.appendingPathComponent("probit-migrant.json").path
    _ = try run([
      "svyset", "--data", Self.data, "--weights", "weight", "--strata", "stratum", "--psu", "psu,id", "--fpc",
      "n_points,point_size", "--save", design,
    ])
    let fit = try run([
      "fit", "probit", "pension ~ " + Self.regressors, "--data", Self.data, "--design", design, "--save", probit,
    ])
    #expect(fit.contains("6996"))
    quotes("the fits report 6,996 observations")
    quotes("1,014 of the 8,010 lack at least one")

    // §4: information against short-sightedness.
    let contrast = try run([
      "margins", probit, "--margins", "dydx", "--margins-variables", "know_channel,present_bias", "--lincom",
      "information_vs_bias = know_channel + present_bias", "--nlcom", "ratio = know_channel / -present_bias",
    ])
    let channel = try row(contrast, "know_channel")
    let bias = try row(contrast, "present_bias")
    let sum = try row(contrast, "information_vs_bias")
    let ratio = try row(contrast, "ratio")
    quotes("raises the probability of participating by \(fixed(channel[0], 3)) (standard error \(fixed(channel[1], 3)))")
    quotes("present bias lowers it by \(fixed(-bias[0], 3)) (\(fixed(bias[1], 3)))")
    quotes("Their sum, \(fixed(sum[0], 3)) (standard error \(fixed(sum[1], 3)), p = \(fixed(sum[3], 2)))")
    quotes("\(fixed(ratio[0], 2)) times the present-bias effect (95% interval \(fixed(ratio[4], 2)) to \(fixed(ratio[5], 2))")
    quotes("Knowing the enrolment channel (+\(fixed(channel[0], 3))) and present bias (\(fixed(bias[0], 3)))")

    // The .dta labels reach margins tables: a variable's label, a factor level's label, through the JSON.
    let ame = dir.appendingPathComponent("ame.json").path
    _ = try run([
      "margins", probit, "--margins", "dydx", "--margins-variables", "knowledge,contract", "--format", "json",
      "--output", ame,
    ])
    let labelled = try run(["table", ame])
    #expect(labelled.contains("政策知识得分（0-10）Policy-knowledge score (0-10)"), "\(labelled)")
    #expect(labelled.contains("用工形式 Contract type: wage_employee "), "\(labelled)")

    // §6: the split's two tests and the joint test of the interactions.
    let split = try run([
      "fit", "probit", "pension ~ " + Self.regressors.replacingOccurrences(of: "+ migrant ", with: ""), "--data",
      Self.data, "--design", design, "--split", "migrant",
    ])
    let chi = try matches(split, #"chi2\((\d+)\) = ([0-9.]+),  p-value: ([0-9.e-]+)"#)
    try #require(chi.count == 2)
    #expect(try #require(Double(chi[0][2])) < 0.001 || chi[0][2].contains("e-"))
    quotes("(chi2(\(chi[0][0])) = \(fixed(Double(chi[0][1])!, 1)), p < 0.001)")
    quotes("(chi2(\(chi[1][0])) = \(fixed(Double(chi[1][1])!, 1)), p = \(fixed(Double(chi[1][2])!, 2)))")
    _ = try run([
      "fit", "probit", "pension ~ " + Self.regressors + " + knowledge:migrant + burden:migrant", "--data", Self.data,
      "--design", design, "--save", interacted,
    ])
    let test = try run(["test", interacted, "knowledge:migrant, burden:migrant"])
    let f = try #require(try matches(test, #"F\((\d+), (\d+)\) = ([0-9.]+),  p-value: ([0-9.]+)"#).first)
    quotes("F(\(f[0]), \(f[1])) = \(fixed(Double(f[2])!, 2)), p = \(fixed(Double(f[3])!, 2))")

    // §8: the scenarios (CSV: scenario, group, quantity, estimate, std_error, ...).
    let csv = try run([
      "predict", probit, "--scenario", "Elastic contributions: burden = burden * (1 - 0.3 * (income_cv > 0.4))",
      "--scenario", "Information campaign: knowledge = knowledge + 2 - (knowledge > 8) * (knowledge - 8)",
      "--scenario", "Co-payment for all: copay = 1", "--scenario", "Income +10%, burden fixed: income = income * 1.1",
      "--scenario", "Income +10%, burden recomputed: income = income * 1.1; burden = burden / 1.1", "--format", "csv",
    ])
    var difference: [String: (Double, Double)] = [:]
    var level: [String: Double] = [:]
    for line in csv.split(separator: "\n").dropFirst() {
      // The scenario names hold commas, so their field is quoted; the rest are plain.
      var f: [String]
      if line.hasPrefix("\"") {
        let close = try #require(line.dropFirst().firstIndex(of: "\""))
        f = [String(line[line.index(after: line.startIndex)..<close])]
        f += line[line.index(after: close)...].dropFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      } else {
        f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      }
      guard f.count >= 5, let e = Double(f[3]), let se = Double(f[4]) else { continue }
      if f[2] == "difference" { difference[f[0]] = (100 * e, se) }
      if f[2] == "predicted" { level[f[0]] = e }
      if f[2] == "baseline" { level["baseline"] = e }
    }
    let copay = try #require(difference["Co-payment for all"])
    let info = try #require(difference["Information campaign"])
    let elastic = try #require(difference["Elastic contributions"])
    let fixedBurden = try #require(difference["Income +10%, burden fixed"])
    let recomputed = try #require(difference["Income +10%, burden recomputed"])
    quotes(
      "by \(fixed(copay.0, 1)) points (from \(fixed(try #require(level["baseline"]), 3)) to \(fixed(try #require(level["Co-payment for all"]), 3)); standard error of the difference \(fixed(copay.1, 3)))"
    )
    quotes("the information campaign by \(fixed(info.0, 1)) points (\(fixed(info.1, 3)))")
    quotes("elastic contributions by \(fixed(elastic.0, 1)) points (\(fixed(elastic.1, 3)))")
    quotes("A 10% income rise adds \(fixed(fixedBurden.0, 1)) points (\(fixed(fixedBurden.1, 3))) with the burden held fixed but \(fixed(recomputed.0, 1)) points (\(fixed(recomputed.1, 4)))")
    #expect(recomputed.0 - fixedBurden.0 > recomputed.0 / 2, "more than half runs through the burden")
    quotes("+\(fixed(copay.0, 1)) points for all workers, against +\(fixed(info.0, 1)) points for a two-point information campaign and +\(fixed(elastic.0, 1)) points")
    quotes("A 10% income rise adds \(fixed(recomputed.0, 1)) points once the burden falls with it, against \(fixed(fixedBurden.0, 1)) points")
    quotes("the interactions are jointly zero (F(\(f[0]), \(f[1])) = \(fixed(Double(f[2])!, 2)), p = \(fixed(Double(f[3])!, 2)))")
    quotes("(chi2(\(chi[1][0])) = \(fixed(Double(chi[1][1])!, 1)), p = \(fixed(Double(chi[1][2])!, 2)), §6)")

    // Findings: design-based and unweighted rates, rates by contract (rows by the data's label).
    let pension = "参加基本养老保险 Basic pension participation"
    let weighted = try run(["mean", "pension", "--data", Self.data, "--design", design])
    let unweighted = try run(["mean", "pension", "--data", Self.data])
    quotes("\(fixed(try row(unweighted, pension)[0], 3)) unweighted against \(fixed(try row(weighted, pension)[0], 3)) design-based")
    let byContract = try run(["mean", "pension", "--data", Self.data, "--design", design, "--by", "contract"])
    let wage = try row(byContract, pension + "  wage_employee")
    let none = try row(byContract, pension + "  none")
    quotes("Wage employees participate at \(fixed(wage[0], 3)) against \(fixed(none[0], 3))")
  }
}
