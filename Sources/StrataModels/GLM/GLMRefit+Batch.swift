import Foundation
import StrataFormula
import StrataLinalg

extension GeneralizedLinearModel {
  /// Re-estimates a fitted GLM under many sets of prior weights at once and returns their
  /// coefficients: the batched refit behind replicate-weight variances.
  ///
  ///     let thetas = try GeneralizedLinearModel.refitCoefficients(
  ///       mm, model: .logit, replicateWeights: [w1, w2, w3], start: fit.coefficients)
  ///
  /// Each result equals `refitCoefficients(mm, model:weights:start:control:)` for that weight
  /// vector up to rounding. A replicate's estimate is the root of its own score
  /// `s_r(β) = Xᵀ m_r(β)`; the matrix a Fisher-scoring step divides by changes only how fast the
  /// iteration reaches that root, not the root. So every replicate takes its steps with one fixed
  /// matrix, its expected information at the start `H_r = Xᵀ diag(w_r v̂) X` (v̂ the working weight
  /// per unit prior weight at the full-sample estimate), and all replicates move together: one
  /// pass over `X` per iteration forms `X B` for all of them (BLAS `dgemm`), their multipliers, and
  /// their scores `Xᵀ M` (`Matrix.batchedScores`). When most of a replicate's weights are a common
  /// multiple `c` of the full-sample weights (jackknives: 0 on the deleted PSUs, `c` elsewhere),
  /// `H_r = c·H + Σ_exceptions (w_ri − c wᵢ) v̂ᵢ xᵢxᵢᵀ` is formed from the exceptional rows only;
  /// otherwise it is one weighted cross-product over all rows.
  ///
  /// A replicate stops by the rule every IRLS fit shares (`IRLSRule.fixedInformationVerdict`,
  /// iterated by `NewtonLoop.runBatched`): its Newton decrement
  /// `s_rᵀ H_r⁻¹ s_r` below `control.tolerance² · (|D_r| + 0.1)`, on the weights divided by their
  /// mean, with `D_r` its deviance at the start; and polished, as IRLS polishes with its last
  /// Newton step, to that step's accuracy: its step, or the error its rate of contraction leaves
  /// after the step, below `control.tolerance` standard errors in every coefficient (the step is
  /// then applied). Any replicate that is irregular — invalid weights, a
  /// fixed information that is not comfortably positive definite (a column the replicate may alias),
  /// a non-finite score, fitted probabilities at 0 or 1 in a row with positive weight, no
  /// convergence within 50 passes or steps that stop shrinking — is refitted on its own by
  /// `refitCoefficients(mm, model:weights:start:control:)`, which handles and reports those cases.
  ///
  /// - Parameters:
  ///   - mm: the model matrix the full-sample fit was built from (its weights are the full-sample
  ///     prior weights).
  ///   - replicateWeights: one vector of prior weights per replicate, each one per row of `mm`.
  ///   - start: the full-sample coefficients, one per column of `mm.x`, `NaN` for aliased ones.
  /// - Returns: one coefficient vector per replicate, one value per column of `mm.x` (`NaN` for
  ///   aliased ones).
  /// - Complexity: O(n p k) per pass for k replicates (usually three or four passes with the
  ///   jackknife's information), plus one O(n p²) cross-product; O(rows per block × (p + k)) extra
  ///   memory per thread.
  public static func refitCoefficients(
    _ mm: ModelMatrix, model: GLMModel, replicateWeights: [[Double]], start: [Double],
    control: GLMControl = .init()
  ) throws -> [[Double]] {
    try GLMReplicateRefit(mm, model: model, start: start, control: control).coefficients(replicateWeights)
  }
}

/// The batched replicate refit of one fitted GLM, prepared once (the full-sample working weights
/// and information) and applied to any number of batches of replicate weights.
///
///     let refit = GLMReplicateRefit(mm, model: .logit, start: fit.coefficients)
///     let thetas = try refit.coefficients([w1, w2, w3])
///
/// See `GeneralizedLinearModel.refitCoefficients(_:model:replicateWeights:start:control:)`.
public struct GLMReplicateRefit: Sendable {
  private let mm: ModelMatrix
  private let model: GLMModel
  private let start: [Double]
  private let control: GLMControl
  private let batch: BatchedRefit?

  /// Prepares the refit of `mm` under other weights, starting from `start` (the full-sample
  /// coefficients, `NaN` for aliased ones).
  ///
  /// - Complexity: one O(n p²) weighted cross-product.
  public init(_ mm: ModelMatrix, model: GLMModel, start: [Double], control: GLMControl = .init()) {
    self.mm = mm
    self.model = model
    self.start = start
    self.control = control
    batch = BatchedRefit(mm, model: model, start: start, control: control)
  }

  /// The coefficients under each weight vector (one per column of `mm.x`, `NaN` for aliased ones).
  ///
  /// - Throws: what `GeneralizedLinearModel.refitCoefficients(_:model:weights:start:control:)`
  ///   throws for a replicate that has to be refitted on its own.
  public func coefficients(_ replicateWeights: [[Double]]) throws -> [[Double]] {
    func single(_ r: Int) throws -> [Double] {
      try GeneralizedLinearModel.refitCoefficients(
        mm, model: model, weights: replicateWeights[r], start: start, control: control)
    }
    guard let batch, !replicateWeights.isEmpty else { return try replicateWeights.indices.map(single) }
    let solved = batch.solve(replicateWeights)
    return try solved.enumerated().map { r, coefficients in try coefficients ?? single(r) }
  }
}

/// The batched replicate refit of a least-squares fit (`LeastSquares.fit`), prepared once.
///
///     let refit = LeastSquaresReplicateRefit(mm, start: fit.coefficients)
///     let thetas = try refit.coefficients([w1, w2, w3])
///
/// Each replicate's coefficients solve its weighted normal equations `Xᵀ W_r X β = Xᵀ W_r y`: one
/// step from the full-sample coefficients with `Xᵀ W_r X` (formed from the rows where `W_r` is not
/// a common multiple of the full-sample weights, as for GLMs), then one pass over `X` for all
/// replicates that refines the solution with the residuals `y − Xβ_r` (iterative refinement), so
/// the result equals the QR solution of `LeastSquares.fit` to rounding. A replicate whose
/// `Xᵀ W_r X` is not comfortably positive definite (a column it may alias) is fitted by
/// `LeastSquares.fit`.
public struct LeastSquaresReplicateRefit: Sendable {
  private let mm: ModelMatrix
  private let batch: BatchedRefit?

  /// Prepares the refit of `mm` under other weights from `start` (the full-sample coefficients,
  /// `NaN` for aliased ones).
  ///
  /// - Complexity: one O(n p²) weighted cross-product.
  public init(_ mm: ModelMatrix, start: [Double]) {
    self.mm = mm
    batch = BatchedRefit(mm, model: nil, start: start, control: GLMControl(tolerance: 1e-10))
  }

  /// The coefficients under each weight vector (one per column of `mm.x`, `NaN` for aliased ones).
  ///
  /// - Throws: what `LeastSquares.fit` throws for a replicate that has to be fitted on its own.
  public func coefficients(_ replicateWeights: [[Double]]) throws -> [[Double]] {
    func single(_ r: Int) throws -> [Double] {
      var m = mm
      m.weights = replicateWeights[r]
      return try LeastSquares.fit(m, formula: "").coefficients
    }
    guard let batch, !replicateWeights.isEmpty else { return try replicateWeights.indices.map(single) }
    let solved = batch.solve(replicateWeights)
    return try solved.enumerated().map { r, coefficients in try coefficients ?? single(r) }
  }
}

/// Fisher scoring of many replicates at once with a fixed information per replicate (see
/// `GeneralizedLinearModel.refitCoefficients(_:model:replicateWeights:start:control:)`).
struct BatchedRefit: Sendable {
  /// The multiplier formula used in the hot loop.
  enum Kernel {
    /// Logit link (binomial, quasi-binomial): `w (y − μ)` for |η| ≤ 30.
    case logit
    /// Poisson with log link: `w (y − μ)`.
    case poissonLog
    /// Any family and link: `w (y − μ) μ'(η) / V(μ)`.
    case general(Family, Link)
    /// Least squares (identity link, unit variance): `w (y − η)`; the first step is the exact
    /// solution and the pass after it a step of iterative refinement.
    case leastSquares
  }

  let x: Matrix
  let y: [Double]
  /// Full-sample prior weights.
  let base: [Double]
  /// Columns the full-sample fit kept.
  let kept: [Int]
  /// Start over the kept columns.
  let start: [Double]
  /// Working weight per unit prior weight at the start, `μ'(η)² / V(μ)`.
  let unitWeights: [Double]
  /// `Xᵀ diag(base · unitWeights) X` over all columns.
  let information: Matrix
  /// Score multiplier per unit prior weight at the start, `(y − μ) μ'(η) / V(μ)`.
  let unitMultipliers: [Double]
  /// `Xᵀ (base · unitMultipliers)`, the full-sample score at the start (about 0).
  let fullScore: [Double]
  /// Unit deviance per unit prior weight at the start (the squared residual for least squares):
  /// a replicate's deviance there is `Σ w_ri dᵢ`, the scale of its convergence test.
  let unitDeviances: [Double]
  /// Rows whose binomial fitted value at the start is at 0 or 1 (a replicate weighting one of
  /// them goes to the single refit, which handles the boundary).
  let boundaryRows: [Int]
  let kernel: Kernel
  /// The convergence rule every IRLS fit shares.
  let rule: IRLSRule
  /// Passes before a replicate is handed to the single refit.
  let maxPasses = 50

  /// Prepares the batch for a GLM, or for least squares when `model` is `nil`.
  init?(_ mm: ModelMatrix, model: GLMModel?, start: [Double], control: GLMControl) {
    let n = mm.x.rows
    let p = mm.x.cols
    guard let y = mm.response, y.count == n, n > 0, start.count == p else { return nil }
    let base = mm.weights ?? [Double](repeating: 1, count: n)
    guard base.count == n, base.allSatisfy({ $0 >= 0 && $0.isFinite }) else { return nil }
    let kept = (0..<p).filter { start[$0].isFinite }
    guard !kept.isEmpty else { return nil }
    let eta = mm.x.rowProducts(start.map { $0.isFinite ? $0 : 0 })
    var unit = [Double](repeating: 1, count: n)
    var multipliers = [Double](repeating: 0, count: n)
    var boundary: [Int] = []
    var deviances = [Double](repeating: 0, count: n)
    if let model {
      let (family, link) = (model.family, model.link)
      let eps = 10 * Double.ulpOfOne
      for i in 0..<n {
        let mu = link.inverse(eta[i])
        let d = link.muEta(eta[i])
        let v = family.variance(mu)
        unit[i] = d * d / v
        multipliers[i] = (y[i] - mu) * d / v
        deviances[i] = family.unitDeviance(y: y[i], mu: mu, weight: 1)
        if family != .poisson && (mu < eps || mu > 1 - eps) { boundary.append(i) }
      }
      switch (family, link) {
      case (.binomial, .logit), (.quasibinomial, .logit): kernel = .logit
      case (.poisson, .log): kernel = .poissonLog
      default: kernel = .general(family, link)
      }
    } else {
      for i in 0..<n {
        multipliers[i] = y[i] - eta[i]
        deviances[i] = multipliers[i] * multipliers[i]
      }
      kernel = .leastSquares
    }
    guard unit.allSatisfy({ $0.isFinite }), multipliers.allSatisfy({ $0.isFinite }) else { return nil }
    unitMultipliers = multipliers
    unitDeviances = deviances
    boundaryRows = boundary
    fullScore = mm.x.crossProduct(with: zip(base, multipliers).map { $0 * $1 })
    x = mm.x
    self.y = y
    self.base = base
    self.kept = kept
    self.start = kept.map { start[$0] }
    unitWeights = unit
    information = mm.x.weightedGram(weights: zip(base, unit).map { $0 * $1 }).gram
    rule = IRLSRule(control)
  }

  /// One replicate's iterate: its coefficients (over the kept columns), its fixed information, and
  /// what `IRLSRule.fixedInformationVerdict` needs of its last step.
  struct Replicate {
    var beta: [Double]
    let system: FixedInformation
    /// √(mean positive weight): turns (XᵀWX)⁻¹ into standard errors whatever the weights' scale.
    let unit: Double
    /// The replicate's deviance at the start, `Σ w_ri dᵢ`.
    let deviance: Double
    var lastStep = Double.infinity
    var growingSteps = 0

    /// Takes the step `H_r⁻¹ s` and returns the rule's verdict (`.diverging` for a non-finite
    /// score or step).
    mutating func advance(score: [Double], rule: IRLSRule) -> IRLSRule.Verdict {
      guard score.allSatisfy({ $0.isFinite }) else { return .diverging }
      let delta = system.solve(score)
      guard delta.allSatisfy({ $0.isFinite }) else { return .diverging }
      // The step in standard-error units (scale-free in X and in the weights), and the Newton
      // decrement sᵀH_r⁻¹s on the weights divided by their mean (as every IRLS fit runs).
      var step = 0.0
      var decrement = 0.0
      for j in delta.indices {
        beta[j] += delta[j]
        step = max(step, abs(delta[j]) / (system.standardErrors[j] * unit))
        decrement += score[j] * delta[j]
      }
      let scale = unit * unit
      let verdict = rule.fixedInformationVerdict(
        step: step, previousStep: lastStep, decrement: decrement / scale, deviance: deviance / scale,
        growingSteps: growingSteps)
      if case .iterating(let growing) = verdict {
        growingSteps = growing
        lastStep = step
      }
      return verdict
    }
  }

  /// Coefficients (one per column of `x`, `NaN` for aliased ones) for each weight vector, `nil`
  /// where the replicate must be refitted on its own.
  ///
  /// Each replicate is a `Replicate` whose steps are judged by `IRLSRule.fixedInformationVerdict`;
  /// `NewtonLoop.runBatched` drives those still iterating with one pass over `X` per iteration.
  func solve(_ weights: [[Double]]) -> [[Double]?] {
    let n = x.rows
    let p = x.cols
    var out = [[Double]?](repeating: nil, count: weights.count)
    var replicates = [Replicate?](repeating: nil, count: weights.count)

    /// Takes replicate `r`'s step and reports whether it goes on iterating.
    func advance(_ r: Int, score: [Double]) -> Bool {
      guard var replicate = replicates[r] else { return false }
      let verdict = replicate.advance(score: score, rule: rule)
      replicates[r] = replicate
      switch verdict {
      case .converged:
        var coefficients = [Double](repeating: .nan, count: p)
        for (position, column) in kept.enumerated() { coefficients[column] = replicate.beta[position] }
        out[r] = coefficients
        return false
      case .iterating: return true
      case .diverging: return false
      }
    }

    // First step: at the start every replicate's multipliers are its weights times the
    // full-sample ones, so its score is c·ŝ plus the exceptional rows' part (no pass over X).
    var active: [Int] = []
    for (r, w) in weights.enumerated() {
      guard w.count == n, w.allSatisfy({ $0 >= 0 && $0.isFinite }) else { continue }
      if boundaryRows.contains(where: { w[$0] > 0 }) { continue }
      let (h, ratio) = replicateInformation(w)
      guard let system = FixedInformation(h.selecting(rowsAndColumns: kept)) else { continue }
      var positive = 0.0
      var positiveCount = 0
      for v in w where v > 0 {
        positive += v
        positiveCount += 1
      }
      var deviance = 0.0
      for i in 0..<n where w[i] > 0 { deviance += w[i] * unitDeviances[i] }
      replicates[r] = Replicate(
        beta: start, system: system,
        unit: positiveCount > 0 ? (positive / Double(positiveCount)).squareRoot() : 1, deviance: deviance)
      var score: [Double]
      if case let (c, exceptions)? = ratio {
        score = fullScore.map { c * $0 }
        if !exceptions.isEmpty {
          let rows = selectingRows(x, exceptions)
          let extra = rows.crossProduct(with: exceptions.map { (w[$0] - c * base[$0]) * unitMultipliers[$0] })
          for j in 0..<p { score[j] += extra[j] }
        }
      } else {
        var m = [Double](repeating: 0, count: n)
        for i in 0..<n { m[i] = w[i] * unitMultipliers[i] }
        score = x.crossProduct(with: m)
      }
      if advance(r, score: kept.map { score[$0] }) { active.append(r) }
    }

    // Every further iteration: one pass over X for all replicates still iterating.
    _ = NewtonLoop.runBatched(
      active: active, maxPasses: maxPasses,
      pass: { active in
        var b = Matrix(rows: p, cols: active.count)
        for (a, r) in active.enumerated() {
          guard let replicate = replicates[r] else { continue }
          for (position, column) in kept.enumerated() { b[column, a] = replicate.beta[position] }
        }
        let scores = x.batchedScores(coefficients: b, multipliers: multipliers(weights, replicates: active))
        return active.indices.map { a in kept.map { scores[$0, a] } }
      },
      step: advance)
    return out
  }

  /// The expected information of a replicate at the start, `Xᵀ diag(w v̂) X` (all columns), and
  /// the common ratio of its weights to the full-sample ones with the rows where it does not hold
  /// (`nil` when there is none).
  func replicateInformation(_ w: [Double]) -> (Matrix, (Double, [Int])?) {
    let n = x.rows
    let ratio = commonRatio(w)
    if case let (c, exceptions)? = ratio {
      var h = c * information
      if !exceptions.isEmpty {
        let rows = selectingRows(x, exceptions)
        var plus = [Double](repeating: 0, count: exceptions.count)
        var minus = [Double](repeating: 0, count: exceptions.count)
        for (a, i) in exceptions.enumerated() {
          let d = (w[i] - c * base[i]) * unitWeights[i]
          if d > 0 { plus[a] = d } else { minus[a] = -d }
        }
        if plus.contains(where: { $0 > 0 }) { h = h + rows.weightedGram(weights: plus).gram }
        if minus.contains(where: { $0 > 0 }) { h = h - rows.weightedGram(weights: minus).gram }
      }
      // A downdate that cancels a column (a level only in the deleted rows) leaves rounding
      // noise, not zero: form such a replicate's information directly.
      if kept.allSatisfy({ h[$0, $0] > 1e-6 * c * information[$0, $0] }) { return (h, ratio) }
    }
    var wv = [Double](repeating: 0, count: n)
    for i in 0..<n { wv[i] = w[i] * unitWeights[i] }
    return (x.weightedGram(weights: wv).gram, ratio)
  }

  /// A ratio `c` with `w_i = c · base_i` on at least half the rows, and the rows where it does
  /// not hold; `nil` when the few ratios tried are not shared by half the rows.
  func commonRatio(_ w: [Double]) -> (Double, [Int])? {
    let n = x.rows
    var tried: [Double] = []
    for k in 0..<5 {
      guard let i = (k * n / 5..<n).first(where: { base[$0] > 0 }) else { continue }
      let c = w[i] / base[i]
      if tried.contains(c) { continue }
      tried.append(c)
      var exceptions: [Int] = []
      for i in 0..<n where !(abs(w[i] - c * base[i]) <= 1e-12 * (w[i] + c * base[i])) {
        exceptions.append(i)
        if 2 * exceptions.count > n { break }
      }
      if 2 * exceptions.count <= n && c > 0 { return (c, exceptions) }
    }
    return nil
  }

  /// The multiplier pass for the replicates `replicates` (columns of the block, in order):
  /// `w (y − μ) μ'(η) / V(μ)`, 0 where the weight is 0, and `NaN` where a binomial fitted value
  /// reaches 0 or 1 in a row with positive weight (the replicate then goes to the single refit).
  func multipliers(_ weights: [[Double]], replicates: [Int]) -> @Sendable (Range<Int>, inout Matrix) -> Void {
    let (y, kernel) = (y, kernel)
    let columns = replicates.map { weights[$0] }
    return { rows, block in
      let m = block.rows
      let first = rows.lowerBound
      var e = block.storage.mutableSpan
      let yp = y.span
      for (a, column) in columns.enumerated() {
        let wp = column.span
        let offset = a * m
        switch kernel {
        case .logit:
          for l in 0..<m {
            let i = first + l
            let w = wp[i]
            let eta = e[offset + l]
            if w == 0 {
              e[offset + l] = 0
            } else if abs(eta) <= 30 {
              e[offset + l] = w * (yp[i] - 1 / (1 + exp(-eta)))
            } else {
              e[offset + l] = BatchedRefit.generalMultiplier(
                eta: eta, y: yp[i], weight: w, family: .binomial, link: .logit)
            }
          }
        case .poissonLog:
          for l in 0..<m {
            let i = first + l
            let w = wp[i]
            e[offset + l] = w == 0 ? 0 : w * (yp[i] - max(exp(e[offset + l]), Double.ulpOfOne))
          }
        case .leastSquares:
          for l in 0..<m {
            let i = first + l
            let w = wp[i]
            e[offset + l] = w == 0 ? 0 : w * (yp[i] - e[offset + l])
          }
        case .general(let family, let link):
          for l in 0..<m {
            let i = first + l
            let w = wp[i]
            e[offset + l] = w == 0
              ? 0 : BatchedRefit.generalMultiplier(eta: e[offset + l], y: yp[i], weight: w, family: family, link: link)
          }
        }
      }
    }
  }

  /// `w (y − μ) μ'(η) / V(μ)` for any family and link; `NaN` at a binomial boundary.
  static func generalMultiplier(eta: Double, y: Double, weight: Double, family: Family, link: Link) -> Double {
    let mu = link.inverse(eta)
    if family != .poisson {
      let eps = 10 * Double.ulpOfOne
      if mu < eps || mu > 1 - eps { return .nan }
    }
    return weight * (y - mu) * link.muEta(eta) / family.variance(mu)
  }
}

/// A replicate's fixed information, factored once: the equilibrated Cholesky factor, accepted
/// only when comfortably positive definite (every diagonal entry of the factor at least 1e-3).
struct FixedInformation: Sendable {
  let cholesky: Cholesky
  let scale: [Double]
  /// `√diag(H⁻¹)`.
  let standardErrors: [Double]

  init?(_ h: Matrix) {
    let d = h.diagonal
    guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    let scale = d.map { 1 / $0.squareRoot() }
    var s = h
    for j in 0..<h.cols {
      for i in 0..<h.rows { s[i, j] *= scale[i] * scale[j] }
    }
    guard let c = try? Cholesky(s), c.upper.diagonal.allSatisfy({ $0 >= 1e-3 }) else { return nil }
    cholesky = c
    self.scale = scale
    let inverse = c.inverse()
    standardErrors = (0..<h.cols).map { (inverse[$0, $0]).squareRoot() * scale[$0] }
  }

  /// `H⁻¹ s`.
  func solve(_ s: [Double]) -> [Double] {
    let scaled = zip(s, scale).map { $0 * $1 }
    return zip(cholesky.solve(scaled), scale).map { $0 * $1 }
  }
}
