import Foundation
import Strata
import Testing
import _StrataTestSupport

@Suite("flexwork: the shipped .dta and .csv are the same data")
struct ShippedDataTests {
  static func read(_ name: String) throws -> DataFrame {
    try DataReader.read(path: repositoryRoot.appendingPathComponent("datasets/flexwork/\(name)").path)
  }

  /// The design-based pension probit and a design-based logit of willingness ≥ 4 on a domain give
  /// the same terms, coefficients and standard errors from both files. The values are the same
  /// doubles (R parses the CSV and writes doubles), so agreement is to rounding of summation order
  /// only: relative 1e-12.
  @Test func dtaAndCSVGiveIdenticalFits() throws {
    let csv = try Self.read("flexwork.csv")
    let dta = try Self.read("flexwork.dta")
    #expect(csv.rowCount == dta.rowCount)
    #expect(csv.names == dta.names)
    let a = try pensionProbit(csv, design: flexworkDesign)
    let b = try pensionProbit(dta, design: flexworkDesign)
    #expect(a.fit.keptTerms == b.fit.keptTerms)
    #expect(a.fit.nobs == b.fit.nobs)
    for j in 0..<a.fit.rank {
      let (x, y) = (a.fit.keptCoefficients[j], b.fit.keptCoefficients[j])
      #expect(abs(x - y) <= 1e-12 * max(abs(x), 1), "\(a.fit.keptTerms[j]): csv \(x), dta \(y)")
      let (s, t) = (a.covariance.standardErrors[j], b.covariance.standardErrors[j])
      #expect(abs(s - t) <= 1e-12 * s, "SE of \(a.fit.keptTerms[j]): csv \(s), dta \(t)")
    }
  }

  @Test func dtaCarriesBilingualLabels() throws {
    let dta = try Self.read("flexwork.dta")
    let pension = try dta.column(named: "pension")
    #expect(pension.label == "参加基本养老保险 Basic pension participation")
    guard case .factor(let platform) = try dta.column(named: "platform").storage else {
      Issue.record("platform is not a factor in the .dta")
      return
    }
    #expect(platform.levels == FlexworkModel.platforms)
    #expect(dta.columns.allSatisfy { ($0.label ?? "").unicodeScalars.contains { $0.value >= 0x4E00 } })
  }
}

@Suite("flexwork: the flagship notebook's quoted numbers hold on the shipped data")
struct FlagshipProseTests {
  /// The robustness section of `notebooks-cli/participation.md` quotes the unweighted and the
  /// design-based `contractwage_employee` coefficients in its prose; both must be what the shipped
  /// data give (to the two decimals quoted), so a change to the simulator or the data that moves
  /// them fails here instead of leaving the report's text wrong.
  @Test func robustnessProseQuotesTheFits() throws {
    let notebook = try String(
      contentsOf: repositoryRoot.appendingPathComponent("notebooks-cli/participation.md"), encoding: .utf8)
    let data = try ShippedDataTests.read("flexwork.dta")
    let designed = try pensionProbit(data, design: flexworkDesign).fit
    let naive = try pensionProbit(data, design: nil).fit
    func coefficient(_ fit: Fit) -> String {
      guard let j = fit.keptTerms.firstIndex(of: "contractwage_employee") else { return "missing" }
      return String(format: "%.2f", fit.keptCoefficients[j])
    }
    let prose = notebook.replacingOccurrences(of: "\n", with: " ")
    #expect(prose.contains("inflated (\(coefficient(naive)) against the documented 0.90"), "unweighted \(coefficient(naive))")
    #expect(prose.contains("the design-based estimate is \(coefficient(designed))"), "design-based \(coefficient(designed))")
    #expect(prose.contains("(`datasets/flexwork/`, \(data.rowCount.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) workers)"))
  }

  /// The calibration section of the notebook quotes rates, their standard errors and the g-weight
  /// ranges with the sampling weights and with the weights calibrated to
  /// `datasets/flexwork/population_margins.csv`, and the population values of
  /// `population_truth.csv`: each quoted number must be what the shipped data give (to the
  /// decimals quoted).
  @Test func calibrationProseQuotesTheEstimates() throws {
    let notebook = try String(
      contentsOf: repositoryRoot.appendingPathComponent("notebooks-cli/participation.md"), encoding: .utf8)
    let prose = notebook.replacingOccurrences(of: "\n", with: " ")
    let data = try ShippedDataTests.read("flexwork.dta")
    let design = try SurveyDesign(data: data, specification: flexworkDesign)
    func rows(_ name: String) throws -> [String: Double] {
      let text = try String(contentsOf: repositoryRoot.appendingPathComponent("datasets/flexwork/\(name)"), encoding: .utf8)
      var out: [String: Double] = [:]
      for line in text.split(separator: "\n").dropFirst() {
        let parts = line.split(separator: ",")
        out[String(parts[0])] = Double(parts[1])
      }
      return out
    }
    let totals = try rows("population_margins.csv")
    let truth = try rows("population_truth.csv")
    let linear = try design.calibrated(formula: FlexworkModel.calibrationFormula, totals: totals)
    let raking = try design.calibrated(formula: FlexworkModel.calibrationFormula, totals: totals, distance: .raking)
    func f(_ x: Double?, _ digits: Int) -> String { String(format: "%.\(digits)f", x ?? .nan) }

    let g = try #require(linear.calibration)
    let h = try #require(raking.calibration)
    let weights = "(linear g-weights from \(f(g.gMinimum, 3)) to \(f(g.gMaximum, 3)), raking from \(f(h.gMinimum, 3)) to \(f(h.gMaximum, 3)))"
    #expect(prose.contains(weights), "\(weights)")

    let before = try design.mean("pension", "medical", "injury").estimates
    let after = try linear.mean("pension", "medical", "injury").estimates
    let names = ["pension": "pension", "medical": "medical insurance", "injury": "injury cover"]
    for (b, a) in zip(before, after) {
      let quoted = "\(names[b.variable] ?? b.variable) from \(f(b.estimate, 4)) to \(f(a.estimate, 4)) (\(b.variable == "pension" ? "population " : "")\(f(truth[b.variable], 4)))"
      #expect(prose.contains(quoted), "\(quoted)")
      if b.variable == "injury" {
        #expect(prose.contains("most for injury cover (\(f(b.stdError, 4)) to \(f(a.stdError, 4)))"))
      }
      #expect(a.stdError < b.stdError, "\(b.variable): calibrated SE \(a.stdError), before \(b.stdError)")
    }
    let rakedRates = try raking.mean("pension", "medical", "injury").estimates
    for (a, r) in zip(after, rakedRates) { #expect(f(a.estimate, 4) == f(r.estimate, 4), "\(a.variable): linear and raking") }

    let express = { (d: SurveyDesign) throws -> Double? in
      try d.mean("pension", by: "platform").estimates.first { $0.by.first?.1 == "express" }?.estimate
    }
    let quoted =
      "express-delivery rate: \(f(try express(design), 4)) with the sampling weights, \(f(try express(linear), 4)) calibrated, "
      + "\(f(truth["pension [platform = express]"], 4)) in the population"
    #expect(prose.contains(quoted), "\(quoted)")
  }

  /// The same section's claims about the probit's average marginal effects: calibration moves
  /// each by less than a quarter of its standard error, changes no standard error by 5% or more,
  /// and both sets of estimates lie within two standard errors of the true effects of
  /// `population_truth.csv`, present bias the farthest (the quoted number of standard errors).
  @Test func calibrationProseOnMarginalEffects() throws {
    let notebook = try String(
      contentsOf: repositoryRoot.appendingPathComponent("notebooks-cli/participation.md"), encoding: .utf8)
    let prose = notebook.replacingOccurrences(of: "\n", with: " ")
    let data = try ShippedDataTests.read("flexwork.dta")
    let design = try SurveyDesign(data: data, specification: flexworkDesign)
    var totals: [String: Double] = [:]
    var truth: [String: Double] = [:]
    for (name, into) in [("population_margins.csv", 0), ("population_truth.csv", 1)] {
      let text = try String(contentsOf: repositoryRoot.appendingPathComponent("datasets/flexwork/\(name)"), encoding: .utf8)
      for line in text.split(separator: "\n").dropFirst() {
        let parts = line.split(separator: ",")
        if into == 0 { totals[String(parts[0])] = Double(parts[1]) } else { truth[String(parts[0])] = Double(parts[1]) }
      }
    }
    let calibrated = try design.calibrated(formula: FlexworkModel.calibrationFormula, totals: totals)
    let variables = ["knowledge", "know_channel", "present_bias", "discount", "income_cv", "burden", "contract", "copay"]
    func effects(_ d: SurveyDesign) throws -> [String: DeltaEstimate] {
      let fit = try d.fit(.probit, FlexworkModel.pensionFormula)
      var out: [String: DeltaEstimate] = [:]
      for m in try fit.margins(.dydx, variables: variables).estimates {
        let term = m.level.map { "\(m.variable) (\($0) vs \(m.base ?? ""))" } ?? m.variable
        out[term] = m.result
      }
      return out
    }
    let before = try effects(design)
    let after = try effects(calibrated)
    #expect(before.count == 10 && Set(before.keys) == Set(after.keys))
    var farthest = (term: "", distance: 0.0)
    for (term, b) in before {
      let a = try #require(after[term])
      let population = try #require(truth[term], "no population value for \(term)")
      #expect(abs(a.estimate - b.estimate) < 0.25 * b.stdError, "\(term) moves \(a.estimate - b.estimate), SE \(b.stdError)")
      #expect(abs(a.stdError / b.stdError - 1) < 0.05, "\(term): SE \(b.stdError) to \(a.stdError)")
      for e in [a, b] {
        let distance = abs(e.estimate - population) / e.stdError
        #expect(distance < 2, "\(term): \(e.estimate) against \(population), SE \(e.stdError)")
        if distance > farthest.distance { farthest = (term, distance) }
      }
    }
    #expect(farthest.term == "present_bias", "\(farthest)")
    #expect(prose.contains("present-bias effect by the most, \(String(format: "%.1f", farthest.distance)) standard errors"), "\(farthest)")
  }
}
