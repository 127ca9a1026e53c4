import StrataData
import StrataDesign
import StrataInference

/// The descriptive estimators of a design beyond `mean` and `total` (in `SurveyDesign.swift`):
/// proportions, quantiles, ratios, two-way tables and the design's summary. Each takes the
/// design's domain (`subpopulation`) and convention, and reports design effects where R does.
///
///     let design = try SurveyDesign(data: apistrat, weights: "pw", strata: "stype", fpc: "fpc")
///     let p = try design.proportion("sch.wide", by: "stype")                  // svyby(~sch.wide, svymean)
///     let q = try design.quantile("api00", probabilities: [0.25, 0.5])          // svyquantile
///     let r = try design.ratio("api.stu", to: "enroll")                         // svyratio
///     let t = try design.tabulate("sch.wide", by: "stype")                      // svychisq
extension SurveyDesign {
  /// The design's summary: kind, observations, strata, PSUs or replicates, design df.
  public var summary: DesignSummary { sampleDesign.summary }

  /// Design-based proportions of the levels of categorical variables (R `svymean(~factor)`;
  /// numeric variables are treated as categories), by groups when `by` is given (R `svyby`).
  ///
  /// - Throws: `DataError` for unknown columns, `DesignError.emptyDomain`.
  public func proportion(_ variables: String..., by: String..., level: Double = 95) throws -> DescriptiveResult {
    try estimate(.proportion, variables: variables, by: by, level: level)
  }

  /// Design-based proportions with the interval of R `svyciprop(method =)` for each level of
  /// binary variables (0/1 or two categories), on t quantiles with the domain's design df; see
  /// `ProportionInterval` for the formulas.
  ///
  ///     let p = try design.proportion(["both"], interval: .beta)   // svyciprop(~I(both == "Yes"), method = "beta")
  ///
  /// - Throws: `InferenceError.notBinary` for a variable with more than two categories;
  ///   `AnalysisError.invalidLevel`; `DataError` for unknown columns.
  public func proportion(
    _ variables: [String], interval: ProportionInterval, by: [String] = [], level: Double = 95
  ) throws -> DescriptiveResult {
    if !(level > 0 && level < 100) { throw AnalysisError.invalidLevel(level) }
    var options = try descriptiveOptions(by: by, level: level)
    options.proportionInterval = interval
    return try Descriptives.estimate(.proportion, variables: variables, data: data, design: sampleDesign, options: options)
  }

  /// Design-based population variances (R `svyvar`), each variable on its own rows, or with
  /// `covariance` the covariance matrix on the rows where all are present (R `svyvar(~x + y)`);
  /// by groups when `by` is given.
  ///
  ///     let v = try design.variance(["api00", "api99"], covariance: true)
  ///
  /// - Throws: `AnalysisError.invalidLevel`; `DataError` for unknown or non-numeric columns;
  ///   `DesignError.emptyDomain`.
  public func variance(_ variables: [String], covariance: Bool = false, by: [String] = [], level: Double = 95)
    throws -> DescriptiveResult
  {
    if !(level > 0 && level < 100) { throw AnalysisError.invalidLevel(level) }
    var options = try descriptiveOptions(by: by, level: level)
    options.covariance = covariance
    return try Descriptives.variance(variables, data: data, design: sampleDesign, options: options)
  }

  /// Design-based quantiles with Woodruff intervals (R `svyquantile`, survey 4.1-1 defaults:
  /// `qrule = "math"`), by groups when `by` is given.
  ///
  /// - Parameter probabilities: each between 0 and 1.
  /// - Throws: `AnalysisError.invalidProbability` for a probability outside [0, 1];
  ///   `DataError` for unknown or non-numeric columns.
  public func quantile(
    _ variables: String..., probabilities: [Double] = [0.5], by: String..., level: Double = 95
  ) throws -> DescriptiveResult {
    try estimate(.quantile, variables: variables, by: by, level: level, quantiles: probabilities)
  }

  /// The ratio of two population totals (R `svyratio(~numerator, ~denominator, design)`), by
  /// groups when `by` is given (R `svyby(..., svyratio)`).
  ///
  /// - Throws: `AnalysisError.invalidLevel`; `DataError` for unknown or non-numeric columns.
  public func ratio(_ numerator: String, to denominator: String, by: String..., level: Double = 95) throws
    -> DescriptiveResult
  {
    try ratio(numerator, to: denominator, by: by, level: level)
  }

  /// The ratio of two population totals, with the groups as an array.
  public func ratio(_ numerator: String, to denominator: String, by: [String], level: Double = 95) throws
    -> DescriptiveResult
  {
    if !(level > 0 && level < 100) { throw AnalysisError.invalidLevel(level) }
    return try Descriptives.ratio(
      numerator: numerator, denominator: denominator, data: data, design: sampleDesign,
      options: try descriptiveOptions(by: by, level: level))
  }

  /// A two-way table of cell proportions with the Rao–Scott test of independence (R
  /// `svymean(~interaction(row, column))` and `svychisq(~row + column)`), in the design's domain.
  ///
  /// - Throws: `AnalysisError.invalidLevel`, `.tabulateSameVariable`; `DataError` for unknown
  ///   columns; `DesignError` for fewer than two levels of either variable.
  public func tabulate(_ row: String, by column: String, level: Double = 95) throws -> CrossTabulation {
    if row == column { throw AnalysisError.tabulateSameVariable(row) }
    if !(level > 0 && level < 100) { throw AnalysisError.invalidLevel(level) }
    return try CrossTabulation.tabulate(
      row, by: column, data: data, design: sampleDesign, options: try descriptiveOptions(by: [], level: level))
  }
}
