import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import StrataModels

/// A policy scenario compared with the baseline: average predictions, difference and ratio.
public struct ScenarioComparison: Sendable {
  /// The scenario as written (its name, if any, removed: see `name`).
  public var scenario: String
  /// The scenario's display name (`Name: assignments`), if it has one.
  public var name: String? = nil
  /// The name if there is one, else the scenario as written.
  public var label: String { name ?? scenario }
  /// The `--by` group.
  public var group: (variable: String, label: String)?
  /// Average prediction on the data as observed.
  public var baseline: DeltaEstimate
  /// Average prediction under the scenario.
  public var predicted: DeltaEstimate
  /// `predicted − baseline`.
  public var difference: DeltaEstimate
  /// `predicted / baseline` (its test is against 0, as for every estimate; judge it by its
  /// interval against 1).
  public var ratio: DeltaEstimate
}

/// Scenario comparisons with their variance description.
public struct ScenarioResult: Sendable {
  public var comparisons: [ScenarioComparison]
  public var unconditional: Bool
  public var varianceTitle: String
  public var degreesOfFreedom: Double
  public var level: Double
  public var nobs: Int
  public var weighted: Bool
}

/// One row's prediction on new data.
public struct RowPrediction: Sendable {
  /// 1-based row of the new data.
  public var row: Int
  /// Linear predictor `xβ`.
  public var linearPredictor: Double
  /// Prediction on the response scale, with its delta-method error (`|g′(η)| · √(x V xᵀ)`).
  public var result: DeltaEstimate
}

/// Policy scenarios and predictions of a fitted model.
///
///     let s = try Scenario.parse("nwifeinc = nwifeinc * 1.1")
///     let r = try Scenarios.compare(model, scenarios: [s], variance: DeltaMethod(covariance: v.matrix),
///                                   degreesOfFreedom: v.degreesOfFreedom, varianceTitle: v.title)
///
/// The (weighted) average prediction over the estimation sample under the data as observed and
/// under each scenario, their difference and ratio, each linearized in the coefficients (and, with
/// an `InfluenceVariance`, in the sample). Matches R `mean(predict(fit, newdata, type =
/// "response"))` with the delta-method variance `J V Jᵀ` (`marginaleffects::avg_predictions`
/// with a `comparisons` on the scenario).
public enum Scenarios {
  /// Compares each scenario with the baseline, overall or within the groups of `by`.
  ///
  /// - Throws: `FormulaError` from the scenarios; `MarginsError.zeroBaseline` when a ratio
  ///   divides by zero; variance-engine errors.
  public static func compare(
    _ model: PredictionModel, scenarios: [Scenario], by: String? = nil, variance: DeltaMethod,
    degreesOfFreedom: Double, varianceTitle: String, level: Double = 95
  ) throws -> ScenarioResult {
    guard level > 0, level < 100 else { throw MarginsError.invalidLevel(level) }
    var estimates: [LinearizedEstimate] = []
    var labels: [(Scenario, (String, String)?)] = []
    for group in try groupAverages(model, scenarios: scenarios, by: by, keepsInfluence: variance.unconditional != nil) {
      let base = group.baseline
      for (s, p) in zip(scenarios, group.predicted) {
        if base.value == 0 { throw MarginsError.zeroBaseline(scenario: s.label) }
        estimates += [base, p, p.minus(base), p.dividedBy(base)]
        labels.append((s, group.label.map { (by ?? "", $0) }))
      }
    }
    let ses = try variance.standardErrors(estimates)
    func make(_ i: Int) -> DeltaEstimate {
      DeltaEstimate(estimate: estimates[i].value, stdError: ses[i], degreesOfFreedom: degreesOfFreedom, level: level)
    }
    let comparisons = labels.enumerated().map { k, label in
      ScenarioComparison(
        scenario: label.0.definition, name: label.0.name, group: label.1, baseline: make(4 * k), predicted: make(4 * k + 1),
        difference: make(4 * k + 2), ratio: make(4 * k + 3))
    }
    return ScenarioResult(
      comparisons: comparisons, unconditional: variance.unconditional != nil,
      varianceTitle: variance.unconditional?.title ?? varianceTitle, degreesOfFreedom: degreesOfFreedom, level: level,
      nobs: model.rows.count, weighted: model.weights != nil)
  }

  /// Per group of `by` (one unnamed group without it): the group's weight `Σ wᵢ`, the average
  /// prediction on the data as observed and under each scenario.
  static func groupAverages(
    _ model: PredictionModel, scenarios: [Scenario], by: String?, keepsInfluence: Bool
  ) throws -> [(label: String?, weight: Double, baseline: LinearizedEstimate, predicted: [LinearizedEstimate])] {
    let groups = try Margins.sampleGroups(model: model, over: by)
    let changed = try scenarios.map { try $0.apply(to: model.data) }
    return try groups.map { group in
      let w = group.positions.map { model.weights?[$0] ?? 1 }
      let total = w.reduce(0, +)
      var point = EvaluationPoint(
        data: model.data, rows: group.positions.map { model.rows[$0] }, shares: w.map { $0 / total },
        samplePositions: group.positions, sampleSize: model.rows.count, keepsInfluence: keepsInfluence)
      let base = try model.averagePrediction(at: point)
      let predicted = try changed.map { data -> LinearizedEstimate in
        point.data = data
        return try model.averagePrediction(at: point)
      }
      return (group.label, total, base, predicted)
    }
  }

  /// Row-by-row predictions on new data with delta-method standard errors (covariates fixed).
  ///
  /// - Parameters:
  ///   - recipe: the fitted recipe (new data are coded with the fit's levels).
  ///   - coefficients, kept: the kept coefficients and their columns.
  ///   - link: the inverse link (nil: least squares).
  ///   - covariance: covariance of the kept coefficients.
  /// - Throws: `FormulaError` for missing columns, unseen levels or missing values.
  public static func predictions(
    recipe: ModelRecipe, newdata: DataFrame, coefficients: [Double], kept: [Int], link: Link?, covariance: Matrix,
    degreesOfFreedom: Double, level: Double = 95
  ) throws -> [RowPrediction] {
    guard level > 0, level < 100 else { throw MarginsError.invalidLevel(level) }
    let full = try recipe.matrix(for: newdata)
    let x = kept.count == full.cols ? full : full.selectingColumns(kept)
    var eta = x.multiplied(by: coefficients)
    if let offset = try recipe.offset(for: newdata) { eta = zip(eta, offset).map { $0 + $1 } }
    let xv = x * covariance
    return (0..<x.rows).map { i in
      var q = 0.0
      for j in 0..<x.cols { q += xv[i, j] * x[i, j] }
      let d = link?.muEta(eta[i]) ?? 1
      let mu = link?.inverse(eta[i]) ?? eta[i]
      return RowPrediction(
        row: i + 1, linearPredictor: eta[i],
        result: DeltaEstimate(
          estimate: mu, stdError: abs(d) * max(q, 0).squareRoot(), degreesOfFreedom: degreesOfFreedom, level: level))
    }
  }
}
