import Strata
import Testing
import _StrataTestSupport

/// `GeneralizedLinearModel.fit(start:)` converges to the same estimate as R's default start.
///
/// Tolerance 1e-8 relative: both runs stop on the same convergence test (relative deviance change
/// and Newton decrement below 1e-10), so they agree far beyond the 1e-6 allowed iterative fits.
struct GLMWarmStartTests {
  @Test(arguments: [GLMModel.logit, .probit])
  func warmStartReachesTheSameFit(model: GLMModel) throws {
    let data = try FrameCache.shared.dataset("mroz")
    let formula = "inlf ~ educ + exper + age + kidslt6 + nwifeinc"
    let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: data, options: .init())
    let cold = try GeneralizedLinearModel.fit(mm, model: model, formula: formula)
    let near = cold.coefficients.enumerated().map { $0.element + 0.05 * Double($0.offset % 3 - 1) }
    let warm = try GeneralizedLinearModel.fit(mm, model: model, formula: formula, start: near)
    #expect(warm.kept == cold.kept)
    for j in cold.coefficients.indices {
      expectClose(warm.coefficients[j], cold.coefficients[j], rtol: 1e-8, atol: 1e-12, "coefficient \(j)")
    }
    for i in 0..<cold.bread.rows {
      for j in 0..<cold.bread.cols {
        expectClose(warm.bread[i, j], cold.bread[i, j], rtol: 1e-8, atol: 1e-14, "bread[\(i), \(j)]")
      }
    }
    // A start of the wrong length is ignored.
    let ignored = try GeneralizedLinearModel.fit(mm, model: model, formula: formula, start: [0])
    #expect(ignored.coefficients == cold.coefficients)
  }

  /// `refitCoefficients` (zero-weight rows kept in place, warm start) equals a full `fit` with the
  /// same weights and start: a jackknife-style replicate (every fifth row deleted, the rest scaled
  /// by 5/4), and a replicate in which `kidslt6` is 0 on every row left, so that column is aliased
  /// and the lean refit defers to `fit` (`NaN` for it). Tolerance 1e-8 relative, as above: both
  /// runs stop on the same convergence test.
  @Test(arguments: [GLMModel.logit, .probit, .cloglog])
  func replicateRefitEqualsFullFit(model: GLMModel) throws {
    let data = try FrameCache.shared.dataset("mroz")
    let formula = "inlf ~ educ + exper + age + kidslt6 + nwifeinc"
    let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: data, options: .init())
    let full = try GeneralizedLinearModel.fit(mm, model: model, formula: formula)
    let n = mm.x.rows
    let kids = mm.columnNames.firstIndex(of: "kidslt6") ?? -1
    let replicates: [[Double]] = [
      (0..<n).map { $0 % 5 == 0 ? 0 : 1.25 },
      (0..<n).map { mm.x[$0, kids] > 0 ? 0 : 1 },
    ]
    for (r, weights) in replicates.enumerated() {
      var m = mm
      m.weights = weights
      let reference = try GeneralizedLinearModel.fit(m, model: model, formula: formula, start: full.coefficients)
      let lean = try GeneralizedLinearModel.refitCoefficients(
        mm, model: model, weights: weights, start: full.coefficients)
      #expect(lean.count == reference.coefficients.count)
      for j in reference.coefficients.indices {
        if reference.coefficients[j].isNaN {
          #expect(lean[j].isNaN, "replicate \(r) coefficient \(j) aliased")
        } else {
          expectClose(lean[j], reference.coefficients[j], rtol: 1e-8, atol: 1e-12, "replicate \(r) coefficient \(j)")
        }
      }
    }
  }
}
