import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import StrataModels

extension OutcomeMargins {
  /// Per-outcome margins of an ordered or multinomial fit with the general margins options: at the
  /// means (`atMeans`), at representative values (`at`), by group (`over`), discrete changes for
  /// factors and `discrete` 0/1 columns, and the `eyex`/`eydx`/`dyex` kinds.
  ///
  /// Each estimate is a weighted average over an evaluation point (built by the margins engine's
  /// own `Margins.evaluationPoint`) of a function of `Pr(y = k | x)` and `∂Pr(y = k | x)/∂v`
  /// (`v` the data column, through every transformation of the formula). For each variable, kind
  /// and point, the K outcome estimates are one vector function of the kept coefficients; its
  /// Jacobian is taken by central differences (step `1e-5 · max(1, |θⱼ|)`, relative error ~1e-10)
  /// and the delta-method covariance is `J V Jᵀ` with the fit's coefficient covariance
  /// (covariates fixed). Discrete changes are `Pr_k(level) − Pr_k(base)` averaged over the point.
  /// The estimates of `dydx` and discrete changes sum to zero across outcomes.
  ///
  /// - Throws: `InferenceError.notCategorical` for other fits; `MarginsError` as
  ///   `Margins.estimate` (unknown variables, bad `--at` values, non-binary `--discrete`
  ///   columns, zero probabilities for `eyex`/`eydx`); `MarginsError.unconditionalNeedsRobust`
  ///   is never raised: the covariance is always the fit's (covariates fixed).
  public static func estimate(
    of fit: Fit, data: DataFrame, covariance: CovarianceEstimate, options: MarginsOptions
  ) throws -> MarginsResult {
    guard let c = fit.categorical, let recipe = fit.recipe else {
      throw InferenceError.notCategorical(model: fit.kind.rawValue)
    }
    guard options.level > 0, options.level < 100 else { throw MarginsError.invalidLevel(options.level) }
    let model = try PredictionModel(fit: fit, data: data)
    let columns = c.predictors.map { recipe.columnNames.firstIndex(of: $0) ?? 0 }
    let explicit = !options.variables.isEmpty
    let names = explicit ? options.variables : model.variableNames
    var treatments: [(String, VariableTreatment)] = []
    for name in names {
      treatments.append((name, try Margins.treatment(of: name, model: model, discrete: options.discrete)))
    }
    if !options.kinds.contains(.dydx), let k = options.kinds.first, explicit,
      let (name, _) = treatments.first(where: { if case .discrete = $0.1 { return true } else { return false } })
    {
      throw MarginsError.elasticityOfDiscrete(variable: name, type: k.rawValue)
    }
    let theta = fit.keptCoefficients
    let groups = try Margins.sampleGroups(model: model, over: options.over)
    let grid = options.at?.settings ?? [[]]
    var estimates: [MarginEstimate] = []
    func matrix(_ frame: DataFrame, _ rows: [Int]) throws -> Matrix {
      try recipe.matrix(for: frame, rows: rows).selectingColumns(columns)
    }
    for group in groups {
      for setting in grid {
        let (point, atValues) = try Margins.evaluationPoint(
          model: model, group: group.positions, setting: setting, atMeans: options.atMeans)
        let groupLabel = group.label.map { (options.over ?? "", $0) }
        func record(_ kind: MarginKind, _ f: ([Double]) throws -> [Double], level: String? = nil, base: String? = nil)
          throws
        {
          let value = try f(theta)
          let v = try deltaCovariance(f, at: theta, value: value, covariance: covariance.matrix)
          for (k, outcome) in c.levels.enumerated() {
            var m = MarginEstimate(
              variable: "", type: kind, level: level, base: base, at: atValues, group: groupLabel,
              result: DeltaEstimate(
                estimate: value[k], stdError: max(v[k, k], 0).squareRoot(),
                degreesOfFreedom: covariance.degreesOfFreedom, level: options.level))
            m.outcome = outcome
            estimates.append(m)
          }
        }
        for (name, t) in treatments {
          let before = estimates.count
          switch t {
          case .continuous:
            let x = try matrix(point.data, point.rows)
            let d = try recipe.derivative(withRespectTo: name, data: point.data, rows: point.rows)
              .selectingColumns(columns)
            let xv = try numericValues(point.data, name, rows: point.rows)
            for kind in options.kinds {
              try record(kind) { th in
                try averageOutcomeEffect(
                  fit: fit, details: c, theta: th, x: x, derivative: d, values: xv, shares: point.shares, kind: kind,
                  variable: name)
              }
            }
          case .discrete(let levels):
            guard options.kinds.contains(.dydx) else { continue }
            var at: [String: Matrix] = [:]
            for l in levels { at[l] = try matrix(try setLevel(point.data, name, l), point.rows) }
            let pairs: [(Int, Int)]
            switch options.contrast {
            case .reference: pairs = (1..<max(levels.count, 1)).map { (0, $0) }
            case .pairwise: pairs = levels.indices.flatMap { i in ((i + 1)..<levels.count).map { (i, $0) } }
            }
            for (b, l) in pairs {
              guard let xl = at[levels[l]], let xb = at[levels[b]] else { continue }
              try record(.dydx, { th in
                let pl = averageProbabilities(fit: fit, details: c, theta: th, x: xl, shares: point.shares)
                let pb = averageProbabilities(fit: fit, details: c, theta: th, x: xb, shares: point.shares)
                return zip(pl, pb).map { $0 - $1 }
              }, level: levels[l], base: levels[b])
            }
          }
          for i in before..<estimates.count { estimates[i].variable = name }
        }
      }
    }
    return MarginsResult(
      estimates: estimates, atMeans: options.atMeans, unconditional: false,
      varianceTitle: covariance.title.isEmpty ? covariance.spec.title : covariance.title,
      degreesOfFreedom: covariance.degreesOfFreedom, level: options.level, nobs: fit.nobs,
      weighted: fit.weights != nil)
  }

  /// `J V Jᵀ` with `J` the central-difference Jacobian of `f` at `theta`.
  static func deltaCovariance(
    _ f: ([Double]) throws -> [Double], at theta: [Double], value: [Double], covariance: Matrix
  ) throws -> Matrix {
    var jacobian = Matrix(rows: value.count, cols: theta.count)
    for j in theta.indices {
      let h = 1e-5 * max(1, abs(theta[j]))
      var up = theta
      var down = theta
      up[j] += h
      down[j] -= h
      let a = try f(up)
      let b = try f(down)
      for k in value.indices { jacobian[k, j] = (a[k] - b[k]) / (2 * h) }
    }
    return jacobian * covariance * transpose(jacobian)
  }

  /// Each outcome's probability and its derivative along `slope` directions for one row:
  /// `x` the predictor row's linear parts (one per non-base outcome for mlogit, one for ordered).
  static func rowProbabilities(
    fit: Fit, details c: CategoricalDetails, theta: [Double], x: Matrix, row i: Int, derivative d: Matrix?
  ) -> (probs: [Double], slopes: [Double]) {
    let p = x.cols
    let nLevels = c.levels.count
    if let base = c.base {
      let outcomes = (0..<nLevels).filter { $0 != base }
      var eta = [Double](repeating: 0, count: outcomes.count)
      var slope = [Double](repeating: 0, count: nLevels)
      for (a, k) in outcomes.enumerated() {
        var e = 0.0
        var s = 0.0
        for j in 0..<p {
          e += theta[a * p + j] * x[i, j]
          if let d { s += theta[a * p + j] * d[i, j] }
        }
        eta[a] = e
        slope[k] = s
      }
      let probs = MultinomialLogit.probabilities(linearPredictors: eta, base: base)
      let mean = (0..<nLevels).reduce(0) { $0 + probs[$1] * slope[$1] }
      return (probs, (0..<nLevels).map { probs[$0] * (slope[$0] - mean) })
    }
    let link: OrderedLink = fit.kind == .oprobit ? .probit : .logit
    var eta = 0.0
    var slope = 0.0
    for j in 0..<p {
      eta += theta[j] * x[i, j]
      if let d { slope += theta[j] * d[i, j] }
    }
    var probs = [Double](repeating: 0, count: nLevels)
    var slopes = [Double](repeating: 0, count: nLevels)
    var previous = (cdf: 0.0, density: 0.0)
    for k in 0..<nLevels {
      let z = k < nLevels - 1 ? theta[p + k] - eta : Double.infinity
      let cdf = link.cdf(z)
      let density = link.density(z)
      probs[k] = cdf - previous.cdf
      slopes[k] = -(density - previous.density) * slope
      previous = (cdf, density)
    }
    return (probs, slopes)
  }

  /// `Σ aᵢ Pr_k(xᵢ)` for every outcome `k`.
  static func averageProbabilities(
    fit: Fit, details c: CategoricalDetails, theta: [Double], x: Matrix, shares: [Double]
  ) -> [Double] {
    var out = [Double](repeating: 0, count: c.levels.count)
    for (i, a) in shares.enumerated() {
      let r = rowProbabilities(fit: fit, details: c, theta: theta, x: x, row: i, derivative: nil)
      for k in out.indices { out[k] += a * r.probs[k] }
    }
    return out
  }

  /// `Σ aᵢ fᵢₖ` with `f` the `kind` of `∂Pr_k/∂v` (`dydx`, `· x/P` for `eyex`, `/P` for `eydx`,
  /// `· x` for `dyex`) for every outcome `k`.
  static func averageOutcomeEffect(
    fit: Fit, details c: CategoricalDetails, theta: [Double], x: Matrix, derivative d: Matrix, values xv: [Double],
    shares: [Double], kind: MarginKind, variable: String
  ) throws -> [Double] {
    var out = [Double](repeating: 0, count: c.levels.count)
    for (i, a) in shares.enumerated() {
      let r = rowProbabilities(fit: fit, details: c, theta: theta, x: x, row: i, derivative: d)
      for k in out.indices {
        let f: Double
        switch kind {
        case .dydx: f = r.slopes[k]
        case .dyex: f = r.slopes[k] * xv[i]
        case .eydx, .eyex:
          if r.probs[k] == 0 { throw MarginsError.zeroPrediction(variable: variable, type: kind.rawValue, row: nil) }
          f = r.slopes[k] / r.probs[k] * (kind == .eyex ? xv[i] : 1)
        }
        out[k] += a * f
      }
    }
    return out
  }
}
