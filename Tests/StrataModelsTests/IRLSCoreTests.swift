import Strata
import Testing
import _StrataTestSupport

/// The GLM fit and the fixed-effects GLM run one Newton loop with one convergence rule
/// (`NewtonLoop`, `IRLSRule`, `Guides/VarianceEngine.md`): absorbing a factor reaches the same
/// fixed point as the same GLM with the factor's dummies, to 1e-8 relative (both polish to machine
/// precision; the rest is the demeaning's tolerance).
@Suite("One IRLS core: fixed-effects GLM against dummies")
struct IRLSCoreTests {
  @Test(arguments: [GLMModel.logit, .probit, .poisson])
  func absorbedFactorEqualsDummies(_ model: GLMModel) throws {
    let panel = try FrameCache.shared.frame("Tests/Fixtures/ivfe/fe_panel.csv")
    let y = model == .poisson ? "yc" : "yb"
    let fe = try FixedEffectsModel.fit("\(y) ~ x1 + x2 | fe2", model: .glm(model), data: panel)
    #expect(fe.glm?.converged == true)
    // The same rows (singletons and constant-outcome groups removed), fe2 as dummies.
    let sample = panel.rows(fe.rows)
    let dummies = try GeneralizedLinearModel.fit("\(y) ~ x1 + x2 + factor(fe2)", model: model, data: sample)
    for term in ["x1", "x2"] {
      let a = try #require(fe.terms.firstIndex(of: term))
      let b = try #require(dummies.terms.firstIndex(of: term))
      expectClose(fe.coefficients[a], dummies.coefficients[b], rtol: 1e-8, "\(model) \(term) estimate")
    }
    expectClose(fe.glm?.deviance, dummies.glm?.deviance, rtol: 1e-10, "\(model) deviance")
  }
}
