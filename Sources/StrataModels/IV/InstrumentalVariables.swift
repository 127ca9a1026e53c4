import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// The pieces of a two-stage least-squares fit that diagnostics and leverages need.
public struct IVDetails: Sendable {
  /// The regressors `X` (kept columns, estimation sample), before projection.
  public var regressors: Matrix
  /// The instruments `Z` (non-aliased columns, estimation sample).
  public var instruments: Matrix
  /// Names of the columns of `instruments` (R's `model.matrix` names).
  public var instrumentNames: [String]
  /// Positions (into the fit's kept columns) of the endogenous regressors: regressors that are
  /// not instruments, as `AER:::ivdiag` finds them by name.
  public var endogenous: [Int]
  /// Positions (into `instruments`' columns) of the excluded instruments.
  public var excluded: [Int]
  /// The regressor and instrument formulas in AER's two-part form, `y ~ x | z`.
  public var aerFormula: String
}

/// Two-stage least squares (instrumental variables).
///
///     let fit = try InstrumentalVariables.fit("log(wage) ~ exper + I(exper^2) | educ ~ motheduc + fatheduc", data: mroz)
///
/// Two spellings are accepted:
/// - fixest's `y ~ exog | endog ~ instruments`: the regressors are `exog + endog`, the
///   instruments `exog + instruments` (`y ~ 1 | endog ~ z` when there are no exogenous regressors);
/// - AER's `y ~ exog + endog | exog + instruments`: the second part lists every instrument,
///   included exogenous regressors too (a regressor missing from it is endogenous).
///
/// Matches R `AER::ivreg(y ~ regressors | instruments, data, weights =, subset =)`: coefficients
/// named after the regressor model matrix (the endogenous variable by its own name), classical
/// covariance `σ̂² (X̂ᵀWX̂)⁻¹` with `σ̂² = Σ wᵢ eᵢ² / (n − k)` on the structural residuals
/// `e = y − Xβ̂`. The fit's `x` is the projected `X̂ = P_Z X` and its scores are `wᵢ eᵢ x̂ᵢ` (AER's
/// `estfun.ivreg`), so `covariance(of:spec:)` gives `sandwich::vcovHC`, `vcovCL` and (with a
/// declared design) `survey::svyivreg`'s linearization variance.
public enum InstrumentalVariables {
  /// The regressor and instrument formulas (`y ~ …`) of a two-part IV formula.
  ///
  /// - Throws: `EstimationError.invalidIVFormula` unless the formula has exactly two parts.
  public static func split(_ formula: String) throws -> (regressors: String, instruments: String) {
    let parsed = try Formula.parse(formula)
    let text = Array(formula)
    func source(_ e: FormulaExpression) -> String {
      String(text[e.range.lowerBound..<e.range.upperBound]).trimmingCharacters(in: .whitespaces)
    }
    guard let response = parsed.response, parsed.parts.count == 2 else {
      throw EstimationError.invalidIVFormula(formula: formula)
    }
    let lhs = source(response)
    let exog = source(parsed.parts[0])
    if case .binary(.tilde, let endog, let inst) = parsed.parts[1].kind {
      return ("\(lhs) ~ \(exog) + \(source(endog))", "\(lhs) ~ \(exog) + \(source(inst))")
    }
    return ("\(lhs) ~ \(exog)", "\(lhs) ~ \(source(parsed.parts[1]))")
  }

  /// Fits a two-part IV formula to data.
  ///
  /// - Throws: `FormulaError` for formula or data problems, `EstimationError` for an invalid IV
  ///   formula, underidentification or unfit data.
  public static func fit(
    _ formula: String, data: DataFrame, options: ModelFrameOptions = .init()
  ) throws -> Fit {
    let (mx, mz) = try modelMatrices(formula, data: data, options: options)
    return try fit(regressors: mx, instruments: mz, formula: formula, subset: options.subset)
  }

  /// The regressor and instrument model matrices on a common estimation sample (rows missing a
  /// variable of either are dropped from both).
  public static func modelMatrices(
    _ formula: String, data: DataFrame, options: ModelFrameOptions = .init()
  ) throws -> (regressors: ModelMatrix, instruments: ModelMatrix) {
    let (xf, zf) = try split(formula)
    let xFormula = try Formula.parse(xf)
    let zFormula = try Formula.parse(zf)
    let xVars = try Terms(formula: xFormula).variableNames
    let zVars = try Terms(formula: zFormula).variableNames
    var xo = options
    xo.extraVariables += zVars
    var zo = options
    zo.extraVariables += xVars
    let mx = try ModelMatrix.build(formula: xFormula, data: data, options: xo)
    let mz = try ModelMatrix.build(formula: zFormula, data: data, options: zo)
    return (mx, mz)
  }

  /// Fits already built regressor and instrument matrices (same rows, same weights).
  ///
  /// - Complexity: O(n (k + l) l) in LAPACK's `dgeqrf` for `l` instruments and `k` regressors.
  public static func fit(
    regressors mx: ModelMatrix, instruments mz: ModelMatrix, formula: String, subset: String? = nil
  ) throws -> Fit {
    guard var y = mx.response else { throw EstimationError.missingResponse }
    var diagnostics: [Diagnostic] = []
    if let subset, mx.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: mx.droppedBySubset, expression: subset))
    }
    diagnostics += Diagnostic.rowsDropped(mx)
    var x = mx.x
    var z = mz.x
    var rows = mx.rows
    var weights = mx.weights
    if let w = weights, let positive = try positiveWeightRows(w, dataRows: rows, diagnostics: &diagnostics) {
      x = selectingRows(x, positive)
      z = selectingRows(z, positive)
      y = positive.map { y[$0] }
      weights = positive.map { w[$0] }
      rows = positive.map { rows[$0] }
    }
    let n = x.rows
    let responseName = mx.responseName ?? "response"
    if let first = y.first, y.allSatisfy({ $0 == first }) {
      throw EstimationError.constantResponse(name: responseName, value: first)
    }
    let sqrtW = weights.map { $0.map { $0.squareRoot() } }
    func scaled(_ m: Matrix) -> Matrix { sqrtW.map { m.scalingRows(by: $0) } ?? m }

    // First stage: the instruments' QR (aliased instruments dropped), X̂ = P_Z X.
    let qz = try QRDecomposition(scaled(z), tolerance: 1e-7)
    let zKept = qz.keptColumns.sorted()
    let zk = zKept.count == z.cols ? z : z.selectingColumns(zKept)
    let zNames = zKept.map { mz.columnNames[$0] }
    let xs = scaled(x)
    var projectedColumns: [[Double]] = []
    for j in 0..<x.cols {
      var f = qz.fittedValues(for: xs.column(j))
      if let s = sqrtW { for i in 0..<n { f[i] /= s[i] } }
      projectedColumns.append(f)
    }
    let xHat = Matrix(columns: projectedColumns)

    // Second stage: least squares of y on X̂ (rank decided on X̂, as lm.fit in AER's ivreg.fit).
    let qr = try QRDecomposition(scaled(xHat), tolerance: 1e-7)
    let kept = qr.keptColumns.sorted()
    let xNames = mx.columnNames
    let endogenousNames = xNames.filter { !zNames.contains($0) }
    let excludedNames = zNames.filter { !xNames.contains($0) }
    if excludedNames.count < endogenousNames.count || kept.count > zKept.count {
      throw EstimationError.underidentified(instruments: excludedNames, endogenous: endogenousNames)
    }
    let dfResidual = n - kept.count
    if dfResidual <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count)
    }
    if !qr.aliasedColumns.isEmpty {
      diagnostics.append(.collinearTermsDropped(terms: qr.aliasedColumns.sorted().map { xNames[$0] }))
    }
    let ys = sqrtW.map { s in zip(y, s).map { $0 * $1 } } ?? y
    let keptCoefficients = qr.coefficients(for: ys)
    var coefficients = [Double](repeating: .nan, count: x.cols)
    for (position, column) in qr.keptColumns.enumerated() { coefficients[column] = keptCoefficients[position] }
    var bread = qr.unscaledCovariance()
    if qr.keptColumns != kept {
      let order = kept.map { qr.keptColumns.firstIndex(of: $0) ?? 0 }
      bread = bread.selecting(rowsAndColumns: order)
    }
    let xKept = kept.count == x.cols ? x : x.selectingColumns(kept)
    let xHatKept = kept.count == x.cols ? xHat : xHat.selectingColumns(kept)
    let beta = kept.map { coefficients[$0] }
    let fitted = xKept.multiplied(by: beta)
    let residuals = zip(y, fitted).map { $0 - $1 }
    var rss = 0.0
    var multipliers = residuals
    for i in 0..<n {
      let w = weights?[i] ?? 1
      rss += w * residuals[i] * residuals[i]
      multipliers[i] = w * residuals[i]
    }
    let keptNames = kept.map { xNames[$0] }
    let details = IVDetails(
      regressors: xKept, instruments: zk, instrumentNames: zNames,
      endogenous: keptNames.indices.filter { endogenousNames.contains(keptNames[$0]) },
      excluded: zNames.indices.filter { excludedNames.contains(zNames[$0]) },
      aerFormula: aerFormula(mx, mz))
    var fit = Fit(
      kind: .iv, formula: formula, responseName: responseName, terms: xNames, coefficients: coefficients,
      kept: kept, bread: bread, x: xHatKept, scoreMultipliers: multipliers, response: y, fitted: fitted,
      residuals: residuals, weights: weights, dfResidual: dfResidual, dispersion: rss / Double(dfResidual),
      hasIntercept: mx.hasIntercept, rows: rows, diagnostics: diagnostics)
    fit.iv = details
    fit.recipe = mx.recipe
    return fit
  }

  /// `y ~ regressor terms | instrument terms` from the two model matrices.
  static func aerFormula(_ mx: ModelMatrix, _ mz: ModelMatrix) -> String {
    func rhs(_ m: ModelMatrix) -> String {
      let labels = m.termLabels
      if labels.isEmpty { return m.hasIntercept ? "1" : "0" }
      return (m.hasIntercept ? labels : ["0"] + labels).joined(separator: " + ")
    }
    return "\(mx.responseName ?? "y") ~ \(rhs(mx)) | \(rhs(mz))"
  }
}

/// A least-squares fit of `y` on the columns of `x` (auxiliary regressions of IV diagnostics and
/// control-function estimators); aliased columns are dropped as `lm.fit` drops them.
///
/// - Throws: `EstimationError.noResidualDegreesOfFreedom` when n ≤ rank.
public func auxiliaryLeastSquares(
  x: Matrix, names: [String], y: [Double], weights: [Double]?, rows: [Int], responseName: String
) throws -> Fit {
  let n = x.rows
  let sqrtW = weights.map { $0.map { $0.squareRoot() } }
  let xs = sqrtW.map { x.scalingRows(by: $0) } ?? x
  let ys = sqrtW.map { s in zip(y, s).map { $0 * $1 } } ?? y
  let qr = try QRDecomposition(xs, tolerance: 1e-7)
  let kept = qr.keptColumns.sorted()
  let df = n - kept.count
  if df <= 0 { throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count) }
  let b = qr.coefficients(for: ys)
  var coefficients = [Double](repeating: .nan, count: x.cols)
  for (position, column) in qr.keptColumns.enumerated() { coefficients[column] = b[position] }
  var bread = qr.unscaledCovariance()
  if qr.keptColumns != kept {
    let order = kept.map { qr.keptColumns.firstIndex(of: $0) ?? 0 }
    bread = bread.selecting(rowsAndColumns: order)
  }
  let xKept = kept.count == x.cols ? x : x.selectingColumns(kept)
  let fitted = xKept.multiplied(by: kept.map { coefficients[$0] })
  let residuals = zip(y, fitted).map { $0 - $1 }
  var rss = 0.0
  var multipliers = residuals
  for i in 0..<n {
    let w = weights?[i] ?? 1
    rss += w * residuals[i] * residuals[i]
    multipliers[i] = w * residuals[i]
  }
  return Fit(
    kind: weights == nil ? .ols : .wls, formula: "", responseName: responseName, terms: names,
    coefficients: coefficients, kept: kept, bread: bread, x: xKept, scoreMultipliers: multipliers, response: y,
    fitted: fitted, residuals: residuals, weights: weights, dfResidual: df, dispersion: rss / Double(df),
    hasIntercept: names.first == "(Intercept)", rows: rows, diagnostics: [])
}
