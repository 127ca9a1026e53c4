import Foundation
import StrataFormula
import StrataLinalg

extension GeneralizedLinearModel {
  /// Re-estimates a fitted GLM under new prior weights and returns only its coefficients: the lean
  /// refit behind replicate-weight variances.
  ///
  /// Rows whose new weight is 0 stay in place (they add nothing to `XᵀWX`, the score or the
  /// deviance), so no copy of `X` is made; the checks the full-sample `fit` already made (response
  /// values, single-term separation) are not repeated, and no fit statistics are formed. IRLS starts
  /// from `start` (the full-sample estimate) over its non-aliased columns and runs to the same
  /// convergence test as `fit`, so the result equals `fit(mm with weights, start:).coefficients` up
  /// to rounding. When the replicate is irregular — a column aliased that the full sample kept,
  /// fitted probabilities at 0 or 1 in a row with positive weight, no convergence, a failed step —
  /// it defers to `fit` itself, which handles and reports those cases.
  ///
  /// - Parameters:
  ///   - mm: the model matrix the full-sample fit was built from (its own weights are ignored).
  ///   - weights: the new prior weights, one per row of `mm` (0 leaves a row out).
  ///   - start: the full-sample coefficients, one per column of `mm.x`, `NaN` for aliased ones.
  /// - Returns: coefficients, one per column of `mm.x` (`NaN` for aliased ones).
  /// - Complexity: per iteration O(n p²) in `Matrix.weightedGram`, usually two or three iterations.
  public static func refitCoefficients(
    _ mm: ModelMatrix, model: GLMModel, weights: [Double], start: [Double], control: GLMControl = .init()
  ) throws -> [Double] {
    func full() throws -> [Double] {
      var m = mm
      m.weights = weights
      return try fit(m, model: model, formula: "", control: control, start: start).coefficients
    }
    let p = mm.x.cols
    let n = mm.x.rows
    guard let y = mm.response, y.count == n, weights.count == n, start.count == p,
      weights.allSatisfy({ $0 >= 0 && $0.isFinite })
    else { return try full() }
    let kept = (0..<p).filter { start[$0].isFinite }
    guard !kept.isEmpty else { return try full() }
    let family = model.family
    let link = model.link
    let x = kept.count == p ? mm.x : mm.x.selectingColumns(kept)
    let beta = kept.map { start[$0] }
    // On the weights' own scale as `fit` (IRLS.run) is: the coefficients do not depend on it.
    let scale = IRLS.weightScale(weights)
    let normalized = scale == 1 ? weights : weights.map { $0 / scale }
    let r: IRLSResult
    do {
      guard
        let result = try IRLS.iterate(
          x: x, kept: kept, beta: beta, initial: nil, iterations: 0, previousDeviance: nil, y: y,
          priorWeights: normalized, family: family, link: link, control: control, rankTolerance: 1e-11)
      else { return try full() }
      r = result
    } catch {
      return try full()
    }
    guard r.converged, r.beta.allSatisfy({ $0.isFinite }) else { return try full() }
    if family != .poisson {
      let eps = 10 * Double.ulpOfOne
      for i in 0..<n where weights[i] > 0 && (r.mu[i] < eps || r.mu[i] > 1 - eps) { return try full() }
    }
    var coefficients = [Double](repeating: .nan, count: p)
    for (position, column) in kept.enumerated() { coefficients[column] = r.beta[position] }
    return coefficients
  }
}
