import Foundation
import StrataLinalg
import StrataModels

/// `(XᵀWX) v = b` from the Gram matrix: the Cholesky factor of the equilibrated matrix
/// `D^{-1/2} A D^{-1/2}` (the in-memory `WeightedSystem`'s fast path), nil when it is not
/// positive definite.
struct GramSystem {
  let cholesky: Cholesky
  let scale: [Double]

  init?(_ a: Matrix) {
    let d = a.diagonal
    guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    let scale = d.map { 1 / $0.squareRoot() }
    var s = a
    for j in 0..<a.cols {
      for i in 0..<a.rows { s[i, j] *= scale[i] * scale[j] }
    }
    guard let c = try? Cholesky(s), c.upper.diagonal.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    cholesky = c
    self.scale = scale
  }

  func solve(_ b: [Double]) -> [Double] {
    let scaled = zip(b, scale).map { $0 * $1 }
    return zip(cholesky.solve(scaled), scale).map { $0 * $1 }
  }

  func inverse() -> Matrix {
    var m = cholesky.inverse()
    for j in 0..<m.cols {
      for i in 0..<m.rows { m[i, j] *= scale[i] * scale[j] }
    }
    return m
  }
}

/// The estimate of one weight set (on its scaled weights).
struct WeightSetEstimate {
  var kept: [Int]
  var beta: [Double]
  /// `(XᵀWX)⁻¹` at the estimate, on the scaled weights.
  var bread: Matrix
  var deviance: Double
  var iterations: Int
  var converged: Bool
  var change: Double
}

extension AggregateFit {
  /// The full-sample fit: R's starting values, the aliased columns, then `NewtonLoop.run`.
  static func fitWeightSet(
    _ source: some AggregateSource, model: AggregateModel, scale: Double, columns p: Int, control: GLMControl,
    passes: inout Int
  ) throws -> WeightSetEstimate {
    let all = Array(0..<p)
    guard
      let start = try source.pass(
        PassRequest(model: model, point: .start, weightSets: [0], weightScales: [scale], columns: all)
      ).first
    else { throw EstimationError.stepHalvingFailed(iteration: 1) }
    passes += 1
    let kept = gramKeptColumns(start.gram, tolerance: aliasTolerance)
    let gram = kept.count < p ? start.gram.selecting(rowsAndColumns: kept) : start.gram
    let rhs = kept.map { start.score[$0] }
    guard let system = GramSystem(gram) else {
      throw EstimationError.notConverged(iterations: 1, lastChange: .infinity)
    }
    let beta = system.solve(rhs)
    var counted = 0
    let evaluate: ([Double]) throws -> PassSums = { point in
      counted += 1
      guard
        let sums = try source.pass(
          PassRequest(model: model, point: .coefficients([point]), weightSets: [0], weightScales: [scale], columns: kept)
        ).first
      else { throw EstimationError.stepHalvingFailed(iteration: 1) }
      return sums
    }
    let first = try evaluate(beta)
    defer { passes += counted }
    guard first.deviance.isFinite else { throw EstimationError.stepHalvingFailed(iteration: 1) }
    let outcome = try NewtonLoop.run(
      point: beta, state: first, scratch: first, iterations: 1, previousDeviance: start.deviance,
      rule: IRLSRule(control), maxIterations: control.maxIterations,
      deviance: { $0.deviance },
      evaluate: { point, state in state = try evaluate(point) },
      direction: { sums -> (step: [Double], decrement: Double, system: GramSystem)? in
        guard let system = GramSystem(sums.gram) else { return nil }
        let step = system.solve(sums.score)
        return (step, zip(sums.score, step).reduce(0) { $0 + $1.0 * $1.1 }, system)
      },
      advance: { point, step, fraction in
        fraction == 1 ? zip(point, step).map { $0 + $1 } : zip(point, step).map { $0 + $1 * fraction }
      })
    return WeightSetEstimate(
      kept: kept, beta: outcome.point, bread: outcome.system?.inverse() ?? Matrix(rows: kept.count, cols: kept.count),
      deviance: outcome.state.deviance, iterations: outcome.iterations,
      converged: outcome.converged && outcome.system != nil, change: outcome.change)
  }

  /// The in-memory fit's separation error (`Separation.atBoundary`): the terms whose
  /// standardized coefficient is at least half the largest, from the columns' unweighted moments.
  static func separation(
    beta: [Double], kept: [Int], names: [String], summary: SourceSummary, ones: Int, zeros: Int
  ) -> EstimationError {
    let n = Double(summary.positiveCount[0])
    var standardized: [(name: String, size: Double)] = []
    for (position, column) in kept.enumerated() {
      let mean = summary.columnSums[column] / n
      let sd = Swift.max(summary.columnSquares[column] / n - mean * mean, 0).squareRoot()
      if sd > 1e-12 * Swift.max(abs(mean), 1) { standardized.append((names[column], abs(beta[position]) * sd)) }
    }
    let largest = standardized.map(\.size).max() ?? 0
    let terms = standardized.filter { $0.size >= 0.5 * largest }.sorted { $0.size > $1.size }.map(\.name)
    return .quasiSeparation(terms: terms, predictedOnes: ones, predictedZeros: zeros)
  }
}
