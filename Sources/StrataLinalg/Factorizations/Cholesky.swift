import RealModule

/// The Cholesky factorization `A = UᵀU` of a symmetric positive definite
/// matrix.
///
///     let c = try Cholesky(a)
///     let x = c.solve(b)          // A x = b
///     let ainv = c.inverse()
///
/// Only the upper triangle of `a` is read. The corresponding LAPACK routine
/// is `dpotrf`.
public struct Cholesky: Sendable {
  /// Order of the matrix.
  public let order: Int
  /// Upper triangular factor `U` (lower triangle holds the input, unused).
  let factor: [Double]

  /// Factors `a`.
  ///
  /// - Throws: `LinalgError.notPositiveDefinite(leadingMinor:)` with the
  ///   1-based order of the first leading minor that is not positive, or
  ///   `.dimensionMismatch` if `a` is not square.
  public init(_ a: Matrix) throws {
    guard a.rows == a.cols else {
      throw LinalgError.dimensionMismatch("Cholesky needs a square matrix, got \(a.rows) × \(a.cols)")
    }
    order = a.rows
    var f = a.storage
    try LAPACKCalls.potrf(n: order, a: &f)
    factor = f
  }

  /// The upper triangular factor `U` with `A = UᵀU` (zeros below).
  public var upper: Matrix {
    var m = Matrix(rows: order, cols: order)
    for j in 0..<order {
      for i in 0...j { m[i, j] = factor[i + j * order] }
    }
    return m
  }

  /// Solves `A x = b` (LAPACK `dpotrs`).
  ///
  /// - Precondition: `b.count == order`.
  public func solve(_ b: [Double]) -> [Double] {
    precondition(b.count == order, "right-hand side has \(b.count) values, matrix order is \(order)")
    var x = b
    solveInPlace(&x, nrhs: 1)
    return x
  }

  /// Solves `A X = B` for every column of `B` (LAPACK `dpotrs`).
  ///
  /// - Precondition: `b.rows == order`.
  public func solve(_ b: Matrix) -> Matrix {
    precondition(b.rows == order, "right-hand side has \(b.rows) rows, matrix order is \(order)")
    var x = b.storage
    solveInPlace(&x, nrhs: b.cols)
    return Matrix(rows: b.rows, cols: b.cols, columnMajor: x)
  }

  /// `A⁻¹`, full symmetric (LAPACK `dpotri`).
  public func inverse() -> Matrix {
    var u = upper.storage
    do {
      try LAPACKCalls.potri(n: order, u: &u)
    } catch {
      // A successful dpotrf leaves a positive diagonal, so dpotri cannot fail.
      return Matrix(rows: order, cols: order, repeating: .nan)
    }
    var m = Matrix(rows: order, cols: order, columnMajor: u)
    m.mirrorUpperToLower()
    return m
  }

  /// `log det A = 2 Σ log U_ii`.
  public var logDeterminant: Double {
    var s = 0.0
    for i in 0..<order { s += Double.log(factor[i + i * order]) }
    return 2 * s
  }

  private func solveInPlace(_ x: inout [Double], nrhs: Int) {
    do {
      try LAPACKCalls.potrs(n: order, u: factor, b: &x, nrhs: nrhs)
    } catch {
      for i in x.indices { x[i] = .nan }
    }
  }
}

/// The inverse of a symmetric positive definite matrix, via Cholesky
/// (LAPACK `dpotrf` + `dpotri`); full symmetric.
///
/// - Throws: `LinalgError.notPositiveDefinite(leadingMinor:)`.
public func inverseSPD(_ a: Matrix) throws -> Matrix {
  try Cholesky(a).inverse()
}
