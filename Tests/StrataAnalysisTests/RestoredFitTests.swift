import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Saved estimates paired again with the rebuilt model give the live fit's margins, and estimates
/// that do not belong to the data are errors.
@Suite("Restoring saved estimates")
struct RestoredFitTests {
  static func fitAndSetup() throws -> (ModelFit, ModelSetup, SavedEstimates) {
    let data = try DataFrame(contentsOf: datasetPath("apistrat.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    let spec = design.specification(.logit, "sch.wide ~ ell + meals + mobility")
    let fit = try Model.fit(spec, data: data)
    let setup = try Model.setup(spec, data: data)
    let estimates = SavedEstimates(
      terms: fit.fit.terms, kept: fit.fit.kept, coefficients: fit.fit.keptCoefficients,
      covariance: fit.covariance.matrix, degreesOfFreedom: fit.covariance.degreesOfFreedom,
      varianceTitle: fit.varianceTitle, nobs: fit.fit.nobs)
    return (fit, setup, estimates)
  }

  @Test func restoredMarginsEqualTheLiveFit() throws {
    let (fit, setup, estimates) = try Self.fitAndSetup()
    let restored = try setup.restore(estimates)
    let options = MarginsOptions(kinds: [.dydx, .eyex])
    for unconditional in [false, true] {
      let live = try fit.margins(options, unconditional: unconditional)
      let again = try restored.margins(options, unconditional: unconditional)
      try #require(live.estimates.count == again.estimates.count)
      #expect(live.estimates.count == 6)
      for (a, b) in zip(live.estimates, again.estimates) {
        expectClose(b.result.estimate, a.result.estimate, rtol: 1e-12, "\(a.variable) estimate")
        expectClose(b.result.stdError, a.result.stdError, rtol: 1e-12, "\(a.variable) SE (unconditional: \(unconditional))")
      }
    }
  }

  @Test func estimatesOfAnotherModelAreRefused() throws {
    let (_, setup, estimates) = try Self.fitAndSetup()
    var other = estimates
    other.terms = ["(Intercept)", "ell", "meals", "enroll"]
    #expect(throws: AnalysisError.self) { try setup.restore(other) }
    other = estimates
    other.nobs += 1
    #expect(throws: AnalysisError.self) { try setup.restore(other) }
    other = estimates
    other.coefficients[1] += 0.5
    let restored = try setup.restore(other)
    #expect(throws: AnalysisError.self) { try restored.margins(MarginsOptions(), unconditional: true) }
  }
}
