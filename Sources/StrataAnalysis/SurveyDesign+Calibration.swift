import StrataData
import StrataDesign

/// Calibration, post-stratification and raking of a design (R `calibrate`, `postStratify`, `rake`;
/// Stata `svycal`, `svyset, poststrata()`): the weights are adjusted to known population totals
/// and every estimator on the returned design takes the calibrated variance.
///
///     let cal = try design.calibrated(
///       formula: "~ stype + enroll",
///       totals: ["(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "enroll": 3_811_472])
///     let mean = try cal.mean("api00")                // svymean on the calibrated design
///     cal.calibration?.gMaximum                       // what the calibration did
///
/// A replicate design calibrates its full-sample weights and every replicate (as R
/// `calibrate(as.svrepdesign(d), ...)`).
extension SurveyDesign {
  /// The design with `calibration` applied (replacing any calibration the declaration had).
  ///
  /// - Throws: `DesignError` for unknown terms or levels, missing totals, missing values in the
  ///   calibration variables, bounds no solution meets, non-convergence.
  public func calibrated(_ calibration: CalibrationSpecification) throws -> SurveyDesign {
    var spec = specification
    spec.calibration = calibration
    return try SurveyDesign(data: data, specification: spec, subpop: subpop, convention: convention)
  }

  /// Calibrated to the population totals of the columns of `formula`'s model matrix, named as R
  /// names them (`(Intercept)`, `stypeH`, `enroll`): R `calibrate(design, formula, population,
  /// calfun =, bounds =)`.
  ///
  /// - Parameters:
  ///   - distance: `.linear` (GREG), `.raking` or `.logit` (needs `bounds`).
  ///   - bounds: lower < 1 < upper on the g-weights.
  public func calibrated(
    formula: String, totals: [String: Double], distance: CalibrationSpecification.DistanceFunction = .linear,
    bounds: (lower: Double, upper: Double)? = nil
  ) throws -> SurveyDesign {
    try calibrated(
      .calibrate(formula: formula, totals: Self.totals(totals), distance: distance, bounds: bounds))
  }

  /// Post-stratified to a total per level of `variables` (R `postStratify`); with several variables
  /// the cells are their combinations, named `a.b` as R's `interaction`.
  public func poststratified(by variables: String..., totals: [String: Double]) throws -> SurveyDesign {
    try calibrated(.poststratify(variables, totals: Self.totals(totals)))
  }

  /// Raked to the margins in order (R `rake`), iterated until every margin total is met.
  ///
  ///     let raked = try design.raked([("stype", ["E": 4421, "H": 755, "M": 1018]),
  ///                                   ("sch.wide", ["No": 1072, "Yes": 5122])])
  public func raked(_ margins: [(variable: String, totals: [String: Double])]) throws -> SurveyDesign {
    try calibrated(
      .rake(margins.map { CalibrationSpecification.Margin(variables: [$0.variable], totals: Self.totals($0.totals)) }))
  }

  /// What the calibration did: g-weights, the totals reproduced, iterations (nil without one).
  public var calibration: CalibrationSummary? { sampleDesign.calibration }

  /// g-weights (final weight / design weight) of each data row of a calibrated linearization
  /// design; nil without calibration or for replicate designs. Rows with design weight 0 get 1.
  public var gWeights: [Double]? {
    guard case .linearization(let d) = sampleDesign, d.calibration != nil else { return nil }
    return zip(d.weights, d.baseWeights).map { $1 == 0 ? 1 : $0 / $1 }
  }

  private static func totals(_ dictionary: [String: Double]) -> [CalibrationSpecification.Total] {
    dictionary.keys.sorted().map { CalibrationSpecification.Total(name: $0, value: dictionary[$0] ?? 0) }
  }
}
