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
    try validateResponse(y, levels: mm.responseLevels, model: model, name: responseName, rows: mm.rows)

    // Prior weights: negative is an error, zero-weight rows are left out (as glm leaves them out of n).
    var weights = mm.weights
    if let w = weights, let positive = try positiveWeightRows(w, dataRows: mm.rows, diagnostics: &diagnostics) {
      mm.x = selectingRows(mm.x, positive)
      y = positive.map { y[$0] }
      weights = positive.map { w[$0] }
      mm.rows = positive.map { mm.rows[$0] }
    }
    if let first = y.first, y.allSatisfy({ $0 == first }) {
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
    if model.isBinary {
      if let s = Separation.singleTerm(
        x: x, names: mm.columnNames, y: y, hasIntercept: mm.hasIntercept, structure: structure)
      {
        throw s
      }
    }

    let pw = weights ?? [Double](repeating: 1, count: n)
    let r = try IRLS.run(
      x: x, y: y, priorWeights: pw, family: family, link: link, control: control, start: start,
      structure: structure)
    if family != .poisson {
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
    let stats = rowSums(count: n, width: 4) { [y] range, s in
      for i in range {
        let e = y[i] - mu[i]
        s[0] += pw[i] * e * e / family.variance(mu[i])
        s[1] += family.logLikelihood(y: y[i], mu: mu[i], weight: pw[i])
        s[2] += pw[i]
        s[3] += pw[i] * y[i]
      }
    }
    let (pearson, logLik, sumW, sumWY) = (stats[0], stats[1], stats[2], stats[3])
    let nullMu = mm.hasIntercept ? sumWY / sumW : link.inverse(0)
    let nullStats = rowSums(count: n, width: 2) { [y] range, s in
      for i in range {
        s[0] += family.unitDeviance(y: y[i], mu: nullMu, weight: pw[i])
        s[1] += family.logLikelihood(y: y[i], mu: nullMu, weight: pw[i])
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
