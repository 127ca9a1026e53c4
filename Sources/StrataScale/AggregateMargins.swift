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
  /// estimates (`FittedEstimates`, read through: `model.covariance`), inverse link and, for the
  /// covariate-sampling variance, the fit itself.
  @dynamicMemberLookup
  public struct FittedModel: Sendable {
    /// Columns (the recipe's names, checked against the data's coding), kept coefficients,
    /// covariance, degrees of freedom, variance title.
    public var estimates: FittedEstimates
    /// The inverse link (nil: least squares).
    public var link: Link?
    /// The fit and its covariance (bread, n, rank, variance specification): what margins with
    /// the covariates sampled need (nil: covariates fixed only).
    public var sampling: (fit: Fit, covariance: CovarianceEstimate)?

    public init(
      terms: [String], kept: [Int], coefficients: [Double], link: Link?, covariance: Matrix,
      degreesOfFreedom: Double, varianceTitle: String
    ) {
      estimates = FittedEstimates(
        terms: terms, kept: kept, coefficients: coefficients, covariance: covariance,
        degreesOfFreedom: degreesOfFreedom, varianceTitle: varianceTitle)
      self.link = link
    }

    /// The fit of a regression result (a streamed or pushed-down fit's), with its sampling
    /// variance's inputs.
    public init(_ result: RegressionResult) {
      let c = result.covariance
      self.init(
        terms: result.fit.terms, kept: result.fit.kept, coefficients: result.fit.keptCoefficients,
        link: result.fit.glm?.link, covariance: c.matrix, degreesOfFreedom: c.degreesOfFreedom,
        varianceTitle: c.title.isEmpty ? c.spec.title : c.title)
      sampling = (result.fit, c)
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<FittedEstimates, T>) -> T {
      get { estimates[keyPath: path] }
      set { estimates[keyPath: path] = newValue }
    }
  }

  /// Margins of `model` (fitted on `specification`) over `chunks`.
  ///
  /// - Parameter unconditional: the covariates sampled (Stata `margins, vce(unconditional)`):
  ///   one more pass totals each margin's influence by design unit, cluster or row
  ///   (`InfluenceVariance.covariance(ofTotals:fit:spec:)`); `model.sampling` must be set.
  /// - Throws: `MarginsError` (`notSummable`, variables not in the model, zero predictions with
  ///   the data row; `unconditionalReplicates`, `unconditionalNeedsRobust` as in memory);
  ///   `ScaleError.dataChanged` when the data no longer code as the fit's columns; errors of
  ///   reading the chunks.
  public static func margins(
    of model: FittedModel, specification: ScaleSpecification, chunks: ChunkProvider, options: MarginsOptions,
    unconditional: Bool = false, progress: ProgressHandler? = nil
  ) throws -> MarginsResult {
    try Margins.checkSummable(options)
    let sampling = try unconditional ? samplingInputs(model) : nil
    var sums = MarginSums()
    let source = try forEachModel(model, specification: specification, chunks: chunks, progress: progress) {
      sums.add(try Margins.sums($0, options: options))
    }
    guard let sampling else {
      return try sums.result(
        options: options, covariance: model.covariance, degreesOfFreedom: model.degreesOfFreedom,
        varianceTitle: model.varianceTitle)
    }
    let covariance = try influenceCovariance(model, sampling: sampling, source: source) {
      try sums.influence(of: $0, options: options, coefficientInfluence: $1)
    }
    return try sums.result(
      options: options, unconditionalCovariance: covariance, degreesOfFreedom: model.degreesOfFreedom,
      varianceTitle: InfluenceVariance.title(sampling.covariance.spec))
  }

  /// Margins of the fit in `result`.
  public static func margins(
    of result: RegressionResult, specification: ScaleSpecification, chunks: ChunkProvider, options: MarginsOptions,
    unconditional: Bool = false, progress: ProgressHandler? = nil
  ) throws -> MarginsResult {
    try margins(
      of: FittedModel(result), specification: specification, chunks: chunks, options: options,
      unconditional: unconditional, progress: progress)
  }

  /// Scenario comparisons (`Scenarios.compare`) of `model` over `chunks`, overall or within the
  /// groups of `by`; covariates fixed, or sampled (`unconditional`, as `margins`).
  public static func scenarios(
    of model: FittedModel, specification: ScaleSpecification, chunks: ChunkProvider, scenarios: [Scenario],
    by: String? = nil, level: Double = 95, unconditional: Bool = false, progress: ProgressHandler? = nil
  ) throws -> ScenarioResult {
    let sampling = try unconditional ? samplingInputs(model) : nil
    var sums = ScenarioSums()
    let source = try forEachModel(model, specification: specification, chunks: chunks, progress: progress) {
      sums.add(try Scenarios.sums($0, scenarios: scenarios, by: by))
    }
    guard let sampling else {
      return try sums.result(
        scenarios: scenarios, by: by, covariance: model.covariance, degreesOfFreedom: model.degreesOfFreedom,
        varianceTitle: model.varianceTitle, level: level)
    }
    let covariance = try influenceCovariance(model, sampling: sampling, source: source) {
      try sums.influence(of: $0, scenarios: scenarios, by: by, coefficientInfluence: $1)
    }
    return try sums.result(
      scenarios: scenarios, by: by, unconditionalCovariance: covariance, degreesOfFreedom: model.degreesOfFreedom,
      varianceTitle: InfluenceVariance.title(sampling.covariance.spec), level: level)
  }

  /// Scenario comparisons of the fit in `result`.
  public static func scenarios(
    of result: RegressionResult, specification: ScaleSpecification, chunks: ChunkProvider, scenarios: [Scenario],
    by: String? = nil, level: Double = 95, unconditional: Bool = false, progress: ProgressHandler? = nil
  ) throws -> ScenarioResult {
    try self.scenarios(
      of: FittedModel(result), specification: specification, chunks: chunks, scenarios: scenarios, by: by,
      level: level, unconditional: unconditional, progress: progress)
  }

  /// The fit and covariance the covariate-sampling variance needs, checked before any pass.
  static func samplingInputs(_ model: FittedModel) throws -> (fit: Fit, covariance: CovarianceEstimate) {
    guard let sampling = model.sampling else {
      throw MarginsError.notSummable(what: "--margins-vce unconditional without the fit's bread and scores")
    }
    try InfluenceVariance.checkUnconditional(sampling.covariance.spec)
    return sampling
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
  @discardableResult
  static func forEachModel(
    _ fit: FittedModel, specification: ScaleSpecification, chunks: ChunkProvider, progress: ProgressHandler?,
    _ body: (PredictionModel) throws -> Void
  ) throws -> ChunkedSource {
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
    return source
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
