import Foundation
import Testing
import _StrataTestSupport

@Suite("strata fit ivprobit")
struct IVProbitCommandTests {
  static let formula = "inlf ~ nwifeinc + kidslt6 + age | educ ~ motheduc + fatheduc + huseduc"

  /// The JSON carries the two-step estimates (checked against R in IVProbitReferenceTests; here
  /// 1e-6 relative against the same fixture values) and the exogeneity and overidentification tests.
  @Test func jsonReport() throws {
    let run = try runStrata(["fit", "ivprobit", Self.formula, "--data", "datasets/mroz.csv", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    #expect(doc["model"] as? String == "ivprobit")
    let coefficients = try #require(doc["coefficients"] as? [[String: Any]])
    #expect(coefficients.map { $0["term"] as? String } == ["(Intercept)", "nwifeinc", "kidslt6", "age", "educ"])
    let educ = try #require(coefficients.last?["estimate"] as? Double)
    #expect(abs(educ - 0.126623) < 1e-6)
    let iv = try #require(doc["ivprobit"] as? [String: Any])
    let exogeneity = try #require(iv["exogeneity"] as? [String: Any])
    #expect(exogeneity["name"] as? String == "Rivers-Vuong")
    let overid = try #require(iv["overidentification"] as? [String: Any])
    #expect(overid["df"] as? Int == 2)
  }

  @Test func textReportNamesTheTests() throws {
    let run = try runStrata(["fit", "ivprobit", Self.formula, "--data", "datasets/mroz.csv"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("Wald test of exogeneity (Rivers-Vuong)"))
    #expect(run.stdout.contains("Overidentification (Amemiya-Lee-Newey)"))
  }

  @Test func rejectsNonBinaryOutcome() throws {
    let run = try runStrata(["fit", "ivprobit", "hours ~ age | educ ~ motheduc", "--data", "datasets/mroz.csv"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("'hours' must be 0/1"))
  }

  @Test func rejectsUnderidentified() throws {
    let run = try runStrata(["fit", "ivprobit", "inlf ~ age | educ + nwifeinc ~ motheduc", "--data", "datasets/mroz.csv"])
    #expect(run.status != 0)
    #expect(run.stderr.contains("motheduc"))
  }
}
