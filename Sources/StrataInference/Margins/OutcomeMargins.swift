import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import StrataModels

/// One average marginal effect on the probability of one outcome level.
public struct OutcomeMarginEstimate: Sendable {
  /// The data column differentiated.
  public var variable: String
  /// The outcome level whose probability is differentiated.
  public var outcome: String
  public var result: DeltaEstimate
}

/// Per-outcome average marginal effects of an ordered or multinomial fit.
public struct OutcomeMarginsResult: Sendable {
  public var estimates: [OutcomeMarginEstimate]
  /// Description of the coefficient variance the delta method used.
  public var varianceTitle: String
  public var degreesOfFreedom: Double
  public var level: Double
  public var nobs: Int
  public var weighted: Bool
}

/// Average marginal effects on each outcome's probability after `ologit`, `oprobit` and `mlogit`
/// (Stata `margins, dydx(*) predict(outcome(k))`, R `marginaleffects::avg_slopes` by group).
///
/// The effect of data column `v` on `P(y = k)` is averaged over the estimation sample (weighted
/// by the fit's weights): `∂P_k/∂v = Σ_j ∂P_k/∂x_j · ∂x_j/∂v`, with `∂x/∂v` from the fit's
/// `ModelRecipe` (so `I(x^2)`, `log(x)` and interactions are handled as in the other margins).
/// The delta-method variance is `J V Jᵀ` with the fit's coefficient covariance (covariates held
/// fixed) and `J` the Jacobian by central differences (relative error ~1e-10). The effects on
/// all outcomes sum to zero.
public enum OutcomeMargins {
  /// Per-outcome AMEs of the numeric data columns the regressors use (or of `variables`).
  ///
  /// - Throws: `MarginsError`/`FormulaError` when a requested variable is not in the model or is
  ///   categorical; `InferenceError` if the fit is not ordered or multinomial.
  public static func averageMarginalEffects(
    of fit: Fit, data: DataFrame, covariance: CovarianceEstimate, variables: [String] = [], level: Double = 95
  ) throws -> OutcomeMarginsResult {
    guard let c = fit.categorical, let recipe = fit.recipe else {
      throw InferenceError.notCategorical(model: fit.kind.rawValue)
    }
    let explicit = !variables.isEmpty
    let names = explicit ? variables : recipe.variables.filter { $0.role != .categorical }.map(\.name)
    // The fit's predictor columns within the recipe's columns.
    let columns = c.predictors.map { recipe.columnNames.firstIndex(of: $0) ?? 0 }
    let n = fit.nobs
    let w = fit.weights ?? [Double](repeating: 1, count: n)
    let totalWeight = w.reduce(0, +)
    let theta = fit.keptCoefficients
    var estimates: [OutcomeMarginEstimate] = []
    for name in names {
      let d: Matrix
      do {
        d = try recipe.derivative(withRespectTo: name, data: data, rows: fit.rows).selectingColumns(columns)
      } catch let error as FormulaError {
        if explicit { throw error }
        continue
      }
      let ame = { (t: [Double]) -> [Double] in
        averageEffects(fit: fit, details: c, theta: t, derivative: d, weights: w, total: totalWeight)
      }
      let value = ame(theta)
      var jacobian = Matrix(rows: value.count, cols: theta.count)
      for j in theta.indices {
        let h = 1e-5 * max(1, abs(theta[j]))
        var up = theta
        var down = theta
        up[j] += h
        down[j] -= h
        let a = ame(up)
        let b = ame(down)
        for k in value.indices { jacobian[k, j] = (a[k] - b[k]) / (2 * h) }
      }
      let v = jacobian * covariance.matrix * transpose(jacobian)
      for (k, level_) in c.levels.enumerated() {
        estimates.append(
          OutcomeMarginEstimate(
            variable: name, outcome: level_,
            result: DeltaEstimate(
              estimate: value[k], stdError: max(v[k, k], 0).squareRoot(),
              degreesOfFreedom: covariance.degreesOfFreedom, level: level)))
      }
    }
    return OutcomeMarginsResult(
      estimates: estimates, varianceTitle: covariance.title.isEmpty ? covariance.spec.title : covariance.title,
      degreesOfFreedom: covariance.degreesOfFreedom, level: level, nobs: n, weighted: fit.weights != nil)
  }

  /// The weighted average over rows of `∂P_k/∂v` for every level `k`, at parameters `theta`
  /// (kept coefficients in `Fit.kept` order).
  static func averageEffects(
    fit: Fit, details c: CategoricalDetails, theta: [Double], derivative d: Matrix, weights w: [Double],
    total: Double
  ) -> [Double] {
    let n = fit.nobs
    let x = fit.x
    let p = x.cols
    let nLevels = c.levels.count
    var out = [Double](repeating: 0, count: nLevels)
    if let base = c.base {
      let outcomes = (0..<nLevels).filter { $0 != base }
      for i in 0..<n {
        var eta = [Double](repeating: 0, count: outcomes.count)
        var slope = [Double](repeating: 0, count: nLevels)
        for (a, k) in outcomes.enumerated() {
          var e = 0.0
          var s = 0.0
          for j in 0..<p {
            e += theta[a * p + j] * x[i, j]
            s += theta[a * p + j] * d[i, j]
          }
          eta[a] = e
          slope[k] = s
        }
        let probs = MultinomialLogit.probabilities(linearPredictors: eta, base: base)
        let mean = (0..<nLevels).reduce(0) { $0 + probs[$1] * slope[$1] }
        for k in 0..<nLevels { out[k] += w[i] * probs[k] * (slope[k] - mean) }
      }
    } else {
      let link: OrderedLink = fit.kind == .oprobit ? .probit : .logit
      let cuts = Array(theta[p...])
      for i in 0..<n {
        var eta = 0.0
        var slope = 0.0
        for j in 0..<p {
          eta += theta[j] * x[i, j]
          slope += theta[j] * d[i, j]
        }
        var previous = 0.0
        for k in 0..<nLevels {
          let density = k < nLevels - 1 ? link.density(cuts[k] - eta) : 0
          out[k] += w[i] * -(density - previous) * slope
          previous = density
        }
      }
    }
    return out.map { $0 / total }
  }
}

/// `Aᵀ`.
func transpose(_ a: Matrix) -> Matrix {
  var t = Matrix(rows: a.cols, cols: a.rows)
  for j in 0..<a.cols { for i in 0..<a.rows { t[j, i] = a[i, j] } }
  return t
}
