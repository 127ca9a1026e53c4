/// The convergence rule of every IRLS fit in the package (the GLM fit, the fixed-effects GLM, the
/// replicate refits).
///
/// With `D` the deviance, a fit has converged when
/// - the relative deviance change of the last step, `|D − D_old| / (|D| + 0.1)`, is below
///   `tolerance` (R `glm.fit`'s test), *and*
/// - the Newton decrement at the estimate, `sᵀ H⁻¹ s` (s the score, H the information; the
///   squared length of the next step in the information's metric, `Σ wᵢ Δηᵢ²` in linear-predictor
///   terms) is below `tolerance² · (|D| + 0.1)`: the scaled score is below its square.
///
/// A step is accepted when the deviance is finite and rises by at most `tolerance` relative; a
/// converged fit still takes its last Newton step ("polish") unless the decrement is already at
/// rounding level, `(1e-5 · tolerance)² · (|D| + 0.1)`.
///
/// Polishing brings the estimate to the accuracy of that last step. With the information at the
/// current point (the GLM fit, the fixed-effects GLM: `NewtonLoop.run`) the iteration converges
/// quadratically, so the one Newton step leaves an error of second order and the fit stops after
/// it. With an information fixed at the start (the batched replicate refits:
/// `NewtonLoop.runBatched`) it converges linearly, at the observed rate ρ = step / previous step,
/// so a converged iterate goes on until its step, or the error `ρ/(1 − ρ) × step` the contraction
/// leaves after it, is below `tolerance` standard errors in every coefficient
/// (`fixedInformationVerdict`). No deviance is formed per pass there: the decrement test is taken
/// with the deviance at the start (a Newton-type step changes the deviance by about the decrement,
/// so the relative-change test is met with it); steps that grow three times in a row, instead of the
/// step halving of `NewtonLoop.run`, end the iteration as not converging.
package struct IRLSRule: Sendable {
  package let tolerance: Double

  package init(_ control: GLMControl) { tolerance = control.tolerance }
  package init(tolerance: Double) { self.tolerance = tolerance }

  /// `|D − D_old| / (|D| + 0.1)` (infinite without a previous deviance).
  package func relativeChange(_ deviance: Double, from previous: Double?) -> Double {
    previous.map { abs(deviance - $0) / (abs(deviance) + 0.1) } ?? .infinity
  }

  /// Whether the decrement is small enough for the estimate to be converged.
  package func decrementIsSmall(_ decrement: Double, deviance: Double) -> Bool {
    decrement <= tolerance * tolerance * (abs(deviance) + 0.1)
  }

  /// Both parts of the rule.
  package func hasConverged(change: Double, decrement: Double, deviance: Double) -> Bool {
    change < tolerance && decrementIsSmall(decrement, deviance: deviance)
  }

  /// Whether a step to `deviance` from `previous` is accepted (else it is halved).
  package func acceptsStep(to deviance: Double, from previous: Double) -> Bool {
    deviance.isFinite && (deviance - previous) / (abs(deviance) + 0.1) <= tolerance
  }

  /// Whether a converged fit still takes its Newton step.
  package func polishes(decrement: Double, deviance: Double) -> Bool {
    decrement > polishThreshold(tolerance) * (abs(deviance) + 0.1)
  }

  /// Where a fixed-information iteration stands after a step.
  enum Verdict: Equatable, Sendable {
    /// Converged and polished: the step just taken is the last.
    case converged
    /// Not there yet; `growingSteps` consecutive steps have not shrunk.
    case iterating(growingSteps: Int)
    /// The steps stopped shrinking: not the contraction a nearby root gives.
    case diverging
  }

  /// The verdict on a fixed-information (linearly converging) iteration after the step it has just
  /// applied: converged when the decrement of that step passes `decrementIsSmall` and the estimate
  /// is polished — the step (`step`, in standard errors, the largest over the coefficients) below
  /// `tolerance`, or the error `ρ/(1 − ρ) × step` left by the contraction rate
  /// ρ = step / `previousStep` (when ρ < 0.5) below it, or the decrement at rounding level
  /// (`polishes` false). Otherwise it goes on, unless this is the third step in a row that did not
  /// shrink.
  ///
  /// - Parameters:
  ///   - previousStep: the step before (infinite for the first).
  ///   - decrement: `sᵀH⁻¹s` of the step, on the scale of `deviance`.
  ///   - deviance: the deviance the decrement is measured against.
  ///   - growingSteps: the count carried in the previous `.iterating` verdict (0 at the start).
  func fixedInformationVerdict(
    step: Double, previousStep: Double, decrement: Double, deviance: Double, growingSteps: Int
  ) -> Verdict {
    let rate = previousStep.isFinite ? step / previousStep : 1
    let remaining = rate < 0.5 ? step * rate / (1 - rate) : .infinity
    let polished = step <= tolerance || remaining <= tolerance || !polishes(decrement: decrement, deviance: deviance)
    if decrementIsSmall(decrement, deviance: deviance) && polished { return .converged }
    let growing = step >= previousStep ? growingSteps + 1 : 0
    return growing < 3 ? .iterating(growingSteps: growing) : .diverging
  }
}

/// The Newton (Fisher-scoring) loop with step halving shared by the IRLS fits: the GLM fit over its
/// coefficients (`IRLS.iterate`) and the fixed-effects GLM over its linear predictor, whose
/// direction demeans the working response and regressors at each iteration
/// (`FixedEffectsModel.glm`). The problem is given by hooks:
/// - `evaluate(point, &state)`: the state (deviance, working weights, score…) at a point;
/// - `deviance(state)`;
/// - `direction(state)`: the Newton step there, its decrement `sᵀH⁻¹s` and the factored
///   information (the fit's bread comes from it), or nil when the information is singular;
/// - `advance(point, step, fraction)`: the point moved by `fraction` of the step.
///
/// Convergence, acceptance of a step and the final polishing step follow `IRLSRule`; a step is
/// halved up to 30 times.
package enum NewtonLoop {
  package struct Outcome<Point, State, System> {
    package var point: Point
    package var state: State
    /// The information at `state` (nil when it was singular).
    package var system: System?
    package var iterations: Int
    package var converged: Bool
    package var change: Double
  }

  /// Runs from `point` (whose state is `state`) until converged, `maxIterations` steps have been
  /// taken (`iterations` counts those already taken), or the information is singular.
  ///
  /// - Throws: `EstimationError.stepHalvingFailed` when 30 halvings do not give an acceptable step;
  ///   what the hooks throw.
  package static func run<Point, State, Step, System>(
    point start: Point, state initial: State, scratch: State, iterations taken: Int, previousDeviance: Double?,
    rule: IRLSRule, maxIterations: Int,
    deviance: (State) -> Double,
    evaluate: (Point, inout State) throws -> Void,
    direction: (State) throws -> (step: Step, decrement: Double, system: System)?,
    advance: (Point, Step, Double) -> Point
  ) throws -> Outcome<Point, State, System> {
    var point = start
    var current = initial
    var candidate = scratch
    var iterations = taken
    var change = rule.relativeChange(deviance(current), from: previousDeviance)
    while true {
      guard let d = try direction(current) else {
        return Outcome(point: point, state: current, system: nil, iterations: iterations, converged: false, change: change)
      }
      let dev = deviance(current)
      if rule.hasConverged(change: change, decrement: d.decrement, deviance: dev) {
        // Converged. Unless the Newton step is already at rounding level, take it: the estimate
        // then sits at the fixed point to machine precision whatever path the iteration took,
        // instead of up to `tol · √|D|` standard errors away.
        if rule.polishes(decrement: d.decrement, deviance: dev) {
          let next = advance(point, d.step, 1)
          try evaluate(next, &candidate)
          let devNew = deviance(candidate)
          if rule.acceptsStep(to: devNew, from: dev), let polished = try direction(candidate) {
            // Not counted in `iterations`: those are the steps until the convergence test passed.
            return Outcome(
              point: next, state: candidate, system: polished.system, iterations: iterations, converged: true,
              change: rule.relativeChange(devNew, from: dev))
          }
        }
        return Outcome(point: point, state: current, system: d.system, iterations: iterations, converged: true, change: change)
      }
      if iterations >= maxIterations {
        return Outcome(point: point, state: current, system: d.system, iterations: iterations, converged: false, change: change)
      }
      // Fisher-scoring step with halving.
      var fraction = 1.0
      var halvings = 0
      while true {
        let next = advance(point, d.step, fraction)
        try evaluate(next, &candidate)
        if rule.acceptsStep(to: deviance(candidate), from: dev) {
          point = next
          swap(&current, &candidate)
          break
        }
        halvings += 1
        if halvings > 30 { throw EstimationError.stepHalvingFailed(iteration: iterations + 1) }
        fraction /= 2
      }
      iterations += 1
      change = rule.relativeChange(deviance(current), from: dev)
    }
  }

  /// The batched form of the loop: many problems (the replicates of a batched refit) iterated
  /// together, each with its own state and verdict (`IRLSRule.fixedInformationVerdict`), all still
  /// iterating sharing one pass (one pass over `X` for all of them) per iteration.
  ///
  /// - Parameters:
  ///   - active: the problems still iterating after their first step, in order.
  ///   - maxPasses: the passes (the first step counts as one) after which the problems still
  ///     iterating are left unfinished.
  ///   - pass: the scores of the given problems at their current points (one per problem, in the
  ///     order given), from one shared pass.
  ///   - step: takes problem `index`'s step from its score and reports whether it goes on.
  /// - Returns: the problems still iterating when `maxPasses` ran out (none when all finished).
  static func runBatched<Score>(
    active initial: [Int], maxPasses: Int,
    pass: ([Int]) -> [Score],
    step: (_ index: Int, _ score: Score) -> Bool
  ) -> [Int] {
    var active = initial
    var passes = 1
    while !active.isEmpty && passes < maxPasses {
      passes += 1
      let scores = pass(active)
      active = zip(active, scores).filter { step($0, $1) }.map { $0.0 }
    }
    return active
  }
}
