import Foundation
import StrataFormula
import StrataLinalg

/// The NB2 dispersion θ of a negative binomial fit (variance μ + μ²/θ) and its standard error,
/// also as Stata's α = 1/θ.
public struct ThetaEstimate: Sendable, Hashable {
  /// θ by maximum likelihood given the coefficients (R `MASS::theta.ml`).
  public var theta: Double
  /// `1/√I(θ)`, the observed information of θ at the estimate (R's `SE.theta`): model-based, for
  /// the coefficients' variance θ is held at its estimate.
  public var standardError: Double
  /// Iterations of the alternation between the coefficients and θ.
  public var outerIterations: Int

  public init(theta: Double, standardError: Double, outerIterations: Int) {
    self.theta = theta
    self.standardError = standardError
    self.outerIterations = outerIterations
  }

  /// Stata's α = 1/θ.
  public var alpha: Double { 1 / theta }
  /// `SE(θ)/θ²` (delta method).
  public var alphaStandardError: Double { standardError / (theta * theta) }
}

/// Negative binomial (NB2) regression with log link and θ by maximum likelihood, as R
/// `MASS::glm.nb`.
///
///     let fit = try NegativeBinomialRegression.fit(mm, formula: "Days ~ Eth + Sex + Age + Lrn")
///     fit.glm?.theta?.theta   // 1.2749 on MASS::quine
///
/// As `glm.nb`: a Poisson fit gives the starting means; θ is the root of its score given the
/// means (`theta.ml`: Newton steps from `n / Σ w (y/μ − 1)²`); then IRLS for β at that θ (the
/// shared `NewtonLoop` with the NB2 working weights `w μ²/V`, V = μ + μ²/θ) and θ again, until the
/// log-likelihood and θ stop moving (relative change below the tolerance); a last IRLS at the
/// final θ gives the bread and the scores. The bread is `(XᵀWX)⁻¹` and the scores
/// `w (y − μ)/(1 + μ/θ) x`, both **conditional on θ**: `covariance(of:spec:)` then gives
/// `vcov(glm.nb)` (classical), `sandwich(glm.nb)` (HC0…, cluster) and, under a design, the
/// linearization of β's estimating equations at θ̂ (θ is a pseudo-ML estimate with the sampling
/// weights; its own sampling variance does not enter β's).
public enum NegativeBinomialRegression {
  /// Fits NB2 to a built model matrix (offsets, weights, subset as for the GLMs).
  ///
  /// - Throws: `EstimationError` for negative counts, a grouped response, a θ that does not
  ///   converge (no overdispersion: θ grows without bound — fit a Poisson model) and the
  ///   Poisson start's errors.
  public static func fit(
    _ mm: ModelMatrix, formula: String, subset: String? = nil, control: GLMControl = .init()
  ) throws -> Fit {
    if mm.groupedCounts != nil {
      throw EstimationError.unsupportedOption(model: "nbreg", option: "a grouped response cbind(successes, failures)")
    }
    // The Poisson fit: response checks, zero-weight rows, aliased columns, starting means.
    var poisson = try GeneralizedLinearModel.fit(mm, model: .poisson, formula: formula, subset: subset, control: control)
    var position: [Int: Int] = [:]
    for (i, r) in mm.rows.enumerated() { position[r] = i }
    let used = poisson.rows.map { position[$0] ?? 0 }
    let y = poisson.response
    let n = y.count
    let pw = poisson.weights ?? [Double](repeating: 1, count: n)
    let offset = mm.offset.map { o in used.map { o[$0] } }
    let kept = poisson.kept
    let p = mm.columnNames.count
    var x = used.count == mm.nobs ? mm.x : selectingRows(mm.x, used)
    if kept.count < p { x = x.selectingColumns(kept) }
    let scale = IRLS.weightScale(pw)
    let normalized = pw.map { $0 / scale }
    let tolerance = control.tolerance

    var beta = kept.map { poisson.coefficients[$0] }
    var theta = try maximumLikelihoodTheta(y: y, mu: poisson.fitted, weights: pw, control: control)
    var lm = logLikelihood(y: y, mu: poisson.fitted, weights: pw, theta: theta)
    var outer = 0
    var converged = false
    while outer < control.maxIterations {
      outer += 1
      let r = try irls(x: x, y: y, weights: normalized, theta: theta, offset: offset, start: beta, control: control)
      beta = r.beta
      let previous = theta
      theta = try maximumLikelihoodTheta(y: y, mu: r.mu, weights: pw, control: control, start: theta)
      let lmNew = logLikelihood(y: y, mu: r.mu, weights: pw, theta: theta)
      let change = abs(lmNew - lm) / (abs(lmNew) + 0.1) + abs(theta - previous) / theta
      lm = lmNew
      if change < tolerance {
        converged = true
        break
      }
    }
    if !converged { throw EstimationError.notConverged(iterations: outer, lastChange: .nan) }
    // β at the final θ: the bread, working weights and scores at (β̂, θ̂).
    let r = try irls(x: x, y: y, weights: normalized, theta: theta, offset: offset, start: beta, control: control)
    guard r.converged, let system = r.system else {
      throw EstimationError.notConverged(iterations: r.iterations, lastChange: .nan)
    }
    let mu = r.mu
    let info = thetaInformation(y: y, mu: mu, weights: pw, theta: theta)
    let estimate = ThetaEstimate(
      theta: theta, standardError: info > 0 ? (1 / info).squareRoot() : .nan, outerIterations: outer)

    // Statistics at (β̂, θ̂), on the given weights' scale.
    let variance = { (m: Double) in m + m * m / theta }
    var pearson = 0.0
    var deviance = 0.0
    for i in 0..<n {
      let e = y[i] - mu[i]
      pearson += pw[i] * e * e / variance(mu[i])
      deviance += unitDeviance(y: y[i], mu: mu[i], weight: pw[i], theta: theta)
    }
    let logLik = logLikelihood(y: y, mu: mu, weights: pw, theta: theta)
    // The null model at the same θ: the weighted mean, or with an offset the intercept-only fit
    // with the offset (R's glm.fitter in glm.nb).
    var nullMu = [Double](repeating: 0, count: n)
    if mm.hasIntercept {
      if let offset {
        let ones = Matrix(rows: n, cols: 1, columnMajor: [Double](repeating: 1, count: n))
        nullMu = try irls(
          x: ones, y: y, weights: normalized, theta: theta, offset: offset, start: [log(mean(y))], control: control
        ).mu
      } else {
        let m = zip(pw, y).reduce(0) { $0 + $1.0 * $1.1 } / pw.reduce(0, +)
        nullMu = [Double](repeating: m, count: n)
      }
    } else {
      nullMu = (0..<n).map { exp(offset?[$0] ?? 0) }
    }
    var nullDeviance = 0.0
    for i in 0..<n { nullDeviance += unitDeviance(y: y[i], mu: nullMu[i], weight: pw[i], theta: theta) }
    let nullLogLik = logLikelihood(y: y, mu: nullMu, weights: pw, theta: theta)
    // Observed information weights (θ fixed): w θ μ (θ + y)/(θ + μ)².
    let observed = (0..<n).map { i in pw[i] * theta * mu[i] * (theta + y[i]) / ((theta + mu[i]) * (theta + mu[i])) }
    var details = GLMDetails(
      family: .poisson, link: .log, deviance: deviance, nullDeviance: nullDeviance,
      dfNull: n - (mm.hasIntercept ? 1 : 0), logLik: logLik, nullLogLik: nullLogLik, pearsonChiSquare: pearson,
      iterations: r.iterations, converged: true, tolerance: tolerance, observedWeights: observed,
      linearPredictor: r.eta)
    details.theta = estimate

    var coefficients = [Double](repeating: .nan, count: p)
    for (k, column) in kept.enumerated() { coefficients[column] = r.beta[k] }
    poisson.kind = .nbreg
    poisson.coefficients = coefficients
    poisson.bread = Matrix(rows: kept.count, cols: kept.count, columnMajor: system.inverse().storage.map { $0 / scale })
    poisson.scoreMultipliers = r.multipliers.map { $0 * scale }
    poisson.workingWeights = r.workingWeights.map { $0 * scale }
    poisson.fitted = mu
    poisson.residuals = zip(y, mu).map { $0 - $1 }
    poisson.glm = details
    return poisson
  }

  // MARK: - θ

  /// θ maximizing the NB2 likelihood given the means (R `theta.ml`): Newton steps on the score
  /// from `Σw / Σ w (y/μ − 1)²` until the step is below 1e-12 relative.
  ///
  /// - Throws: `EstimationError.dispersionNotEstimable` when θ does not converge to a positive
  ///   finite value (no overdispersion relative to Poisson).
  static func maximumLikelihoodTheta(
    y: [Double], mu: [Double], weights w: [Double], control: GLMControl, start: Double? = nil
  ) throws -> Double {
    var t = start ?? {
      var s = 0.0
      for i in y.indices {
        let d = y[i] / mu[i] - 1
        s += w[i] * d * d
      }
      return w.reduce(0, +) / s
    }()
    // Newton steps on the score (R's theta.ml), safeguarded: a step changes θ by at most a
    // factor of 10 either way, and where the information is not positive θ moves by that factor
    // in the direction of the score; the root is the same.
    t = abs(t)
    for _ in 0..<max(control.maxIterations, 200) {
      guard t.isFinite, t > 0, t < 1e12 else { break }
      // The score is a sum of differences of large terms: `magnitude` bounds its rounding error.
      var score = 0.0
      var magnitude = 0.0
      let dt = digamma(t)
      let lt = log(t)
      for i in y.indices {
        let a = digamma(t + y[i])
        let b = log(t + mu[i])
        let c = (y[i] + t) / (mu[i] + t)
        score += w[i] * (a - dt + lt + 1 - b - c)
        magnitude += abs(w[i]) * (abs(a) + abs(dt) + abs(lt) + 1 + abs(b) + abs(c))
      }
      let info = thetaInformation(y: y, mu: mu, weights: w, theta: t)
      var next = info > 0 ? t + score / info : (score > 0 ? 10 * t : t / 10)
      next = Swift.min(Swift.max(next, t / 10), 10 * t)
      // Converged: a step below 1e-12 relative, or below what the score's rounding allows.
      let noise = info > 0 ? 64 * Double.ulpOfOne * magnitude / info : .infinity
      // (A θ running away to infinity, with no overdispersion, takes relative steps of order 1.)
      let step = abs(next - t)
      if step <= 1e-12 * next || (step <= noise && step <= 1e-6 * next) { return next }
      t = next
    }
    throw EstimationError.dispersionNotEstimable(theta: t)
  }

  /// The observed information of θ: `Σ w [−ψ′(θ + y) + ψ′(θ) − 1/θ + 2/(μ + θ) − (y + θ)/(μ + θ)²]`.
  static func thetaInformation(y: [Double], mu: [Double], weights w: [Double], theta t: Double) -> Double {
    var info = 0.0
    for i in y.indices {
      let mt = mu[i] + t
      info += w[i] * (-trigamma(t + y[i]) + trigamma(t) - 1 / t + 2 / mt - (y[i] + t) / (mt * mt))
    }
    return info
  }

  /// `Σ w [lgamma(θ + y) − lgamma(θ) − lgamma(y + 1) + θ log θ + y log μ − (θ + y) log(θ + μ)]` (R glm.nb's loglik).
  static func logLikelihood(y: [Double], mu: [Double], weights w: [Double], theta t: Double) -> Double {
    var s = 0.0
    for i in y.indices {
      let yLogMu = y[i] == 0 ? 0 : y[i] * log(mu[i])
      s += w[i] * (lgamma(t + y[i]) - lgamma(t) - lgamma(y[i] + 1) + t * log(t) + yLogMu - (t + y[i]) * log(t + mu[i]))
    }
    return s
  }

  /// R's `negative.binomial()$dev.resids`: `2w [y log(max(1, y)/μ) − (y + θ) log((y + θ)/(μ + θ))]`.
  static func unitDeviance(y: Double, mu: Double, weight: Double, theta t: Double) -> Double {
    // log((y + θ)/(μ + θ)) as log1p((y − μ)/(μ + θ)): accurate for large θ.
    2 * weight * (y * log(max(1, y) / mu) - (y + t) * log1p((y - mu) / (mu + t)))
  }

  // MARK: - β given θ

  struct Step {
    var beta: [Double]
    var eta: [Double]
    var mu: [Double]
    var multipliers: [Double]
    var workingWeights: [Double]
    var system: WeightedSystem?
    var iterations: Int
    var converged: Bool
  }

  /// IRLS for β at a fixed θ from `start` (the shared Newton loop and convergence rule).
  static func irls(
    x: Matrix, y: [Double], weights pw: [Double], theta: Double, offset: [Double]?, start: [Double],
    control: GLMControl
  ) throws -> Step {
    let shift = offset ?? []
    let kernel: LinearizedKernel = { first, eta, mu, w, m in
      let (yp, pp, op) = (y.span, pw.span, shift.span)
      var deviance = 0.0
      for i in 0..<eta.count {
        let r = first + i
        let e = op.isEmpty ? eta[i] : eta[i] + op[r]
        let v = Swift.max(exp(e), Double.ulpOfOne)  // R's log link: pmax(exp(eta), .Machine$double.eps)
        mu[i] = v
        let denominator = 1 + v / theta  // V/μ
        w[i] = pp[r] * v / denominator  // w μ'²/V with μ' = μ
        m[i] = pp[r] * (yp[r] - v) / denominator
        deviance += unitDeviance(y: yp[r], mu: v, weight: pp[r], theta: theta)
      }
      return deviance
    }
    var current = LinearizedPass()
    x.linearizedPass(coefficients: start, structure: nil, kernel: kernel, into: &current)
    guard current.total.isFinite else { throw EstimationError.stepHalvingFailed(iteration: 0) }
    let columns = x.cols
    let outcome = try NewtonLoop.run(
      point: start, state: current, scratch: LinearizedPass(), iterations: 0, previousDeviance: nil,
      rule: IRLSRule(control), maxIterations: control.maxIterations,
      deviance: { $0.total },
      evaluate: { next, pass in x.linearizedPass(coefficients: next, structure: nil, kernel: kernel, into: &pass) },
      direction: { pass -> (step: [Double], decrement: Double, system: WeightedSystem)? in
        let system = try WeightedSystem(x: x, weights: pass.weights, gram: pass.gram, rankTolerance: 1e-11)
        if system.keptColumns.count < columns { return nil }
        let delta = system.solve(pass.score)
        return (delta, zip(pass.score, delta).reduce(0) { $0 + $1.0 * $1.1 }, system)
      },
      advance: { point, step, fraction in zip(point, step).map { $0 + $1 * fraction } })
    let state = outcome.state
    let eta = offset.map { zip(state.eta, $0).map { $0 + $1 } } ?? state.eta
    return Step(
      beta: outcome.point, eta: eta, mu: state.mu, multipliers: state.multipliers, workingWeights: state.weights,
      system: outcome.system, iterations: outcome.iterations, converged: outcome.converged)
  }

  private static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(v.count, 1)) }
}
