import StrataData
import StrataFormula
import StrataLinalg

/// Ordinary and weighted least squares through a rank-revealing QR decomposition.
///
///     let fit = try LeastSquares.fit("lwage ~ educ + exper", data: wage1)
///
/// Matches R `lm(formula, data, subset =, weights =)`: the same estimates, the same aliased
/// (collinear) columns dropped (LINPACK-style pivoting with `tol = 1e-7`), and the same residual
/// degrees of freedom. Rows with zero weight are left out, as `lm` leaves them out of `n`.
public enum LeastSquares {
  /// Fits a formula to data.
  ///
  /// - Parameters:
  ///   - formula: an R model formula, e.g. `y ~ x1 + factor(g)`.
  ///   - data: the data set.
  ///   - options: subset, weights and extra variables that take part in missing-value handling.
  /// - Throws: `FormulaError` for formula or data problems, `EstimationError` for unfit data.
  public static func fit(
    _ formula: String, data: DataFrame, options: ModelFrameOptions = .init()
  ) throws -> Fit {
    let parsed = try Formula.parse(formula)
    let mm = try ModelMatrix.build(formula: parsed, data: data, options: options)
    return try fit(mm, formula: formula, subset: options.subset)
  }

  /// Fits an already built model matrix.
  ///
  /// - Complexity: O(n p²): one row-blocked `XᵀWX` pass for large well-conditioned problems
  ///   (`normalEquations`), otherwise LAPACK's `dgeqrf`; plus one pass over the rows.
  public static func fit(_ mm: ModelMatrix, formula: String, subset: String? = nil) throws -> Fit {
    try fit(mm, formula: formula, subset: subset, normalEquationsMinimumRows: normalEquationsMinimumRows)
  }

  /// Rows from which a well-conditioned problem is solved through the normal equations.
  ///
  /// Below this the QR costs little; above it a tall `dgeqrf` (level-2 panels over the whole
  /// height) costs seconds where one row-blocked `XᵀWX` pass costs a tenth of one.
  static let normalEquationsMinimumRows = 100_000

  /// `fit(_:formula:subset:)` with the size from which the normal equations are tried.
  static func fit(
    _ mm: ModelMatrix, formula: String, subset: String?, normalEquationsMinimumRows: Int
  ) throws -> Fit {
    guard var y = mm.response else { throw EstimationError.missingResponse }
    var mm = mm
    var diagnostics: [Diagnostic] = []
    if let subset, mm.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: mm.droppedBySubset, expression: subset))
    }
    diagnostics += Diagnostic.rowsDropped(mm)

    // Weights: negative is an error, zero rows are left out (R's lm excludes them from n).
    var weights = mm.weights
    if let w = weights, let positive = try positiveWeightRows(w, dataRows: mm.rows, diagnostics: &diagnostics) {
      mm.x = selectingRows(mm.x, positive)
      y = positive.map { y[$0] }
      weights = positive.map { w[$0] }
      mm.rows = positive.map { mm.rows[$0] }
    }
    let n = mm.x.rows
    let responseName = mm.responseName ?? "response"
    if let first = y.first, y.allSatisfy({ $0 == first }) {
      throw EstimationError.constantResponse(name: responseName, value: first)
    }

    let solution: (kept: [Int], coefficients: [Double], bread: Matrix)
    if n >= normalEquationsMinimumRows,
      let normal = normalEquations(x: mm.x, y: y, weights: weights)
    {
      // Well conditioned: full rank under R's rule, same estimates to ~κ²ε (see normalEquations).
      solution = (Array(0..<mm.x.cols), normal.coefficients, normal.bread)
    } else {
      solution = try householder(x: mm.x, y: y, weights: weights)
    }
    let kept = solution.kept
    let dfResidual = n - kept.count
    if dfResidual <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count)
    }
    if kept.count < mm.x.cols {
      let aliased = (0..<mm.x.cols).filter { !kept.contains($0) }
      diagnostics.append(.collinearTermsDropped(terms: aliased.map { mm.columnNames[$0] }))
    }
    let coefficients = solution.coefficients
    let bread = solution.bread
    let xKept = kept.count == mm.x.cols ? mm.x : mm.x.selectingColumns(kept)
    let fitted = xKept.rowProducts(kept.map { coefficients[$0] })
    let residuals = zip(y, fitted).map { $0 - $1 }
    var rss = 0.0
    var multipliers = residuals
    if let w = weights {
      for i in 0..<n {
        rss += w[i] * residuals[i] * residuals[i]
        multipliers[i] = w[i] * residuals[i]
      }
    } else {
      for e in residuals { rss += e * e }
    }

    var fit = Fit(
      kind: weights == nil ? .ols : .wls, formula: formula, responseName: responseName,
      terms: mm.columnNames, coefficients: coefficients, kept: kept, bread: bread, x: xKept,
      scoreMultipliers: multipliers, response: y, fitted: fitted,
      residuals: residuals, weights: weights, dfResidual: dfResidual,
      dispersion: rss / Double(dfResidual), hasIntercept: mm.hasIntercept, rows: mm.rows,
      diagnostics: diagnostics)
    fit.recipe = mm.recipe
    return fit
  }
}

extension LeastSquares {
  /// Coefficients (`NaN` for aliased columns), kept columns ascending and `(X_kᵀWX_k)⁻¹` from a
  /// rank-revealing QR of the `√w`-scaled data (R's `lm.fit` with `tol = 1e-7`).
  static func householder(
    x: Matrix, y: [Double], weights: [Double]?
  ) throws -> (kept: [Int], coefficients: [Double], bread: Matrix) {
    // Solve on √w-scaled data so that one QR serves OLS and WLS.
    let sqrtW = weights.map { $0.map { $0.squareRoot() } }
    let xs = sqrtW.map { x.scalingRows(by: $0) } ?? x
    let ys = sqrtW.map { s in zip(y, s).map { $0 * $1 } } ?? y
    let qr = try QRDecomposition(xs, tolerance: 1e-7)
    let kept = qr.keptColumns.sorted()
    // QR reports coefficients in pivot order (kept columns keep their relative order).
    let keptCoefficients = qr.coefficients(for: ys)
    var coefficients = Array(repeating: Double.nan, count: x.cols)
    for (position, column) in qr.keptColumns.enumerated() { coefficients[column] = keptCoefficients[position] }
    var bread = qr.unscaledCovariance()
    if qr.keptColumns != kept {  // reorder to ascending column order
      let order = kept.map { qr.keptColumns.firstIndex(of: $0) ?? 0 }
      bread = bread.selecting(rowsAndColumns: order)
    }
    return (kept, coefficients, bread)
  }

  /// Largest condition number `κ(X D⁻¹)²` (columns scaled to unit `W`-norm) the normal
  /// equations accept.
  ///
  /// Cholesky on the equilibrated `XᵀWX` has relative error about `κ² ε` (van der Sluis), so a
  /// bound of 10⁶ keeps the estimates within ~10⁻¹⁰ of the QR's. It also implies that no column
  /// is aliased under R's rule: the QR pivot `|R_ll|` of a unit column is at least
  /// `σ_min(X D⁻¹) ≥ 10⁻³`, far above `tol = 1e-7`.
  static let normalEquationsConditionLimit = 1e6

  /// Coefficients and `(XᵀWX)⁻¹` from the normal equations, or `nil` when `X` is not well
  /// conditioned enough for them (then the caller uses the rank-revealing QR).
  ///
  /// `XᵀWX` and `XᵀWy` come from one row-blocked two-thread pass (`Matrix.weightedGram`), with
  /// no `√w`-scaled copy of `X`; the condition test is an eigen-decomposition of the `p × p`
  /// equilibrated Gram matrix.
  static func normalEquations(
    x: Matrix, y: [Double], weights: [Double]?
  ) -> (coefficients: [Double], bread: Matrix)? {
    let n = x.rows
    let p = x.cols
    guard p > 0, n > p else { return nil }
    let w = weights ?? [Double](repeating: 1, count: n)
    var wy = [Double](repeating: 0, count: n)
    for i in 0..<n { wy[i] = w[i] * y[i] }
    let (gram, xtwy) = x.weightedGram(weights: w, vector: wy, structure: x.indicatorStructure())
    var scale = [Double](repeating: 0, count: p)
    for j in 0..<p {
      let d = gram[j, j]
      guard d > 0, d.isFinite else { return nil }
      scale[j] = 1 / d.squareRoot()
    }
    var scaled = gram
    for j in 0..<p {
      for i in 0..<p { scaled[i, j] *= scale[i] * scale[j] }
    }
    guard let eigen = try? SymmetricEigen(scaled), let low = eigen.values.first,
      let high = eigen.values.last, high.isFinite, low > 0,
      high <= low * normalEquationsConditionLimit,
      let cholesky = try? Cholesky(scaled)
    else { return nil }
    let z = cholesky.solve((0..<p).map { xtwy[$0] * scale[$0] })
    guard z.allSatisfy({ $0.isFinite }) else { return nil }
    let coefficients = (0..<p).map { z[$0] * scale[$0] }
    var bread = cholesky.inverse()
    for j in 0..<p {
      for i in 0..<p { bread[i, j] *= scale[i] * scale[j] }
    }
    return (coefficients, bread)
  }
}

/// The rows listed in `indices`, in that order.
///
/// - Complexity: O(indices × columns), one column-major pass per column.
func selectingRows(_ m: Matrix, _ indices: [Int]) -> Matrix {
  let k = indices.count
  var out = [Double](repeating: 0, count: k * m.cols)
  for j in 0..<m.cols {
    let from = j * m.rows
    let to = j * k
    for (a, i) in indices.enumerated() { out[to + a] = m.storage[from + i] }
  }
  return Matrix(rows: k, cols: m.cols, columnMajor: out)
}
