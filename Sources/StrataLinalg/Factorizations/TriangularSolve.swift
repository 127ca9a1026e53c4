extension Matrix {
  /// Solves `op(T) X = B` for `X`, where `T` is this square matrix's upper (or lower) triangle.
  ///
  ///     let x = try r.solvingTriangular(b, upper: true)   // R⁻¹ b
  ///
  /// - Parameters:
  ///   - b: the right-hand sides, `n × k`.
  ///   - upper: use the upper triangle (otherwise the lower); the other triangle is ignored.
  ///   - transpose: solve `Tᵀ X = B` instead.
  /// - Throws: `LinalgError.singular(column:)` when a diagonal element is exactly zero.
  /// - Complexity: O(n² k). The corresponding LAPACK routine is `dtrtrs`.
  public func solvingTriangular(_ b: Matrix, upper: Bool, transpose: Bool = false) throws -> Matrix {
    precondition(rows == cols, "triangular solve needs a square matrix")
    precondition(b.rows == rows, "right-hand side has \(b.rows) rows, matrix has \(rows)")
    var x = b.storage
    try LAPACKCalls.trtrs(
      upper: upper, transpose: transpose, n: rows, t: storage, ldt: rows, b: &x, nrhs: b.cols)
    return Matrix(rows: b.rows, cols: b.cols, columnMajor: x)
  }

  /// Solves `op(T) x = b` for one right-hand side (see `solvingTriangular(_:upper:transpose:)`).
  public func solvingTriangular(_ b: [Double], upper: Bool, transpose: Bool = false) throws -> [Double] {
    try solvingTriangular(Matrix(rows: b.count, cols: 1, columnMajor: b), upper: upper, transpose: transpose).storage
  }
}
