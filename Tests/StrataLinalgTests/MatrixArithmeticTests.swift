import StrataSupport
import Testing

@testable import StrataLinalg

/// A seeded random matrix with entries in [-1, 1].
func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
  var rng = SplitMix64(seed: seed)
  return Matrix(
    rows: rows, cols: cols,
    columnMajor: (0..<(rows * cols)).map { _ in Double.random(in: -1...1, using: &rng) })
}

/// Triple-loop product, the reference for BLAS results.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
  var c = Matrix(rows: a.rows, cols: b.cols)
  for i in 0..<a.rows {
    for j in 0..<b.cols {
      var s = 0.0
      for k in 0..<a.cols { s += a[i, k] * b[k, j] }
      c[i, j] = s
    }
  }
  return c
}

/// BLAS products against naive loops. Entries are sums of ≤ 40 products of
/// numbers in [-1, 1], so 1e-13 of the largest entry bounds rounding.
@Suite("Matrix products and cross-products")
struct MatrixArithmeticTests {
  let x = randomMatrix(40, 6, seed: 1)
  let y = randomMatrix(40, 3, seed: 2)

  @Test func productsMatchNaiveLoops() {
    let a = randomMatrix(5, 7, seed: 3)
    let b = randomMatrix(7, 4, seed: 4)
    #expect(maxScaledError((a * b).storage, naiveProduct(a, b).storage) < 1e-13)
    let ab = a.transposed.multiplied(by: b.transposed, transposeSelf: true, transposeOther: true)
    #expect(maxScaledError(ab.storage, naiveProduct(a, b).storage) < 1e-13)
    let v = [1.0, -2, 0.5, 3, -1, 0.25, 2]
    let av = a.multiplied(by: v)
    let ref = naiveProduct(a, Matrix(columns: [v])).storage
    #expect(maxScaledError(av, ref) < 1e-13)
    let atv = a.multiplied(by: [1, 2, 3, 4, 5], transpose: true)
    #expect(maxScaledError(atv, naiveProduct(a.transposed, Matrix(columns: [[1, 2, 3, 4, 5]])).storage) < 1e-13)
  }

  @Test func crossProductsMatchNaiveLoops() {
    let xtx = x.crossProduct()
    #expect(maxScaledError(xtx.storage, naiveProduct(x.transposed, x).storage) < 1e-13)
    // dsyrk fills one triangle; the mirror makes it exactly symmetric.
    #expect(xtx.storage == xtx.transposed.storage)
    #expect(maxScaledError(x.crossProduct(with: y).storage, naiveProduct(x.transposed, y).storage) < 1e-13)
    let yv = y.column(0)
    #expect(maxScaledError(x.crossProduct(with: yv), naiveProduct(x.transposed, Matrix(columns: [yv])).storage) < 1e-13)
  }

  @Test func weightedCrossProductAllowsNegativeAndZeroWeights() {
    var w = [Double]()
    for i in 0..<40 {
      if i % 5 == 0 {
        w.append(0)
      } else if i % 3 == 0 {
        w.append(-1.5)
      } else {
        w.append(Double(i) / 7)
      }
    }
    let ref = naiveProduct(x.transposed, x.scalingRows(by: w))
    let got = x.crossProduct(rowWeights: w)
    #expect(maxScaledError(got.storage, ref.storage) < 1e-13)
    #expect(got.storage == got.transposed.storage)
  }

  @Test func elementwiseArithmetic() {
    let a = Matrix(rows: 2, cols: 2, columnMajor: [1, 2, 3, 4])
    let b = Matrix(rows: 2, cols: 2, columnMajor: [0.5, -1, 2, 8])
    // Exact in binary floating point: compared with ==.
    #expect((a + b).storage == [1.5, 1, 5, 12])
    #expect((a - b).storage == [0.5, 3, 1, -4])
    #expect((2 * a).storage == [2, 4, 6, 8])
    #expect((a * 0.5).storage == [0.5, 1, 1.5, 2])
    #expect(a.symmetrized().storage == [1, 2.5, 2.5, 4])
    #expect(a.scalingRows(by: [10, -1]).storage == [10, -2, 30, -4])
    #expect(a.scalingColumns(by: [10, -1]).storage == [10, 20, -3, -4])
  }

  @Test func emptyShapes() {
    let e = Matrix(rows: 0, cols: 3)
    #expect(e.crossProduct().storage == [Double](repeating: 0, count: 9))
    #expect((Matrix(rows: 2, cols: 0) * Matrix(rows: 0, cols: 2)).storage == [0, 0, 0, 0])
  }
}
