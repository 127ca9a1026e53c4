import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataModels
import StrataSupport

/// A survey design that owns its data, as R's `svydesign` object: estimators take the design.
///
///     let data = try DataFrame(contentsOf: "datasets/apistrat.csv")
///     let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
///     let fit = try design.fit(.logit, "sch.wide ~ ell + meals + mobility")   // svyglm
///     let mean = try design.mean("api00", by: "stype")                          // svyby(svymean)
///     let sub = try design.subpopulation("sch.wide == \"Yes\"")                 // subset(design, ...)
///     let rep = try design.replicates(.jk1)                                     // as.svrepdesign
///
/// A subpopulation is a domain: the full design is kept for the variance.
public struct SurveyDesign: Sendable {
  /// The data the design was built on (every row).
  public let data: DataFrame
  /// The declaration.
  public let specification: DesignSpecification
  /// The built design (linearization or replicate weights).
  public let sampleDesign: SampleDesign
  /// The domain, an R expression over the data (nil: every row).
  public let subpop: String?
  /// R or Stata defaults of the estimators.
  public var convention: Convention

  /// Declares a design on `data` (R `svydesign(ids =, strata =, weights =, fpc =, nest =)`).
  ///
  /// - Parameters:
  ///   - weights: sampling-weight column (nil: from the FPC, as R does).
  ///   - strata: stratum column.
  ///   - psu: cluster columns, one per stage (empty: each row is a PSU).
  ///   - fpc: FPC columns, one per stage (population sizes or sampling fractions).
  ///   - nest: PSU ids are unique only within strata.
  ///   - lonelyPSU: the rule for single-PSU strata (R `survey.lonely.psu`).
  ///   - convention: R or Stata defaults.
  /// - Throws: `DesignError` for missing columns, bad weights or FPCs, lonely PSUs under `.fail`.
  public init(
    data: DataFrame, weights: String? = nil, strata: String? = nil, psu: String..., fpc: String...,
    nest: Bool = false, lonelyPSU: LonelyPSURule = .fail, convention: Convention = .r
  ) throws {
    try self.init(
      data: data,
      specification: DesignSpecification(
        weights: weights, strata: strata, psu: psu, fpc: fpc, nest: nest, lonelyPSU: lonelyPSU),
      convention: convention)
  }

  /// Builds the design a declaration describes on `data` (linearization, replicate weights in
  /// the data, or replicates built from the design).
  public init(data: DataFrame, specification: DesignSpecification, convention: Convention = .r) throws {
    try self.init(data: data, specification: specification, subpop: nil, convention: convention)
  }

  init(data: DataFrame, specification: DesignSpecification, subpop: String?, convention: Convention) throws {
    self.data = data
    self.specification = specification
    self.sampleDesign = try SampleDesign(specification, data: data)
    self.subpop = subpop
    self.convention = convention
  }

  init(data: DataFrame, specification: DesignSpecification, built: SampleDesign, subpop: String?, convention: Convention) {
    self.data = data
    self.specification = specification
    self.sampleDesign = built
    self.subpop = subpop
    self.convention = convention
  }

  /// The full-sample weight of each data row.
  public var weights: [Double] { sampleDesign.weights }

  // MARK: - Domains and replicates

  /// The design restricted to a domain (R `subset(design, expr)`): estimates use the domain's
  /// rows, variances the full design. Domains combine with `&`.
  ///
  /// - Throws: `FormulaError` for an expression that does not parse or names unknown columns.
  public func subpopulation(_ expression: String) throws -> SurveyDesign {
    _ = try RowExpression.parse(expression).evaluate(on: data)  // checked now, not at the first estimate
    let combined = subpop.map { "(\($0)) & (\(expression))" } ?? expression
    return SurveyDesign(
      data: data, specification: specification, built: sampleDesign, subpop: combined, convention: convention)
  }

  /// Replicate weights built from this design (R `as.svrepdesign(type =)`).
  ///
  ///     let jk = try design.replicates(.jk1)
  ///
  /// - Parameters:
  ///   - type: any `ReplicateType` (`.fay` with `rho`); see `ReplicateDesign.init(building:from:data:)`.
  ///   - replicates: the number of bootstrap replicates (default 50) or SDR replicates (default 80).
  ///   - seed: the bootstrap generator's seed.
  ///   - sort: the sort columns of `.sdr` (nil: data order).
  public func replicates(
    _ type: ReplicateType, replicates: Int? = nil, seed: UInt64 = 1, rho: Double? = nil, mse: Bool = false,
    sort: [String]? = nil
  ) throws -> SurveyDesign {
    var spec = specification
    spec.buildReplicates = ReplicateConstruction(
      type: type, replicates: replicates, seed: seed, rho: rho, mse: mse, sort: sort)
    return try SurveyDesign(data: data, specification: spec, subpop: subpop, convention: convention)
  }

  /// Rao–Wu bootstrap replicates (R `as.svrepdesign(type = "bootstrap", replicates =)`).
  public func bootstrap(replicates: Int = 50, seed: UInt64 = 1) throws -> SurveyDesign {
    try self.replicates(.bootstrap, replicates: replicates, seed: seed)
  }

  // MARK: - Estimators

  /// Fits a model to the design (R `svyglm`, Stata `svy:`): design-based variance by default.
  ///
  ///     let fit = try design.fit(.logit, "sch.wide ~ ell + meals + mobility")
  ///
  /// - Parameters:
  ///   - model: the estimator (every `ModelKind` but `ivprobit`).
  ///   - formula: an R-style formula.
  ///   - subset: rows to keep, as part of the domain.
  ///   - variance: nil (design-based) or a model-based variance on the design's weights.
  ///   - convention: R or Stata defaults for this fit (nil: the design's `convention`).
  ///   - level: confidence level in percent.
  ///   - control: iteration controls.
  ///   - progress: told how many replicates have been refitted.
  public func fit(
    _ model: ModelKind, _ formula: String, subset: String? = nil, variance: Variance? = nil,
    convention: Convention? = nil, level: Double = 95, control: FitControl = FitControl(),
    progress: ProgressHandler? = nil
  ) throws -> ModelFit {
    var spec = specification(model, formula, subset: subset, variance: variance, level: level, control: control)
    if let convention { spec.convention = convention }
    return try Model.fit(spec, data: data, design: sampleDesign, progress: progress)
  }

  /// The fit specification of a model on this design.
  public func specification(
    _ model: ModelKind, _ formula: String, subset: String? = nil, variance: Variance? = nil, level: Double = 95,
    control: FitControl = FitControl()
  ) -> FitSpecification {
    FitSpecification(
      model: model, formula: formula, subset: subset, design: specification, subpop: subpop, variance: variance,
      convention: convention, level: level, control: control)
  }

  /// Checks that a fit belongs to this design: the same rows and the design's weights.
  ///
  /// - Throws: `AnalysisError.designRowMismatch` or `.designWeightsMismatch`.
  public func checkPairing(with fit: ModelFit) throws {
    let rows = fit.prepared.frame.rowCount
    if rows != data.rowCount { throw AnalysisError.designRowMismatch(designRows: data.rowCount, dataRows: rows) }
    let designWeights = weights
    if let w = fit.fit.weights {
      for (i, row) in fit.fit.rows.enumerated() {
        let d = designWeights[row]
        if !(abs(w[i] - d) <= 1e-12 * max(abs(d), 1)) {
          throw AnalysisError.designWeightsMismatch(row: row, design: d, fit: w[i])
        }
      }
    } else if let row = fit.fit.rows.first(where: { designWeights[$0] != 1 }) {
      throw AnalysisError.designWeightsMismatch(row: row, design: designWeights[row], fit: 1)
    }
  }

  /// Descriptive options of this design's domain.
  func descriptiveOptions(by: [String], level: Double, quantiles: [Double] = [0.5]) throws -> DescriptiveOptions {
    let domain = try subpop.map { Domain(indicator: try RowExpression.parse($0).evaluate(on: data), label: $0) }
    return DescriptiveOptions(
      level: level, convention: convention == .stata ? .stata : .r, by: by, domain: domain, quantiles: quantiles)
  }

  /// Design-based means (R `svymean`), by groups when `by` is given (R `svyby`; each group a
  /// domain of the full design).
  ///
  ///     let mean = try design.mean("api00", by: "stype")
  public func mean(_ variables: String..., by: String...) throws -> DescriptiveResult {
    try estimate(.mean, variables: variables, by: by)
  }

  /// Design-based totals (R `svytotal`).
  public func total(_ variables: String..., by: String...) throws -> DescriptiveResult {
    try estimate(.total, variables: variables, by: by)
  }

  /// A descriptive statistic of variables, by groups (R `svymean`/`svytotal`/`svyby`); a
  /// `.ratio` takes two variables, the numerator and the denominator.
  ///
  /// - Throws: `AnalysisError.invalidLevel`, `.invalidProbability`, `.ratioNeedsTwoVariables`;
  ///   `DataError` for unknown or non-numeric columns; `DesignError` from the engine.
  public func estimate(
    _ statistic: DescriptiveStatistic, variables: [String], by: [String] = [], level: Double = 95,
    quantiles: [Double] = [0.5]
  ) throws -> DescriptiveResult {
    if !(level > 0 && level < 100) { throw AnalysisError.invalidLevel(level) }
    if statistic == .ratio {
      guard variables.count == 2 else { throw AnalysisError.ratioNeedsTwoVariables(count: variables.count) }
      return try ratio(variables[0], to: variables[1], by: by, level: level)
    }
    if statistic == .quantile, let p = quantiles.first(where: { !($0 >= 0 && $0 <= 1) }) {
      throw AnalysisError.invalidProbability(p)
    }
    return try Descriptives.estimate(
      statistic, variables: variables, data: data, design: sampleDesign,
      options: try descriptiveOptions(by: by, level: level, quantiles: quantiles))
  }
}
