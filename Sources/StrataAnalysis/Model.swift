import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport

/// Fitting models: the one entry point `fit(_:data:)` takes a `FitSpecification`; the other
/// calls build one.
///
///     let mroz = try DataFrame(contentsOf: "datasets/mroz.csv")
///     let m = try Model.fit(.probit, "inlf ~ educ + age", data: mroz, variance: .cluster("id"))
///     print(m.result.coefficients.map(\.term))
public enum Model {
  /// Fits a model without a survey design (R `lm`/`glm` with `sandwich` variances).
  ///
  /// - Parameters:
  ///   - model: the estimator.
  ///   - formula: an R-style formula; `| fe` absorbs fixed effects; `iv` takes `y ~ x | endog ~ z`.
  ///   - data: the data.
  ///   - weights: case weights, a column or an expression.
  ///   - subset: rows to keep, an R expression.
  ///   - variance: the coefficients' variance (nil: the model's default).
  ///   - convention: R or Stata defaults.
  ///   - level: confidence level in percent.
  ///   - control: iteration controls.
  /// - Throws: `AnalysisError`, `FormulaError`, `EstimationError`, `InferenceError`.
  public static func fit(
    _ model: ModelKind, _ formula: String, data: DataFrame, weights: String? = nil, subset: String? = nil,
    variance: Variance? = nil, convention: Convention = .r, level: Double = 95, control: FitControl = FitControl()
  ) throws -> ModelFit {
    try fit(
      FitSpecification(
        model: model, formula: formula, weights: weights, subset: subset, variance: variance,
        convention: convention, level: level, control: control),
      data: data)
  }

  /// Fits what `specification` describes on `data`: builds the design (if any), the domain,
  /// the model matrix, fits, and estimates the covariance (replicate refits batched, reported
  /// to `progress`).
  ///
  ///     var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
  ///     spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
  ///     let fit = try Model.fit(spec, data: apistrat)
  ///
  /// - Throws: `AnalysisError` for inconsistent specifications; `DesignError`, `FormulaError`,
  ///   `EstimationError`, `InferenceError` from the layers below.
  public static func fit(
    _ specification: FitSpecification, data: DataFrame, progress: ProgressHandler? = nil
  ) throws -> ModelFit {
    try fit(specification, data: data, design: nil, progress: progress)
  }

  /// Fits `specification` on `data` with an already built design (which must be the design
  /// `specification.design` declares, over `data`'s rows).
  ///
  /// - Throws: `AnalysisError.designRowMismatch` when the design was built on other rows.
  public static func fit(
    _ specification: FitSpecification, data: DataFrame, design: SampleDesign?, progress: ProgressHandler? = nil
  ) throws -> ModelFit {
    if let design, design.rowCount != data.rowCount {
      throw AnalysisError.designRowMismatch(designRows: design.rowCount, dataRows: data.rowCount)
    }
    if specification.model == .ivprobit { return try fitIVProbit(specification, data: data) }
    let prepared = try prepare(specification, data: data, design: design)
    return try estimate(prepared, progress: progress)
  }

  // MARK: - Checks

  static func check(_ spec: FitSpecification) throws {
    if !(spec.level > 0 && spec.level < 100) { throw AnalysisError.invalidLevel(spec.level) }
    let c = spec.control
    if c.maxIterations < 1 || !(c.tolerance > 0 && c.tolerance < 1) {
      throw AnalysisError.invalidControl(maxIterations: c.maxIterations, tolerance: c.tolerance)
    }
    if c.base != nil && spec.model != .mlogit { throw AnalysisError.baseOutcomeNotApplicable(model: spec.model) }
    if spec.isDesignBased {
      if let w = spec.weights { throw AnalysisError.weightsWithDesign(weights: w) }
      if case .cluster? = spec.variance { throw AnalysisError.clusterWithDesign }
    } else {
      if spec.variance == .design { throw AnalysisError.designRequired }
      if spec.subpop != nil { throw AnalysisError.subpopulationWithoutDesign }
    }
    if spec.model == .wls && spec.weights == nil && spec.design == nil {
      throw AnalysisError.weightsRequired(model: .wls)
    }
  }

  // MARK: - Preparing

  /// Reads the design and builds the model matrix, without fitting.
  static func prepare(_ spec: FitSpecification, data: DataFrame, design built: SampleDesign?) throws
    -> PreparedModel
  {
    try check(spec)
    var frame = data
    let clusterNames = spec.variance?.clusterNames ?? []
    var options = ModelFrameOptions(subset: spec.subset, weights: spec.weights, extraVariables: clusterNames)
    var sampleDesign: SampleDesign?
    if let designSpec = spec.design {
      // The design is built on every row; the model is fitted on the domain (subset, subpop,
      // complete cases) with the design's sampling weights, as svyglm on subset(design, ...).
      let design = try built ?? SampleDesign(designSpec, data: frame)
      sampleDesign = design
      let column = PreparedModel.weightsColumn
      if frame.index(of: column) == nil {
        frame.columns.append(Column(name: column, storage: .numeric(NumericColumn(values: design.weights))))
      }
      options.weights = column
      options.subset = [spec.subset, spec.subpop].compactMap { $0.map { "(\($0))" } }.joined(separator: " & ")
      if options.subset?.isEmpty == true { options.subset = nil }
    }
    let isDesignBased = sampleDesign != nil
    let convention = spec.convention
    let formula = try formulaWithExposure(spec, frame: frame, subset: options.subset)
    var information = InformationMatrix.expected
    var defaultVariance: Variance = isDesignBased ? .design : .classical
    let mm: ModelMatrix
    let refit: @Sendable (ModelMatrix) throws -> Fit
    var defaultCluster: String?
    var replicateRefit: (@Sendable (ModelMatrix, [Double], [Double]) throws -> [Double])?
    var replicateBatch: (@Sendable (ModelMatrix, [Double]) -> @Sendable ([[Double]]) throws -> [[Double]])?
    let control = GLMControl(maxIterations: spec.control.maxIterations, tolerance: spec.control.tolerance)
    if let fe = try prepareFixedEffects(spec, frame: frame, options: options) {
      if spec.exposure != nil || fe.mm.offset != nil || fe.mm.groupedCounts != nil {
        throw AnalysisError.offsetNotAvailable(model: spec.model, what: "an offset or grouped response with absorbed fixed effects")
      }
      mm = fe.mm
      refit = fe.refit
      defaultCluster = fe.defaultCluster
      if let m = spec.model.glmModel {
        if convention == .stata { information = .observed }
        if !isDesignBased, m.family != .quasibinomial, convention == .stata { defaultVariance = .oim }
      }
    } else {
      switch spec.model {
      case .iv:
        if spec.variance == .oim { throw AnalysisError.observedInformationNotApplicable(model: .iv) }
        let (mx, mz) = try InstrumentalVariables.modelMatrices(formula, data: frame, options: options)
        mm = mx
        let subset = options.subset
        refit = { m in
          var z = mz
          z.weights = m.weights
          return try InstrumentalVariables.fit(regressors: m, instruments: z, formula: formula, subset: subset)
        }
      case .ols, .wls:
        if spec.variance == .oim { throw AnalysisError.observedInformationNotApplicable(model: spec.model) }
        mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
        let subset = options.subset
        refit = { try LeastSquares.fit($0, formula: formula, subset: subset) }
        replicateBatch = { m, start in
          let batch = LeastSquaresReplicateRefit(m, start: start)
          return { try batch.coefficients($0) }
        }
      case .logit, .probit, .cloglog, .poisson, .fraclogit, .fracprobit:
        guard let glmModel = spec.model.glmModel else { preconditionFailure("GLM kinds have a GLM model") }
        options.allowsCategoricalResponse = glmModel.isBinary
        options.compactFactor = true  // IRLS and the design variance read a factor's dummies as codes
        mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
        let subset = options.subset
        refit = { try GeneralizedLinearModel.fit($0, model: glmModel, formula: formula, subset: subset, control: control) }
        replicateRefit = { m, weights, start in
          try GeneralizedLinearModel.refitCoefficients(m, model: glmModel, weights: weights, start: start, control: control)
        }
        replicateBatch = { m, start in
          let batch = GLMReplicateRefit(m, model: glmModel, start: start, control: control)
          return { try batch.coefficients($0) }
        }
        if mm.offset != nil || mm.groupedCounts != nil {
          // The lean and batched replicate refits take neither: replicates refit in full.
          replicateRefit = nil
          replicateBatch = nil
        }
        if convention == .stata { information = .observed }
        if !isDesignBased {
          switch (glmModel.family, convention) {
          case (.quasibinomial, _): defaultVariance = .robust
          case (_, .r): defaultVariance = .classical
          case (_, .stata): defaultVariance = .oim
          }
        }
      case .nbreg:
        options.compactFactor = false
        mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
        let subset = options.subset
        // Replicates refit in full (θ is re-estimated in each), through `refit`.
        refit = { try NegativeBinomialRegression.fit($0, formula: formula, subset: subset, control: control) }
        if convention == .stata { information = .observed }
        if !isDesignBased { defaultVariance = convention == .stata ? .oim : .classical }
      case .ologit, .oprobit, .mlogit:
        options.allowsCategoricalResponse = true
        mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
        let subset = options.subset
        let c = spec.control
        switch spec.model {
        case .ologit, .oprobit:
          let link: OrderedLink = spec.model == .ologit ? .logit : .probit
          refit = {
            try OrderedChoice.fit(
              $0, link: link, formula: formula, subset: subset, maxIterations: c.maxIterations, tolerance: c.tolerance)
          }
        default:
          refit = {
            try MultinomialLogit.fit(
              $0, formula: formula, base: c.base, subset: subset, maxIterations: c.maxIterations,
              tolerance: c.tolerance)
          }
        }
        if convention == .stata { information = .observed }
        if !isDesignBased { defaultVariance = .classical }
      case .ivprobit:
        preconditionFailure("ivprobit is fitted by fitIVProbit")
      }
    }
    if spec.model.glmModel == nil, spec.model != .nbreg || mm.groupedCounts != nil,
      mm.offset != nil || mm.groupedCounts != nil
    {
      throw AnalysisError.offsetNotAvailable(
        model: spec.model, what: mm.offset != nil ? "an offset" : "a grouped response cbind(successes, failures)")
    }
    return PreparedModel(
      specification: spec, frame: frame, mm: mm, refit: refit, sampleDesign: sampleDesign, information: information,
      defaultVariance: defaultVariance, link: spec.model.meanLink, defaultCluster: defaultCluster,
      replicateRefit: replicateRefit, replicateBatch: replicateBatch)
  }

  /// The formula with `offset(log(exposure))` added when the specification has an exposure,
  /// after checking that the exposure is positive on every row the subset keeps.
  ///
  /// - Throws: `AnalysisError.offsetNotAvailable` for a model other than Poisson,
  ///   `.nonPositiveExposure` naming the first row with a zero or negative exposure.
  static func formulaWithExposure(_ spec: FitSpecification, frame: DataFrame, subset: String?) throws -> String {
    guard let exposure = spec.exposure else { return spec.formula }
    guard spec.model == .poisson || spec.model == .nbreg else {
      throw AnalysisError.exposureNotAvailable(model: spec.model)
    }
    let column = try frame.column(named: exposure)
    guard case .numeric(let values) = column.storage else {
      throw FormulaError.nonNumeric(variable: exposure, term: "offset(log(\(exposure)))")
    }
    var kept: [Double]?
    if let subset { kept = try RowExpression.parse(subset).evaluate(on: frame) }
    for i in 0..<values.count where !column.isMissing(i) && (kept.map { $0[i] == 1 } ?? true) {
      if !(values.values[i] > 0) {
        throw AnalysisError.nonPositiveExposure(column: exposure, row: i + 1, value: values.values[i])
      }
    }
    return spec.fittedFormula
  }

  /// The model matrix and refit of `y ~ x | fe…` (nil when the formula has no fixed-effect part,
  /// or for `iv`).
  static func prepareFixedEffects(_ spec: FitSpecification, frame: DataFrame, options: ModelFrameOptions) throws
    -> (mm: ModelMatrix, refit: @Sendable (ModelMatrix) throws -> Fit, defaultCluster: String?)?
  {
    if spec.model == .iv || spec.model == .ivprobit { return nil }
    guard let (_, terms) = try FixedEffectsModel.split(spec.formula) else { return nil }
    let feModel: FixedEffectsModel.Model
    var control = GLMControl()
    switch spec.model {
    case .ols, .wls: feModel = .leastSquares
    case .logit, .probit, .poisson:
      guard let m = spec.model.glmModel else { preconditionFailure("GLM kinds have a GLM model") }
      feModel = .glm(m)
      control = GLMControl(maxIterations: spec.control.maxIterations, tolerance: spec.control.tolerance)
    default:
      throw AnalysisError.fixedEffectsNotAvailable(model: spec.model)
    }
    if let v = spec.variance, v == .hc(.hc2) || v == .hc(.hc3) || v == .oim {
      throw AnalysisError.varianceNotAvailableWithFixedEffects(variance: v)
    }
    let (mm, dims) = try FixedEffectsModel.modelMatrix(spec.formula, model: feModel, data: frame, options: options)
    let (formula, subset, control2) = (spec.formula, options.subset, control)
    let refit: @Sendable (ModelMatrix) throws -> Fit = { m in
      try FixedEffectsModel.fit(m, fixedEffects: dims, model: feModel, formula: formula, subset: subset, control: control2)
    }
    let first = terms.first.flatMap { $0.contains(":") ? nil : $0 }
    return (mm, refit, first)
  }

  // MARK: - Estimating

  /// Fits a prepared model and estimates its covariance.
  static func estimate(_ prepared: PreparedModel, progress: ProgressHandler?) throws -> ModelFit {
    let spec = prepared.specification
    guard let mm = prepared.mm else { preconditionFailure("only ivprobit has no model matrix") }
    let (frame, refit, sampleDesign, information) = (
      prepared.frame, prepared.refit, prepared.sampleDesign, prepared.information
    )
    let variance = prepared.resolvedVariance
    let fit = try refit(mm)
    let covarianceSpec: CovarianceSpec
    switch variance {
    case .design:
      guard let sampleDesign else { throw AnalysisError.designRequired }
      // Replicate weights arrive over the fit's rows; rows the fit dropped get weight 0.
      var position: [Int: Int] = [:]
      for (i, row) in fit.rows.enumerated() { position[row] = i }
      let fitIndex = mm.rows.map { position[$0] }
      let replicateRefit = prepared.replicateRefit
      covarianceSpec = .design(
        DesignVariance(
          design: sampleDesign, convention: spec.convention.designDF,
          refit: { [fit, mm] replicateWeights in
            let weights = fitIndex.map { $0.map { replicateWeights[$0] } ?? 0 }
            if let replicateRefit {
              let coefficients = try replicateRefit(mm, weights, fit.coefficients)
              return fit.kept.map { coefficients[$0] }
            }
            var m = mm
            m.weights = weights
            let again = try refit(m)
            return fit.kept.map { again.coefficients[$0] }
          },
          refitBatch: batchRefit(prepared, fit: fit, mm: mm, fitIndex: fitIndex), progress: progress))
    case .classical: covarianceSpec = .classical
    case .oim: covarianceSpec = .oim
    case .robust:
      // Least squares: HC1 (Stata's regress, robust); GLMs: sandwich::sandwich (HC0) or Stata's HC0 x n/(n-1).
      if fit.glm == nil && fit.categorical == nil {
        covarianceSpec = .hc(.hc1)
      } else {
        covarianceSpec = spec.convention == .stata ? .robust : .hc(.hc0)
      }
    case .hc(let t): covarianceSpec = .hc(t)
    case .cluster(let names):
      covarianceSpec = .cluster(
        try names.map { name in
          let g = try frame.groupCodes(of: name, rows: fit.rows)
          return ClusterVariable(name: name, codes: g.codes, count: g.count)
        })
    }
    let result = try RegressionResult(
      fit: fit, covariance: covariance(of: fit, spec: covarianceSpec, information: information), level: spec.level)
    return ModelFit(prepared: prepared, fit: fit, covarianceSpec: covarianceSpec, result: result, ivProbit: nil)
  }

  /// The batched replicate refit under a replicate design (nil otherwise): replicate weights over
  /// the fit's rows, rows the fit dropped weighted 0, coefficients of the kept columns.
  static func batchRefit(_ prepared: PreparedModel, fit: Fit, mm: ModelMatrix, fitIndex: [Int?])
    -> (@Sendable ([[Double]]) throws -> [[Double]])?
  {
    guard case .replicate = prepared.sampleDesign, let factory = prepared.replicateBatch else { return nil }
    let refit = factory(mm, fit.coefficients)
    let kept = fit.kept
    return { replicateWeights in
      let weights = replicateWeights.map { w in fitIndex.map { $0.map { w[$0] } ?? 0 } }
      return try refit(weights).map { coefficients in kept.map { coefficients[$0] } }
    }
  }

  /// Newey's two-step IV probit (no weights, designs or sandwich variances, as Stata's
  /// `ivprobit, twostep`).
  static func fitIVProbit(_ spec: FitSpecification, data: DataFrame) throws -> ModelFit {
    try check(spec)
    if spec.design != nil { throw AnalysisError.optionNotAvailable(model: .ivprobit, option: "a survey design") }
    if spec.weights != nil { throw AnalysisError.optionNotAvailable(model: .ivprobit, option: "weights") }
    if let v = spec.variance, v != .classical { throw AnalysisError.varianceNotAvailable(model: .ivprobit, variance: v) }
    let control = GLMControl(maxIterations: spec.control.maxIterations, tolerance: spec.control.tolerance)
    let r = try IVProbit.twoStep(
      spec.formula, data: data, options: ModelFrameOptions(subset: spec.subset), control: control)
    let result = try RegressionResult(fit: r.fit, covariance: covariance(of: r.fit, spec: .classical), level: spec.level)
    let prepared = PreparedModel(
      specification: spec, frame: data, mm: nil, refit: { _ in throw AnalysisError.varianceNotAvailable(model: .ivprobit, variance: .design) },
      sampleDesign: nil, information: .expected, defaultVariance: .classical, link: nil, defaultCluster: nil,
      replicateRefit: nil, replicateBatch: nil)
    return ModelFit(prepared: prepared, fit: r.fit, covarianceSpec: .classical, result: result, ivProbit: r)
  }
}

/// A model's data, design and model matrix before fitting.
struct PreparedModel: Sendable {
  /// The column holding the design's sampling weights in a design-based fit's frame.
  static let weightsColumn = "strata.design.weights"

  var specification: FitSpecification
  var frame: DataFrame
  /// nil for ivprobit (its two matrices stay inside the estimator).
  var mm: ModelMatrix?
  var refit: @Sendable (ModelMatrix) throws -> Fit
  var sampleDesign: SampleDesign?
  var information: InformationMatrix
  var defaultVariance: Variance
  var link: Link?
  /// The cluster variable used when none is given (absorbed fixed effects: the first one, as fixest).
  var defaultCluster: String?
  /// The lean refit of a replicate (GLMs): coefficients under new weights over `mm`'s rows,
  /// warm-started from the full-sample coefficients; nil refits with `refit`.
  var replicateRefit: (@Sendable (ModelMatrix, _ weights: [Double], _ start: [Double]) throws -> [Double])?
  /// The batched refit of many replicates (least squares, GLMs), prepared once from `mm` and the
  /// full-sample coefficients; nil refits replicate by replicate.
  var replicateBatch: (@Sendable (ModelMatrix, _ start: [Double]) -> @Sendable ([[Double]]) throws -> [[Double]])?
}

/// A model's data, design and model matrix, built but not fitted: what margins on a saved fit
/// rebuild (no refit), and what `fit()` then estimates.
///
///     let setup = try Model.setup(spec, data: data)
///     print(setup.modelMatrix.columnNames)
///     let fit = try setup.fit()
public struct ModelSetup: Sendable {
  let prepared: PreparedModel

  /// What will be fitted.
  public var specification: FitSpecification { prepared.specification }
  /// The model matrix over the model frame's rows.
  public var modelMatrix: ModelMatrix {
    guard let mm = prepared.mm else { preconditionFailure("setups always have a model matrix") }
    return mm
  }
  /// The data (with a design: plus the column of the design's weights).
  public var data: DataFrame { prepared.frame }
  /// The survey design, if any.
  public var design: SampleDesign? { prepared.sampleDesign }
  /// The inverse link of the model's predictions (nil: least squares, IV, categorical).
  public var link: Link? { prepared.link }

  /// Fits the model and estimates its covariance.
  public func fit(progress: ProgressHandler? = nil) throws -> ModelFit {
    try Model.estimate(prepared, progress: progress)
  }
}

extension Model {
  /// Builds the design, domain and model matrix of `specification` on `data` without fitting.
  ///
  /// - Throws: as `fit(_:data:)`; `AnalysisError.optionNotAvailable` for `ivprobit`.
  public static func setup(_ specification: FitSpecification, data: DataFrame, design: SampleDesign? = nil) throws
    -> ModelSetup
  {
    if specification.model == .ivprobit {
      throw AnalysisError.optionNotAvailable(model: .ivprobit, option: "a setup without fitting")
    }
    if let design, design.rowCount != data.rowCount {
      throw AnalysisError.designRowMismatch(designRows: design.rowCount, dataRows: data.rowCount)
    }
    return ModelSetup(prepared: try prepare(specification, data: data, design: design))
  }
}
