import Foundation
import Strata
import Testing

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
