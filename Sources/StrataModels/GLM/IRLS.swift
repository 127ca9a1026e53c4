import Foundation
import StrataLinalg

/// Convergence settings of the IRLS engine.
public struct GLMControl: Sendable {
  /// Maximum number of weighted least-squares solves.
  public var maxIterations: Int
  /// Convergence tolerance: relative deviance change `|D − D_old| / (|D| + 0.1)` below it, and the
  /// Newton decrement `sᵀ(XᵀWX)⁻¹s / (|D| + 0.1)` (the scaled score) below its square.
  public var tolerance: Double

  public init(maxIterations: Int = 100, tolerance: Double = 1e-10) {
    self.maxIterations = maxIterations
    self.tolerance = tolerance
  }
}

/// The solution of `(XᵀWX) v = b` for one set of working weights.
///
/// The fast path factors the equilibrated cross-product `D^{-1/2} XᵀWX D^{-1/2}` (BLAS `dsyrk`,
/// LAPACK `dpotrf`). When that matrix is not comfortably positive definite — a Cholesky diagonal
/// entry below 1e-4, which is `|R_jj| / ‖√W x_j‖` of the QR — the system falls back to the
/// R-compatible pivoted QR of `√W X`, which also decides which columns are aliased.
struct WeightedSystem {
  private enum Factor {
    case cholesky(Cholesky, scale: [Double])
    case qr(QRDecomposition)
  }
  private let factor: Factor

  /// The columns the QR fallback kept (all when the Cholesky path was taken).
  let keptColumns: [Int]

  /// Factors `Xᵀ diag(w) X`.
  ///
  /// - Parameter rankTolerance: the QR's relative tolerance for aliasing (R's glm uses
  ///   `min(1e-7, epsilon / 1000)`, 1e-11 with its default epsilon).
  init(x: Matrix, weights w: [Double], rankTolerance: Double, forceQR: Bool = false) throws {
    try self.init(x: x, weights: w, gram: forceQR ? nil : weightedCrossProduct(x, w), rankTolerance: rankTolerance)
  }

  /// Factors `Xᵀ diag(w) X` given as `gram` (already formed, e.g. in the pass that also formed
  /// the score); `nil` forces the QR. With a compact `x` (its `structure` does not store the
  /// indicator columns) the columns are the full matrix's, expanded only for the QR.
  init(x: Matrix, weights w: [Double], gram: Matrix?, rankTolerance: Double, structure: IndicatorStructure? = nil)
    throws
  {
    if let a = gram {
      let d = a.diagonal
      if d.allSatisfy({ $0 > 0 && $0.isFinite }) {
        let scale = d.map { 1 / $0.squareRoot() }
        var s = a
        for j in 0..<a.cols {
          for i in 0..<a.rows { s[i, j] *= scale[i] * scale[j] }
        }
        if let c = try? Cholesky(s), c.upper.diagonal.allSatisfy({ $0 >= 1e-4 }) {
          factor = .cholesky(c, scale: scale)
          keptColumns = Array(0..<(structure?.columnCount ?? x.cols))
          return
        }
      }
    }
    let full = x.expandingIndicators(structure)
    let xs = full.scalingRows(by: w.map { $0.squareRoot() })
    let qr = try QRDecomposition(xs, tolerance: rankTolerance)
    factor = .qr(qr)
    keptColumns = qr.keptColumns.sorted()
  }

  /// `(XᵀWX)⁻¹ b` over the kept columns; `b` has one entry per column of `x`, the result one per
  /// kept column (in ascending column order).
  func solve(_ b: [Double]) -> [Double] {
    switch factor {
    case .cholesky(let c, let scale):
      let scaled = zip(b, scale).map { $0 * $1 }
      return zip(c.solve(scaled), scale).map { $0 * $1 }
    case .qr:
      let bk = keptColumns.map { b[$0] }
      return inverse().multiplied(by: bk)
    }
  }

  /// `(XᵀWX)⁻¹` over the kept columns, ascending column order.
  func inverse() -> Matrix {
    switch factor {
    case .cholesky(let c, let scale):
      var m = c.inverse()
      for j in 0..<m.cols {
        for i in 0..<m.rows { m[i, j] *= scale[i] * scale[j] }
      }
      return m
    case .qr(let qr):
      var v = qr.unscaledCovariance()
      if qr.keptColumns != keptColumns {
        let order = keptColumns.map { qr.keptColumns.firstIndex(of: $0) ?? 0 }
        v = v.selecting(rowsAndColumns: order)
      }
      return v
    }
  }

  /// Whether the QR fallback was used.
  var usedQR: Bool {
    if case .qr = factor { return true }
    return false
  }
}

/// `Xᵀ diag(w) X` for non-negative `w`, accumulated over blocks of rows so that no scaled copy of
/// `X` is made (`Matrix.weightedGram`: BLAS `dsyrk` per block, rows split over two threads).
///
/// - Complexity: O(n p²) flops, O(block × p) extra memory.
func weightedCrossProduct(_ x: Matrix, _ w: [Double]) -> Matrix {
  x.weightedGram(weights: w).gram
}

/// The state IRLS returns: estimates at convergence and what the variance needs there.
struct IRLSResult {
  /// Columns of the input matrix that were kept (not aliased), ascending.
  var kept: [Int]
  /// Estimates of the kept columns.
  var beta: [Double]
  var eta: [Double]
  var mu: [Double]
  var deviance: Double
  var iterations: Int
  var converged: Bool
  var lastChange: Double
  /// `(XᵀWX)⁻¹` at the final weights.
  var bread: Matrix
  /// Working weights `w·(dμ/dη)²/V(μ)` at the estimate.
  var workingWeights: [Double]
  /// Score multipliers `w·(y − μ)·(dμ/dη)/V(μ)` at the estimate.
  var scoreMultipliers: [Double]
}

/// The Newton decrement, relative to `|D| + 0.1`, above which a converged IRLS takes its last
/// step anyway: `(1e-5 · tol)²`, 1e-30 at the default tolerance — a few times the rounding
/// level of the decrement (about ε² n / n).
func polishThreshold(_ tol: Double) -> Double { (1e-5 * tol) * (1e-5 * tol) }

/// Iteratively reweighted least squares (Fisher scoring) for one family and link.
///
/// Starts as R's `glm.fit` (μ from the family's `mustart`, one weighted least-squares solve of the
/// working response), then takes Fisher-scoring steps `β ← β + (XᵀWX)⁻¹ s` in increment form, so
/// the fixed point is the root of the score whatever the rounding of the solve. A step is halved
/// (up to 30 times) while the deviance is not finite or rises by more than the tolerance. The fit
/// has converged when the relative deviance change is below `tolerance` *and* the Newton decrement
/// `sᵀ(XᵀWX)⁻¹s` at the new estimate is below `tolerance² · (|D| + 0.1)` (`IRLSRule`, the rule
/// every IRLS fit shares; the loop is `NewtonLoop`, shared with the fixed-effects GLM); the
/// weights, bread and scores are those at that final estimate.
enum IRLS {
  /// The per-row work of one IRLS pass on a block of rows (`Matrix.linearizedPass`): μ = g⁻¹(η),
  /// the working weights `wᵢ = pᵢ μ'(ηᵢ)² / V(μᵢ)`, the score multipliers
  /// `mᵢ = pᵢ (yᵢ − μᵢ) μ'(ηᵢ) / V(μᵢ)` and the block's deviance.
  ///
  /// With an `offset` (one per row), the pass's `Xβ` is shifted by it: η = Xβ + offset.
  static func kernel(y: [Double], priorWeights pw: [Double], family: Family, link: Link, offset: [Double]? = nil)
    -> LinearizedKernel
  {
    let shift = offset ?? []
    return { first, eta, mu, w, m in
      let (yp, pp, op) = (y.span, pw.span, shift.span)
      let shifted = !op.isEmpty
      var deviance = 0.0
      for i in 0..<eta.count {
        let (v, d) = link.inverseAndDerivative(shifted ? eta[i] + op[first + i] : eta[i])
        mu[i] = v
        let r = first + i
        deviance += family.unitDeviance(y: yp[r], mu: v, weight: pp[r])
        let variance = family.variance(v)
        w[i] = pp[r] * d * d / variance
        m[i] = pp[r] * (yp[r] - v) * d / variance
      }
      return deviance
    }
  }

  /// Runs IRLS on the prior weights divided by their mean (as R `svyglm` divides the sampling
  /// weights by theirs), so the starting values (R's binomial `mustart` is `(w y + 0.5)/(w + 1)`),
  /// every step and the convergence test do not depend on the weights' scale: census-scale weights
  /// (1e4–1e5) start where unit weights do instead of at fitted probabilities within 1e-5 of 0 and 1.
  /// The result is returned on the scale of the given weights (deviance, working weights and score
  /// multipliers times the mean, bread divided by it).
  static func run(
    x fullX: Matrix, y: [Double], priorWeights pw: [Double], family: Family, link: Link,
    control: GLMControl, start: [Double]? = nil, structure: IndicatorStructure? = nil, offset: [Double]? = nil
  ) throws -> IRLSResult {
    let scale = weightScale(pw)
    guard scale != 1 else {
      return try runNormalized(
        x: fullX, y: y, priorWeights: pw, family: family, link: link, control: control, start: start,
        structure: structure, offset: offset)
    }
    var r = try runNormalized(
      x: fullX, y: y, priorWeights: pw.map { $0 / scale }, family: family, link: link, control: control,
      start: start, structure: structure, offset: offset)
    r.deviance *= scale
    r.workingWeights = r.workingWeights.map { $0 * scale }
    r.scoreMultipliers = r.scoreMultipliers.map { $0 * scale }
    r.bread = Matrix(rows: r.bread.rows, cols: r.bread.cols, columnMajor: r.bread.storage.map { $0 / scale })
    return r
  }

  /// The mean of the positive prior weights (1 when there are none or it is not a finite positive number).
  static func weightScale(_ pw: [Double]) -> Double {
    var (sum, count) = (0.0, 0)
    for w in pw where w > 0 {
      sum += w
      count += 1
    }
    let mean = count > 0 ? sum / Double(count) : 1
    return mean.isFinite && mean > 0 ? mean : 1
  }

  static func runNormalized(
    x fullX: Matrix, y: [Double], priorWeights pw: [Double], family: Family, link: Link,
    control: GLMControl, start: [Double]? = nil, structure: IndicatorStructure? = nil, offset: [Double]? = nil
  ) throws -> IRLSResult {
    let rankTolerance = 1e-11
    // A compact `fullX` holds only the dense columns: `p` counts the full matrix's.
    let p = structure?.columnCount ?? fullX.cols

    if let start, start.count == p,
      let warm = try warmStart(
        start, x: fullX, y: y, priorWeights: pw, family: family, link: link, control: control,
        rankTolerance: rankTolerance, structure: structure, offset: offset)
    {
      return warm
    }

    // Iteration 1: R's starting values and one solve of the working response z, in one pass
    // over the rows (μ from `mustart`, the working weights w and w·z).
    // With an offset the working response is that of `Xβ`: z = η − offset + (y − μ)/μ'(η).
    let shift = offset ?? []
    let startingValues: LinearizedKernel = { first, ys, mu, w, wz in
      let (pp, op) = (pw.span, shift.span)
      var deviance = 0.0
      for i in 0..<ys.count {
        let r = first + i
        let m = family.startingMean(y: ys[i], weight: pp[r])
        let e = link.link(m)
        mu[i] = m
        deviance += family.unitDeviance(y: ys[i], mu: m, weight: pp[r])
        let d = link.muEta(e)
        let wi = pp[r] * d * d / family.variance(m)
        w[i] = wi
        wz[i] = wi * ((op.isEmpty ? e : e - op[r]) + (ys[i] - m) / d)
      }
      return deviance
    }
    let start = LinearizedPass(rowsOf: y, kernel: startingValues)
    let (devOld, w, z) = (start.total, start.weights, start.multipliers)
    var x = fullX
    var structure = structure
    // X'WX and X'z in one pass.
    let (gram, xz) = x.weightedGram(weights: w, vector: z, structure: structure)
    var system = try WeightedSystem(
      x: x, weights: w, gram: gram, rankTolerance: rankTolerance, structure: structure)
    let kept = system.keptColumns
    var rhs = xz
    if kept.count < p {
      x = fullX.expandingIndicators(structure).selectingColumns(kept)
      structure = nil  // found again on the kept columns
      system = try WeightedSystem(x: x, weights: w, rankTolerance: rankTolerance)
      rhs = x.crossProduct(with: z)
    }
    let beta = system.solve(rhs)
    guard
      let r = try iterate(
        x: x, kept: kept, beta: beta, initial: nil, iterations: 1, previousDeviance: devOld, y: y,
        priorWeights: pw, family: family, link: link, control: control, rankTolerance: rankTolerance,
        structure: structure, offset: offset)
    else { throw EstimationError.stepHalvingFailed(iteration: 1) }
    return r
  }

  /// Starts from given coefficients (over the columns of `x`, `NaN` for aliased ones) instead of
  /// R's `mustart`: the kept columns are found at the working weights there, and Fisher scoring
  /// continues to the same convergence test. Returns `nil` when the working weights or the deviance
  /// at the start are not finite (the caller then starts as R does).
  ///
  /// A warm start from a nearby solution (the full-sample fit, for a replicate's refit) reaches
  /// the same fixed point in two or three passes instead of five or six.
  static func warmStart(
    _ start: [Double], x fullX: Matrix, y: [Double], priorWeights pw: [Double], family: Family, link: Link,
    control: GLMControl, rankTolerance: Double, structure: IndicatorStructure? = nil, offset: [Double]? = nil
  ) throws -> IRLSResult? {
    let full = start.map { $0.isFinite ? $0 : 0 }
    let structure = structure ?? (fullX.rows >= 1 << 14 ? fullX.indicatorStructure() : nil)
    let p = structure?.columnCount ?? fullX.cols
    var pass = LinearizedPass()
    fullX.linearizedPass(
      coefficients: full, structure: structure,
      kernel: kernel(y: y, priorWeights: pw, family: family, link: link, offset: offset), into: &pass)
    guard pass.weights.allSatisfy({ $0.isFinite }) else { return nil }
    let system = try WeightedSystem(
      x: fullX, weights: pass.weights, gram: pass.gram, rankTolerance: rankTolerance, structure: structure)
    let kept = system.keptColumns
    if kept.count < p {
      return try iterate(
        x: fullX.expandingIndicators(structure).selectingColumns(kept), kept: kept, beta: kept.map { full[$0] },
        initial: nil, iterations: 0,
        previousDeviance: nil, y: y, priorWeights: pw, family: family, link: link, control: control,
        rankTolerance: rankTolerance, offset: offset)
    }
    return try iterate(
      x: fullX, kept: kept, beta: full, initial: pass, iterations: 0, previousDeviance: nil, y: y,
      priorWeights: pw, family: family, link: link, control: control, rankTolerance: rankTolerance,
      structure: structure, offset: offset)
  }

  /// Fisher-scoring steps with halving from `beta` (on the kept columns `x`) until converged.
  ///
  /// Each pass over `X` (`Matrix.linearizedPass`) forms η, μ, the deviance, the working weights
  /// and `XᵀWX` with the score at one estimate; a step is accepted on its pass's deviance, and that
  /// pass's Gram matrix and score give the next step. `initial` is the pass at `beta` when the
  /// caller has it (with the same `structure`). `iterations` and `previousDeviance` are those of
  /// the steps already taken (the relative change of the first test is infinite without one).
  /// Returns `nil` when the deviance at `beta` is not finite.
  static func iterate(
    x: Matrix, kept: [Int], beta: [Double], initial: LinearizedPass?, iterations: Int, previousDeviance: Double?,
    y: [Double], priorWeights pw: [Double], family: Family, link: Link, control: GLMControl,
    rankTolerance: Double, structure: IndicatorStructure? = nil, offset: [Double]? = nil
  ) throws -> IRLSResult? {
    // The dummies of a factor make X'WX cheaper: found once, used in every pass.
    let structure = structure ?? (x.rows >= 1 << 14 ? x.indicatorStructure() : nil)
    let kernel = kernel(y: y, priorWeights: pw, family: family, link: link, offset: offset)
    var current = LinearizedPass()
    if let initial {
      current = initial
    } else {
      x.linearizedPass(coefficients: beta, structure: structure, kernel: kernel, into: &current)
    }
    guard current.total.isFinite else { return nil }
    let columns = structure?.columnCount ?? x.cols
    let outcome = try NewtonLoop.run(
      point: beta, state: current, scratch: LinearizedPass(), iterations: iterations,
      previousDeviance: previousDeviance, rule: IRLSRule(control), maxIterations: control.maxIterations,
      deviance: { $0.total },
      evaluate: { next, pass in x.linearizedPass(coefficients: next, structure: structure, kernel: kernel, into: &pass) },
      direction: { pass -> (step: [Double], decrement: Double, system: WeightedSystem)? in
        let system = try WeightedSystem(
          x: x, weights: pass.weights, gram: pass.gram, rankTolerance: rankTolerance, structure: structure)
        // Working weights underflowed (separation): the information is singular at this estimate.
        if system.keptColumns.count < columns { return nil }
        let delta = system.solve(pass.score)
        return (delta, zip(pass.score, delta).reduce(0) { $0 + $1.0 * $1.1 }, system)
      },
      advance: { point, step, fraction in
        fraction == 1 ? zip(point, step).map { $0 + $1 } : zip(point, step).map { $0 + $1 * fraction }
      })
    let state = outcome.state
    return IRLSResult(
      kept: kept, beta: outcome.point, eta: offset.map { zip(state.eta, $0).map { $0 + $1 } } ?? state.eta, mu: state.mu, deviance: state.total,
      iterations: outcome.iterations, converged: outcome.converged, lastChange: outcome.change,
      bread: outcome.system?.inverse() ?? Matrix(rows: 0, cols: 0), workingWeights: state.weights,
      scoreMultipliers: state.multipliers)
  }
}
