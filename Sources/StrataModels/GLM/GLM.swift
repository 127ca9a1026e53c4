import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// The participation and count models Strata fits through its one GLM engine.
public enum GLMModel: String, Sendable, CaseIterable {
  /// Binary logit: binomial family, logit link.
  case logit
  /// Binary probit: binomial family, probit link.
  case probit
  /// Binary complementary log-log: binomial family, cloglog link.
  case cloglog
  /// Poisson regression for counts: Poisson family, log link.
  case poisson
  /// Papke–Wooldridge fractional logit: quasi-binomial family, logit link.
  case fraclogit
  /// Fractional probit: quasi-binomial family, probit link.
  case fracprobit

  /// The family.
  public var family: Family {
    switch self {
    case .logit, .probit, .cloglog: return .binomial
    case .poisson: return .poisson
    case .fraclogit, .fracprobit: return .quasibinomial
    }
  }

  /// The link.
  public var link: Link {
    switch self {
    case .logit, .fraclogit: return .logit
    case .probit, .fracprobit: return .probit
    case .cloglog: return .cloglog
    case .poisson: return .log
    }
  }

  /// The `Fit.Kind` of this model.
  public var kind: Fit.Kind {
    switch self {
    case .logit: return .logit
    case .probit: return .probit
    case .cloglog: return .cloglog
    case .poisson: return .poisson
    case .fraclogit: return .fraclogit
    case .fracprobit: return .fracprobit
    }
  }

  /// Whether the response must be binary (0/1, logical, two-level factor).
  public var isBinary: Bool { family == .binomial }
}

/// Generalized linear models fitted by IRLS: logit, probit, cloglog, Poisson, fractional logit/probit.
///
///     let fit = try GeneralizedLinearModel.fit("inlf ~ educ + exper + age", model: .probit, data: mroz)
///
/// Matches R `glm(formula, family, data, weights =, subset =)` at its maximum-likelihood estimate
/// (R's own default stopping rule leaves ~1e-5 in probit coefficients; Strata converges further,
/// see `GLMControl`). The fit's bread is the inverse expected information `(XᵀWX)⁻¹` at the estimate
/// and its scores are `wᵢ (yᵢ − μᵢ) μ'(ηᵢ) / V(μᵢ) · xᵢ`, so `covariance(of:spec:)` gives
/// `vcov(glm)`, `sandwich::vcovHC` and `sandwich::vcovCL` values.
public enum GeneralizedLinearModel {
  /// Fits `formula` to `data`.
  ///
  /// - Throws: `FormulaError` for formula or data problems, `EstimationError` for outcomes the model
  ///   does not accept, separation and non-convergence.
  public static func fit(
    _ formula: String, model: GLMModel, data: DataFrame, options: ModelFrameOptions = .init(),
    control: GLMControl = .init()
  ) throws -> Fit {
    var options = options
    options.allowsCategoricalResponse = model.isBinary
    options.compactFactor = true
    let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: data, options: options)
    return try fit(mm, model: model, formula: formula, subset: options.subset, control: control)
  }

  /// Fits an already built model matrix.
  ///
  /// - Parameters:
  ///   - start: starting coefficients, one per column of `mm.x` (`NaN` for aliased ones), as
  ///     R's `glm(start =)`; `nil` starts from the family's `mustart` as R does. A replicate's
  ///     refit starts from the full-sample estimate and converges to the same fixed point in
  ///     fewer iterations. Ignored when its length does not match or its deviance is not finite.
  /// - Complexity: per iteration O(n p²) in BLAS `dsyrk` (QR in LAPACK `dgeqrf` when ill-conditioned).
  public static func fit(
    _ mm: ModelMatrix, model: GLMModel, formula: String, subset: String? = nil, control: GLMControl = .init(),
    start: [Double]? = nil
  ) throws -> Fit {
    guard var y = mm.response else { throw EstimationError.missingResponse }
    let family = model.family
    let link = model.link
    let responseName = mm.responseName ?? "response"
    var mm = mm
    var diagnostics: [Diagnostic] = []
    if let subset, mm.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: mm.droppedBySubset, expression: subset))
    }
    diagnostics += Diagnostic.rowsDropped(mm)
    var grouped = mm.groupedCounts
    if let g = grouped {
      try validateGroupedCounts(g, model: model, rows: mm.rows, diagnostics: &diagnostics)
    } else {
      try validateResponse(y, levels: mm.responseLevels, model: model, name: responseName, rows: mm.rows)
    }
    var offset = mm.offset

    // Prior weights: negative is an error, zero-weight rows are left out (as glm leaves them out of n).
    var weights = mm.weights
    if let w = weights, let positive = try positiveWeightRows(w, dataRows: mm.rows, diagnostics: &diagnostics) {
      mm.x = selectingRows(mm.x, positive)
      y = positive.map { y[$0] }
      weights = positive.map { w[$0] }
      mm.rows = positive.map { mm.rows[$0] }
      offset = offset.map { o in positive.map { o[$0] } }
      grouped = grouped?.selecting(positive)
    }
    if let first = y.first, y.allSatisfy({ $0 == first }), grouped == nil || first == 0 || first == 1 {
      throw EstimationError.constantResponse(name: responseName, value: first)
    }
    if family == .poisson {
      let nonInteger = y.filter { $0 != $0.rounded() }.count
      if nonInteger > 0 { diagnostics.append(.nonIntegerCounts(name: responseName, count: nonInteger)) }
    }
    // The dummies of a factor term, found once: they make the separation check and every X'WX
    // pass cheaper on large data. A compact model matrix is read as it is (the dummies are the
    // structure's codes); the full matrix is formed only if a slow path needs it.
    let n = mm.nobs
    let p = mm.columnNames.count
    let (x, structure): (Matrix, IndicatorStructure?) =
      if let compact = mm.$x.compact {
        compact
      } else {
        (mm.x, n >= 1 << 14 ? (mm.indicatorStructure ?? mm.x.indicatorStructure()) : nil)
      }
    if model.isBinary && grouped == nil {
      if let s = Separation.singleTerm(
        x: x, names: mm.columnNames, y: y, hasIntercept: mm.hasIntercept, structure: structure)
      {
        throw s
      }
    }

    // A grouped binomial response: the prior weights are the weights times the trials (R's
    // binomial()$initialize; svyglm's sampling weights times the trials).
    let unit = weights ?? [Double](repeating: 1, count: n)
    let pw = grouped.map { g in zip(unit, g.trials).map { $0 * $1 } } ?? unit
    let r = try IRLS.run(
      x: x, y: y, priorWeights: pw, family: family, link: link, control: control, start: start,
      structure: structure, offset: offset)
    if grouped != nil {
      // A group whose successes (or failures) are all its trials may be fitted within rounding
      // of 1 (or 0) at a finite estimate (cloglog's upper tail): a note, as R's warning, not an error.
      let eps = 10 * Double.ulpOfOne
      let boundary = r.mu.filter { $0 > 1 - eps || $0 < eps }.count
      if boundary > 0 { diagnostics.append(.fittedProbabilitiesAtBoundary(count: boundary)) }
    } else if family != .poisson {
      if let s = Separation.atBoundary(mu: r.mu, beta: r.beta, x: { mm.x }, kept: r.kept, names: mm.columnNames) {
        throw s
      }
    }
    if !r.converged { throw EstimationError.notConverged(iterations: r.iterations, lastChange: r.lastChange) }

    let kept = r.kept
    let dfResidual = n - kept.count
    if dfResidual <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count)
    }
    if kept.count < p {
      let keptSet = Set(kept)
      diagnostics.append(
        .collinearTermsDropped(terms: (0..<p).filter { !keptSet.contains($0) }.map { mm.columnNames[$0] }))
    }
    var coefficients = [Double](repeating: .nan, count: p)
    for (position, column) in kept.enumerated() { coefficients[column] = r.beta[position] }
    // Every column kept: the fit shares the model matrix (compact or not) without expanding it.
    let xKept = kept.count == p ? Matrix(rows: 0, cols: 0) : mm.x.selectingColumns(kept)

    // Fit statistics (sums on both cores for large n).
    let mu = r.mu
    // ℓ of a grouped response: prior weight × log dbinom(round(n y), round(n), μ) (R's binomial aic).
    let trials = grouped?.trials
    let prior = weights
    let logLikelihood: @Sendable (Int, Double, Double) -> Double = { i, y, mu in
      guard let trials else { return family.logLikelihood(y: y, mu: mu, weight: pw[i]) }
      return (prior?[i] ?? 1) * groupedBinomialLogLikelihood(y: y, mu: mu, trials: trials[i])
    }
    let stats = rowSums(count: n, width: 4) { [y] range, s in
      for i in range {
        let e = y[i] - mu[i]
        s[0] += pw[i] * e * e / family.variance(mu[i])
        s[1] += logLikelihood(i, y[i], mu[i])
        s[2] += pw[i]
        s[3] += pw[i] * y[i]
      }
    }
    let (pearson, logLik, sumW, sumWY) = (stats[0], stats[1], stats[2], stats[3])
    // The null model: the weighted mean (intercept) or g⁻¹(0); with an offset, g⁻¹(offset)
    // without an intercept and the intercept-only fit with the offset otherwise (R's glm).
    var nullMeans: [Double]?
    if let offset {
      if mm.hasIntercept {
        let ones = Matrix(rows: n, cols: 1, columnMajor: [Double](repeating: 1, count: n))
        nullMeans = try IRLS.run(
          x: ones, y: y, priorWeights: pw, family: family, link: link, control: control, offset: offset
        ).mu
      } else {
        nullMeans = offset.map { link.inverse($0) }
      }
    }
    let nullMu = mm.hasIntercept ? sumWY / sumW : link.inverse(0)
    let nullStats = rowSums(count: n, width: 2) { [y, nullMeans] range, s in
      for i in range {
        let m = nullMeans?[i] ?? nullMu
        s[0] += family.unitDeviance(y: y[i], mu: m, weight: pw[i])
        s[1] += logLikelihood(i, y[i], m)
      }
    }
    let (nullDeviance, nullLogLik) = (nullStats[0], nullStats[1])
    let canonical = (family != .poisson && link == .logit) || (family == .poisson && link == .log)
    var observed: [Double]?
    if !canonical {
      observed = (0..<n).map { i in
        let eta = r.eta[i]
        let mu = r.mu[i]
        let d = link.muEta(eta)
        let v = family.variance(mu)
        let hPrime = (link.muEtaDerivative(eta) * v - d * d * family.varianceDerivative(mu)) / (v * v)
        return pw[i] * (d * d / v - (y[i] - mu) * hPrime)
      }
    }
    let details = GLMDetails(
      family: family, link: link, deviance: r.deviance, nullDeviance: nullDeviance,
      dfNull: n - (mm.hasIntercept ? 1 : 0), logLik: logLik, nullLogLik: nullLogLik, pearsonChiSquare: pearson,
      iterations: r.iterations, converged: r.converged, tolerance: control.tolerance, observedWeights: observed,
      linearPredictor: r.eta)

    var fit = Fit(
      kind: model.kind, formula: formula, responseName: responseName, terms: mm.columnNames,
      coefficients: coefficients, kept: kept, bread: r.bread, x: xKept, scoreMultipliers: r.scoreMultipliers,
      response: y, fitted: r.mu, residuals: zip(y, r.mu).map { $0 - $1 }, weights: weights,
      dfResidual: dfResidual, dispersion: family.estimatesDispersion ? pearson / Double(dfResidual) : 1,
      hasIntercept: mm.hasIntercept, rows: mm.rows, diagnostics: diagnostics, testDistribution: .normal,
      clusterAdjustment: .groups, dispersionIsEstimated: family.estimatesDispersion,
      workingWeights: r.workingWeights, glm: details)
    fit.recipe = mm.recipe
    if kept.count == p {
      fit.$x = mm.$x
      fit.indicatorStructure = structure?.storing(indicators: true)  // describes the full `x`
    }
    return fit
  }

  /// Checks the two columns of a grouped binomial response `cbind(successes, failures)`: a
  /// binomial model, non-negative counts and at least one trial per row; non-integer counts
  /// are a note (R warns "non-integer counts in a binomial glm!").
  static func validateGroupedCounts(
    _ g: GroupedBinomialCounts, model: GLMModel, rows: [Int], diagnostics: inout [Diagnostic]
  ) throws {
    guard model.family == .binomial else {
      throw EstimationError.unsupportedOption(
        model: model.rawValue, option: "a grouped response cbind(successes, failures) (use logit, probit or cloglog)")
    }
    for (column, name) in [(g.successes, g.successesName), (g.failures, g.failuresName)] {
      if let i = column.firstIndex(where: { $0 < 0 }) {
        throw EstimationError.negativeGroupedCount(name: name, value: column[i], row: rows[i] + 1)
      }
    }
    if let i = g.successes.indices.first(where: { g.successes[$0] + g.failures[$0] == 0 }) {
      throw EstimationError.noTrials(successes: g.successesName, failures: g.failuresName, row: rows[i] + 1)
    }
    let nonInteger = zip(g.successes, g.failures).filter { $0 != $0.rounded() || $1 != $1.rounded() }.count
    if nonInteger > 0 {
      diagnostics.append(
        .nonIntegerBinomialCounts(name: "cbind(\(g.successesName), \(g.failuresName))", count: nonInteger))
    }
  }

  /// Checks the response against what the model accepts.
  public static func validateResponse(_ y: [Double], levels: [String]?, model: GLMModel, name: String, rows: [Int]) throws {
    if let levels {
      // A categorical response reaches here only for binary models (ModelFrameOptions).
      if levels.count != 2 { throw EstimationError.responseLevels(name: name, levels: levels) }
      return
    }
    switch model.family {
    case .binomial:
      if let i = y.firstIndex(where: { $0 != 0 && $0 != 1 }) {
        throw EstimationError.responseNotBinary(name: name, value: y[i], row: rows[i] + 1)
      }
    case .quasibinomial:
      if let i = y.firstIndex(where: { $0 < 0 || $0 > 1 }) {
        throw EstimationError.responseOutOfRange(name: name, value: y[i], row: rows[i] + 1)
      }
    case .poisson:
      if let i = y.firstIndex(where: { $0 < 0 }) {
        throw EstimationError.negativeCount(name: name, value: y[i], row: rows[i] + 1)
      }
    }
  }
}

/// `log dbinom(round(n y), round(n), μ)`: one group's binomial log-likelihood.
func groupedBinomialLogLikelihood(y: Double, mu: Double, trials: Double) -> Double {
  let size = trials.rounded(.toNearestOrEven)
  let k = (trials * y).rounded(.toNearestOrEven)
  let choose = lgamma(size + 1) - lgamma(k + 1) - lgamma(size - k + 1)
  return choose + xLogY(k, mu) + xLogY(size - k, 1 - mu)
}
