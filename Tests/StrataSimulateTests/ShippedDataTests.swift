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
}
