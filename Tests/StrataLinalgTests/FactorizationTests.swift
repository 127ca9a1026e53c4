import Foundation
import Testing

@testable import StrataLinalg

/// A seeded symmetric positive definite matrix `AᵀA + n·I`.
func randomSPD(_ n: Int, seed: UInt64) -> Matrix {
  let a = randomMatrix(n + 3, n, seed: seed)
  return a.crossProduct() + Matrix.identity(n) * Double(n)
}

/// Reconstruction identities. These SPD/symmetric test matrices are well
/// conditioned (eigenvalues in about [n, 3n]), so every identity holds to a
/// few ulps of the largest entry; 1e-13 leaves room.
@Suite("Cholesky, eigen, SVD, pseudo-inverse")
struct FactorizationTests {
  @Test func choleskyReconstructsSolvesAndInverts() throws {
    let a = randomSPD(6, seed: 11)
    let c = try Cholesky(a)
    let u = c.upper
    #expect(maxScaledError(u.multiplied(by: u, transposeSelf: true).storage, a.storage) < 1e-13)
    let b = [1.0, -2, 3, 0.5, 0, 4]
    #expect(maxScaledError(a.multiplied(by: c.solve(b)), b) < 1e-13)
    let bm = randomMatrix(6, 2, seed: 12)
    #expect(maxScaledError((a * c.solve(bm)).storage, bm.storage) < 1e-13)
    let inv = c.inverse()
    #expect(maxScaledError((a * inv).storage, Matrix.identity(6).storage) < 1e-13)
    #expect(inv.storage == inv.transposed.storage)
    #expect(maxScaledError(try inverseSPD(a).storage, inv.storage) == 0)
    // log det from the eigenvalues, an independent path.
    let eig = try SymmetricEigen(a)
    let logDet = eig.values.reduce(0) { $0 + log($1) }
    #expect(isClose(c.logDeterminant, logDet, rel: 1e-13))
  }

  @Test func notPositiveDefiniteReportsLeadingMinor() {
    // Leading minors: 1 > 0, then 1·1 - 2·2 < 0, so the second fails.
    let a = Matrix(rows: 3, cols: 3, columnMajor: [1, 2, 0, 2, 1, 0, 0, 0, 1])
    #expect(throws: LinalgError.notPositiveDefinite(leadingMinor: 2)) { try Cholesky(a) }
    #expect(throws: LinalgError.notPositiveDefinite(leadingMinor: 2)) { try inverseSPD(a) }
    #expect(throws: LinalgError.self) { try Cholesky(Matrix(rows: 2, cols: 3)) }
    let message = LinalgError.notPositiveDefinite(leadingMinor: 2).description
    #expect(message.contains("order 2"))
  }

  @Test func symmetricEigenReconstructs() throws {
    let a = randomSPD(5, seed: 21) - Matrix.identity(5) * 8  // indefinite
    let e = try SymmetricEigen(a)
    #expect(e.values == e.values.sorted())
    let v = e.vectors
    let recon = v.scalingColumns(by: e.values).multiplied(by: v, transposeOther: true)
    #expect(maxScaledError(recon.storage, a.storage) < 1e-13)
    #expect(maxScaledError(v.crossProduct().storage, Matrix.identity(5).storage) < 1e-13)
  }

  @Test func thinSVDReconstructs() throws {
    let a = randomMatrix(9, 4, seed: 31)
    let s = try SVD(a)
    #expect(s.u.rows == 9 && s.u.cols == 4 && s.vt.rows == 4 && s.vt.cols == 4)
    #expect(s.singularValues == s.singularValues.sorted(by: >))
    let recon = s.u.scalingColumns(by: s.singularValues) * s.vt
    #expect(maxScaledError(recon.storage, a.storage) < 1e-13)
    let wide = try SVD(a.transposed)
    #expect(wide.u.rows == 4 && wide.vt.rows == 4 && wide.vt.cols == 9)
  }

  @Test func pseudoInverseOfSingularCovariance() throws {
    // Rank-2 PSD matrix B Bᵀ (3 × 3): Moore–Penrose conditions A A⁺ A = A
    // and A⁺ A A⁺ = A⁺, and rank 2.
    let b = randomMatrix(3, 2, seed: 41)
    let a = b.multiplied(by: b, transposeOther: true)
    let pinv = try a.pseudoInverse()
    #expect(try a.pseudoInverseRank() == 2)
    #expect(maxScaledError((a * pinv * a).storage, a.storage) < 1e-12)
    #expect(maxScaledError((pinv * a * pinv).storage, pinv.storage) < 1e-12)
    // Full rank: equals the inverse.
    let spd = randomSPD(4, seed: 42)
    #expect(maxScaledError(try spd.pseudoInverse().storage, try inverseSPD(spd).storage) < 1e-13)
  }
}
