import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The aggregate-fit driver on a source that is not a file: `ChunkedSource` over an in-memory
/// frame split into chunks (`FrameChunks`), as another source (a database) plugs in, against the
/// estimators' own fits.
@Suite struct AggregateDriverTests {
  @Test func chunkedFrameSourceEqualsTheGLMFit() throws {
    let data = try FrameCache.shared.dataset("apiclus1")
    let formula = "sch.wide ~ ell + meals + mobility"
    let source = try ChunkedSource(
      chunks: FrameChunks(data, rowsPerChunk: 17), specification: ScaleSpecification(model: .glm(.logit), formula: formula))
    let r = try AggregateFit.fit(source, model: .glm(.logit), formula: formula, weighted: false, variance: .hc(.hc0))
    let fit = try GeneralizedLinearModel.fit(formula, model: .logit, data: data)
    let hc0 = try covariance(of: fit, spec: .hc(.hc0))
    #expect(r.fit.terms == fit.terms)
    for j in fit.kept.indices {
      #expect(isClose(r.fit.keptCoefficients[j], fit.keptCoefficients[j], rtol: 1e-10))
      #expect(isClose(r.result.covariance.standardErrors[j], hc0.standardErrors[j], rtol: 1e-10))
    }
    #expect(isClose(r.fit.glm!.deviance, fit.glm!.deviance, rtol: 1e-10))
    #expect(r.fit.glm!.iterations == fit.glm!.iterations)
    // One summary, one start pass, the IRLS passes, one scores pass.
    #expect(r.passes == 2 + r.fit.glm!.iterations + 1 + 1 || r.passes == 2 + r.fit.glm!.iterations + 1)
  }

  @Test func leastSquaresEqualsLM() throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let formula = "api00 ~ ell + meals + stype + ell:stype"
    let source = try ChunkedSource(
      chunks: FrameChunks(data, rowsPerChunk: 23), specification: ScaleSpecification(model: .leastSquares, formula: formula))
    let r = try AggregateFit.fit(source, model: .leastSquares, formula: formula, weighted: false, variance: .classical)
    let fit = try LeastSquares.fit(formula, data: data)
    let v = try covariance(of: fit, spec: .classical)
    for j in fit.kept.indices {
      #expect(isClose(r.fit.keptCoefficients[j], fit.keptCoefficients[j], rtol: 1e-10))
      #expect(isClose(r.result.covariance.standardErrors[j], v.standardErrors[j], rtol: 1e-10))
    }
    let inMemory = try RegressionResult(fit: fit, covariance: v)
    #expect(isClose(r.result.statistics.rSquared, inMemory.statistics.rSquared, rtol: 1e-10))
  }
}
