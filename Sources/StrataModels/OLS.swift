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
  /// - Complexity: O(n p²) in LAPACK's `dgeqrf`, plus one pass over the rows.
  public static func fit(_ mm: ModelMatrix, formula: String, subset: String? = nil) throws -> Fit {
    guard var y = mm.response else { throw EstimationError.missingResponse }
    var mm = mm
    var diagnostics: [Diagnostic] = []
    if let subset, mm.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: mm.droppedBySubset, expression: subset))
    }
    if mm.droppedMissing > 0 { diagnostics.append(.rowsDroppedForMissing(count: mm.droppedMissing)) }

    // Weights: negative is an error, zero rows are left out (R's lm excludes them from n).
    var weights = mm.weights
    if let w = weights {
      let negatives = w.indices.filter { w[$0] < 0 }
      if let first = negatives.first {
        throw EstimationError.negativeWeights(count: negatives.count, firstRow: mm.rows[first] + 1)
      }
      let positive = w.indices.filter { w[$0] > 0 }
      if positive.isEmpty { throw EstimationError.noPositiveWeights }
      if positive.count < w.count {
        diagnostics.append(.zeroWeightRowsDropped(count: w.count - positive.count))
        mm.x = selectingRows(mm.x, positive)
        y = positive.map { y[$0] }
        weights = positive.map { w[$0] }
        mm.rows = positive.map { mm.rows[$0] }
      }
    }
    let n = mm.x.rows
    let responseName = mm.responseName ?? "response"
    if let first = y.first, y.allSatisfy({ $0 == first }) {
      throw EstimationError.constantResponse(name: responseName, value: first)
    }

    // Solve on √w-scaled data so that one QR serves OLS and WLS.
    let sqrtW = weights.map { $0.map { $0.squareRoot() } }
    let xs = sqrtW.map { mm.x.scalingRows(by: $0) } ?? mm.x
    let ys = sqrtW.map { s in zip(y, s).map { $0 * $1 } } ?? y
    let qr = try QRDecomposition(xs, tolerance: 1e-7)
    let kept = qr.keptColumns.sorted()
    let dfResidual = n - kept.count
    if dfResidual <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count)
    }
    if !qr.aliasedColumns.isEmpty {
      diagnostics.append(.collinearTermsDropped(terms: qr.aliasedColumns.sorted().map { mm.columnNames[$0] }))
    }

    // QR reports coefficients in pivot order (kept columns keep their relative order).
    let keptCoefficients = qr.coefficients(for: ys)
    var coefficients = Array(repeating: Double.nan, count: mm.x.cols)
    for (position, column) in qr.keptColumns.enumerated() { coefficients[column] = keptCoefficients[position] }
    var bread = qr.unscaledCovariance()
    if qr.keptColumns != kept {  // reorder to ascending column order
      let order = kept.map { qr.keptColumns.firstIndex(of: $0) ?? 0 }
      bread = bread.selecting(rowsAndColumns: order)
    }
    let xKept = kept.count == mm.x.cols ? mm.x : mm.x.selectingColumns(kept)
    let fitted = xKept.multiplied(by: kept.map { coefficients[$0] })
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

/// The rows listed in `indices`, in that order.
func selectingRows(_ m: Matrix, _ indices: [Int]) -> Matrix {
  var out = Matrix(rows: indices.count, cols: m.cols)
  for j in 0..<m.cols {
    for (a, i) in indices.enumerated() { out[a, j] = m[i, j] }
  }
  return out
}
