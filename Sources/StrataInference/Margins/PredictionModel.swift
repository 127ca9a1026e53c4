import Foundation
import StrataData
import StrataFormula
import StrataLinalg
import StrataModels

/// A fitted model as margins, elasticities and scenarios see it: its recipe, the data and
/// estimation rows, the kept coefficients and the inverse link.
///
///     let model = try PredictionModel(fit: fit, data: mroz)
///     let base = try model.evaluate(on: mroz, rows: fit.rows)   // η, μ and X on the fit's rows
///
/// Predictions are on the scale of the response as written: the linear predictor for least
/// squares (`log(wage)` for `log(wage) ~ …`), the mean `g⁻¹(Xβ)` for GLMs.
public struct PredictionModel: Sendable {
  /// How the design matrix is rebuilt and differentiated.
  public var recipe: ModelRecipe
  /// The data the model was fitted to (all rows; `rows` selects the estimation sample).
  public var data: DataFrame
  /// The estimation sample (0-based data rows).
  public var rows: [Int]
  /// Kept coefficients, in `kept` order.
  public var coefficients: [Double]
  /// Kept model-matrix columns.
  public var kept: [Int]
  /// The inverse link (`nil` for least squares: the identity).
  public var link: Link?
  /// Averaging weights over `rows` (the fit's case or sampling weights; nil = equal).
  public var weights: [Double]?

  /// A model from a fit and its data.
  ///
  /// - Throws: `MarginsError.missingRecipe` when the fit has no recipe.
  public init(fit: Fit, data: DataFrame) throws {
    guard let recipe = fit.recipe else { throw MarginsError.missingRecipe }
    self.init(
      recipe: recipe, data: data, rows: fit.rows, coefficients: fit.keptCoefficients, kept: fit.kept,
      link: fit.glm?.link, weights: fit.weights)
  }

  /// A model from its parts (a saved fit rebuilt on its data).
  public init(
    recipe: ModelRecipe, data: DataFrame, rows: [Int], coefficients: [Double], kept: [Int], link: Link?,
    weights: [Double]?
  ) {
    self.recipe = recipe
    self.data = data
    self.rows = rows
    self.coefficients = coefficients
    self.kept = kept
    self.link = link
    self.weights = weights
  }

  /// Whether the response is written `log(y)` in a least-squares model: elasticities then
  /// refer to `y` itself (`ey/ex = ∂log y/∂x · x`), so a log–log coefficient is an elasticity.
  public var responseIsLog: Bool { link == nil && recipe.responseTransformation == .log }

  /// The kept columns of the design matrix on `data` at `rows`.
  public func matrix(on data: DataFrame, rows: [Int]) throws -> Matrix {
    keptColumns(try recipe.matrix(for: data, rows: rows))
  }

  /// The linear predictor `Xβ + offset` of the kept columns `x` built on `data` at `rows`; the
  /// offset (`offset(log(exposure))`, `--exposure`) is evaluated on the same rows, so a
  /// prediction is at each row's exposure unless the data set it (`--at exposure=1`).
  public func linearPredictor(_ x: Matrix, on data: DataFrame, rows: [Int]) throws -> [Double] {
    let eta = x.multiplied(by: coefficients)
    guard let offset = try recipe.offset(for: data, rows: rows) else { return eta }
    return zip(eta, offset).map { $0 + $1 }
  }

  /// The kept columns of `∂X/∂variable` on `data` at `rows`.
  public func derivative(of variable: String, on data: DataFrame, rows: [Int]) throws -> Matrix {
    keptColumns(try recipe.derivative(withRespectTo: variable, data: data, rows: rows))
  }

  /// The kept columns of `X` and, for each of `variables`, the nonzero kept columns of
  /// `∂X/∂variable` (as positions among the kept columns, with their values), evaluating the
  /// regressors on `data` at `rows` once.
  func matrixAndDerivatives(of variables: [String], on data: DataFrame, rows: [Int]) throws
    -> (matrix: Matrix, derivatives: [(positions: [Int], values: Matrix)])
  {
    let (x, d) = try recipe.matrixAndDerivatives(withRespectTo: variables, data: data, rows: rows)
    var position = [Int: Int]()
    for (k, c) in kept.enumerated() { position[c] = k }
    let derivatives = d.map { entry -> (positions: [Int], values: Matrix) in
      let keep = entry.columns.indices.filter { position[entry.columns[$0]] != nil }
      let values = keep.count == entry.columns.count ? entry.values : entry.values.selectingColumns(keep)
      return (keep.compactMap { position[entry.columns[$0]] }, values)
    }
    return (keptColumns(x), derivatives)
  }

  /// `μ`, `dμ/dη` and `d²μ/dη²` at each `η` (computed once and shared by many variables).
  func meanValues(_ eta: [Double]) -> MeanValues {
    MeanValues(mean: eta.map(mean), first: eta.map(meanDerivative), second: eta.map(meanSecondDerivative))
  }

  func keptColumns(_ m: Matrix) -> Matrix {
    kept.count == m.cols ? m : m.selectingColumns(kept)
  }

  /// `μ = g⁻¹(η)`.
  public func mean(_ eta: Double) -> Double { link?.inverse(eta) ?? eta }
  /// `dμ/dη`.
  func meanDerivative(_ eta: Double) -> Double { link?.muEta(eta) ?? 1 }
  /// `d²μ/dη²`.
  func meanSecondDerivative(_ eta: Double) -> Double { link?.muEtaDerivative(eta) ?? 0 }

  /// The data columns the regressors use.
  public var variableNames: [String] { recipe.variables.map(\.name) }
}

/// The inverse link and its first two derivatives at each row's linear index.
struct MeanValues {
  /// `μ = g⁻¹(η)`.
  var mean: [Double]
  /// `dμ/dη`.
  var first: [Double]
  /// `d²μ/dη²`.
  var second: [Double]
}

/// Where an average is taken: rows of a (possibly modified) data frame with normalized weights.
struct EvaluationPoint: Sendable {
  /// The data (the fit's data, possibly with variables set by `--at`, or a one-row frame of means).
  var data: DataFrame
  /// Rows of `data` to average over.
  var rows: [Int]
  /// `aᵢ = wᵢ / Σw` per entry of `rows`.
  var shares: [Double]
  /// For each entry of `rows`, its position in the estimation sample (nil for a synthetic row,
  /// which has no data influence).
  var samplePositions: [Int]?
  /// Size of the estimation sample (length of data influences).
  var sampleSize: Int
  /// Whether averages keep their data influence (only the covariate-sampling variance reads it).
  var keepsInfluence = true
}

extension PredictionModel {
  /// The average prediction at an evaluation point, linearized.
  func averagePrediction(at point: EvaluationPoint) throws -> LinearizedEstimate {
    let x = try matrix(on: point.data, rows: point.rows)
    let eta = try linearPredictor(x, on: point.data, rows: point.rows)
    let mu = eta.map(mean)
    return average(values: mu, gradientRows: x, weightsOnRows: eta.map(meanDerivative), at: point)
  }

  /// `Σ aᵢ vᵢ` with gradient `Σ aᵢ gᵢ Xᵢ` and data influence `aᵢ (vᵢ − θ)`.
  func average(values v: [Double], gradientRows x: Matrix, weightsOnRows g: [Double], at point: EvaluationPoint)
    -> LinearizedEstimate
  {
    var theta = 0.0
    for (i, a) in point.shares.enumerated() { theta += a * v[i] }
    let gradient = x.multiplied(by: zip(point.shares, g).map { $0 * $1 }, transpose: true)
    let influence = dataInfluence(v, theta, point)
    return LinearizedEstimate(
      value: theta, gradient: gradient, dataInfluence: influence?.values, influencePositions: influence?.positions)
  }

  /// The data influence on the point's own sample positions (see
  /// `LinearizedEstimate.influencePositions`): O(rows of the point), not O(sample).
  func dataInfluence(_ v: [Double], _ theta: Double, _ point: EvaluationPoint) -> (
    values: [Double], positions: [Int]
  )? {
    guard point.keepsInfluence, let positions = point.samplePositions else { return nil }
    let d = point.shares.indices.map { point.shares[$0] * (v[$0] - theta) }
    return (d, positions)
  }
}
