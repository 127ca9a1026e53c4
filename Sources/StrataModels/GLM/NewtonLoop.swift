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
struct IRLSRule: Sendable {
  let tolerance: Double

  init(_ control: GLMControl) { tolerance = control.tolerance }
  init(tolerance: Double) { self.tolerance = tolerance }

  /// `|D − D_old| / (|D| + 0.1)` (infinite without a previous deviance).
  func relativeChange(_ deviance: Double, from previous: Double?) -> Double {
    previous.map { abs(deviance - $0) / (abs(deviance) + 0.1) } ?? .infinity
  }

  /// Whether the decrement is small enough for the estimate to be converged.
  func decrementIsSmall(_ decrement: Double, deviance: Double) -> Bool {
    decrement <= tolerance * tolerance * (abs(deviance) + 0.1)
  }

  /// Both parts of the rule.
  func hasConverged(change: Double, decrement: Double, deviance: Double) -> Bool {
    change < tolerance && decrementIsSmall(decrement, deviance: deviance)
  }

  /// Whether a step to `deviance` from `previous` is accepted (else it is halved).
  func acceptsStep(to deviance: Double, from previous: Double) -> Bool {
    deviance.isFinite && (deviance - previous) / (abs(deviance) + 0.1) <= tolerance
  }

  /// Whether a converged fit still takes its Newton step.
  func polishes(decrement: Double, deviance: Double) -> Bool {
    decrement > polishThreshold(tolerance) * (abs(deviance) + 0.1)
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
enum NewtonLoop {
  struct Outcome<Point, State, System> {
    var point: Point
    var state: State
    /// The information at `state` (nil when it was singular).
    var system: System?
    var iterations: Int
    var converged: Bool
    var change: Double
  }

  /// Runs from `point` (whose state is `state`) until converged, `maxIterations` steps have been
  /// taken (`iterations` counts those already taken), or the information is singular.
  ///
  /// - Throws: `EstimationError.stepHalvingFailed` when 30 halvings do not give an acceptable step;
  ///   what the hooks throw.
  static func run<Point, State, Step, System>(
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
}
