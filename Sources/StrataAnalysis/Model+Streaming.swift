import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataModels
import StrataScale
import StrataSupport

/// A fit made by streaming a file in passes (`Model.fitStreaming`): the same result and report
/// as an in-memory fit, without the rows.
public struct StreamedModelFit: Sendable {
  /// What was fitted.
  public let specification: FitSpecification
  /// The fit made from sums (no rows: `Fit.isAggregate`).
  public let fit: Fit
  /// Coefficients, standard errors, tests and statistics: what `RegressionReport` renders.
  public let result: RegressionResult
  /// Passes over the data (the first reads the CSV and writes the column cache).
  public let passes: Int
  /// The bytes the stream held between chunks (chunk text and cache buffer).
  public let bufferBytes: Int
}

/// What an aggregate fit of a `FitSpecification` runs (`Model.aggregatePlan`): the source's
/// specification, the variance, the IRLS control and the bread's information.
public struct AggregatePlan: Sendable {
  public let specification: ScaleSpecification
  public let variance: AggregateVariance
  public let control: GLMControl
  public let information: InformationMatrix
}

extension Model {
  /// Fits `spec` on the CSV file at `path` in passes, holding one chunk at a time: for files
  /// larger than memory. Same coefficients, standard errors and statistics as `Model.fit` (to
  /// rounding; tested at 1e-10 relative).
  ///
  ///     var spec = FitSpecification(model: .logit, formula: "y ~ x1 + factor(region)")
  ///     spec.design = DesignSpecification(weights: "w", strata: "stratum", psu: ["psu"])
  ///     let s = try Model.fitStreaming(spec, path: "big.csv", memory: 512 << 20)
  ///
  /// Streamed: `ols`, `wls`, `logit`, `probit`, `cloglog`, `poisson`, `fraclogit`, `fracprobit`
  /// with classical, HC0/HC1 (`robust`), cluster (one- or multiway) or design variance
  /// (strata, PSUs and later stages, FPCs, lonely-PSU rules, domains with `subpop`, replicate
  /// weights). Not streamed yet (`ScaleError.notStreamable`): other models, HC2/HC3, OIM and
  /// Stata's observed-information bread for non-canonical links, offsets and exposures, grouped
  /// responses, calibration and replicates built from the design, data-dependent bases
  /// (`poly`, `scale`, `ns`, `bs`, `cut`), gzip-compressed .dta/.sav/.xpt/.sas7bdat files. The
  /// file is a CSV/TSV (or `.csv.gz`, inflated as it is read) or a Stata, SPSS or SAS file
  /// (`FileChunks.open`).
  ///
  /// - Parameters:
  ///   - memory: the memory budget in bytes; the chunk size is derived from it
  ///     (`StreamedFit.chunkBytes(forMemory:)`).
  ///   - mode: whether later passes read a column cache written by the first (default) or parse
  ///     the CSV again.
  ///   - progress: told each pass's bytes (tasks `pass 1`, `pass 2`, ...).
  public static func fitStreaming(
    _ spec: FitSpecification, path: String, memory: Int, mode: CSVStream.Mode = .columnCache,
    chunkBytes: Int? = nil, progress: ProgressHandler? = nil
  ) throws -> StreamedModelFit {
    let plan = try aggregatePlan(spec)
    let r = try StreamedFit.fit(
      path: path, specification: plan.specification, variance: plan.variance, level: spec.level,
      control: plan.control, information: plan.information,
      chunkBytes: chunkBytes ?? StreamedFit.chunkBytes(forMemory: memory), mode: mode, progress: progress)
    return StreamedModelFit(
      specification: spec, fit: r.fit.fit, result: r.fit.result, passes: r.passes, bufferBytes: r.bufferBytes)
  }

  /// What an aggregate fit of `spec` runs (a streamed fit, or a fit pushed down to a database):
  /// the estimator, the variance, the control and the bread's information, with `Model.fit`'s
  /// defaults and conventions.
  ///
  /// - Throws: `ScaleError.notStreamable` for what no aggregate fit computes yet;
  ///   `AnalysisError` as `Model.fit`.
  public static func aggregatePlan(_ spec: FitSpecification) throws -> AggregatePlan {
    try check(spec)
    let model: AggregateModel
    switch spec.model {
    case .ols, .wls: model = .leastSquares
    default:
      guard let m = spec.model.glmModel, spec.model != .nbreg else {
        throw ScaleError.notStreamable(what: "\(spec.model.rawValue) fits")
      }
      model = .glm(m)
    }
    if spec.exposure != nil { throw ScaleError.notStreamable(what: "exposures and offsets") }
    let canonical: Bool = {
      guard case .glm(let m) = model else { return true }
      return (m.family != .poisson && m.link == .logit) || (m.family == .poisson && m.link == .log)
    }()
    let variance: AggregateVariance
    switch spec.variance ?? defaultStreamedVariance(spec, model: model) {
    case .classical: variance = .classical
    case .oim:
      guard case .glm = model else { throw AnalysisError.observedInformationNotApplicable(model: spec.model) }
      guard canonical else { throw ScaleError.notStreamable(what: "the observed-information (OIM) variance of \(spec.model.rawValue)") }
      variance = .oim
    case .robust:
      if case .leastSquares = model { variance = .hc(.hc1) } else { variance = spec.convention == .stata ? .robust : .hc(.hc0) }
    case .hc(let t):
      guard t == .hc0 || t == .hc1 else { throw ScaleError.notStreamable(what: "\(t.rawValue.uppercased()) (it needs each row's leverage)") }
      variance = .hc(t)
    case .cluster(let names): variance = .cluster(names)
    case .design:
      guard spec.design != nil else { throw AnalysisError.designRequired }
      variance = .design(spec.convention.designDF)
    }
    var information = InformationMatrix.expected
    if case .glm = model, spec.convention == .stata { information = .observed }
    if spec.convention == .stata && !canonical && variance != .classical {
      throw ScaleError.notStreamable(what: "Stata's observed-information bread for \(spec.model.rawValue)")
    }
    let scale = ScaleSpecification(
      model: model, formula: spec.formula, weights: spec.weights, subset: spec.subset, design: spec.design,
      subpop: spec.subpop, clusters: spec.variance?.clusterNames ?? [])
    let control = GLMControl(maxIterations: spec.control.maxIterations, tolerance: spec.control.tolerance)
    return AggregatePlan(specification: scale, variance: variance, control: control, information: information)
  }

  /// The default variance of `Model.fit` for the models that stream.
  static func defaultStreamedVariance(_ spec: FitSpecification, model: AggregateModel) -> Variance {
    if spec.design != nil { return .design }
    if case .glm(let m) = model {
      if m.family == .quasibinomial { return .robust }
      return spec.convention == .stata ? .oim : .classical
    }
    return .classical
  }

  /// About the memory an in-memory fit of `spec` on the file at `path` takes: the file read whole
  /// plus 8 bytes per value of the model matrix (about as many columns as the formula has words),
  /// as `FileChunks.estimatedInMemoryBytes` estimates it. The CLI streams when this exceeds the budget.
  public static func estimatedInMemoryBytes(_ spec: FitSpecification, path: String) throws -> Int {
    let words = spec.formula.split { !($0.isLetter || $0.isNumber) }.count
    return try FileChunks.estimatedInMemoryBytes(path: path, extraColumns: words + 4)
  }
}
