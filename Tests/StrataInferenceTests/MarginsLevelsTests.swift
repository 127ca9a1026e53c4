import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport
import Testing
import _StrataTestSupport

/// A factor's discrete changes computed directly: the model matrix rebuilt with the factor at
/// each level on every row (R `predict(fit, newdata)` with the column replaced), averaged with
/// the fit's weights over `positions` of the estimation sample.
private struct LevelAverage {
  var theta: Double
  /// `Σ aᵢ μ′ᵢ Xᵢ`.
  var gradient: [Double]
  /// `aᵢ μᵢ` per entry of `positions`, and the shares `aᵢ`.
  var predictions: [Double]
  var shares: [Double]

  init(_ fit: Fit, data: DataFrame, variable: String, level: String, positions: [Int]) throws {
    let model = try PredictionModel(fit: fit, data: data)
    let rows = positions.map { fit.rows[$0] }
    let x = try model.matrix(on: try data.replacing(variable, withLevel: level), rows: rows)
    let eta = x.multiplied(by: model.coefficients)
    let w = positions.map { fit.weights?[$0] ?? 1 }
    let total = w.reduce(0, +)
    shares = w.map { $0 / total }
    predictions = eta.map { model.mean($0) }
    theta = zip(shares, predictions).reduce(0) { $0 + $1.0 * $1.1 }
    let link = try #require(fit.glm?.link)
    gradient = x.multiplied(by: zip(shares, eta).map { $0 * link.muEta($1) }, transpose: true)
  }
}

@Suite("Margins of factors: every level from one linear predictor")
struct MarginsLevelsTests {
  /// Discrete changes of a weighted logit's factor, overall and `over` a second factor, with
  /// fixed-covariate and unconditional (HC0: `Σ ψᵢ²`) errors, equal the direct computation of
  /// `LevelAverage` to 1e-10 relative; for a main effect (`stype`, one linear predictor per
  /// block) and through an interaction (`ell * stype`, the model matrix rebuilt per level).
  @Test(arguments: ["sch.wide ~ ell + meals + stype", "sch.wide ~ ell * stype + meals"])
  func discreteChangesEqualDirectAverages(_ formula: String) throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let fit = try GeneralizedLinearModel.fit(
      formula, model: .logit, data: data, options: ModelFrameOptions(weights: "pw"))
    let v = try covariance(of: fit, spec: .hc(.hc0))
    let unconditional = try InfluenceVariance.sandwich(fit: fit, spec: .hc(.hc0))
    let model = try PredictionModel(fit: fit, data: data)
    let both = try data.column(named: "both")
    for over in [nil, "both"] as [String?] {
      for vce in ["fixed", "unconditional"] {
        let result = try Margins.estimate(
          model, options: MarginsOptions(variables: ["stype"], over: over),
          variance: DeltaMethod(covariance: v.matrix, unconditional: vce == "fixed" ? nil : unconditional),
          degreesOfFreedom: .infinity, varianceTitle: v.title)
        #expect(result.estimates.count == (over == nil ? 2 : 4))
        for e in result.estimates {
          let positions = fit.rows.indices.filter { i in
            guard let g = e.group else { return true }
            if case .factor(let f) = both.storage { return f.levels[Int(f.codes[fit.rows[i]])] == g.label }
            return false
          }
          let level = try LevelAverage(fit, data: data, variable: "stype", level: try #require(e.level), positions: positions)
          let base = try LevelAverage(fit, data: data, variable: "stype", level: try #require(e.base), positions: positions)
          let theta = level.theta - base.theta
          let j = zip(level.gradient, base.gradient).map { $0 - $1 }
          var variance = 0.0
          if vce == "fixed" {
            let vj = v.matrix.multiplied(by: j)
            variance = zip(j, vj).reduce(0) { $0 + $1.0 * $1.1 }
          } else {
            var psi = unconditional.coefficientInfluence.multiplied(by: j)
            for (k, p) in positions.enumerated() {
              psi[p] += level.shares[k] * (level.predictions[k] - base.predictions[k] - theta)
            }
            variance = psi.reduce(0) { $0 + $1 * $1 }
          }
          let label = "\(formula) over \(over ?? "-") \(vce) \(e.level ?? "") vs \(e.base ?? "") \(e.group?.label ?? "")"
          expectClose(e.result.estimate, theta, rtol: 1e-10, label)
          expectClose(e.result.stdError, variance.squareRoot(), rtol: 1e-10, "se " + label)
        }
      }
    }
  }

  /// Past one row block (16,384 rows, two threads) the blocked sums give the same discrete
  /// changes as the direct averages: a logit on 40,000 generated rows with a 12-level factor
  /// and a `--discrete` 0/1 variable that enters through `d + I(d^2)`.
  @Test func blockedSumsMatchDirectAverages() throws {
    let n = 40_000
    var state: UInt64 = 7
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
    }
    var x = [Double](), d = [Double](), y = [Double](), codes = [Int32]()
    for i in 0..<n {
      let xi = uniform() * 2 - 1
      let di: Double = uniform() < 0.4 ? 1 : 0
      let g = Int32(i % 12)
      let eta = -0.2 + 0.7 * xi + 0.4 * di + 0.06 * Double(g)
      x.append(xi)
      d.append(di)
      codes.append(g)
      y.append(uniform() < 1 / (1 + exp(-eta)) ? 1 : 0)
    }
    let data = DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: y))),
      Column(name: "x", storage: .numeric(NumericColumn(values: x))),
      Column(name: "d", storage: .numeric(NumericColumn(values: d))),
      Column(name: "g", storage: .factor(FactorColumn(codes: codes, levels: (0..<12).map { "g\($0)" }))),
    ])
    let fit = try GeneralizedLinearModel.fit("y ~ x + d + I(d^2) + g", model: .logit, data: data)
    let v = try covariance(of: fit, spec: .hc(.hc0))
    let result = try Margins.estimate(
      try PredictionModel(fit: fit, data: data), options: MarginsOptions(variables: ["g", "d"], discrete: ["d"]),
      variance: DeltaMethod(covariance: v.matrix), degreesOfFreedom: .infinity, varianceTitle: v.title)
    #expect(result.estimates.count == 12)
    let all = Array(fit.rows.indices)
    for e in result.estimates {
      let level = try LevelAverage(fit, data: data, variable: e.variable, level: try #require(e.level), positions: all)
      let base = try LevelAverage(fit, data: data, variable: e.variable, level: try #require(e.base), positions: all)
      let j = zip(level.gradient, base.gradient).map { $0 - $1 }
      let vj = v.matrix.multiplied(by: j)
      expectClose(e.result.estimate, level.theta - base.theta, rtol: 1e-10, "\(e.variable) \(e.level ?? "")")
      expectClose(
        e.result.stdError, zip(j, vj).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot(), rtol: 1e-10,
        "se \(e.variable) \(e.level ?? "")")
    }
  }
}
