/// The thin singular value decomposition `A = U diag(s) Vᵀ`.
///
/// With `k = min(m, n)`, `u` is `m × k`, `singularValues` has `k` values in
/// descending order and `vt` is `k × n`. The corresponding LAPACK routine is
/// `dgesdd`.
public struct SVD: Sendable {
  /// Singular values, descending.
  public let singularValues: [Double]
  /// Left singular vectors, `m × k`.
  public let u: Matrix
  /// Transposed right singular vectors, `k × n`.
  public let vt: Matrix

  /// Decomposes `a`.
  ///
  /// - Throws: `.notConverged(routine: "dgesdd")`.
  public init(_ a: Matrix) throws {
    var s = a.storage
    let k = Swift.min(a.rows, a.cols)
    let out = try LAPACKCalls.gesdd(m: a.rows, n: a.cols, a: &s)
    singularValues = out.s
    u = Matrix(rows: a.rows, cols: k, columnMajor: out.u)
    vt = Matrix(rows: k, cols: a.cols, columnMajor: out.vt)
  }
}
