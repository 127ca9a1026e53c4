import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// Linear and generalized linear models with absorbed fixed effects, `y ~ x | fe1 + fe2`.
///
///     let fit = try FixedEffectsModel.fit("lwage ~ educ + exper | state + year", model: .leastSquares, data: panel)
///
/// The fixed effects are projected out by alternating projections (weighted by the case weights
/// for WLS, and by the IRLS working weights at each iteration for logit, probit and Poisson), not
/// by dummy columns; the estimates equal those of R `lm`/`glm` with `factor(fe)` dummies, as
/// fixest's `feols`/`feglm`. Observations in singleton groups (any dimension, iteratively) are
/// removed, and for GLMs also groups whose outcome is constant (fixest's `fixef.rm = "both"`);
/// both counts are stored on the fit and reported. The fit's `x` holds the demeaned regressors and
/// its scores are the demeaned scores, so every variance (classical, HC0/HC1, cluster, design)
/// comes from `covariance(of:spec:)`. The residual degrees of freedom count the fixed-effect
/// parameters (`FixedEffectsDetails.parameters`), as `lm` with dummies does.
public enum FixedEffectsModel {
  /// Which model the fixed effects are absorbed in.
  public enum Model: Sendable {
    case leastSquares
    case glm(GLMModel)
  }

  /// The model formula (`y ~ x`) and the fixed-effect terms of `y ~ x | fe1 + fe2`; nil when the
  /// formula has a single part.
  ///
  /// - Throws: `EstimationError.fixedEffectsParts` for more than two parts, `.fixedEffectsWithIV` for an IV part.
  public static func split(_ formula: String) throws -> (model: String, fixedEffects: [String])? {
    let parsed = try Formula.parse(formula)
    if parsed.parts.count == 1 { return nil }
    guard parsed.parts.count == 2 else {
      throw EstimationError.fixedEffectsParts(formula: formula, parts: parsed.parts.count)
    }
    if case .binary(.tilde, _, _) = parsed.parts[1].kind {
      throw EstimationError.fixedEffectsWithIV(formula: formula)
    }
    let text = Array(formula)
    func source(_ e: FormulaExpression) -> String {
      String(text[e.range.lowerBound..<e.range.upperBound]).trimmingCharacters(in: .whitespaces)
    }
    let terms = try Terms(response: nil, rhs: parsed.parts[1], text: formula)
    guard !terms.labels.isEmpty else { throw EstimationError.noFixedEffectVariable }
    let lhs = parsed.response.map(source) ?? ""
    return ("\(lhs) ~ \(source(parsed.parts[0]))", terms.labels)
  }

  /// Fits `y ~ x | fe…` to data.
  ///
  /// - Throws: `FormulaError`, `DataError` (unknown or missing fixed-effect variable), `EstimationError`.
  public static func fit(
    _ formula: String, model: Model, data: DataFrame, options: ModelFrameOptions = .init(),
    control: GLMControl = .init()
  ) throws -> Fit {
    let (mm, dims) = try modelMatrix(formula, model: model, data: data, options: options)
    return try fit(mm, fixedEffects: dims, model: model, formula: formula, subset: options.subset, control: control)
  }

  /// The model matrix (without intercept) and the fixed-effect group codes over its rows.
  public static func modelMatrix(
    _ formula: String, model: Model, data: DataFrame, options: ModelFrameOptions = .init()
  ) throws -> (ModelMatrix, [(name: String, codes: [Int], count: Int)]) {
    guard let (modelFormula, feTerms) = try split(formula) else {
      throw EstimationError.noFixedEffectsPart(formula: formula)
    }
    let variables = feTerms.flatMap { $0.split(separator: ":").map(String.init) }
    var o = options
    o.extraVariables += variables
    if case .glm(let m) = model { o.allowsCategoricalResponse = m.isBinary }
    var mm = try ModelMatrix.build(formula: Formula.parse(modelFormula), data: data, options: o)
    if let i = mm.columnNames.firstIndex(of: "(Intercept)") {
      let others = mm.columnNames.indices.filter { $0 != i }
      mm.x = mm.x.selectingColumns(others)
      mm.columnNames = others.map { mm.columnNames[$0] }
      mm.assign = others.map { mm.assign[$0] }
      mm.hasIntercept = false
    }
    guard mm.x.cols > 0 else {
      throw EstimationError.noRegressorsBesideFixedEffects(formula: formula)
    }
    var dims: [(name: String, codes: [Int], count: Int)] = []
    for term in feTerms {
      let parts = term.split(separator: ":").map(String.init)
      var combined: [[Int]] = []
      for p in parts { combined.append(try data.groupCodes(of: p, rows: mm.rows).codes) }
      var map: [[Int]: Int] = [:]
      var codes = [Int](repeating: 0, count: mm.rows.count)
      for i in codes.indices {
        let key = combined.map { $0[i] }
        if let c = map[key] { codes[i] = c } else {
          codes[i] = map.count
          map[key] = map.count
        }
      }
      dims.append((term, codes, map.count))
    }
    return (mm, dims)
  }

  /// Fits a built model matrix (no intercept column) with fixed-effect codes over its rows.
  ///
  /// - Complexity: O(n · D · sweeps) per demeaned column plus O(n p²) for the projection; GLMs
  ///   repeat both per IRLS iteration.
  public static func fit(
    _ mm: ModelMatrix, fixedEffects: [(name: String, codes: [Int], count: Int)], model: Model, formula: String,
    subset: String? = nil, control: GLMControl = .init()
  ) throws -> Fit {
    guard var y = mm.response else { throw EstimationError.missingResponse }
    let responseName = mm.responseName ?? "response"
    var diagnostics: [Diagnostic] = []
    if let subset, mm.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: mm.droppedBySubset, expression: subset))
    }
    diagnostics += Diagnostic.rowsDropped(mm)
    if case .glm(let m) = model {
      try GeneralizedLinearModel.validateResponse(
        y, levels: mm.responseLevels, model: m, name: responseName, rows: mm.rows)
    }
    var candidates = Array(0..<y.count)
    if let positive = try positiveWeightRows(mm.weights, dataRows: mm.rows, diagnostics: &diagnostics) {
      candidates = positive
    }
    // Singletons and perfect-fit groups, over the positive-weight rows.
    var perfectFit: ((Double, Int) -> Bool)?
    if case .glm(let m) = model {
      switch m.family {
      case .poisson: perfectFit = { sum, _ in sum == 0 }
      case .binomial: perfectFit = { sum, count in sum == 0 || sum == Double(count) }
      case .quasibinomial: perfectFit = nil
      }
    }
    let subCodes = fixedEffects.map { fe in candidates.map { fe.codes[$0] } }
    let pruned = pruneFixedEffects(
      codes: subCodes, counts: fixedEffects.map(\.count), response: candidates.map { y[$0] }, perfectFit: perfectFit)
    let sample = pruned.kept.map { candidates[$0] }
    if pruned.singletons > 0 { diagnostics.append(.singletonsRemoved(count: pruned.singletons)) }
    if pruned.perfect > 0 {
      diagnostics.append(.perfectFitGroupsRemoved(groups: pruned.perfectGroups, observations: pruned.perfect))
    }
    guard !sample.isEmpty else { throw EstimationError.noObservationsAfterSingletons }
    let dims = fixedEffects.map { fe -> FixedEffectDimension in
      let r = recode(fe.codes, rows: sample)
      return FixedEffectDimension(name: fe.name, codes: r.codes, count: r.count)
    }
    let x = sample.count == y.count ? mm.x : selectingRows(mm.x, sample)
    y = sample.map { y[$0] }
    let weights = mm.weights.map { w in sample.map { w[$0] } }
    let rows = sample.map { mm.rows[$0] }
    if let first = y.first, y.allSatisfy({ $0 == first }) {
      throw EstimationError.constantResponse(name: responseName, value: first)
    }
    let parameters = fixedEffectParameters(dims)
    var fit: Fit
    var sweeps = 0
    switch model {
    case .leastSquares:
      (fit, sweeps) = try leastSquares(
        x: x, y: y, weights: weights, dims: dims, names: mm.columnNames, parameters: parameters)
    case .glm(let m):
      (fit, sweeps) = try glm(
        x: x, y: y, weights: weights, dims: dims, names: mm.columnNames, parameters: parameters, model: m,
        control: control)
    }
    fit.formula = formula
    fit.responseName = responseName
    fit.rows = rows
    fit.diagnostics = diagnostics + fit.diagnostics
    fit.fixedEffects = FixedEffectsDetails(
      dimensions: dims, parameters: parameters, singletonsRemoved: pruned.singletons,
      perfectFitRemoved: pruned.perfect, perfectFitGroups: pruned.perfectGroups, sweeps: sweeps)
    return fit
  }

  /// Columns whose demeaned sum of squares is below 1e-9 of the raw one are collinear with the
  /// fixed effects (fixest's check); the rest go through the R-compatible pivoted QR.
  static func keptColumns(raw: Matrix, demeaned: Matrix, weights: [Double]?) throws -> (QRDecomposition, [Int], [Int]) {
    var candidates: [Int] = []
    var absorbed: [Int] = []
    for j in 0..<raw.cols {
      var a = 0.0
      var b = 0.0
      for i in 0..<raw.rows {
        let w = weights?[i] ?? 1
        a += w * raw[i, j] * raw[i, j]
        b += w * demeaned[i, j] * demeaned[i, j]
      }
      if b <= 1e-9 * a || a == 0 { absorbed.append(j) } else { candidates.append(j) }
    }
    guard !candidates.isEmpty else {
      throw EstimationError.regressorsCollinearWithFixedEffects
    }
    let sub = demeaned.selectingColumns(candidates)
    let xs = weights.map { sub.scalingRows(by: $0.map { $0.squareRoot() }) } ?? sub
    let qr = try QRDecomposition(xs, tolerance: 1e-7)
    let kept = qr.keptColumns.sorted().map { candidates[$0] }
    return (qr, kept, absorbed + qr.aliasedColumns.map { candidates[$0] })
  }

  /// Demeans every column of `x` and `extra` with one demeaner.
  static func demeaned(_ x: Matrix, _ demeaner: Demeaner) throws -> (Matrix, Int) {
    var cols: [[Double]] = []
    var sweeps = 0
    for j in 0..<x.cols {
      var c = x.column(j)
      sweeps = max(sweeps, try demeaner.demean(&c))
      cols.append(c)
    }
    return (Matrix(columns: cols), sweeps)
  }

  static func leastSquares(
    x: Matrix, y: [Double], weights: [Double]?, dims: [FixedEffectDimension], names: [String], parameters: Int
  ) throws -> (Fit, Int) {
    let n = x.rows
    let demeaner = Demeaner(dimensions: dims, weights: weights)
    var (xt, sweeps) = try demeaned(x, demeaner)
    var yt = y
    sweeps = max(sweeps, try demeaner.demean(&yt))
    let (_, kept, aliased) = try keptColumns(raw: x, demeaned: xt, weights: weights)
    var diagnostics: [Diagnostic] = []
    if !aliased.isEmpty { diagnostics.append(.collinearTermsDropped(terms: aliased.sorted().map { names[$0] })) }
    let xk = xt.selectingColumns(kept)
    let dfResidual = n - kept.count - parameters
    if dfResidual <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count + parameters)
    }
    let aux = try auxiliaryLeastSquares(
      x: xk, names: kept.map { names[$0] }, y: yt, weights: weights, rows: Array(0..<n), responseName: "")
    var coefficients = [Double](repeating: .nan, count: x.cols)
    for (p, j) in kept.enumerated() { coefficients[j] = aux.coefficients[p] }
    let residuals = aux.residuals
    var rss = 0.0
    for i in 0..<n { rss += (weights?[i] ?? 1) * residuals[i] * residuals[i] }
    let fit = Fit(
      kind: weights == nil ? .ols : .wls, formula: "", responseName: "", terms: names, coefficients: coefficients,
      kept: kept, bread: aux.bread, x: xk, scoreMultipliers: aux.scoreMultipliers, response: y,
      fitted: zip(y, residuals).map { $0 - $1 }, residuals: residuals, weights: weights, dfResidual: dfResidual,
      dispersion: rss / Double(dfResidual), hasIntercept: true, rows: [], diagnostics: diagnostics)
    return (fit, sweeps)
  }

  static func glm(
    x: Matrix, y: [Double], weights: [Double]?, dims: [FixedEffectDimension], names: [String], parameters: Int,
    model: GLMModel, control: GLMControl
  ) throws -> (Fit, Int) {
    let n = x.rows
    let family = model.family
    let link = model.link
    let pw = weights ?? [Double](repeating: 1, count: n)
    func deviance(_ mu: [Double]) -> Double {
      var d = 0.0
      for i in 0..<n { d += family.unitDeviance(y: y[i], mu: mu[i], weight: pw[i]) }
      return d
    }
    // The shared Newton loop (`NewtonLoop`, `IRLSRule`) over the linear predictor η: a point is η
    // with the coefficients and kept columns of the weighted least-squares solve that produced it;
    // the direction hook demeans the working response and regressors by the working weights
    // (alternating projections) and solves the demeaned least squares, whose fitted values are
    // the full Fisher step over the coefficients and the fixed effects. Its Newton decrement is
    // `Σ wᵢ Δηᵢ²` (= sᵀH⁻¹s over both).
    struct Point {
      var eta: [Double]
      var beta: [Double]
      var kept: [Int]
    }
    struct State {
      var eta: [Double] = []
      var mu: [Double] = []
      var deviance = Double.nan
    }
    var sweeps = 0
    func evaluate(_ point: Point, _ state: inout State) {
      state.eta = point.eta
      state.mu = point.eta.map { link.inverse($0) }
      state.deviance = deviance(state.mu)
    }
    func direction(_ state: State) throws -> (step: Point, decrement: Double, system: Int)? {
      var w = [Double](repeating: 0, count: n)
      var z = [Double](repeating: 0, count: n)
      for i in 0..<n {
        let d = link.muEta(state.eta[i])
        w[i] = pw[i] * d * d / family.variance(state.mu[i])
        z[i] = state.eta[i] + (y[i] - state.mu[i]) / d
      }
      let demeaner = Demeaner(dimensions: dims, weights: w)
      let (xt, s1) = try demeaned(x, demeaner)
      var zt = z
      let s2 = try demeaner.demean(&zt)
      sweeps = max(s1, s2)
      let (_, k, _) = try keptColumns(raw: x, demeaned: xt, weights: w)
      let aux = try auxiliaryLeastSquares(
        x: xt.selectingColumns(k), names: [], y: zt, weights: w, rows: Array(0..<n), responseName: "")
      var step = [Double](repeating: 0, count: n)
      var decrement = 0.0
      for i in 0..<n {
        step[i] = z[i] - aux.residuals[i] - state.eta[i]
        decrement += w[i] * step[i] * step[i]
      }
      return (Point(eta: step, beta: aux.kept.map { aux.coefficients[$0] }, kept: k), decrement, 0)
    }
    func advance(_ point: Point, _ step: Point, _ fraction: Double) -> Point {
      let eta = fraction == 1
        ? zip(point.eta, step.eta).map { $0 + $1 } : zip(point.eta, step.eta).map { $0 + $1 * fraction }
      return Point(eta: eta, beta: step.beta, kept: step.kept)
    }
    // Iteration 1: from R's starting values (μ from `mustart`), one solve, halved only while the
    // deviance is not finite (as `glm.fit`).
    let rule = IRLSRule(control)
    let mu0 = (0..<n).map { family.startingMean(y: y[$0], weight: pw[$0]) }
    let start = State(eta: mu0.map { link.link($0) }, mu: mu0, deviance: deviance(mu0))
    guard let first = try direction(start) else { throw EstimationError.stepHalvingFailed(iteration: 1) }
    let origin = Point(eta: start.eta, beta: [], kept: [])
    var fraction = 1.0
    var point = advance(origin, first.step, fraction)
    var state = State()
    evaluate(point, &state)
    var halvings = 0
    while !state.deviance.isFinite {
      halvings += 1
      if halvings > 30 { throw EstimationError.stepHalvingFailed(iteration: 1) }
      fraction /= 2
      point = advance(origin, first.step, fraction)
      evaluate(point, &state)
    }
    let outcome = try NewtonLoop.run(
      point: point, state: state, scratch: State(), iterations: 1, previousDeviance: start.deviance, rule: rule,
      maxIterations: control.maxIterations, deviance: { $0.deviance }, evaluate: evaluate, direction: direction,
      advance: advance)
    let (iterations, converged, lastChange) = (outcome.iterations, outcome.converged, outcome.change)
    let eta = outcome.state.eta
    let mu = outcome.state.mu
    let dev = outcome.state.deviance
    let beta = outcome.point.beta
    let kept = outcome.point.kept
    if !converged { throw EstimationError.notConverged(iterations: iterations, lastChange: lastChange) }
    // Bread and scores at the estimate, with regressors demeaned by the final working weights.
    var w = [Double](repeating: 0, count: n)
    var m = [Double](repeating: 0, count: n)
    for i in 0..<n {
      let d = link.muEta(eta[i])
      let v = family.variance(mu[i])
      w[i] = pw[i] * d * d / v
      m[i] = pw[i] * (y[i] - mu[i]) * d / v
    }
    let (xt, _) = try demeaned(x.selectingColumns(kept), Demeaner(dimensions: dims, weights: w))
    let bread = try inverseSPD(xt.crossProduct(rowWeights: w))
    var diagnostics: [Diagnostic] = []
    if kept.count < x.cols {
      let k = Set(kept)
      diagnostics.append(.collinearTermsDropped(terms: (0..<x.cols).filter { !k.contains($0) }.map { names[$0] }))
    }
    var coefficients = [Double](repeating: .nan, count: x.cols)
    for (p, j) in kept.enumerated() { coefficients[j] = beta[p] }
    let dfResidual = n - kept.count - parameters
    if dfResidual <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count + parameters)
    }
    var pearson = 0.0
    var logLik = 0.0
    var sumW = 0.0
    var sumWY = 0.0
    for i in 0..<n {
      let e = y[i] - mu[i]
      pearson += pw[i] * e * e / family.variance(mu[i])
      logLik += family.logLikelihood(y: y[i], mu: mu[i], weight: pw[i])
      sumW += pw[i]
      sumWY += pw[i] * y[i]
    }
    let nullMu = sumWY / sumW
    var nullDeviance = 0.0
    var nullLogLik = 0.0
    for i in 0..<n {
      nullDeviance += family.unitDeviance(y: y[i], mu: nullMu, weight: pw[i])
      nullLogLik += family.logLikelihood(y: y[i], mu: nullMu, weight: pw[i])
    }
    let details = GLMDetails(
      family: family, link: link, deviance: dev, nullDeviance: nullDeviance, dfNull: n - 1, logLik: logLik,
      nullLogLik: nullLogLik, pearsonChiSquare: pearson, iterations: iterations, converged: true,
      tolerance: control.tolerance, observedWeights: nil, linearPredictor: eta)
    let fit = Fit(
      kind: model.kind, formula: "", responseName: "", terms: names, coefficients: coefficients, kept: kept,
      bread: bread, x: xt, scoreMultipliers: m, response: y, fitted: mu, residuals: zip(y, mu).map { $0 - $1 },
      weights: weights, dfResidual: dfResidual,
      dispersion: family.estimatesDispersion ? pearson / Double(dfResidual) : 1, hasIntercept: false, rows: [],
      diagnostics: diagnostics, testDistribution: .normal, clusterAdjustment: .groups,
      dispersionIsEstimated: family.estimatesDispersion, workingWeights: w, glm: details)
    return (fit, sweeps)
  }
}
