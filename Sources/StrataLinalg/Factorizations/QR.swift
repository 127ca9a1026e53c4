/// A Householder QR decomposition with R-compatible rank detection.
///
/// Columns are examined left to right, exactly as R's `qr()` / `lm()` do
/// through LINPACK `dqrdc2`: a column whose norm, after the reflections of the
/// columns already accepted, is below `tolerance` times its original
/// Euclidean norm (or times 1 if that norm is 0) is *aliased* and moved to the
/// end; the other columns keep their order. So `rank`, `pivot`,
/// `keptColumns` and `aliasedColumns` agree with `qr(x, tol)$rank`,
/// `$pivot - 1` and the `NA` coefficients of `lm()`.
///
///     let qr = try QRDecomposition(x)
///     let beta = qr.coefficients(for: y)       // in qr.keptColumns order
///     let v = qr.unscaledCovariance()          // (X_kᵀX_k)⁻¹
///
/// The work is LAPACK's blocked `dgeqrf`. When a column is aliased, it is
/// moved to the end and the trailing block is refactored from the original
/// columns (collinearity is rare, so this costs at most one extra
/// factorization of the trailing block per aliased column). The norm test
/// uses `|R_ll|`, which equals the downdated column norm `dqrdc2` tests.
///
/// Storage: the compact QR (`n × p`) and the `min(n, p)` reflector scalars.
public struct QRDecomposition: Sendable {
  /// Number of rows of the decomposed matrix.
  public let rowCount: Int
  /// Number of columns of the decomposed matrix.
  public let columnCount: Int
  /// The numerical rank: the number of kept columns.
  public let rank: Int
  /// The 0-based original column at each position: kept columns in their
  /// original order, then aliased ones (R's `qr()$pivot - 1`).
  public let pivot: [Int]
  /// The tolerance the decomposition was computed with.
  public let tolerance: Double

  /// Compact QR of the pivoted matrix (column-major, `rowCount` rows).
  let compact: [Double]
  /// Householder scalars (`min(rowCount, columnCount)`).
  let tau: [Double]

  /// Decomposes `x`, detecting rank like R's `qr(x, tol = tolerance)`.
  ///
  /// Non-finite entries are not checked here (as in R's `qr()`, a column
  /// containing `NaN` fails the norm test and is aliased); callers that fit
  /// models should reject non-finite data first.
  ///
  /// - Parameters:
  ///   - x: the `n × p` matrix (any shape; `p > n` gives rank ≤ n).
  ///   - tolerance: the relative norm threshold (R's default `1e-7`).
  /// - Throws: `LinalgError.illegalArgument` only on an internal bug.
  /// - Complexity: O(n·p²) for full-rank input; each aliased column adds a
  ///   refactorization of the trailing block.
  public init(_ x: Matrix, tolerance: Double = 1e-7) throws {
    precondition(tolerance >= 0, "tolerance must be non-negative")
    let n = x.rows
    let p = x.cols
    rowCount = n
    columnCount = p
    self.tolerance = tolerance

    var order = Array(0..<p)
    let threshold: [Double] = (0..<p).map { j in
      let norm = LAPACKCalls.nrm2(x.storage, offset: j * n, count: n)
      return tolerance * (norm == 0 ? 1 : norm)
    }
    var a = x.storage
    let kMax = Swift.min(n, p)
    var tau = [Double](repeating: 0, count: kMax)
    try LAPACKCalls.geqrf(m: n, n: p, a: &a, offset: 0, lda: n, tau: &tau, tauOffset: 0)

    // `accepted` counts positions < `limit` that passed; positions at and
    // beyond `limit` hold columns moved to the end.
    var limit = p
    var l = 0
    while l < kMax && l < limit {
      let rll = Swift.abs(a[l + l * n])
      // Exact zero pivots are aliased even when tolerance is 0.
      if rll >= threshold[order[l]] && rll != 0 {
        l += 1
        continue
      }
      // Move column at position l to the end; refactor positions l..<p.
      let moved = order.remove(at: l)
      order.append(moved)
      limit -= 1
      for pos in l..<p {
        let src = order[pos] * n
        let dst = pos * n
        for i in 0..<n { a[dst + i] = x.storage[src + i] }
      }
      try LAPACKCalls.ormqrOwnColumns(
        transpose: true, qr: &a, m: n, k: l, tau: tau, firstColumn: l, columnCount: p - l)
      try LAPACKCalls.geqrf(
        m: n - l, n: p - l, a: &a, offset: l + l * n, lda: n, tau: &tau, tauOffset: l)
    }
    rank = Swift.min(limit, n)
    pivot = order
    compact = a
    self.tau = tau
  }

  /// Original indices of the kept columns, in order (the first `rank` of
  /// `pivot`).
  public var keptColumns: [Int] { Array(pivot[0..<rank]) }

  /// Original indices of the aliased columns (the rest of `pivot`).
  public var aliasedColumns: [Int] { Array(pivot[rank...]) }

  /// The `rank × rank` upper triangular factor of the kept columns.
  public var r: Matrix {
    var m = Matrix(rows: rank, cols: rank)
    for j in 0..<rank {
      for i in 0...j { m[i, j] = compact[i + j * rowCount] }
    }
    return m
  }

  /// `Qᵀy` using the `rank` reflectors of the kept columns (R's
  /// `qr.qty(qr, y)`; the first `rank` entries are the effects of the kept
  /// columns).
  ///
  /// - Precondition: `y.count == rowCount`.
  public func qtY(_ y: [Double]) -> [Double] {
    precondition(y.count == rowCount, "y has \(y.count) values, matrix has \(rowCount) rows")
    var c = y
    applyQ(transpose: true, to: &c)
    return c
  }

  /// Least-squares coefficients of the kept columns, in `keptColumns` order.
  ///
  /// Solves `R β = (Qᵀy)[0..<rank]` (LAPACK `dormqr` + `dtrtrs`), like
  /// `qr.coef` / `lm.fit` without the `NA`s of aliased columns.
  ///
  /// - Precondition: `y.count == rowCount`.
  public func coefficients(for y: [Double]) -> [Double] {
    solveR(Array(qtY(y).prefix(rank)))
  }

  /// Fitted values `X_k β̂` for the response `y` (R's `qr.fitted`).
  public func fittedValues(for y: [Double]) -> [Double] {
    var c = qtY(y)
    for i in rank..<rowCount { c[i] = 0 }
    applyQ(transpose: false, to: &c)
    return c
  }

  /// Residuals `y - X_k β̂` (R's `qr.resid`).
  public func residuals(for y: [Double]) -> [Double] {
    var c = qtY(y)
    for i in 0..<Swift.min(rank, rowCount) { c[i] = 0 }
    applyQ(transpose: false, to: &c)
    return c
  }

  /// `(X_kᵀX_k)⁻¹` for the kept columns, computed from `R` as `R⁻¹R⁻ᵀ`
  /// (LAPACK `dpotri` on `R`), like R's `chol2inv(qr.R(qr))`; never forms
  /// `XᵀX`. Rows and columns follow `keptColumns`.
  public func unscaledCovariance() -> Matrix {
    var u = r.storage
    if rank == 0 { return Matrix(rows: 0, cols: 0) }
    // Kept columns have |R_ll| > 0 by construction, so dpotri cannot fail.
    do {
      try LAPACKCalls.potri(n: rank, u: &u)
    } catch {
      return Matrix(rows: rank, cols: rank, repeating: .nan)
    }
    var m = Matrix(rows: rank, cols: rank, columnMajor: u)
    m.mirrorUpperToLower()
    return m
  }

  /// Diagonal of the hat matrix `X_k (X_kᵀX_k)⁻¹ X_kᵀ` (R's `hat()` /
  /// `lm.influence()$hat`): row sums of squares of the thin `Q` of the kept
  /// columns (LAPACK `dorgqr`).
  public func hatValues() -> [Double] {
    let n = rowCount
    if rank == 0 { return [Double](repeating: 0, count: n) }
    var q = Array(compact[0..<(n * rank)])
    do {
      try LAPACKCalls.orgqr(m: n, n: rank, k: rank, a: &q, tau: tau)
    } catch {
      return [Double](repeating: .nan, count: n)
    }
    var h = [Double](repeating: 0, count: n)
    for j in 0..<rank {
      let base = j * n
      for i in 0..<n { h[i] += q[base + i] * q[base + i] }
    }
    return h
  }

  // MARK: Internals

  /// Applies `Qᵀ` or `Q` (the first `rank` reflectors) to a vector.
  func applyQ(transpose: Bool, to c: inout [Double]) {
    do {
      try LAPACKCalls.ormqr(transpose: transpose, qr: compact, m: rowCount, k: rank, tau: tau, c: &c, n: 1)
    } catch {
      // dormqr only fails on illegal arguments, which the sizes here rule out.
      for i in c.indices { c[i] = .nan }
    }
  }

  /// Solves `R x = b` for the kept block (`b.count == rank`).
  func solveR(_ b: [Double]) -> [Double] {
    var x = b
    do {
      try LAPACKCalls.trtrs(upper: true, transpose: false, n: rank, t: compact, ldt: rowCount, b: &x, nrhs: 1)
    } catch {
      return [Double](repeating: .nan, count: rank)
    }
    return x
  }
}
