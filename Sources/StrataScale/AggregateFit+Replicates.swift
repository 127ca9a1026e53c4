import Foundation
import StrataLinalg
import StrataModels

/// One replicate's refit as a state machine over shared passes: the steps of `NewtonLoop.run`
/// (the same `IRLSRule` tests, step halving and polishing step), with each evaluation answered by
/// a pass that serves every replicate still iterating.
private struct ReplicateStepper {
  enum Phase {
    /// Waiting for the sums at `point` (the warm start).
    case initial
    /// Waiting for the sums at a trial point `fraction` of `step` from `point`.
    case trial(candidate: [Double], step: [Double], fraction: Double, halvings: Int, deviance: Double)
    /// Converged; waiting for the sums after the polishing step.
    case polish(candidate: [Double], deviance: Double)
    case done
  }

  var point: [Double]
  var current: PassSums?
  var iterations = 0
  var change = Double.infinity
  var phase = Phase.initial
  var converged = false

  /// The point whose sums are wanted next (nil when done).
  var wanted: [Double]? {
    switch phase {
    case .initial: return point
    case .trial(let c, _, _, _, _), .polish(let c, _): return c
    case .done: return nil
    }
  }

  /// Takes the sums at `wanted`, and moves on until the next evaluation is needed.
  mutating func receive(_ sums: PassSums, rule: IRLSRule, maxIterations: Int) throws {
    switch phase {
    case .initial:
      guard sums.deviance.isFinite else {
        phase = .done
        return
      }
      current = sums
    case .trial(let candidate, let step, let fraction, let halvings, let dev):
      if rule.acceptsStep(to: sums.deviance, from: dev) {
        point = candidate
        current = sums
        iterations += 1
        change = rule.relativeChange(sums.deviance, from: dev)
      } else {
        if halvings + 1 > 30 { throw EstimationError.stepHalvingFailed(iteration: iterations + 1) }
        let f = fraction / 2
        phase = .trial(
          candidate: zip(point, step).map { $0 + $1 * f }, step: step, fraction: f, halvings: halvings + 1,
          deviance: dev)
        return
      }
    case .polish(let candidate, let dev):
      if rule.acceptsStep(to: sums.deviance, from: dev), GramSystem(sums.gram) != nil {
        point = candidate
      }
      converged = true
      phase = .done
      return
    case .done:
      return
    }
    // At a new point: its direction, the convergence test, the next trial.
    guard let state = current, let system = GramSystem(state.gram) else {
      phase = .done
      return
    }
    let step = system.solve(state.score)
    let decrement = zip(state.score, step).reduce(0) { $0 + $1.0 * $1.1 }
    let dev = state.deviance
    if rule.hasConverged(change: change, decrement: decrement, deviance: dev) {
      if rule.polishes(decrement: decrement, deviance: dev) {
        phase = .polish(candidate: zip(point, step).map { $0 + $1 }, deviance: dev)
      } else {
        converged = true
        phase = .done
      }
      return
    }
    if iterations >= maxIterations {
      phase = .done
      return
    }
    phase = .trial(
      candidate: zip(point, step).map { $0 + $1 }, step: step, fraction: 1, halvings: 0, deviance: dev)
  }
}

extension AggregateFit {
  /// The kept coefficients refitted under every replicate's weights (weight sets 1...R), all
  /// replicates in the same passes, each from the full-sample estimate by the full-sample fit's
  /// rule on its own information.
  ///
  /// - Throws: `EstimationError.notConverged` when a replicate does not converge.
  static func refitReplicates(
    _ source: some AggregateSource, model: AggregateModel, summary: SourceSummary, start: [Double], kept: [Int],
    control: GLMControl, passes: inout Int
  ) throws -> [[Double]] {
    let count = source.replicateCount
    guard count > 0 else { return [] }
    let rule = IRLSRule(control)
    var steppers = [ReplicateStepper](repeating: ReplicateStepper(point: start), count: count)
    let scales = (1...count).map { model == .leastSquares ? 1 : summary.weightScale($0) }
    while true {
      let active = steppers.indices.filter { steppers[$0].wanted != nil }
      if active.isEmpty { break }
      let sums = try source.pass(
        PassRequest(
          model: model, point: .coefficients(active.map { steppers[$0].wanted! }),
          weightSets: active.map { $0 + 1 }, weightScales: active.map { scales[$0] }, columns: kept))
      passes += 1
      for (k, r) in active.enumerated() {
        try steppers[r].receive(sums[k], rule: rule, maxIterations: control.maxIterations)
      }
    }
    if let r = steppers.firstIndex(where: { !$0.converged }) {
      throw EstimationError.notConverged(iterations: steppers[r].iterations, lastChange: steppers[r].change)
    }
    return steppers.map(\.point)
  }
}
