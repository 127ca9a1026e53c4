import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import Testing

@testable import StrataSupport

/// Average marginal effects over many rows (blocked margins for numeric variables, per-level
/// margins for factors and 0/1 variables) split the rows into shares fixed by the row count, so
/// they are bit-identical for any number of threads — as is the fit's IRLS before them.
@Suite("Margins on large data: the same bits for 1, 2, 3 and 8 threads")
struct MarginsThreadCountTests {
  /// 140 000 rows: four shares of margins row blocks, a 5-part row partition for the fit.
  static let data: DataFrame = {
    var state: UInt64 = 99
    func uniform() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return (Double(state >> 11) + 0.5) * 0x1.0p-53
    }
    let n = 140_000
    var (y, x, d, codes) = ([Double](), [Double](), [Double](), [Int32]())
    for i in 0..<n {
      let xi = uniform() * 2 - 1
      let di: Double = uniform() < 0.4 ? 1 : 0
      let g = Int32(i % 7)
      let eta = -0.2 + 0.7 * xi + 0.4 * di + 0.06 * Double(g)
      x.append(xi)
      d.append(di)
      codes.append(g)
      y.append(uniform() < 1 / (1 + exp(-eta)) ? 1 : 0)
    }
    return DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: y))),
      Column(name: "x", storage: .numeric(NumericColumn(values: x))),
      Column(name: "d", storage: .numeric(NumericColumn(values: d))),
      Column(name: "g", storage: .factor(FactorColumn(codes: codes, levels: (0..<7).map { "g\($0)" }))),
    ])
  }()

  /// Coefficients, AMEs and their standard errors, as raw numbers.
  static func numbers() throws -> [Double] {
    let fit = try GeneralizedLinearModel.fit("y ~ x + I(x^2) + d + g", model: .logit, data: data)
    let v = try covariance(of: fit, spec: .hc(.hc1))
    let result = try Margins.estimate(
      try PredictionModel(fit: fit, data: data), options: MarginsOptions(variables: ["x", "g", "d"], discrete: ["d"]),
      variance: DeltaMethod(covariance: v.matrix), degreesOfFreedom: .infinity, varianceTitle: v.title)
    return fit.coefficients + v.matrix.storage + result.estimates.flatMap { [$0.result.estimate, $0.result.stdError] }
  }

  @Test("Logit fit, HC1 covariance and AMEs of a numeric, a factor and a 0/1 variable")
  func marginsAreBitIdentical() throws {
    let reference = try WorkerThreads.$override.withValue(1) { try Self.numbers() }
    #expect(reference.count > 20 && reference.allSatisfy(\.isFinite))
    for threads in [2, 3, 8] {
      let other = try WorkerThreads.$override.withValue(threads) { try Self.numbers() }
      #expect(other.map(\.bitPattern) == reference.map(\.bitPattern), "\(threads) threads")
    }
  }
}
