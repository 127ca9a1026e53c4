/// The eigen-decomposition `A = V diag(λ) Vᵀ` of a symmetric matrix.
///
/// Only the lower triangle of `a` is read. The corresponding LAPACK routine
/// is `dsyevd`.
public struct SymmetricEigen: Sendable {
  /// Eigenvalues in ascending order.
  public let values: [Double]
  /// Orthonormal eigenvectors; column `j` belongs to `values[j]`.
  public let vectors: Matrix

  /// Decomposes the symmetric matrix `a`.
  ///
  /// - Throws: `.dimensionMismatch` if `a` is not square,
  ///   `.notConverged(routine: "dsyevd")` if LAPACK fails.
  public init(_ a: Matrix) throws {
    guard a.rows == a.cols else {
      throw LinalgError.dimensionMismatch("eigen-decomposition needs a square matrix, got \(a.rows) × \(a.cols)")
    }
    let n = a.rows
    var v = a.storage
    var w = [Double](repeating: 0, count: n)
    try LAPACKCalls.syevd(n: n, a: &v, w: &w)
    values = w
    vectors = Matrix(rows: n, cols: n, columnMajor: v)
  }

  /// The Moore–Penrose inverse `V diag(1/λ) Vᵀ` over eigenvalues greater
  /// than `tolerance · max(λ)`, together with that count (the numerical
  /// rank). Negative eigenvalues are treated as zero (the matrix is assumed
  /// positive semi-definite, as a covariance matrix is).
  public func pseudoInverse(tolerance: Double) -> (inverse: Matrix, rank: Int) {
    let n = values.count
    let maxValue = values.last ?? 0
    var kept: [Int] = []
    if maxValue > 0 {
      for (j, v) in values.enumerated() where v > tolerance * maxValue { kept.append(j) }
    }
    if kept.isEmpty { return (Matrix(rows: n, cols: n), 0) }
    let vk = vectors.selectingColumns(kept)
    let scaled = vk.scalingColumns(by: kept.map { 1 / values[$0] })
    let inv = scaled.multiplied(by: vk, transposeOther: true).symmetrized()
    return (inv, kept.count)
  }
}

extension Matrix {
  /// The Moore–Penrose inverse of a symmetric positive semi-definite matrix,
  /// via its eigen-decomposition, dropping eigenvalues at or below
  /// `tolerance · λ_max` (the default is `MASS::ginv`'s `√ε`).
  ///
  /// Used for Wald tests on singular covariance matrices; pair it with
  /// `pseudoInverseRank(tolerance:)` for the test's degrees of freedom.
  ///
  /// - Throws: `.dimensionMismatch` if not square, `.notConverged`.
  public func pseudoInverse(tolerance: Double = 1.4901161193847656e-8) throws -> Matrix {
    try SymmetricEigen(self).pseudoInverse(tolerance: tolerance).inverse
  }

  /// The numerical rank used by `pseudoInverse(tolerance:)`.
  public func pseudoInverseRank(tolerance: Double = 1.4901161193847656e-8) throws -> Int {
    try SymmetricEigen(self).pseudoInverse(tolerance: tolerance).rank
  }
}
