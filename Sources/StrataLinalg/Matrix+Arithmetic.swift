// Products, cross-products and element-wise arithmetic on `Matrix`.

extension Matrix {
  /// The product `op(self) · op(other)`, where `op` optionally transposes.
  ///
  ///     let xtx = x.multiplied(by: x, transposeSelf: true)   // XᵀX
  ///
  /// - Precondition: the inner dimensions agree.
  /// - Complexity: O(m·n·k). The corresponding BLAS routine is `dgemm`.
  public func multiplied(
    by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
  ) -> Matrix {
    let m = transposeSelf ? cols : rows
    let k = transposeSelf ? rows : cols
    let k2 = transposeOther ? other.cols : other.rows
    let n = transposeOther ? other.rows : other.cols
    precondition(k == k2, "inner dimensions differ: \(k) vs \(k2)")
    var c = [Double](repeating: 0, count: m * n)
    LAPACKCalls.gemm(
      transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1,
      a: storage, lda: Swift.max(1, rows), b: other.storage, ldb: Swift.max(1, other.rows),
      beta: 0, c: &c, ldc: Swift.max(1, m))
    return Matrix(rows: m, cols: n, columnMajor: c)
  }

  /// The matrix product `a · b` (BLAS `dgemm`).
  public static func * (a: Matrix, b: Matrix) -> Matrix {
    a.multiplied(by: b)
  }

  /// The matrix-vector product `op(self) · v` (BLAS `dgemv`).
  ///
  /// - Precondition: `v.count` equals `cols` (or `rows` when `transpose`).
  public func multiplied(by v: [Double], transpose: Bool = false) -> [Double] {
    let outCount = transpose ? cols : rows
    precondition(v.count == (transpose ? rows : cols), "vector length does not match matrix")
    var y = [Double](repeating: 0, count: outCount)
    LAPACKCalls.gemv(trans: transpose, m: rows, n: cols, alpha: 1, a: storage, x: v, beta: 0, y: &y)
    return y
  }

  /// The cross-product `XᵀX`, returned as a full symmetric matrix.
  ///
  /// Only one triangle is computed (BLAS `dsyrk`) and mirrored, so the
  /// result is exactly symmetric.
  public func crossProduct() -> Matrix {
    var c = [Double](repeating: 0, count: cols * cols)
    LAPACKCalls.syrkTransposed(n: cols, k: rows, alpha: 1, a: storage, c: &c)
    var m = Matrix(rows: cols, cols: cols, columnMajor: c)
    m.mirrorUpperToLower()
    return m
  }

  /// The weighted cross-product `Xᵀ diag(w) X`, full symmetric.
  ///
  /// Weights may be zero or negative (as in the middle of a sandwich), so
  /// rows are not scaled by `√w`; instead `Xᵀ (diag(w) X)` is formed with
  /// `dgemm` and its upper triangle mirrored.
  ///
  /// - Precondition: `w.count == rows`.
  public func crossProduct(rowWeights w: [Double]) -> Matrix {
    precondition(w.count == rows, "weight count \(w.count) does not match \(rows) rows")
    var m = multiplied(by: scalingRows(by: w), transposeSelf: true)
    m.mirrorUpperToLower()
    return m
  }

  /// The cross-product `XᵀY` (BLAS `dgemm`).
  ///
  /// - Precondition: `y.rows == rows`.
  public func crossProduct(with y: Matrix) -> Matrix {
    precondition(y.rows == rows, "row counts differ: \(rows) vs \(y.rows)")
    return multiplied(by: y, transposeSelf: true)
  }

  /// The vector `Xᵀy` (BLAS `dgemv`).
  public func crossProduct(with y: [Double]) -> [Double] {
    multiplied(by: y, transpose: true)
  }

  /// `diag(s) · self`: row `i` multiplied by `s[i]`.
  ///
  /// - Precondition: `s.count == rows`.
  public func scalingRows(by s: [Double]) -> Matrix {
    precondition(s.count == rows, "scale count \(s.count) does not match \(rows) rows")
    var out = storage
    var o = out.mutableSpan
    let sp = s.span
    for j in 0..<cols {
      let base = j * rows
      for i in 0..<rows { o[base + i] *= sp[i] }
    }
    return Matrix(rows: rows, cols: cols, columnMajor: out)
  }

  /// `self · diag(s)`: column `j` multiplied by `s[j]`.
  ///
  /// - Precondition: `s.count == cols`.
  public func scalingColumns(by s: [Double]) -> Matrix {
    precondition(s.count == cols, "scale count \(s.count) does not match \(cols) columns")
    var out = storage
    for j in 0..<cols {
      for i in 0..<rows { out[i + j * rows] *= s[j] }
    }
    return Matrix(rows: rows, cols: cols, columnMajor: out)
  }

  /// Element-wise sum.
  public static func + (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.cols == b.cols, "shapes differ")
    return Matrix(rows: a.rows, cols: a.cols, columnMajor: zip(a.storage, b.storage).map { $0 + $1 })
  }

  /// Element-wise difference.
  public static func - (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.cols == b.cols, "shapes differ")
    return Matrix(rows: a.rows, cols: a.cols, columnMajor: zip(a.storage, b.storage).map { $0 - $1 })
  }

  /// Every element multiplied by `s`.
  public static func * (s: Double, a: Matrix) -> Matrix {
    Matrix(rows: a.rows, cols: a.cols, columnMajor: a.storage.map { s * $0 })
  }

  /// Every element multiplied by `s`.
  public static func * (a: Matrix, s: Double) -> Matrix {
    s * a
  }

  /// Element-wise negation.
  public static prefix func - (a: Matrix) -> Matrix {
    Matrix(rows: a.rows, cols: a.cols, columnMajor: a.storage.map { -$0 })
  }

  /// `(A + Aᵀ) / 2` of a square matrix: removes rounding asymmetry.
  public func symmetrized() -> Matrix {
    precondition(rows == cols, "symmetrized() needs a square matrix")
    var m = self
    for j in 0..<cols {
      for i in 0..<j {
        let v = 0.5 * (self[i, j] + self[j, i])
        m[i, j] = v
        m[j, i] = v
      }
    }
    return m
  }

  /// Copies the upper triangle onto the lower one (square matrices).
  mutating func mirrorUpperToLower() {
    for j in 0..<cols {
      for i in (j + 1)..<Swift.max(j + 1, rows) { self[i, j] = self[j, i] }
    }
  }
}
