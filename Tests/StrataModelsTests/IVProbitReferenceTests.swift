import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The cases of `Tests/Fixtures/ivprobit/ivprobit_reference.json` (made by `make_ivprobit_fixtures.R`).
func ivprobitCases(_ key: String) -> [ReferenceCase] {
  referenceCases("Tests/Fixtures/ivprobit/ivprobit_reference.json", key: key)
}

@Suite("IV probit, Newey two-step, against the formulas in R (Tests/Fixtures/ivprobit)")
struct IVProbitReferenceTests {
  @Test func fixtureHasCases() {
    #expect(ivprobitCases("ivprobit").count == 4)
  }

  /// Estimates, covariance and tests within 1e-6 relative: two iterated probits on each side
  /// (both converged far below 1e-10), then closed-form algebra.
  @Test(arguments: ivprobitCases("ivprobit"))
  func matchesR(_ c: ReferenceCase) throws {
    let j = c.json
    let data = try FrameCache.shared.dataset(c.id.hasPrefix("card") ? "card" : "mroz")
    let r = try IVProbit.twoStep(try #require(j["formula"] as? String), data: data)
    let fit = r.fit
    #expect(fit.nobs == j["n"] as? Int)
    let terms = try #require(j["terms"] as? [String])
    let est = try #require(j["coefficients"] as? [Double])
    let se = try #require(j["std_errors"] as? [Double])
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: .classical))
    // Newey's stacked influence functions are the fit's scores: robust variances exist (checked
    // against the jackknife in `IVProbitScoresTests`).
    let robust = try covariance(of: fit, spec: .hc(.hc0))
    #expect(robust.standardErrors.allSatisfy { $0.isFinite && $0 > 0 })
    #expect(result.coefficients.map(\.term) == terms)
    for (i, t) in terms.enumerated() {
      expectClose(result.coefficients[i].estimate, est[i], rtol: 1e-6, "\(c.id) \(t) estimate")
      expectClose(result.coefficients[i].stdError, se[i], rtol: 1e-6, "\(c.id) \(t) SE")
    }
    let vcov = try #require(j["vcov"] as? [[Double]])
    for a in terms.indices {
      for b in terms.indices {
        #expect(abs(result.covariance.matrix[a, b] - vcov[a][b]) <= 1e-6 * abs(vcov[a][a] * vcov[b][b]).squareRoot())
      }
    }
    let cf = try #require(j["cf_coefficients"] as? [Double])
    for (i, v) in cf.enumerated() { expectClose(r.controlFunction.coefficients[i], v, rtol: 1e-6, "\(c.id) CF \(i)") }
    expectClose(r.exogeneity.statistic, number(j["rivers_vuong"]), rtol: 1e-6, "\(c.id) Rivers-Vuong")
    #expect(r.exogeneity.df == j["rivers_vuong_df"] as? Int)
    expectClose(r.model?.statistic, number(j["wald_chi2"]), rtol: 1e-6, "\(c.id) model Wald")
    if let overid = number(j["overid"]) {
      let mine = try #require(r.overidentification)
      expectClose(mine.statistic, overid, rtol: 1e-6, "\(c.id) Amemiya-Lee-Newey")
      #expect(mine.df == j["overid_df"] as? Int)
    } else {
      #expect(r.overidentification == nil)
    }
  }

  /// Exactly identified, the minimum-χ² estimate is the control-function probit's (1e-8: same fit).
  @Test func justIdentifiedEqualsControlFunction() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let r = try IVProbit.twoStep("inlf ~ nwifeinc + kidslt6 + age | educ ~ motheduc", data: mroz)
    for i in r.fit.kept.indices {
      expectClose(r.fit.coefficients[i], r.controlFunction.coefficients[i], rtol: 1e-8, "coefficient \(i)")
    }
  }

  @Test func rejectsUnderidentified() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    #expect {
      try IVProbit.twoStep("inlf ~ age | educ + nwifeinc ~ motheduc", data: mroz)
    } throws: { error in
      guard case EstimationError.underidentified = error else { return false }
      return true
    }
  }

  @Test func rejectsNonBinaryOutcome() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    #expect {
      try IVProbit.twoStep("hours ~ age | educ ~ motheduc", data: mroz)
    } throws: { error in
      guard case EstimationError.responseNotBinary(let name, _, _) = error else { return false }
      return name == "hours"
    }
  }

  @Test func rejectsWeights() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    #expect {
      try IVProbit.twoStep(
        "inlf ~ age | educ ~ motheduc", data: mroz, options: ModelFrameOptions(weights: "hushrs"))
    } throws: { error in
      guard case EstimationError.unsupportedOption = error else { return false }
      return true
    }
  }
}

@Suite("Cragg-Donald and Kleibergen-Paap rk Wald F against the formulas in R (Tests/Fixtures/ivprobit)")
struct InstrumentRankReferenceTests {
  @Test func fixtureCoversEveryVariance() {
    #expect(Set(ivprobitCases("rank").compactMap { $0.json["vce"] as? String }) == ["classical", "hc0", "cluster"])
  }

  /// Within 1e-8 relative: closed form (a QR, symmetric eigen- and singular-value decompositions);
  /// R uses Cholesky roots and KP's partitioned-SVD formula, Strata symmetric roots and an
  /// orthonormal complement, so this also checks the statistic's invariance to those choices.
  @Test(arguments: ivprobitCases("rank"))
  func matchesR(_ c: ReferenceCase) throws {
    let j = c.json
    let data = try FrameCache.shared.dataset(try #require(j["data"] as? String))
    let clusters = (j["cluster"] as? String).map { [$0] } ?? []
    let options = ModelFrameOptions(subset: j["subset"] as? String, extraVariables: clusters)
    let fit = try InstrumentalVariables.fit(try #require(j["formula"] as? String), data: data, options: options)
    let spec = try covarianceSpec(named: try #require(j["vce"] as? String), clusters: clusters, frame: data, fit: fit)
    let d = try IVDiagnostics(fit: fit, spec: spec)
    let name = try #require(j["name"] as? String)
    let test = try #require(name.hasPrefix("Cragg") ? d.craggDonald : d.kleibergenPaap, "\(c.id) \(name)")
    #expect(test.name == name)
    expectClose(test.statistic, number(j["statistic"]), rtol: 1e-8, "\(c.id) \(name)")
    #expect((name.hasPrefix("Cragg") ? d.kleibergenPaap : d.craggDonald) == nil)
  }

  /// One endogenous regressor: Cragg–Donald is the classical first-stage F (1e-10).
  @Test func craggDonaldIsFirstStageFWithOneEndogenous() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let fit = try InstrumentalVariables.fit(
      "lwage ~ exper + expersq | educ ~ motheduc + fatheduc", data: mroz, options: ModelFrameOptions(subset: "inlf == 1"))
    let d = try IVDiagnostics(fit: fit, spec: .classical)
    expectClose(d.craggDonald?.statistic, d.weakInstruments.first?.statistic, rtol: 1e-10, "CD = F")
  }
}
