import Foundation
import Testing

@testable import StrataLinalg

/// The row-blocked, two-thread kernels against the plain BLAS products they replace.
@Suite("Row-blocked kernels")
struct RowBlockTests {
  /// A deterministic tall matrix large enough to take the two-thread path (≥ 2¹⁶ rows).
  static func tall(rows n: Int, cols p: Int) -> (Matrix, [Double], [Double]) {
    var state: UInt64 = 12345
    func next() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) * 0x1.0p-53 - 0.5
    }
    var x = Matrix(rows: n, cols: p)
    for j in 0..<p { for i in 0..<n { x[i, j] = j == 0 ? 1 : next() } }
    let w = (0..<n).map { _ in next() + 0.5 }
    let v = (0..<n).map { _ in next() }
    return (x, w, v)
  }

  @Test("weightedGram equals Xᵀ diag(w) X and Xᵀv (two threads, several blocks)")
  func gramMatchesDirectProducts() {
    let (x, w, v) = Self.tall(rows: 70_001, cols: 7)
    let (gram, product) = x.weightedGram(weights: w, vector: v)
    let direct = x.crossProduct(rowWeights: w)
    let xv = x.crossProduct(with: v)
    // Only the summation order differs: relative 1e-12 is far above its rounding (~1e-14).
    for j in 0..<7 {
      for i in 0..<7 {
        #expect(abs(gram[i, j] - direct[i, j]) <= 1e-12 * max(abs(direct[i, j]), 1))
        #expect(gram[i, j] == gram[j, i])
      }
      #expect(abs(product[j] - xv[j]) <= 1e-12 * max(abs(xv[j]), 1))
    }
  }

  /// The dummies of a factor (here 9 levels with a reference level, one level never present,
  /// placed between numeric columns and beside a 0/1 numeric column that overlaps them) are found,
  /// and the indicator-aware Gram equals the plain one.
  @Test("weightedGram with an indicator structure equals the dense pass")
  func indicatorGramMatchesDensePass() throws {
    let (base, w, v) = Self.tall(rows: 70_001, cols: 4)
    let n = base.rows
    let levels = 9
    var x = Matrix(rows: n, cols: 4 + levels + 1)
    for i in 0..<n {
      let level = (i * 7 + i / 13) % (levels + 1)  // 0 = reference level
      for j in 0..<2 { x[i, j] = base[i, j] }
      for l in 1...levels where l != 5 { x[i, 1 + l] = level == l ? 1 : 0 }  // level 5: an all-zero column
      x[i, 2 + levels] = base[i, 2]
      x[i, 3 + levels] = base[i, 3]
      x[i, 4 + levels] = level == 3 || level == 0 ? 1 : 0  // binary, but overlaps the dummy of level 3
    }
    let structure = try #require(x.indicatorStructure())
    #expect(structure.indicatorColumns == Array(2...(1 + levels)))
    #expect(structure.denseColumns == [0, 1, 2 + levels, 3 + levels, 4 + levels])
    let (gram, product) = x.weightedGram(weights: w, vector: v, structure: structure)
    let (dense, denseProduct) = x.weightedGram(weights: w, vector: v)
    let p = x.cols
    for j in 0..<p {
      for i in 0..<p {
        #expect(abs(gram[i, j] - dense[i, j]) <= 1e-12 * max(abs(dense[i, j]), 1), "(\(i), \(j))")
        #expect(gram[i, j] == gram[j, i])
      }
      #expect(abs(product[j] - denseProduct[j]) <= 1e-12 * max(abs(denseProduct[j]), 1), "score \(j)")
    }
    let beta = (0..<p).map { Double($0 % 7) - 2.5 }
    let eta = x.rowProducts(beta, structure: structure)
    let direct = x.rowProducts(beta)
    for i in stride(from: 0, to: n, by: 97) {
      #expect(abs(eta[i] - direct[i]) <= 1e-12 * max(abs(direct[i]), 1), "row \(i)")
    }
    // No structure without enough indicator columns (a numeric matrix).
    #expect(base.indicatorStructure() == nil)
  }

  /// `base`'s first two columns (the intercept and one regressor), then the `levels` dummies of
  /// `level(i)` (0 is the reference level), then `base`'s other columns.
  static func withDummies(_ base: Matrix, levels: Int, level: (Int) -> Int) -> Matrix {
    var x = Matrix(rows: base.rows, cols: base.cols + levels)
    for i in 0..<base.rows {
      let l = level(i)
      x[i, 0] = base[i, 0]
      x[i, 1] = base[i, 1]
      for k in 1...levels { x[i, 1 + k] = l == k ? 1 : 0 }
      for j in 2..<base.cols { x[i, j + levels] = base[i, j] }
    }
    return x
  }

  /// A logistic kernel: μ, working weights μ(1 − μ)·w, multipliers (y − μ)·w, and the deviance.
  static func logisticKernel(y: [Double], w: [Double]) -> LinearizedKernel {
    { first, eta, mu, weights, multipliers in
      var total = 0.0
      for i in 0..<eta.count {
        let r = first + i
        let p = 1 / (1 + exp(-eta[i]))
        mu[i] = p
        weights[i] = w[r] * p * (1 - p)
        multipliers[i] = w[r] * (y[r] - p)
        total -= 2 * w[r] * (y[r] == 1 ? log(p) : log(1 - p))
      }
      return total
    }
  }

  /// One fused pass (η, the kernel, X'WX and X'm block by block) equals the separate passes, with
  /// and without an indicator structure, and when its output arrays are reused.
  @Test("linearizedPass equals rowProducts, the kernel and weightedGram done separately")
  func linearizedPassMatchesSeparatePasses() throws {
    let (base, prior, u) = Self.tall(rows: 70_001, cols: 3)
    let n = base.rows
    let x = Self.withDummies(base, levels: 6) { i in (i * 5 + i / 7) % 7 }
    let y = u.map { $0 > 0 ? 1.0 : 0.0 }
    let structure = try #require(x.indicatorStructure())
    let beta = (0..<x.cols).map { 0.3 * Double($0 % 4) - 0.4 }
    let kernel = Self.logisticKernel(y: y, w: prior)
    var pass = LinearizedPass()
    for s in [structure, nil] as [IndicatorStructure?] {
      for _ in 0..<2 {  // the second time into the arrays of the first
        x.linearizedPass(coefficients: beta, structure: s, kernel: kernel, into: &pass)
        let eta = x.rowProducts(beta)
        var mu = [Double](repeating: 0, count: n)
        var w = mu
        var m = mu
        var deviance = 0.0
        for i in 0..<n {
          mu[i] = 1 / (1 + exp(-eta[i]))
          w[i] = prior[i] * mu[i] * (1 - mu[i])
          m[i] = prior[i] * (y[i] - mu[i])
          deviance -= 2 * prior[i] * (y[i] == 1 ? log(mu[i]) : log(1 - mu[i]))
        }
        let (gram, score) = x.weightedGram(weights: w, vector: m)
        // Only summation orders differ (rounding ~1e-14 relative).
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(b), 1) }
        #expect(pass.eta.count == n && pass.mu.count == n)
        #expect((0..<n).allSatisfy { close(pass.eta[$0], eta[$0]) })
        #expect((0..<n).allSatisfy { close(pass.mu[$0], mu[$0]) && close(pass.weights[$0], w[$0]) })
        #expect((0..<n).allSatisfy { close(pass.multipliers[$0], m[$0]) })
        #expect(close(pass.total, deviance))
        for j in 0..<x.cols {
          for i in 0..<x.cols {
            #expect(close(pass.gram[i, j], gram[i, j]), "(\(i), \(j))")
            #expect(pass.gram[i, j] == pass.gram[j, i])
          }
          #expect(close(pass.score[j], score[j]), "score \(j)")
        }
      }
    }
  }

  /// A compact matrix (the dense columns only, the dummies as the structure's codes) gives the
  /// same passes as the full matrix with its structure (bit for bit on most CPUs, to rounding
  /// on all), and expands to it exactly.
  @Test("Compact matrices: the indicator kernels equal the full matrix's, and expansion restores it")
  func compactMatrixMatchesFull() throws {
    let (base, prior, u) = Self.tall(rows: 70_001, cols: 4)
    let n = base.rows
    let levels = 5
    // Dense columns on both sides of the dummies: (Intercept), a, dummies 1…5, b, c.
    let x = Self.withDummies(base, levels: levels) { i in (i * 3 + i / 11) % (levels + 1) }
    let full = try #require(x.indicatorStructure())
    #expect(full.indicatorColumns == Array(2...(1 + levels)) && full.storesIndicators)
    let structure = full.storing(indicators: false)
    let compact = x.selectingColumns(full.denseColumns)
    #expect(structure.storedColumnCount == compact.cols && structure.columnCount == x.cols)
    #expect(structure.storedDenseColumns == Array(0..<compact.cols))
    #expect(structure.storedColumn(of: 2) == nil && structure.storedColumn(of: 2 + levels) == 2)
    #expect(compact.expandingIndicators(structure).storage == x.storage)
    #expect(x.expandingIndicators(full).storage == x.storage)

    let beta = (0..<x.cols).map { 0.25 * Double($0 % 5) - 0.5 }
    // The two forms hand BLAS different column runs (leading dimensions, run lengths), and an
    // OpenBLAS kernel may block them differently on some CPUs (AVX-512): equal to rounding.
    func close(_ a: [Double], _ b: [Double]) -> Bool {
      a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(abs($0), abs($1), 1) }
    }
    #expect(close(compact.rowProducts(beta, structure: structure), x.rowProducts(beta, structure: full)))
    let (g1, v1) = compact.weightedGram(weights: prior, vector: u, structure: structure)
    let (g2, v2) = x.weightedGram(weights: prior, vector: u, structure: full)
    #expect(close(g1.storage, g2.storage) && close(v1, v2))
    let y = u.map { $0 > 0 ? 1.0 : 0.0 }
    let kernel = Self.logisticKernel(y: y, w: prior)
    var a = LinearizedPass()
    var b = LinearizedPass()
    compact.linearizedPass(coefficients: beta, structure: structure, kernel: kernel, into: &a)
    x.linearizedPass(coefficients: beta, structure: full, kernel: kernel, into: &b)
    #expect(close(a.eta, b.eta) && close(a.mu, b.mu) && close(a.weights, b.weights))
    #expect(close(a.multipliers, b.multipliers))
    #expect(close(a.gram.storage, b.gram.storage) && close(a.score, b.score) && close([a.total], [b.total]))

    // A lazy matrix reports the full size without expanding, and expands once to the full matrix.
    let lazy = LazyMatrix(compact: compact, structure: structure)
    #expect(lazy.rows == n && lazy.cols == x.cols && !lazy.isExpanded)
    #expect(lazy.full.storage == x.storage && lazy.isExpanded)
  }

  @Test("rowProducts equals X β")
  func rowProductsMatch() {
    let (x, _, _) = Self.tall(rows: 70_001, cols: 5)
    let beta = [0.5, -1, 2, 0.25, 3]
    let a = x.rowProducts(beta)
    let b = x.multiplied(by: beta)
    #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(abs($1), 1) })
  }
}
