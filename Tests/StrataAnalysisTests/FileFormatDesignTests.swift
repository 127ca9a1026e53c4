import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The NHANES-style fixture in every format (Tests/Fixtures/formats/make_format_fixtures.R) gives
/// the numbers of its CSV and of R: `svymean(~HI_CHOL, na.rm = TRUE)` and
/// `svyglm(HI_CHOL ~ race + RIAGENDR, quasibinomial)` on the design with strata SDMVSTRA, PSUs
/// SDMVPSU nested and weights WTMEC2YR. 1e-8 relative (R's fit converged to 1e-14).
@Suite("The same survey numbers from .csv, .xpt, .sas7bdat, .dta and gzip files")
struct FileFormatDesignTests {
  /// quantity → (estimate, standard error) from reference.csv.
  static func reference() throws -> [String: (Double, Double)] {
    let text = try String(contentsOfFile: repositoryPath("Tests/Fixtures/formats/reference.csv"), encoding: .utf8)
    var out: [String: (Double, Double)] = [:]
    for line in text.split(separator: "\n").dropFirst() {
      let f = line.split(separator: ",").map(String.init)
      if f.count == 3, let e = Double(f[1]), let s = Double(f[2]) { out[f[0]] = (e, s) }
    }
    return out
  }

  static func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= 1e-8 * abs(b)
  }

  @Test(
    arguments: [
      "nhanes.csv", "nhanes.xpt", "nhanes.sas7bdat", "nhanes.dta", "nhanes.csv.gz", "nhanes.tsv.gz", "nhanes.dta.gz",
      "nhanes.xpt.gz",
    ])
  func meanAndLogit(_ name: String) throws {
    let reference = try Self.reference()
    let data = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/formats/\(name)"))
    let design = try SurveyDesign(data: data, weights: "WTMEC2YR", strata: "SDMVSTRA", psu: "SDMVPSU", nest: true)
    let mean = try #require(try design.mean("HI_CHOL").estimates.first)
    let (m, se) = try #require(reference["mean_HI_CHOL"])
    #expect(Self.close(mean.estimate, m), "\(name)")
    #expect(Self.close(mean.stdError, se), "\(name)")
    let fit = try design.fit(.logit, "HI_CHOL ~ race + RIAGENDR")
    #expect(fit.coefficients.count == 3)
    for c in fit.coefficients {
      let (b, s) = try #require(reference["coef_\(c.term)"], "\(c.term)")
      #expect(Self.close(c.estimate, b), "\(name) \(c.term)")
      #expect(Self.close(c.stdError, s), "\(name) \(c.term) SE")
    }
  }
}
