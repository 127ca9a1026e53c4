/// The rank R's `qr(x, tol)` gives `x`, decided from the cross-product `G = xᵀx` alone.
///
///     let r = gramRank(x.crossProduct(), tolerance: 1e-5)   // == QRDecomposition(x, tolerance: 1e-5).rank
///
/// LINPACK `dqrdc2` keeps a column when its norm after the reflections of the columns already
/// kept is at least `tolerance` times its original norm, and moves it to the end otherwise. That
/// downdated norm is `√(G_jj − g_jᵀ G_K⁻¹ g_j)` over the kept columns `K`, so the same walk runs on
/// `G` with a growing Cholesky factor of the kept block: no `n × p` copy and no Householder pass.
/// Forming `G` squares the condition number, so decisions agree with the QR while the relative
/// downdated norm is well above `√ε` (1e-5, `degf()`'s tolerance, is; 1e-11 would not be).
///
/// - Parameters:
///   - gram: `xᵀx` (only the upper triangle is read).
///   - tolerance: the relative norm threshold.
/// - Returns: the number of columns kept (at most `rows` when `rows` is given).
/// - Complexity: O(p³).
public func gramRank(_ gram: Matrix, tolerance: Double, rows: Int? = nil) -> Int {
  gramKeptColumns(gram, tolerance: tolerance, rows: rows).count
}

/// The columns R's `qr(x, tol)` keeps (not aliased), decided from `G = xᵀx` alone by the walk of
/// `gramRank`: in column order, a column is kept when its downdated norm is at least `tolerance`
/// times its own norm, so the first of a set of collinear columns stays and the later ones go,
/// as `dqrdc2`'s limited pivoting moves them to the end.
///
///     let kept = gramKeptColumns(xtwx, tolerance: 1e-7)   // ascending column indices
///
/// - Returns: the kept columns, ascending (at most `rows` of them when `rows` is given).
/// - Complexity: O(p³).
public func gramKeptColumns(_ gram: Matrix, tolerance: Double, rows: Int? = nil) -> [Int] {
  let p = gram.cols
  // Rows of the upper triangular factor of the kept columns: u[k] has the coefficients of kept
  // column k against kept columns 0..<k (Uᵀ U = G_KK).
  var u: [[Double]] = []
  var kept: [Int] = []
  for j in 0..<p {
    let g = gram[j, j]
    let threshold = tolerance * (g > 0 ? g.squareRoot() : 1)
    // r = U⁻ᵀ G[K, j] by forward substitution.
    var r = [Double](repeating: 0, count: kept.count)
    var residual = g
    for (a, k) in kept.enumerated() {
      var s = gram[k, j]
      for b in 0..<a { s -= u[b][a] * r[b] }
      r[a] = s / u[a][a]
      residual -= r[a] * r[a]
    }
    let norm = Swift.max(residual, 0).squareRoot()
    if norm >= threshold && norm != 0 {
      // Column a of U: r over the kept rows, then the new diagonal.
      for a in 0..<kept.count { u[a].append(r[a]) }
      u.append([Double](repeating: 0, count: kept.count) + [norm])
      kept.append(j)
      if let rows, kept.count == rows { break }
    }
  }
  return kept
}
