import Foundation
import StrataSupport
import Testing

@testable import StrataLinalg

struct QRCase: Decodable, CustomTestStringConvertible {
  let name: String
  let n: Int
  let p: Int
  let tol: Double
  let x: [Double]
  let y: [Double]
  let rank: Int
  let pivot: [Int]
  let coefficients: [Double]
  let qty: [Double]
  let unscaledCov: [Double]
  let hat: [Double]
  let fitted: [Double]
  let residuals: [Double]
  var testDescription: String { name }
}

struct QRFixture: Decodable {
  let generator: String
  let cases: [QRCase]
}

/// R's `qr()`, `lm.fit()`, `hat()` and `chol2inv(qr.R())` on matrices with
/// exact and near collinearity (make_linalg_fixtures.R).
let qrCases: [QRCase] = (try? loadFixture("qr_cases.json", as: QRFixture.self).cases) ?? []

@Suite("QR decomposition vs R qr()/lm.fit()")
struct QRTests {
  @Test func fixturesLoaded() {
    #expect(qrCases.count == 6)
  }

  @Test(arguments: qrCases)
  func rankAndPivotMatchR(_ c: QRCase) throws {
    let qr = try QRDecomposition(Matrix(rows: c.n, cols: c.p, columnMajor: c.x), tolerance: c.tol)
    // Exact: rank detection follows dqrdc2's left-to-right rule.
    #expect(qr.rank == c.rank)
    #expect(qr.pivot == c.pivot)
    #expect(qr.keptColumns == Array(c.pivot.prefix(c.rank)))
    #expect(qr.aliasedColumns == Array(c.pivot.dropFirst(c.rank)))
  }

  @Test(arguments: qrCases.filter { $0.name != "collinear_mix_tol1e-12" })
  func leastSquaresMatchR(_ c: QRCase) throws {
    let qr = try QRDecomposition(Matrix(rows: c.n, cols: c.p, columnMajor: c.x), tolerance: c.tol)
    try #require(qr.rank == c.rank)
    // LINPACK (R) and LAPACK Householder QR differ only by rounding; the kept
    // designs have condition numbers up to ~1e4 (x5 = x2 + 1e-3 noise), so
    // coefficients agree to ~cond·ε; 1e-9 relative leaves headroom.
    let beta = qr.coefficients(for: c.y)
    for (a, b) in zip(beta, c.coefficients) { #expect(isClose(a, b, rel: 1e-9), "\(a) vs \(b)") }
    // Fitted values and residuals are well conditioned: 1e-10 of their scale.
    #expect(maxScaledError(qr.fittedValues(for: c.y), c.fitted) < 1e-10)
    #expect(maxScaledError(qr.residuals(for: c.y), c.residuals) < 1e-10)
    // Same Householder sign convention as LINPACK, so qr.qty agrees entrywise.
    #expect(maxScaledError(qr.qtY(c.y), c.qty) < 1e-10)
    // (XᵀX)⁻¹ squares the condition number (~1e8 here): 1e-7 relative to the
    // largest entry.
    let cov = qr.unscaledCovariance()
    #expect(cov.rows == c.rank)
    #expect(maxScaledError(cov.storage, c.unscaledCov) < 1e-7)
    // Hat values are in [0, 1] and well conditioned: 1e-10 absolute.
    for (a, b) in zip(qr.hatValues(), c.hat) { #expect(isClose(a, b, rel: 0, abs: 1e-10)) }
  }

  @Test func rFactorReproducesKeptColumns() throws {
    let c = try #require(qrCases.first { $0.name == "factor_dummies" })
    let x = Matrix(rows: c.n, cols: c.p, columnMajor: c.x)
    let qr = try QRDecomposition(x)
    // RᵀR = X_kᵀX_k: a reconstruction identity, rounding-level (1e-12 of scale).
    let xk = x.selectingColumns(qr.keptColumns)
    let rtr = qr.r.multiplied(by: qr.r, transposeSelf: true)
    #expect(maxScaledError(rtr.storage, xk.crossProduct().storage) < 1e-12)
    // Upper triangular.
    for j in 0..<qr.rank { for i in (j + 1)..<qr.rank { #expect(qr.r[i, j] == 0) } }
  }

  @Test func emptyAndZeroMatrices() throws {
    let zero = try QRDecomposition(Matrix(rows: 4, cols: 2))
    #expect(zero.rank == 0)
    #expect(zero.pivot == [0, 1])
    #expect(zero.coefficients(for: [1, 2, 3, 4]).isEmpty)
    #expect(zero.hatValues() == [0, 0, 0, 0])
    #expect(zero.residuals(for: [1, 2, 3, 4]) == [1, 2, 3, 4])
    let empty = try QRDecomposition(Matrix(rows: 3, cols: 0))
    #expect(empty.rank == 0)
    #expect(empty.unscaledCovariance().rows == 0)
  }

  /// A tall random matrix (the shape of a survey model matrix): RᵀR reproduces XᵀX.
  /// Speed is measured in Benchmarks/, not here.
  @Test func tallMatrixFactorsConsistently() throws {
    var rng = SplitMix64(seed: 7)
    let n = 200_000
    let p = 20
    var s = [Double](repeating: 1, count: n * p)
    for i in n..<(n * p) { s[i] = Double.random(in: -1...1, using: &rng) }
    let x = Matrix(rows: n, cols: p, columnMajor: s)
    let qr = try QRDecomposition(x)
    #expect(qr.rank == p)
    let rtr = qr.r.multiplied(by: qr.r, transposeSelf: true)
    let xtx = x.crossProduct()
    for j in 0..<p {
      for i in 0..<p {
        // Householder QR is backward stable: ‖RᵀR − XᵀX‖ ~ n·ε·‖X‖², far below 1e-9 relative here.
        #expect(abs(rtr[i, j] - xtx[i, j]) <= 1e-9 * abs(xtx[i, i] * xtx[j, j]).squareRoot())
      }
    }
  }
}
