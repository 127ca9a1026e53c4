import StrataLinalg
import Testing

@Suite("Triangular solves")
struct TriangularSolveTests {
  let t = Matrix(rows: 3, cols: 3, columnMajor: [2, 0, 0, 1, 3, 0, -1, 4, 5])  // upper: [[2,1,-1],[0,3,4],[0,0,5]]

  /// Solving then multiplying back reproduces the right-hand side (exact small integers: 1e-14).
  @Test(arguments: [false, true])
  func upperSolveRoundTrips(transpose: Bool) throws {
    let b = Matrix(rows: 3, cols: 2, columnMajor: [1, 2, 3, -4, 0, 7])
    let x = try t.solvingTriangular(b, upper: true, transpose: transpose)
    let back = t.multiplied(by: x, transposeSelf: transpose)
    for k in 0..<b.storage.count { #expect(abs(back.storage[k] - b.storage[k]) < 1e-14) }
  }

  @Test func lowerTriangleIgnoresUpper() throws {
    let lower = t.transposed
    let x = try lower.solvingTriangular([2, 7, 8], upper: false)
    // Forward substitution by hand: 2x0 = 2; x0 + 3x1 = 7; -x0 + 4x1 + 5x2 = 8.
    #expect(x == [1, 2, 0.2])
  }

  @Test func zeroDiagonalIsSingular() {
    let s = Matrix(rows: 2, cols: 2, columnMajor: [1, 0, 2, 0])
    #expect(throws: LinalgError.singular(column: 2)) { try s.solvingTriangular([1, 1], upper: true) }
  }
}
