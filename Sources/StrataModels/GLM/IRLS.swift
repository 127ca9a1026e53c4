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
  /// the score); `nil` forces the QR.
  init(x: Matrix, weights w: [Double], gram: Matrix?, rankTolerance: Double) throws {
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
          keptColumns = Array(0..<x.cols)
          return
        }
      }
    }
    let xs = x.scalingRows(by: w.map { $0.squareRoot() })
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

/// Iteratively reweighted least squares (Fisher scoring) for one family and link.
///
/// Starts as R's `glm.fit` (μ from the family's `mustart`, one weighted least-squares solve of the
/// working response), then takes Fisher-scoring steps `β ← β + (XᵀWX)⁻¹ s` in increment form, so
/// the fixed point is the root of the score whatever the rounding of the solve. A step is halved
/// (up to 30 times) while the deviance is not finite or rises by more than the tolerance. The fit
/// has converged when the relative deviance change is below `tolerance` *and* the Newton decrement
/// `sᵀ(XᵀWX)⁻¹s` at the new estimate is below `tolerance² · (|D| + 0.1)`; the weights, bread and
/// scores are those at that final estimate.
enum IRLS {
  /// Working weights `wᵢ = pᵢ μ'(ηᵢ)² / V(μᵢ)` and score multipliers `mᵢ = pᵢ (yᵢ − μᵢ) μ'(ηᵢ) / V(μᵢ)`
  /// at η, μ, written into `w` and `m` in one pass.
  static func weightsAndScores(
    eta: [Double], mu: [Double], y: [Double], priorWeights pw: [Double], family: Family, link: Link,
    w: inout [Double], m: inout [Double]
  ) {
    let n = eta.count
    if w.count != n { w = [Double](repeating: 0, count: n) }
    if m.count != n { m = [Double](repeating: 0, count: n) }
    let (ep, mp, yp, pp) = (eta.span, mu.span, y.span, pw.span)
    var wp = w.mutableSpan
    var sp = m.mutableSpan
    for i in 0..<n {
      let d = link.muEta(ep[i])
      let v = family.variance(mp[i])
      wp[i] = pp[i] * d * d / v
      sp[i] = pp[i] * (yp[i] - mp[i]) * d / v
    }
  }

  /// μ = g⁻¹(η) written into `mu`, and the deviance at it, in one pass.
  static func meanAndDeviance(
    _ eta: [Double], y: [Double], priorWeights pw: [Double], family: Family, link: Link, mu: inout [Double]
  ) -> Double {
    let n = eta.count
    if mu.count != n { mu = [Double](repeating: 0, count: n) }
    var d = 0.0
    let (ep, yp, pp) = (eta.span, y.span, pw.span)
    var mp = mu.mutableSpan
    for i in 0..<n {
      let v = link.inverse(ep[i])
      mp[i] = v
      d += family.unitDeviance(y: yp[i], mu: v, weight: pp[i])
    }
    return d
  }

  static func run(
    x fullX: Matrix, y: [Double], priorWeights pw: [Double], family: Family, link: Link,
    control: GLMControl, start: [Double]? = nil, structure: IndicatorStructure? = nil
  ) throws -> IRLSResult {
    let n = fullX.rows
    let rankTolerance = 1e-11

    func deviance(_ mu: [Double]) -> Double {
      var d = 0.0
      for i in 0..<n { d += family.unitDeviance(y: y[i], mu: mu[i], weight: pw[i]) }
      return d
    }
    func weightsAndScores(eta: [Double], mu: [Double], w: inout [Double], m: inout [Double]) {
      IRLS.weightsAndScores(eta: eta, mu: mu, y: y, priorWeights: pw, family: family, link: link, w: &w, m: &m)
    }
    func weightsAndScores(eta: [Double], mu: [Double]) -> (w: [Double], m: [Double]) {
      var w: [Double] = []
      var m: [Double] = []
      weightsAndScores(eta: eta, mu: mu, w: &w, m: &m)
      return (w, m)
    }
    func meanAndDeviance(_ eta: [Double], into mu: inout [Double]) -> Double {
      IRLS.meanAndDeviance(eta, y: y, priorWeights: pw, family: family, link: link, mu: &mu)
    }

    if let start, start.count == fullX.cols,
      let warm = try warmStart(
        start, x: fullX, y: y, priorWeights: pw, family: family, link: link, control: control,
        rankTolerance: rankTolerance, structure: structure)
    {
      return warm
    }

    // Iteration 1: R's starting values and one solve of the working response.
    var mu = (0..<n).map { family.startingMean(y: y[$0], weight: pw[$0]) }
    var eta = mu.map { link.link($0) }
    let devOld = deviance(mu)
    let start = weightsAndScores(eta: eta, mu: mu)
    var x = fullX
    var structure = structure
    var system = try WeightedSystem(
      x: x, weights: start.w, gram: x.weightedGram(weights: start.w, structure: structure).gram,
      rankTolerance: rankTolerance)
    let kept = system.keptColumns
    if kept.count < fullX.cols {
      x = fullX.selectingColumns(kept)
      structure = nil  // found again on the kept columns
      system = try WeightedSystem(x: x, weights: start.w, rankTolerance: rankTolerance)
    }
    var z = [Double](repeating: 0, count: n)
    for i in 0..<n { z[i] = start.w[i] * (eta[i] + (y[i] - mu[i]) / link.muEta(eta[i])) }
    let beta = system.solve(x.crossProduct(with: z))
    eta = x.rowProducts(beta, structure: structure)
    let dev = meanAndDeviance(eta, into: &mu)
    if !dev.isFinite { throw EstimationError.stepHalvingFailed(iteration: 1) }
    let iterations = 1
    let change = abs(dev - devOld) / (abs(dev) + 0.1)

    return try iterate(
      x: x, kept: kept, beta: beta, eta: eta, mu: mu, deviance: dev, iterations: iterations, change: change,
      y: y, priorWeights: pw, family: family, link: link, control: control, rankTolerance: rankTolerance,
      structure: structure)
  }

  /// Starts from given coefficients (over the columns of `x`, `NaN` for aliased ones) instead of
  /// R's `mustart`: the kept columns are found at the working weights there, and Fisher scoring
  /// continues to the same convergence test. Returns `nil` when the deviance at the start is not
  /// finite (the caller then starts as R does).
  ///
  /// A warm start from a nearby solution (the full-sample fit, for a replicate's refit) reaches
  /// the same fixed point in two or three passes instead of five or six.
  static func warmStart(
    _ start: [Double], x fullX: Matrix, y: [Double], priorWeights pw: [Double], family: Family, link: Link,
    control: GLMControl, rankTolerance: Double, structure: IndicatorStructure? = nil
  ) throws -> IRLSResult? {
    let n = fullX.rows
    let full = start.map { $0.isFinite ? $0 : 0 }
    var eta = fullX.rowProducts(full, structure: structure)
    var mu = eta.map { link.inverse($0) }
    var w = [Double](repeating: 0, count: n)
    for i in 0..<n {
      let d = link.muEta(eta[i])
      w[i] = pw[i] * d * d / family.variance(mu[i])
    }
    guard w.allSatisfy({ $0.isFinite }) else { return nil }
    let system = try WeightedSystem(
      x: fullX, weights: w, gram: fullX.weightedGram(weights: w, structure: structure).gram,
      rankTolerance: rankTolerance)
    let kept = system.keptColumns
    var x = fullX
    var structure = structure
    if kept.count < fullX.cols {
      x = fullX.selectingColumns(kept)
      structure = nil
      eta = x.rowProducts(kept.map { full[$0] })
      mu = eta.map { link.inverse($0) }
    }
    var dev = 0.0
    for i in 0..<n { dev += family.unitDeviance(y: y[i], mu: mu[i], weight: pw[i]) }
    guard dev.isFinite else { return nil }
    return try iterate(
      x: x, kept: kept, beta: kept.map { full[$0] }, eta: eta, mu: mu, deviance: dev, iterations: 0,
      change: .infinity, y: y, priorWeights: pw, family: family, link: link, control: control,
      rankTolerance: rankTolerance, structure: structure)
  }

  /// Fisher-scoring steps with halving from `beta` (on the kept columns `x`) until converged.
  static func iterate(
    x: Matrix, kept: [Int], beta: [Double], eta: [Double], mu: [Double], deviance: Double, iterations: Int,
    change: Double, y: [Double], priorWeights pw: [Double], family: Family, link: Link, control: GLMControl,
    rankTolerance: Double, structure: IndicatorStructure? = nil
  ) throws -> IRLSResult {
    let tol = control.tolerance
    var (beta, eta, mu, dev, iterations, change) = (beta, eta, mu, deviance, iterations, change)
    var devOld: Double
    var system: WeightedSystem
    func weightsAndScores(eta: [Double], mu: [Double], w: inout [Double], m: inout [Double]) {
      IRLS.weightsAndScores(eta: eta, mu: mu, y: y, priorWeights: pw, family: family, link: link, w: &w, m: &m)
    }
    func meanAndDeviance(_ eta: [Double], into mu: inout [Double]) -> Double {
      IRLS.meanAndDeviance(eta, y: y, priorWeights: pw, family: family, link: link, mu: &mu)
    }
    var w: [Double] = []
    var m: [Double] = []
    var muNew: [Double] = []
    // The dummies of a factor make X'WX cheaper: found once, used in every pass.
    let structure = structure ?? (x.rows >= 1 << 14 ? x.indicatorStructure() : nil)
    while true {
      weightsAndScores(eta: eta, mu: mu, w: &w, m: &m)
      // X'WX and the score X'm in one pass over X.
      let (gram, score) = x.weightedGram(weights: w, vector: m, structure: structure)
      system = try WeightedSystem(x: x, weights: w, gram: gram, rankTolerance: rankTolerance)
      if system.keptColumns.count < x.cols {
        // Working weights underflowed (separation): the information is singular at this estimate.
        return IRLSResult(
          kept: kept, beta: beta, eta: eta, mu: mu, deviance: dev, iterations: iterations, converged: false,
          lastChange: change, bread: Matrix(rows: 0, cols: 0), workingWeights: w, scoreMultipliers: m)
      }
      let delta = system.solve(score)
      let decrement = zip(score, delta).reduce(0) { $0 + $1.0 * $1.1 }
      if change < tol && decrement <= tol * tol * (abs(dev) + 0.1) {
        return IRLSResult(
          kept: kept, beta: beta, eta: eta, mu: mu, deviance: dev, iterations: iterations, converged: true,
          lastChange: change, bread: system.inverse(), workingWeights: w, scoreMultipliers: m)
      }
      if iterations >= control.maxIterations {
        return IRLSResult(
          kept: kept, beta: beta, eta: eta, mu: mu, deviance: dev, iterations: iterations, converged: false,
          lastChange: change, bread: system.inverse(), workingWeights: w, scoreMultipliers: m)
      }
      // Fisher-scoring step with halving.
      devOld = dev
      var step = delta
      var halvings = 0
      while true {
        let candidate = zip(beta, step).map { $0 + $1 }
        let etaNew = x.rowProducts(candidate, structure: structure)
        let devNew = meanAndDeviance(etaNew, into: &muNew)
        if devNew.isFinite && (devNew - devOld) / (abs(devNew) + 0.1) <= tol {
          beta = candidate
          eta = etaNew
          swap(&mu, &muNew)
          dev = devNew
          break
        }
        halvings += 1
        if halvings > 30 { throw EstimationError.stepHalvingFailed(iteration: iterations + 1) }
        step = step.map { $0 / 2 }
      }
      iterations += 1
      change = abs(dev - devOld) / (abs(dev) + 0.1)
    }
  }
}