import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// The link of an ordered-choice model.
public enum OrderedLink: String, Sendable, CaseIterable {
  /// Proportional-odds (ordered) logit.
  case logit
  /// Ordered probit.
  case probit

  /// The `Fit.Kind` of the model.
  public var kind: Fit.Kind { self == .logit ? .ologit : .oprobit }

  /// `F(z)`, `1 − F(z)`, `f(z)` and `f′(z)` of the latent error distribution.
  func evaluate(_ z: Double) -> (cdf: Double, sf: Double, density: Double, densityDerivative: Double) {
    if z == .infinity { return (1, 0, 0, 0) }
    if z == -.infinity { return (0, 1, 0, 0) }
    switch self {
    case .logit:
      let e = exp(-abs(z))
      let small = e / (1 + e)
      let large = 1 / (1 + e)
      let (f, s) = z >= 0 ? (large, small) : (small, large)
      let d = f * s
      return (f, s, d, d * (s - f))
    case .probit:
      let d = Normal.density(z)
      return (Normal.cdf(z), Normal.sf(z), d, -z * d)
    }
  }

  /// The density `f(z)` of the latent error (0 at ±∞).
  public func density(_ z: Double) -> Double { evaluate(z).density }

  /// The distribution function `F(z)` of the latent error (1 at +∞).
  public func cdf(_ z: Double) -> Double { evaluate(z).cdf }

  /// `F⁻¹(p)`.
  func quantile(_ p: Double) -> Double {
    switch self {
    case .logit: return log(p / (1 - p))
    case .probit: return Normal.quantile(p)
    }
  }
}

/// Ordered logit and probit by maximum likelihood: R `MASS::polr`, Stata `ologit`/`oprobit`.
///
///     let fit = try OrderedChoice.fit("rating ~ x1 + x2", link: .logit, data: frame)
///
/// The model is `P(Y ≤ k | x) = F(ζₖ − xᵀβ)` with no intercept (the cut points `ζ₁ < … < ζ_{K−1}`
/// take its place), coefficients named as R names them and cut points as `polr` does (`1|2`,
/// `2|3`, …), listed after the coefficients. The estimate is the exact maximum of the (weighted)
/// log-likelihood by Newton–Raphson with the analytic Hessian, so `bread` is the exact inverse
/// observed information (polr's SEs come from a numerical Hessian good to about 1e-4), and the
/// per-row `scoreMatrix` covers the cut points, so robust, cluster and design-based covariances
/// (`survey::svyolr`) come from the one variance machinery.
public enum OrderedChoice {
  /// Fits `formula` to `data`.
  ///
  /// - Throws: `FormulaError` for formula or data problems; `EstimationError` for a response with
  ///   fewer than three levels, non-convergence or a singular information.
  public static func fit(
    _ formula: String, link: OrderedLink, data: DataFrame, options: ModelFrameOptions = .init(),
    maxIterations: Int = 100, tolerance: Double = 1e-10
  ) throws -> Fit {
    var options = options
    options.allowsCategoricalResponse = true
    let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: data, options: options)
    return try fit(mm, link: link, formula: formula, subset: options.subset, maxIterations: maxIterations,
      tolerance: tolerance)
  }

  /// Fits an already built model matrix (its intercept column, if any, is dropped).
  ///
  /// - Complexity: per Newton step O(n p²) in BLAS for the coefficient block, O(n (p + K)) for the rest.
  public static func fit(
    _ mm: ModelMatrix, link: OrderedLink, formula: String, subset: String? = nil, maxIterations: Int = 100,
    tolerance: Double = 1e-10
  ) throws -> Fit {
    let sample = try CategoricalSample(mm, subset: subset)
    var diagnostics = sample.diagnostics
    let responseName = mm.responseName ?? "response"
    let response = CategoricalResponse(mm, y: sample.y)
    let levels = response.levels
    let nLevels = levels.count
    if nLevels < 3 { throw EstimationError.tooFewOutcomeLevels(name: responseName, levels: levels, minimum: 3) }
    let n = sample.x.rows
    let w = sample.weights ?? [Double](repeating: 1, count: n)
    let codes = response.codes

    // Predictors: the model matrix without its intercept; aliasing decided with the intercept in.
    let interceptColumn = mm.columnNames.firstIndex(of: "(Intercept)")
    let keptWithIntercept = try nonAliasedColumns(sample.x)
    let predictorColumns = (0..<sample.x.cols).filter { $0 != interceptColumn }
    let keptPredictors = predictorColumns.filter { keptWithIntercept.contains($0) }
    if keptPredictors.count < predictorColumns.count {
      let keptSet = Set(keptPredictors)
      diagnostics.append(
        .collinearTermsDropped(terms: predictorColumns.filter { !keptSet.contains($0) }.map { mm.columnNames[$0] }))
    }
    let x = sample.x.selectingColumns(keptPredictors)
    let p = x.cols
    let q = p + nLevels - 1

    // Start: β = 0, cut points at the quantiles of the cumulative proportions.
    var counts = [Double](repeating: 0, count: nLevels)
    for i in 0..<n { counts[codes[i]] += w[i] }
    let total = counts.reduce(0, +)
    var start = [Double](repeating: 0, count: q)
    var cumulative = 0.0
    for k in 0..<(nLevels - 1) {
      cumulative += counts[k]
      start[p + k] = link.quantile(cumulative / total)
    }
    let nullLogLik = counts.reduce(0) { $1 > 0 ? $0 + $1 * log($1 / total) : $0 }

    let evaluate = { (theta: [Double], derivatives: Bool) throws -> (Double, [Double], Matrix) in
      let beta = Array(theta[0..<p])
      let eta = p > 0 ? x.multiplied(by: beta) : [Double](repeating: 0, count: n)
      let terms = try orderedTerms(theta: theta, p: p, eta: eta, codes: codes, weights: w, link: link,
        nLevels: nLevels, derivatives: derivatives)
      guard derivatives else { return (terms.logLik, [], Matrix(rows: 0, cols: 0)) }
      return (terms.logLik, terms.gradient(x: x, codes: codes, p: p, q: q), terms.hessian(x: x, codes: codes, p: p, q: q))
    }
    let r = try newtonMaximize(start: start, maxIterations: maxIterations, tolerance: tolerance) {
      try evaluate($0, $1)
    }
    if !r.converged { throw EstimationError.notConverged(iterations: r.iterations, lastChange: .nan) }

    let beta = Array(r.theta[0..<p])
    let eta = p > 0 ? x.multiplied(by: beta) : [Double](repeating: 0, count: n)
    let final = try orderedTerms(theta: r.theta, p: p, eta: eta, codes: codes, weights: w, link: link,
      nLevels: nLevels, derivatives: true)
    let scores = final.scoreMatrix(x: x, codes: codes, p: p, q: q)

    // Terms: every predictor column (aliased ones NaN), then the cut points.
    let cutNames = (0..<(nLevels - 1)).map { "\(levels[$0])|\(levels[$0 + 1])" }
    let terms = predictorColumns.map { mm.columnNames[$0] } + cutNames
    var coefficients = [Double](repeating: .nan, count: terms.count)
    var kept: [Int] = []
    for (position, column) in keptPredictors.enumerated() {
      let index = predictorColumns.firstIndex(of: column) ?? 0
      coefficients[index] = r.theta[position]
      kept.append(index)
    }
    for k in 0..<(nLevels - 1) {
      coefficients[predictorColumns.count + k] = r.theta[p + k]
      kept.append(predictorColumns.count + k)
    }
    let dfResidual = n - q
    if dfResidual <= 0 { throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: q) }

    var fit = Fit(
      kind: link.kind, formula: formula, responseName: responseName, terms: terms, coefficients: coefficients,
      kept: kept, bread: r.inverseInformation, x: x, scoreMultipliers: [], response: codes.map(Double.init),
      fitted: eta, residuals: [Double](repeating: .nan, count: n), weights: sample.weights, dfResidual: dfResidual,
      dispersion: 1, hasIntercept: false, rows: sample.rows, diagnostics: diagnostics, testDistribution: .normal,
      clusterAdjustment: .groups, dispersionIsEstimated: false)
    fit.scoreMatrix = scores
    fit.recipe = mm.recipe
    fit.categorical = CategoricalDetails(
      levels: levels, base: nil, predictors: keptPredictors.map { mm.columnNames[$0] }, logLik: r.logLik,
      nullLogLik: nullLogLik, iterations: r.iterations, converged: r.converged, hasIntercept: interceptColumn != nil,
      levelCounts: counts)
    return fit
  }

  /// Probabilities of each outcome level at linear predictor `eta` and cut points `cuts`.
  public static func probabilities(eta: Double, cuts: [Double], link: OrderedLink) -> [Double] {
    var out: [Double] = []
    var previous = 0.0
    for c in cuts {
      let f = link.evaluate(c - eta).cdf
      out.append(f - previous)
      previous = f
    }
    out.append(1 - previous)
    return out
  }
}

/// Per-row first and second derivatives of the ordered log-likelihood with respect to the upper
/// (`u = ζ_k − η`) and lower (`l = ζ_{k−1} − η`) arguments.
private struct OrderedTerms {
  var logLik: Double
  var lu: [Double]
  var ll: [Double]
  var luu: [Double]
  var lll: [Double]
  var lul: [Double]
  var weights: [Double]
  var nLevels: Int

  /// The gradient: `−(ℓ_u + ℓ_l) x` for β, `ℓ_u` at ζ_k, `ℓ_l` at ζ_{k−1}.
  func gradient(x: Matrix, codes: [Int], p: Int, q: Int) -> [Double] {
    let n = codes.count
    var g = [Double](repeating: 0, count: q)
    if p > 0 {
      var m = [Double](repeating: 0, count: n)
      for i in 0..<n {
        let slope: Double = lu[i] + ll[i]
        m[i] = -weights[i] * slope
      }
      let gb = x.crossProduct(with: m)
      for j in 0..<p { g[j] = gb[j] }
    }
    for i in 0..<n {
      let k = codes[i]
      if k < nLevels - 1 { g[p + k] += weights[i] * lu[i] }
      if k > 0 { g[p + k - 1] += weights[i] * ll[i] }
    }
    return g
  }

  /// The Hessian `ℓ_uu ∇u∇uᵀ + ℓ_ll ∇l∇lᵀ + ℓ_ul (∇u∇lᵀ + ∇l∇uᵀ)`, summed over rows.
  func hessian(x: Matrix, codes: [Int], p: Int, q: Int) -> Matrix {
    let n = codes.count
    var h = Matrix(rows: q, cols: q)
    if p > 0 {
      var rowWeights = [Double](repeating: 0, count: n)
      for i in 0..<n {
        let curvature: Double = luu[i] + lll[i] + 2 * lul[i]
        rowWeights[i] = weights[i] * curvature
      }
      let bb = x.crossProduct(rowWeights: rowWeights)
      for a in 0..<p { for b in 0..<p { h[a, b] = bb[a, b] } }
      for i in 0..<n {
        let k = codes[i]
        let upper = -(luu[i] + lul[i]) * weights[i]
        let lower = -(lll[i] + lul[i]) * weights[i]
        for j in 0..<p {
          let xij = x[i, j]
          if k < nLevels - 1 { h[j, p + k] += upper * xij }
          if k > 0 { h[j, p + k - 1] += lower * xij }
        }
      }
      for j in 0..<p { for c in p..<q { h[c, j] = h[j, c] } }
    }
    for i in 0..<n {
      let k = codes[i]
      if k < nLevels - 1 { h[p + k, p + k] += weights[i] * luu[i] }
      if k > 0 { h[p + k - 1, p + k - 1] += weights[i] * lll[i] }
      if k > 0 && k < nLevels - 1 {
        h[p + k, p + k - 1] += weights[i] * lul[i]
        h[p + k - 1, p + k] += weights[i] * lul[i]
      }
    }
    return h
  }

  /// The n × q matrix of weighted per-row scores.
  func scoreMatrix(x: Matrix, codes: [Int], p: Int, q: Int) -> Matrix {
    let n = codes.count
    var s = Matrix(rows: n, cols: q)
    for j in 0..<p {
      for i in 0..<n { s[i, j] = -weights[i] * (lu[i] + ll[i]) * x[i, j] }
    }
    for i in 0..<n {
      let k = codes[i]
      if k < nLevels - 1 { s[i, p + k] = weights[i] * lu[i] }
      if k > 0 { s[i, p + k - 1] = weights[i] * ll[i] }
    }
    return s
  }
}

/// Evaluates the ordered log-likelihood (and, when asked, its per-row derivative terms).
private func orderedTerms(
  theta: [Double], p: Int, eta: [Double], codes: [Int], weights: [Double], link: OrderedLink, nLevels: Int,
  derivatives: Bool
) throws -> OrderedTerms {
  let n = codes.count
  var t = OrderedTerms(
    logLik: 0, lu: [], ll: [], luu: [], lll: [], lul: [], weights: weights, nLevels: nLevels)
  if derivatives {
    t.lu = [Double](repeating: 0, count: n)
    t.ll = t.lu
    t.luu = t.lu
    t.lll = t.lu
    t.lul = t.lu
  }
  var logLik = 0.0
  for i in 0..<n {
    let k = codes[i]
    let u = k < nLevels - 1 ? theta[p + k] - eta[i] : .infinity
    let l = k > 0 ? theta[p + k - 1] - eta[i] : -.infinity
    let fu = link.evaluate(u)
    let fl = link.evaluate(l)
    let prob = l > 0 ? fl.sf - fu.sf : fu.cdf - fl.cdf
    if !(prob > 0) { return OrderedTerms(logLik: -.infinity, lu: [], ll: [], luu: [], lll: [], lul: [], weights: weights, nLevels: nLevels) }
    logLik += weights[i] * log(prob)
    if derivatives {
      let a = fu.density / prob
      let b = -fl.density / prob
      t.lu[i] = a
      t.ll[i] = b
      t.luu[i] = fu.densityDerivative / prob - a * a
      t.lll[i] = -fl.densityDerivative / prob - b * b
      t.lul[i] = -a * b
    }
  }
  t.logLik = logLik
  return t
}
