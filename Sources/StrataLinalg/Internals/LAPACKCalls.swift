// The only file in StrataLinalg that imports CLAPACK.
//
// Every function here takes Swift arrays (column-major, leading dimension =
// row count unless stated) and Int sizes, converts sizes to Int32 with a
// checked conversion, keeps pointers inside `withUnsafe...` closures, does the
// LAPACK workspace query (lwork = -1) itself, and turns `info` into a
// `LinalgError`. Callers guarantee that no dimension is zero (LAPACK and BLAS
// accept zero sizes, but an empty Swift array need not have a base address).

import CLAPACK

/// Internal namespace for the BLAS/LAPACK call layer.
enum LAPACKCalls {

  // MARK: Helpers

  /// Converts a size to LAPACK's 32-bit INTEGER, trapping with a clear
  /// message when it does not fit (a programmer-visible limit of LP64 LAPACK).
  static func int32(_ n: Int) -> Int32 {
    guard let v = Int32(exactly: n) else {
      preconditionFailure("size \(n) exceeds the 32-bit index range of LP64 LAPACK")
    }
    return v
  }

  /// Maps a negative `info` to `.illegalArgument`.
  private static func checkArguments(_ info: Int32, _ routine: String) throws {
    if info < 0 { throw LinalgError.illegalArgument(routine: routine, position: Int(-info)) }
  }

  /// Turns LAPACK's workspace-size answer into a usable count.
  private static func workCount(_ w: Double) -> Int {
    Swift.max(1, Int(w.rounded(.up)))
  }

  /// Switches OpenBLAS's own thread pool off, once per process. StrataLinalg splits its large
  /// passes over the cores itself (`Matrix+RowBlocks`); OpenBLAS threads started inside each of
  /// those parts oversubscribe the cores and spin (on 2 cores the IRLS fit at n = 1e6 took 1.4 s
  /// with them, 0.8 s without).
  static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

  // MARK: BLAS

  /// Euclidean norm of `count` elements of `x` starting at `offset` (dnrm2).
  static func nrm2(_ x: [Double], offset: Int, count: Int) -> Double {
    if count == 0 { return 0 }
    precondition(offset >= 0 && offset + count <= x.count)
    var n = int32(count)
    var inc: Int32 = 1
    return x.withUnsafeBufferPointer { p -> Double in
      guard let base = p.baseAddress else { return 0 }
      return dnrm2_(&n, base + offset, &inc)
    }
  }

  /// `c = alpha * op(a) * op(b) + beta * c` (dgemm); `op(a)` is `m × k`,
  /// `op(b)` is `k × n`; leading dimensions are the stored row counts.
  static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: [Double], lda: Int, b: [Double], ldb: Int,
    beta: Double, c: inout [Double], ldc: Int
  ) {
    if m == 0 || n == 0 || k == 0 { return }
    var m32 = int32(m), n32 = int32(n), k32 = int32(k)
    var lda32 = int32(lda), ldb32 = int32(ldb), ldc32 = int32(ldc)
    var al = alpha, be = beta
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          dgemm_(
            transA ? "T" : "N", transB ? "T" : "N", &m32, &n32, &k32, &al,
            pa.baseAddress, &lda32, pb.baseAddress, &ldb32, &be, pc.baseAddress, &ldc32, 1, 1)
        }
      }
    }
  }

  /// `y = alpha * op(a) * x + beta * y` (dgemv); `a` is `m × n` as stored.
  static func gemv(
    trans: Bool, m: Int, n: Int, alpha: Double, a: [Double], x: [Double],
    beta: Double, y: inout [Double]
  ) {
    if m == 0 || n == 0 { return }
    var m32 = int32(m), n32 = int32(n), lda = int32(m)
    var inc: Int32 = 1
    var al = alpha, be = beta
    a.withUnsafeBufferPointer { pa in
      x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
          dgemv_(
            trans ? "T" : "N", &m32, &n32, &al, pa.baseAddress, &lda, px.baseAddress, &inc, &be,
            py.baseAddress, &inc, 1)
        }
      }
    }
  }

  /// Upper triangle of `c = alpha * aᵀa + beta * c` (dsyrk, trans = "T");
  /// `a` is `k × n` as stored, `c` is `n × n`.
  static func syrkTransposed(n: Int, k: Int, alpha: Double, a: [Double], c: inout [Double]) {
    if n == 0 || k == 0 { return }
    var n32 = int32(n), k32 = int32(k), lda = int32(k), ldc = int32(n)
    var al = alpha
    var be = 0.0
    a.withUnsafeBufferPointer { pa in
      c.withUnsafeMutableBufferPointer { pc in
        dsyrk_("U", "T", &n32, &k32, &al, pa.baseAddress, &lda, &be, pc.baseAddress, &ldc, 1, 1)
      }
    }
  }

  /// Solves `X * op(T) = B` in place for `B` (`m × n`), with `T` the upper
  /// triangle of the leading `n × n` block of `t` (leading dimension `ldt`).
  static func trsmRightUpper(
    transT: Bool, m: Int, n: Int, t: [Double], ldt: Int, b: inout [Double]
  ) {
    if m == 0 || n == 0 { return }
    var m32 = int32(m), n32 = int32(n), ldt32 = int32(ldt), ldb = int32(m)
    var one = 1.0
    t.withUnsafeBufferPointer { pt in
      b.withUnsafeMutableBufferPointer { pb in
        dtrsm_(
          "R", "U", transT ? "T" : "N", "N", &m32, &n32, &one, pt.baseAddress, &ldt32,
          pb.baseAddress, &ldb, 1, 1, 1, 1)
      }
    }
  }

  // MARK: QR

  /// Householder QR (dgeqrf) of the `m × n` block of `a` whose top-left
  /// element is `a[offset]` (leading dimension `lda`); the `min(m, n)`
  /// scalar factors go to `tau[tauOffset...]`.
  static func geqrf(
    m: Int, n: Int, a: inout [Double], offset: Int, lda: Int,
    tau: inout [Double], tauOffset: Int
  ) throws {
    if m == 0 || n == 0 { return }
    precondition(offset + (n - 1) * lda + m <= a.count && tauOffset + Swift.min(m, n) <= tau.count)
    var m32 = int32(m), n32 = int32(n), lda32 = int32(lda)
    var info: Int32 = 0
    var lwork: Int32 = -1
    var query = 0.0
    try a.withUnsafeMutableBufferPointer { pa in
      try tau.withUnsafeMutableBufferPointer { pt in
        guard let base = pa.baseAddress, let tbase = pt.baseAddress else { return }
        dgeqrf_(&m32, &n32, base + offset, &lda32, tbase + tauOffset, &query, &lwork, &info)
        try checkArguments(info, "dgeqrf")
        var work = [Double](repeating: 0, count: workCount(query))
        lwork = int32(work.count)
        work.withUnsafeMutableBufferPointer { pw in
          dgeqrf_(&m32, &n32, base + offset, &lda32, tbase + tauOffset, pw.baseAddress, &lwork, &info)
        }
        try checkArguments(info, "dgeqrf")
      }
    }
  }

  /// Applies `Qᵀ` (or `Q` when `transpose` is false) from the left to
  /// columns `firstColumn..<firstColumn + columnCount` of `qr` itself, where
  /// `Q` is the product of the first `k` reflectors stored in columns
  /// `0..<k` of `qr` (an `m`-row compact QR from `geqrf`). Requires
  /// `firstColumn >= k`, so reflectors and target do not overlap.
  static func ormqrOwnColumns(
    transpose: Bool, qr: inout [Double], m: Int, k: Int, tau: [Double],
    firstColumn: Int, columnCount: Int
  ) throws {
    if m == 0 || k == 0 || columnCount == 0 { return }
    precondition(firstColumn >= k && (firstColumn + columnCount) * m <= qr.count)
    var m32 = int32(m), n32 = int32(columnCount), k32 = int32(k), lda = int32(m)
    var info: Int32 = 0
    var lwork: Int32 = -1
    var query = 0.0
    let trans = transpose ? "T" : "N"
    try qr.withUnsafeMutableBufferPointer { pa in
      try tau.withUnsafeBufferPointer { pt in
        guard let base = pa.baseAddress else { return }
        let c = base + firstColumn * m
        dormqr_("L", trans, &m32, &n32, &k32, base, &lda, pt.baseAddress, c, &lda, &query, &lwork, &info, 1, 1)
        try checkArguments(info, "dormqr")
        var work = [Double](repeating: 0, count: workCount(query))
        lwork = int32(work.count)
        work.withUnsafeMutableBufferPointer { pw in
          dormqr_(
            "L", trans, &m32, &n32, &k32, base, &lda, pt.baseAddress, c, &lda, pw.baseAddress, &lwork,
            &info, 1, 1)
        }
        try checkArguments(info, "dormqr")
      }
    }
  }

  /// Applies `Qᵀ` (or `Q`) from the left to the `m × n` matrix `c`, with `Q`
  /// the product of the first `k` reflectors of the compact QR `qr` (`m` rows).
  static func ormqr(
    transpose: Bool, qr: [Double], m: Int, k: Int, tau: [Double], c: inout [Double], n: Int
  ) throws {
    if m == 0 || k == 0 || n == 0 { return }
    var m32 = int32(m), n32 = int32(n), k32 = int32(k), lda = int32(m)
    var info: Int32 = 0
    var lwork: Int32 = -1
    var query = 0.0
    let trans = transpose ? "T" : "N"
    try qr.withUnsafeBufferPointer { pa in
      try tau.withUnsafeBufferPointer { pt in
        try c.withUnsafeMutableBufferPointer { pc in
          dormqr_(
            "L", trans, &m32, &n32, &k32, pa.baseAddress, &lda, pt.baseAddress, pc.baseAddress, &lda,
            &query, &lwork, &info, 1, 1)
          try checkArguments(info, "dormqr")
          var work = [Double](repeating: 0, count: workCount(query))
          lwork = int32(work.count)
          work.withUnsafeMutableBufferPointer { pw in
            dormqr_(
              "L", trans, &m32, &n32, &k32, pa.baseAddress, &lda, pt.baseAddress, pc.baseAddress,
              &lda, pw.baseAddress, &lwork, &info, 1, 1)
          }
          try checkArguments(info, "dormqr")
        }
      }
    }
  }

  /// Overwrites `a` (`m × n`, holding the first `n` columns of a compact QR)
  /// with the first `n` columns of `Q` built from `k` reflectors (dorgqr).
  static func orgqr(m: Int, n: Int, k: Int, a: inout [Double], tau: [Double]) throws {
    if m == 0 || n == 0 { return }
    var m32 = int32(m), n32 = int32(n), k32 = int32(k), lda = int32(m)
    var info: Int32 = 0
    var lwork: Int32 = -1
    var query = 0.0
    try a.withUnsafeMutableBufferPointer { pa in
      try tau.withUnsafeBufferPointer { pt in
        dorgqr_(&m32, &n32, &k32, pa.baseAddress, &lda, pt.baseAddress, &query, &lwork, &info)
        try checkArguments(info, "dorgqr")
        var work = [Double](repeating: 0, count: workCount(query))
        lwork = int32(work.count)
        work.withUnsafeMutableBufferPointer { pw in
          dorgqr_(&m32, &n32, &k32, pa.baseAddress, &lda, pt.baseAddress, pw.baseAddress, &lwork, &info)
        }
        try checkArguments(info, "dorgqr")
      }
    }
  }

  // MARK: Triangular

  /// Solves `op(T) X = B` in place (dtrtrs), `T` the upper (or lower)
  /// triangle of the `n × n` matrix `t` with leading dimension `ldt`, `B`
  /// `n × nrhs`.
  static func trtrs(
    upper: Bool, transpose: Bool, n: Int, t: [Double], ldt: Int, b: inout [Double], nrhs: Int
  ) throws {
    if n == 0 || nrhs == 0 { return }
    var n32 = int32(n), nrhs32 = int32(nrhs), ldt32 = int32(ldt), ldb = int32(n)
    var info: Int32 = 0
    t.withUnsafeBufferPointer { pt in
      b.withUnsafeMutableBufferPointer { pb in
        dtrtrs_(
          upper ? "U" : "L", transpose ? "T" : "N", "N", &n32, &nrhs32, pt.baseAddress, &ldt32,
          pb.baseAddress, &ldb, &info, 1, 1, 1)
      }
    }
    try checkArguments(info, "dtrtrs")
    if info > 0 { throw LinalgError.singular(column: Int(info)) }
  }

  // MARK: Symmetric positive definite

  /// Cholesky factorization `A = UᵀU` in place (dpotrf, upper).
  static func potrf(n: Int, a: inout [Double]) throws {
    if n == 0 { return }
    var n32 = int32(n), lda = int32(n)
    var info: Int32 = 0
    a.withUnsafeMutableBufferPointer { pa in dpotrf_("U", &n32, pa.baseAddress, &lda, &info, 1) }
    try checkArguments(info, "dpotrf")
    if info > 0 { throw LinalgError.notPositiveDefinite(leadingMinor: Int(info)) }
  }

  /// Solves `A X = B` from the upper Cholesky factor `u` (dpotrs).
  static func potrs(n: Int, u: [Double], b: inout [Double], nrhs: Int) throws {
    if n == 0 || nrhs == 0 { return }
    var n32 = int32(n), nrhs32 = int32(nrhs), lda = int32(n)
    var info: Int32 = 0
    u.withUnsafeBufferPointer { pu in
      b.withUnsafeMutableBufferPointer { pb in
        dpotrs_("U", &n32, &nrhs32, pu.baseAddress, &lda, pb.baseAddress, &lda, &info, 1)
      }
    }
    try checkArguments(info, "dpotrs")
  }

  /// Replaces the upper triangular factor `U` (`n × n`, leading dimension
  /// `n`) by the upper triangle of `(UᵀU)⁻¹ = U⁻¹U⁻ᵀ` (dpotri).
  static func potri(n: Int, u: inout [Double]) throws {
    if n == 0 { return }
    var n32 = int32(n), lda = int32(n)
    var info: Int32 = 0
    u.withUnsafeMutableBufferPointer { pu in dpotri_("U", &n32, pu.baseAddress, &lda, &info, 1) }
    try checkArguments(info, "dpotri")
    if info > 0 { throw LinalgError.singular(column: Int(info)) }
  }

  // MARK: Eigen and singular values

  /// Eigen-decomposition of a symmetric matrix (dsyevd, lower triangle
  /// read): on return `a` holds the orthonormal eigenvectors and `w` the
  /// eigenvalues in ascending order.
  static func syevd(n: Int, a: inout [Double], w: inout [Double]) throws {
    if n == 0 { return }
    var n32 = int32(n), lda = int32(n)
    var info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1
    var query = 0.0
    var iquery: Int32 = 0
    try a.withUnsafeMutableBufferPointer { pa in
      try w.withUnsafeMutableBufferPointer { pw in
        dsyevd_("V", "L", &n32, pa.baseAddress, &lda, pw.baseAddress, &query, &lwork, &iquery, &liwork, &info, 1, 1)
        try checkArguments(info, "dsyevd")
        var work = [Double](repeating: 0, count: workCount(query))
        var iwork = [Int32](repeating: 0, count: Swift.max(1, Int(iquery)))
        lwork = int32(work.count)
        liwork = int32(iwork.count)
        work.withUnsafeMutableBufferPointer { pwork in
          iwork.withUnsafeMutableBufferPointer { piwork in
            dsyevd_(
              "V", "L", &n32, pa.baseAddress, &lda, pw.baseAddress, pwork.baseAddress, &lwork,
              piwork.baseAddress, &liwork, &info, 1, 1)
          }
        }
        try checkArguments(info, "dsyevd")
        if info > 0 { throw LinalgError.notConverged(routine: "dsyevd") }
      }
    }
  }

  /// Thin SVD `A = U diag(s) Vᵀ` of the `m × n` matrix `a` (dgesdd, jobz =
  /// "S"); `a` is destroyed. Returns `u` (`m × k`), `s` (`k`), `vt` (`k × n`),
  /// `k = min(m, n)`.
  static func gesdd(m: Int, n: Int, a: inout [Double]) throws -> (u: [Double], s: [Double], vt: [Double]) {
    let k = Swift.min(m, n)
    var s = [Double](repeating: 0, count: k)
    var u = [Double](repeating: 0, count: m * k)
    var vt = [Double](repeating: 0, count: k * n)
    if k == 0 { return (u, s, vt) }
    var m32 = int32(m), n32 = int32(n), lda = int32(m), ldu = int32(m), ldvt = int32(k)
    var info: Int32 = 0
    var lwork: Int32 = -1
    var query = 0.0
    var iwork = [Int32](repeating: 0, count: 8 * k)
    try a.withUnsafeMutableBufferPointer { pa in
      try s.withUnsafeMutableBufferPointer { ps in
        try u.withUnsafeMutableBufferPointer { pu in
          try vt.withUnsafeMutableBufferPointer { pv in
            try iwork.withUnsafeMutableBufferPointer { pi in
              dgesdd_(
                "S", &m32, &n32, pa.baseAddress, &lda, ps.baseAddress, pu.baseAddress, &ldu,
                pv.baseAddress, &ldvt, &query, &lwork, pi.baseAddress, &info, 1)
              try checkArguments(info, "dgesdd")
              var work = [Double](repeating: 0, count: workCount(query))
              lwork = int32(work.count)
              work.withUnsafeMutableBufferPointer { pw in
                dgesdd_(
                  "S", &m32, &n32, pa.baseAddress, &lda, ps.baseAddress, pu.baseAddress, &ldu,
                  pv.baseAddress, &ldvt, pw.baseAddress, &lwork, pi.baseAddress, &info, 1)
              }
              try checkArguments(info, "dgesdd")
              if info > 0 { throw LinalgError.notConverged(routine: "dgesdd") }
            }
          }
        }
      }
    }
    return (u, s, vt)
  }
}

// MARK: Pointer-level BLAS for row blocks (Matrix+RowBlocks.swift)

extension LAPACKCalls {
  /// Upper triangle of `c += aᵀa` (dsyrk, trans = "T") for an `k × n` block at `a` with leading
  /// dimension `lda`; `c` is `n × n`.
  static func syrkAccumulate(
    n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>
  ) {
    if n == 0 || k == 0 { return }
    var n32 = int32(n), k32 = int32(k), lda32 = int32(lda), ldc = int32(n)
    var one = 1.0
    dsyrk_("U", "T", &n32, &k32, &one, a, &lda32, &one, c, &ldc, 1, 1)
  }

  /// `C += A Aᵀ` (upper triangle) for an `n × k` block `A` with leading dimension `lda` (dsyrk,
  /// "N"): the Gram matrix of the columns of a row-major `k × n` block.
  static func syrkAccumulateColumns(
    n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>
  ) {
    if n == 0 || k == 0 { return }
    var n32 = int32(n), k32 = int32(k), lda32 = int32(lda), ldc = int32(n)
    var one = 1.0
    dsyrk_("U", "N", &n32, &k32, &one, a, &lda32, &one, c, &ldc, 1, 1)
  }

  /// `y = alpha · op(a) x + beta · y` (dgemv) for an `m × n` block at `a` with leading dimension `lda`.
  static func gemvBlock(
    trans: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
  ) {
    if m == 0 || n == 0 { return }
    var m32 = int32(m), n32 = int32(n), lda32 = int32(lda)
    var inc: Int32 = 1
    var al = alpha, be = beta
    dgemv_(trans ? "T" : "N", &m32, &n32, &al, a, &lda32, x, &inc, &be, y, &inc, 1)
  }
}

extension LAPACKCalls {
  /// `c = alpha · op(a) op(b) + beta · c` (dgemm) on blocks given by pointers; `op(a)` is `m × k`,
  /// `op(b)` is `k × n`, leading dimensions as stored (used by `Matrix.batchedScores`).
  static func gemmBlock(
    transA: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    if m == 0 || n == 0 || k == 0 { return }
    var m32 = int32(m), n32 = int32(n), k32 = int32(k)
    var lda32 = int32(lda), ldb32 = int32(ldb), ldc32 = int32(ldc)
    var al = alpha, be = beta
    dgemm_(transA ? "T" : "N", "N", &m32, &n32, &k32, &al, a, &lda32, b, &ldb32, &be, c, &ldc32, 1, 1)
  }
}
