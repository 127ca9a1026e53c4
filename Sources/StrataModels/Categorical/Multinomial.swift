import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// Multinomial logit by maximum likelihood: R `nnet::multinom`, Stata `mlogit`.
///
///     let fit = try MultinomialLogit.fit("stype ~ api00 + meals", data: frame, base: "E")
///
/// One coefficient block per non-base outcome, named `level:term` (the names of
/// `vcov(multinom)`, Stata's `level:term` equations), level-major. The estimate is the exact
/// maximum by Newton–Raphson with the analytic Hessian (`multinom`'s default stopping leaves
/// ~1e-4), `bread` is the inverse information and `scoreMatrix` holds every row's scores, so every
/// variance (robust, cluster, design-based) comes from the one machinery.
public enum MultinomialLogit {
  /// Fits `formula` to `data` with outcome `base` (default: the first level, as R) as reference.
  ///
  /// - Throws: `FormulaError` for formula or data problems; `EstimationError` for fewer than two
  ///   levels, an unknown base, non-convergence or a singular information (separation).
  public static func fit(
    _ formula: String, data: DataFrame, base: String? = nil, options: ModelFrameOptions = .init(),
    maxIterations: Int = 100, tolerance: Double = 1e-10
  ) throws -> Fit {
    var options = options
    options.allowsCategoricalResponse = true
    let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: data, options: options)
    return try fit(mm, formula: formula, base: base, subset: options.subset, maxIterations: maxIterations,
      tolerance: tolerance)
  }

  /// Fits an already built model matrix.
  ///
  /// - Complexity: per Newton step O(n (K p)²) for the Hessian blocks (BLAS).
  public static func fit(
    _ mm: ModelMatrix, formula: String, base: String? = nil, subset: String? = nil, maxIterations: Int = 100,
    tolerance: Double = 1e-10
  ) throws -> Fit {
    let sample = try CategoricalSample(mm, subset: subset)
    var diagnostics = sample.diagnostics
    let responseName = mm.responseName ?? "response"
    let response = CategoricalResponse(mm, y: sample.y)
    let levels = response.levels
    let nLevels = levels.count
    if nLevels < 2 { throw EstimationError.tooFewOutcomeLevels(name: responseName, levels: levels, minimum: 2) }
    var baseIndex = 0
    if let base {
      guard let b = levels.firstIndex(of: base) else {
        throw EstimationError.unknownBaseOutcome(name: responseName, base: base, levels: levels)
      }
      baseIndex = b
    }
    let n = sample.x.rows
    let w = sample.weights ?? [Double](repeating: 1, count: n)
    let codes = response.codes
    let keptColumns = try nonAliasedColumns(sample.x)
    if keptColumns.count < sample.x.cols {
      let keptSet = Set(keptColumns)
      diagnostics.append(
        .collinearTermsDropped(terms: (0..<sample.x.cols).filter { !keptSet.contains($0) }.map { mm.columnNames[$0] }))
    }
    let x = sample.x.selectingColumns(keptColumns)
    let p = x.cols
    let outcomes = (0..<nLevels).filter { $0 != baseIndex }
    let q = p * outcomes.count

    var counts = [Double](repeating: 0, count: nLevels)
    for i in 0..<n { counts[codes[i]] += w[i] }
    let total = counts.reduce(0, +)
    let nullLogLik = counts.reduce(0) { $1 > 0 ? $0 + $1 * log($1 / total) : $0 }

    let r = try newtonMaximize(start: [Double](repeating: 0, count: q), maxIterations: maxIterations,
      tolerance: tolerance) { theta, derivatives in
      let probs = multinomialProbabilities(theta: theta, x: x, outcomes: outcomes, nLevels: nLevels)
      var logLik = 0.0
      for i in 0..<n { logLik += w[i] * log(probs[codes[i]][i]) }
      guard derivatives else { return (logLik, [], Matrix(rows: 0, cols: 0)) }
      let scores = multinomialScores(x: x, probs: probs, codes: codes, weights: w, outcomes: outcomes)
      let gradient = (0..<q).map { j in (0..<n).reduce(0) { $0 + scores[$1, j] } }
      var h = Matrix(rows: q, cols: q)
      for (a, ka) in outcomes.enumerated() {
        for (b, kb) in outcomes.enumerated() where b >= a {
          let rowWeights = (0..<n).map { i in
            -w[i] * probs[ka][i] * ((ka == kb ? 1 : 0) - probs[kb][i])
          }
          let block = x.crossProduct(rowWeights: rowWeights)
          for s in 0..<p {
            for t in 0..<p {
              h[a * p + s, b * p + t] = block[s, t]
              h[b * p + t, a * p + s] = block[s, t]
            }
          }
        }
      }
      return (logLik, gradient, h)
    }
    if !r.converged { throw EstimationError.notConverged(iterations: r.iterations, lastChange: .nan) }
    let probs = multinomialProbabilities(theta: r.theta, x: x, outcomes: outcomes, nLevels: nLevels)
    let scores = multinomialScores(x: x, probs: probs, codes: codes, weights: w, outcomes: outcomes)

    var terms: [String] = []
    var coefficients: [Double] = []
    var kept: [Int] = []
    let keptSet = Set(keptColumns)
    for (a, k) in outcomes.enumerated() {
      var position = 0
      for column in 0..<sample.x.cols {
        terms.append("\(levels[k]):\(mm.columnNames[column])")
        if keptSet.contains(column) {
          kept.append(terms.count - 1)
          coefficients.append(r.theta[a * p + position])
          position += 1
        } else {
          coefficients.append(.nan)
        }
      }
    }
    let dfResidual = n - q
    if dfResidual <= 0 { throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: q) }
    var fit = Fit(
      kind: .mlogit, formula: formula, responseName: responseName, terms: terms, coefficients: coefficients,
      kept: kept, bread: r.inverseInformation, x: x, scoreMultipliers: [], response: codes.map(Double.init),
      fitted: (0..<n).map { probs[codes[$0]][$0] }, residuals: [Double](repeating: .nan, count: n),
      weights: sample.weights, dfResidual: dfResidual, dispersion: 1, hasIntercept: mm.hasIntercept,
      rows: sample.rows, diagnostics: diagnostics, testDistribution: .normal, clusterAdjustment: .groups,
      dispersionIsEstimated: false)
    fit.scoreMatrix = scores
    fit.recipe = mm.recipe
    fit.categorical = CategoricalDetails(
      levels: levels, base: baseIndex, predictors: keptColumns.map { mm.columnNames[$0] }, logLik: r.logLik,
      nullLogLik: nullLogLik, iterations: r.iterations, converged: r.converged, hasIntercept: mm.hasIntercept,
      levelCounts: counts)
    return fit
  }

  /// Outcome probabilities from linear predictors, one per level (the base's predictor is 0).
  public static func probabilities(linearPredictors eta: [Double], base: Int) -> [Double] {
    var full = eta
    full.insert(0, at: base)
    let m = full.max() ?? 0
    let e = full.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }
}

/// `probs[k][i]`: the probability of level `k` for row `i`.
private func multinomialProbabilities(theta: [Double], x: Matrix, outcomes: [Int], nLevels: Int) -> [[Double]] {
  let n = x.rows
  let p = x.cols
  var eta = [[Double]](repeating: [Double](repeating: 0, count: n), count: nLevels)
  for (a, k) in outcomes.enumerated() {
    eta[k] = x.multiplied(by: Array(theta[(a * p)..<((a + 1) * p)]))
  }
  var probs = eta
  for i in 0..<n {
    var m = -Double.infinity
    for k in 0..<nLevels { m = max(m, eta[k][i]) }
    var s = 0.0
    for k in 0..<nLevels {
      let e = exp(eta[k][i] - m)
      probs[k][i] = e
      s += e
    }
    for k in 0..<nLevels { probs[k][i] /= s }
  }
  return probs
}

/// The n × (K−1)p score matrix: `wᵢ (1{yᵢ = k} − pᵢₖ) xᵢ` in block `k`.
private func multinomialScores(x: Matrix, probs: [[Double]], codes: [Int], weights: [Double], outcomes: [Int])
  -> Matrix
{
  let n = x.rows
  let p = x.cols
  var s = Matrix(rows: n, cols: p * outcomes.count)
  for (a, k) in outcomes.enumerated() {
    for j in 0..<p {
      for i in 0..<n {
        s[i, a * p + j] = weights[i] * ((codes[i] == k ? 1 : 0) - probs[k][i]) * x[i, j]
      }
    }
  }
  return s
}
