import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The population files shipped beside the sample (`datasets/flexwork/population_margins.csv`,
/// `population_truth.csv`, CODEBOOK §7): regenerated from the simulator byte for byte, checked
/// against R on the same census, and checked against the census by an independent path.
@Suite("flexwork: population margins and population values")
struct PopulationValuesTests {
  static func text(_ path: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
  }

  /// `term,number` rows of a two-column CSV with a header.
  static func rows(_ path: String) throws -> [(String, Double)] {
    try text(path).split(separator: "\n").dropFirst().map { line in
      let parts = line.split(separator: ",", omittingEmptySubsequences: false)
      guard parts.count == 2, let x = Double(parts[1]) else { throw CocoaError(.fileReadCorruptFile) }
      return (String(parts[0]), x)
    }
  }

  /// `strata simulate flexwork --population 200000 --sample 8000 --seed 7 --margins … --truth …`
  /// writes exactly the shipped files (the sample's own file is checked by
  /// `SimulatorDeterminismTests.shippedCSVIsReproducible`).
  @Test func shippedFilesAreReproducible() throws {
    let population = try shippedPopulation.get()
    let margins = CSVWriter.text(of: try population.totalsFrame(formula: FlexworkModel.calibrationFormula))
    #expect(margins == (try Self.text("datasets/flexwork/population_margins.csv")))
    let truth = CSVWriter.text(of: population.truthFrame())
    #expect(truth == (try Self.text("datasets/flexwork/population_truth.csv")))
  }

  /// R on the same census (`Tests/Fixtures/flexwork/population.R`): the same model-matrix column
  /// names in the same order, the same totals (counts: exact), and the same rates and true average
  /// marginal effects (sums in another order: relative 1e-12).
  @Test func shippedFilesMatchR() throws {
    let margins = try Self.rows("datasets/flexwork/population_margins.csv")
    let rMargins = try Self.rows("Tests/Fixtures/flexwork/population_margins_R.csv")
    #expect(margins.map(\.0) == rMargins.map(\.0))
    #expect(margins.map(\.1) == rMargins.map(\.1))
    #expect(margins.count == 18)
    let truth = try Self.rows("datasets/flexwork/population_truth.csv")
    let rTruth = try Self.rows("Tests/Fixtures/flexwork/population_truth_R.csv")
    #expect(truth.map(\.0) == rTruth.map(\.0))
    for ((term, x), (_, y)) in zip(truth, rTruth) {
      #expect(abs(x - y) <= 1e-12 * abs(y), "\(term): strata \(x), R \(y)")
    }
  }

  /// On a small population, the margins are the counts of the census columns, and the population
  /// values agree with a second computation from the census through the pension formula's model
  /// matrix (not the simulator's own regressor vector).
  @Test func valuesAgreeWithTheCensus() throws {
    let population = try FlexworkPopulation(size: 5_000, seed: 3)
    let census = population.census()
    func codes(_ name: String) throws -> (codes: [Int32], levels: [String]) {
      guard case .factor(let f) = try census.column(named: name).storage else { throw CocoaError(.fileReadCorruptFile) }
      return (f.codes, f.levels)
    }
    func values(_ name: String) throws -> [Double] {
      guard case .numeric(let c) = try census.column(named: name).storage else { throw CocoaError(.fileReadCorruptFile) }
      return c.values
    }
    let totals = Dictionary(uniqueKeysWithValues: try population.totals(formula: FlexworkModel.calibrationFormula).map { ($0.term, $0.total) })
    let region = try codes("region")
    let tier = try codes("city_tier")
    let platform = try codes("platform")
    #expect(totals["(Intercept)"] == 5_000)
    #expect(totals["female"] == (try values("female")).reduce(0, +))
    for (p, name) in platform.levels.enumerated().dropFirst() {
      #expect(totals["platform" + name] == Double(platform.codes.filter { $0 == p }.count), "platform \(name)")
    }
    for r in 1..<4 {
      for t in 1..<3 {
        let term = "region\(region.levels[r]):city_tier\(tier.levels[t])"
        let count = zip(region.codes, tier.codes).filter { $0 == r && $1 == t }.count
        #expect(totals[term] == Double(count), "\(term)")
      }
    }
    #expect(throws: SimulationError.marginsFormulaHasResponse(formula: "pension ~ platform")) {
      try population.totals(formula: "pension ~ platform")
    }

    let truth = Dictionary(uniqueKeysWithValues: population.truth().map { ($0.term, $0.value) })
    let pension = try values("pension")
    #expect(abs(truth["pension", default: .nan] - pension.reduce(0, +) / 5_000) <= 1e-15)
    let shop = zip(pension, platform.codes).filter { $1 == 4 }.map(\.0)
    #expect(abs(truth["pension [platform = shop]", default: .nan] - shop.reduce(0, +) / Double(shop.count)) <= 1e-15)

    let mm = try ModelMatrix.build(formula: FlexworkModel.pensionFormula, data: census)
    #expect(mm.columnNames == FlexworkModel.pensionCoefficients.map(\.term))
    let beta = FlexworkModel.pensionCoefficients.map(\.value)
    let n = mm.nobs
    let eta = (0..<n).map { i in (0..<beta.count).reduce(0.0) { $0 + mm.x[i, $1] * beta[$1] } }
    let meanDensity = eta.reduce(0) { $0 + Normal.density($1) } / Double(n)
    for v in ["knowledge", "know_channel", "present_bias", "discount", "income_cv", "burden", "copay"] {
      let j = try #require(mm.columnNames.firstIndex(of: v))
      let expected = meanDensity * beta[j]
      #expect(abs(truth[v, default: .nan] - expected) <= 1e-12 * abs(expected), "\(v)")
    }
    let contractColumns = ["contractoutsourced", "contracttemp_agency", "contractwage_employee"].map {
      mm.columnNames.firstIndex(of: $0) ?? 0
    }
    func averageProbability(level k: Int) -> Double {
      (0..<n).reduce(0.0) { sum, i in
        let own = contractColumns.reduce(0.0) { $0 + mm.x[i, $1] * beta[$1] }
        return sum + Normal.cdf(eta[i] - own + (k == 0 ? 0 : beta[contractColumns[k - 1]]))
      } / Double(n)
    }
    let base = averageProbability(level: 0)
    for (k, level) in ["outsourced", "temp_agency", "wage_employee"].enumerated() {
      let expected = averageProbability(level: k + 1) - base
      #expect(abs(truth["contract (\(level) vs none)", default: .nan] - expected) <= 1e-12 * abs(expected), "\(level)")
    }
    #expect(truth.count == 3 + 3 * 6 + 7 + 3)
  }
}
