import Foundation
import StrataData
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport

/// Margins and scenario comparisons of a fit made from sums (a streamed file), computed over
/// the data's chunks: each chunk's estimation rows give their weighted sums (`MarginSums`,
/// `ScenarioSums`, made by the in-memory engine on the chunk), the sums add over chunks, and
/// the whole sample's averages and their `J V Jᵀ` standard errors follow. Same numbers as the
/// in-memory margins (to rounding; tested at 1e-10 relative). Memory: one chunk.
///
///     let stream = try AggregateMargins.stream(path: "big.csv", specification: plan.specification,
///                                              extraColumns: [], chunkBytes: 32 << 20)
///     let m = try AggregateMargins.margins(of: fit.result, specification: plan.specification,
///                                          chunks: stream, options: MarginsOptions(kinds: [.dydx]))
///
/// Two passes over the chunks: the first codes the formula as the fit coded it (the levels and
/// template of `ChunkedSource`), the second sums. Averages over the sample only, covariates
/// fixed (`MarginsError.notSummable` for effects at the means and `--at` statistics).
public enum AggregateMargins {
  /// What margins need of a fit made from sums (live, or read back from a saved fit): its
  /// columns, kept coefficients, inverse link and coefficient covariance.
  public struct FittedModel: Sendable {
    /// Every model-matrix column (the recipe's names, checked against the data's coding).
    public var terms: [String]
    public var kept: [Int]
    /// The kept coefficients.
    public var coefficients: [Double]
    /// The inverse link (nil: least squares).
    public var link: Link?
    /// Covariance of the kept coefficients.
    public var covariance: Matrix
    public var degreesOfFreedom: Double
    public var varianceTitle: String

    public init(
      terms: [String], kept: [Int], coefficients: [Double], link: Link?, covariance: Matrix,
      degreesOfFreedom: Double, varianceTitle: String
    ) {
      self.terms = terms
      self.kept = kept
      self.coefficients = coefficients
      self.link = link
      self.covariance = covariance
      self.degreesOfFreedom = degreesOfFreedom
      self.varianceTitle = varianceTitle
    }

    /// The fit of a regression result (a streamed or pushed-down fit's).
    public init(_ result: RegressionResult) {
      let c = result.covariance
      self.init(
        terms: result.fit.terms, kept: result.fit.kept, coefficients: result.fit.keptCoefficients,
        link: result.fit.glm?.link, covariance: c.matrix, degreesOfFreedom: c.degreesOfFreedom,
        varianceTitle: c.title.isEmpty ? c.spec.title : c.title)
    }
  }

  /// Margins of `model` (fitted on `specification`) over `chunks`.
  ///
  /// - Throws: `MarginsError` (`notSummable`, variables not in the model, zero predictions with
  ///   the data row); `ScaleError.dataChanged` when the data no longer code as the fit's
  ///   columns; errors of reading the chunks.
  public static func margins(
    of model: FittedModel, specification: ScaleSpecification, chunks: ChunkProvider, options: MarginsOptions,
    progress: ProgressHandler? = nil
  ) throws -> MarginsResult {
    try Margins.checkSummable(options)
    var sums = MarginSums()
    try forEachModel(model, specification: specification, chunks: chunks, progress: progress) {
      sums.add(try Margins.sums($0, options: options))
    }
    return try sums.result(
      options: options, covariance: model.covariance, degreesOfFreedom: model.degreesOfFreedom,
      varianceTitle: model.varianceTitle)
  }

  /// Margins of the fit in `result`.
  public static func margins(
    of result: RegressionResult, specification: ScaleSpecification, chunks: ChunkProvider, options: MarginsOptions,
    progress: ProgressHandler? = nil
  ) throws -> MarginsResult {
    try margins(
      of: FittedModel(result), specification: specification, chunks: chunks, options: options, progress: progress)
  }

  /// Scenario comparisons (`Scenarios.compare`, covariates fixed) of `model` over `chunks`,
  /// overall or within the groups of `by`.
  public static func scenarios(
    of model: FittedModel, specification: ScaleSpecification, chunks: ChunkProvider, scenarios: [Scenario],
    by: String? = nil, level: Double = 95, progress: ProgressHandler? = nil
  ) throws -> ScenarioResult {
    var sums = ScenarioSums()
    try forEachModel(model, specification: specification, chunks: chunks, progress: progress) {
      sums.add(try Scenarios.sums($0, scenarios: scenarios, by: by))
    }
    return try sums.result(
      scenarios: scenarios, by: by, covariance: model.covariance, degreesOfFreedom: model.degreesOfFreedom,
      varianceTitle: model.varianceTitle, level: level)
  }

  /// Scenario comparisons of the fit in `result`.
  public static func scenarios(
    of result: RegressionResult, specification: ScaleSpecification, chunks: ChunkProvider, scenarios: [Scenario],
    by: String? = nil, level: Double = 95, progress: ProgressHandler? = nil
  ) throws -> ScenarioResult {
    try self.scenarios(
      of: FittedModel(result), specification: specification, chunks: chunks, scenarios: scenarios, by: by,
      level: level, progress: progress)
  }

  /// The fit's recipe (how its model matrix is coded) from one pass over `chunks`: what a saved
  /// fit stores.
  public static func recipe(specification: ScaleSpecification, chunks: ChunkProvider) throws -> ModelRecipe {
    try codingSource(specification: specification, chunks: chunks, progress: nil).recipe
  }

  /// A stream of the CSV at `path` reading the columns `specification` needs and those named
  /// in `extraColumns` (`--over`, `--by` columns, scenario texts: every name they contain), with a
  /// column cache (the second pass reads it).
  public static func stream(
    path: String, specification: ScaleSpecification, extraColumns: [String], chunkBytes: Int,
    cacheDirectory: URL? = nil, progress: ProgressHandler? = nil
  ) throws -> CSVStream {
    let names = StreamedFit.neededNames(specification)
    // The names in the extra texts, read as the specification's own texts are.
    let extra = StreamedFit.neededNames(ScaleSpecification(model: specification.model, formula: "", clusters: extraColumns)).words
    return try CSVStream(
      path: path, chunkBytes: chunkBytes, mode: .columnCache, cacheDirectory: cacheDirectory, progress: progress,
      columns: { names.matches($0) || extra.contains($0) })
  }

  /// Calls `body` with the prediction model of each chunk's estimation rows: the fit's recipe
  /// (rebuilt by a first pass, as the fit built it), coefficients and link, the chunk's rows
  /// and weights. Errors naming a chunk's row are shifted to the data row.
  static func forEachModel(
    _ fit: FittedModel, specification: ScaleSpecification, chunks: ChunkProvider, progress: ProgressHandler?,
    _ body: (PredictionModel) throws -> Void
  ) throws {
    let source = try codingSource(specification: specification, chunks: chunks, progress: progress)
    // The data must code as they coded for the fit (a file changed since gives other columns).
    guard source.columnNames == fit.terms else {
      throw ScaleError.dataChanged(path: (chunks as? CSVStream)?.reader.path ?? "the data")
    }
    let (coefficients, link) = (fit.coefficients, fit.link)
    chunks.beginPass(2)
    try chunks.forEachChunk { frame, first in
      let rows = try ModelMatrix.estimationRows(formula: source.formula, data: frame, options: source.options).rows
      guard !rows.isEmpty else { return }
      let weights = try source.options.weights.map { name -> [Double] in
        let c = try frame.numericValues(of: name)
        return rows.map { c.values[$0] }
      }
      let model = PredictionModel(
        recipe: source.recipe, data: Margins.withFittedLevels(frame, recipe: source.recipe), rows: rows,
        coefficients: coefficients, kept: fit.kept, link: link, weights: weights)
      do {
        try body(model)
      } catch let error as MarginsError {
        throw shifted(error, by: first)
      }
    }
  }

  /// The first pass: the formula coded as the fit coded it (levels, template).
  static func codingSource(
    specification: ScaleSpecification, chunks: ChunkProvider, progress: ProgressHandler?
  ) throws -> ChunkedSource {
    for _ in 0..<64 {
      do {
        return try ChunkedSource(
          chunks: chunks, specification: specification, cachesModelMatrix: false, progress: progress)
      } catch is RestartWithText {
        continue
      }
    }
    throw ScaleError.dataChanged(path: (chunks as? CSVStream)?.reader.path ?? "the data")
  }

  /// A chunk's error with its row (1-based within the chunk) made the data row.
  static func shifted(_ error: MarginsError, by first: Int) -> MarginsError {
    switch error {
    case .zeroPrediction(let v, let t, let row): return .zeroPrediction(variable: v, type: t, row: row.map { $0 + first })
    case .nonFinite(let v, let t, let row): return .nonFinite(variable: v, type: t, row: row.map { $0 + first })
    case .groupMissing(let v, let row): return .groupMissing(variable: v, row: row + first)
    default: return error
    }
  }
}
