import Strata
@testable import StrataModels
import Testing
import _StrataTestSupport

/// The normal-equations path of large least-squares fits against the rank-revealing QR path.
///
/// Both paths are forced on the same small data (`normalEquationsMinimumRows` 0 versus
/// `Int.max`). The reference is the QR path, which the R fixtures test; the tolerance 1e-10
/// relative is the `κ²ε` bound the normal equations are allowed (κ² ≤ 10⁶ after equilibration).
struct OLSNormalEquationsTests {
  /// Deterministic data: `y ~ x1 + x2 + factor(g)` with weights, and a copy of `x1` (`x3`)
  /// for the collinear case.
  func frame(rows n: Int) -> DataFrame {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    var x1: [Double] = [], x2: [Double] = [], g: [Double] = [], w: [Double] = [], y: [Double] = []
    for _ in 0..<n {
      let a = uniform() * 4 - 2
      let b = uniform() * 10
      let level = Double(Int(uniform() * 5))
      x1.append(a)
      x2.append(b)
      g.append(level)
      w.append(0.5 + uniform() * 3)
      y.append(1 + 2 * a - 0.3 * b + 0.7 * level + (uniform() - 0.5))
    }
    let columns: [(String, [Double])] = [("y", y), ("x1", x1), ("x2", x2), ("x3", x1.map { 3 * $0 }), ("g", g), ("w", w)]
    return DataFrame(columns: columns.map { Column(name: $0.0, storage: .numeric(NumericColumn(values: $0.1))) })
  }

  func fits(_ formula: String, weighted: Bool) throws -> (normal: Fit, qr: Fit) {
    let data = frame(rows: 3_000)
    let mm = try ModelMatrix.build(
      formula: Formula.parse(formula), data: data, options: .init(weights: weighted ? "w" : nil))
    let normal = try LeastSquares.fit(mm, formula: formula, subset: nil, normalEquationsMinimumRows: 0)
    let qr = try LeastSquares.fit(mm, formula: formula, subset: nil, normalEquationsMinimumRows: .max)
    return (normal, qr)
  }

  @Test(arguments: [false, true])
  func wellConditionedFitAgreesWithQR(weighted: Bool) throws {
    let (normal, qr) = try fits("y ~ x1 + x2 + factor(g)", weighted: weighted)
    #expect(LeastSquares.normalEquations(x: qr.x, y: qr.response, weights: qr.weights) != nil)
    #expect(normal.kept == qr.kept)
    for j in qr.coefficients.indices {
      expectClose(normal.coefficients[j], qr.coefficients[j], rtol: 1e-10, atol: 1e-12, "coefficient \(j)")
    }
    for i in 0..<qr.bread.rows {
      for j in 0..<qr.bread.cols {
        expectClose(normal.bread[i, j], qr.bread[i, j], rtol: 1e-10, atol: 1e-14, "bread[\(i), \(j)]")
      }
    }
    expectClose(normal.dispersion, qr.dispersion, rtol: 1e-10, "dispersion")
  }

  @Test func collinearColumnFallsBackToQRAliasing() throws {
    let (normal, qr) = try fits("y ~ x1 + x2 + x3 + factor(g)", weighted: true)
    // x3 = 3·x1 is aliased exactly as R's lm does it, through the QR.
    #expect(normal.kept == qr.kept)
    #expect(!normal.kept.contains(3))
    #expect(normal.coefficients[3].isNaN)
    for j in qr.kept {
      #expect(normal.coefficients[j] == qr.coefficients[j])
    }
  }
}
