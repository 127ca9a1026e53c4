import Foundation
import StrataSupport
import Testing

@testable import StrataLinalg

/// `Matrix.batchedScores` against `Xᵀ f(X B)` formed with plain products, and `gramRank` against
/// the R-compatible QR's rank.
@Suite("Batched scores and the rank from a cross-product")
struct BatchedScoresTests {
  @Test("batchedScores equals Xᵀ f(X B) (two threads, several blocks, a short last block)")
  func batchedScoresMatchDirectProducts() {
    let (x, w, _) = RowBlockTests.tall(rows: 70_001, cols: 5)
    let k = 3
    var b = Matrix(rows: 5, cols: k)
    for j in 0..<k { for i in 0..<5 { b[i, j] = Double(i + 1) * 0.1 - Double(j) * 0.2 } }
    let scores = x.batchedScores(coefficients: b) { rows, block in
      for a in 0..<block.cols {
        for (l, i) in rows.enumerated() { block[l, a] = w[i] * tanh(block[l, a]) + Double(a) }
      }
    }
    let eta = x * b
    for a in 0..<k {
      let m = (0..<x.rows).map { w[$0] * tanh(eta[$0, a]) + Double(a) }
      let direct = x.crossProduct(with: m)
      for j in 0..<5 {
        #expect(abs(scores[j, a] - direct[j]) <= 1e-10 * max(abs(direct[j]), 1), "score \(j), column \(a)")
      }
    }
  }

  @Test("gramRank equals QRDecomposition's rank, aliased and nearly aliased columns included", arguments: [1e-5, 1e-7])
  func gramRankMatchesQR(tolerance: Double) throws {
    var rng = SplitMix64(seed: 11)
    let n = 60
    var columns: [[Double]] = (0..<4).map { _ in (0..<n).map { _ in Double.random(in: -1...1, using: &rng) } }
    columns.append(zip(columns[0], columns[1]).map { $0 + 2 * $1 })  // exactly aliased
    let noise = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    columns.append(zip(columns[2], noise).map { $0 + 1e-3 * $1 })  // far above the threshold
    columns.append(zip(columns[3], noise).map { $0 + 1e-9 * $1 })  // far below it
    columns.append([Double](repeating: 0, count: n))  // zero
    let x = Matrix(columns: columns)
    let qr = try QRDecomposition(x, tolerance: tolerance)
    #expect(gramRank(x.crossProduct(), tolerance: tolerance) == qr.rank)
    #expect(qr.rank == 5)
    // More columns than rows: at most `rows`.
    let wide = Matrix(columns: (0..<8).map { j in (0..<5).map { i in Double((i * 7 + j * 3) % 11) } })
    let wideQR = try QRDecomposition(wide, tolerance: tolerance)
    #expect(gramRank(wide.crossProduct(), tolerance: tolerance, rows: 5) == wideQR.rank)
  }

  /// The kept columns, not only their count: the aggregate fits' choice of aliased columns
  /// (`AggregateFit.aliasTolerance`, 1e-6) against R's QR choice (`qr(x, 1e-11)`, as glm) on
  /// exactly aliased columns in several positions, and against the QR at the same tolerance.
  @Test func gramKeptColumnsMatchQR() throws {
    var rng = SplitMix64(seed: 7)
    let n = 80
    var columns: [[Double]] = (0..<4).map { _ in (0..<n).map { _ in Double.random(in: -3...3, using: &rng) } }
    columns.insert(zip(columns[0], columns[1]).map { 0.5 * $0 - $1 }, at: 2)  // aliased, in the middle
    columns.append(columns[3].map { 4 * $0 })  // aliased, at the end
    columns.insert([Double](repeating: 1, count: n), at: 0)  // intercept
    let x = Matrix(columns: columns)
    let r = try QRDecomposition(x, tolerance: 1e-11)
    #expect(gramKeptColumns(x.crossProduct(), tolerance: 1e-6) == r.keptColumns.sorted())
    #expect(gramKeptColumns(x.crossProduct(), tolerance: 1e-6) == [0, 1, 2, 4, 5])
    let q = try QRDecomposition(x, tolerance: 1e-6)
    #expect(gramKeptColumns(x.crossProduct(), tolerance: 1e-6) == q.keptColumns.sorted())
  }
}
