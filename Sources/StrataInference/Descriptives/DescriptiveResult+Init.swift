import StrataDesign

/// Public initializers, for sources that form descriptive results outside this module (the
/// aggregate descriptives of `StrataScale`, from sums a database returns).
extension DescriptiveEstimate {
  public init(
    variable: String, level: String?, quantile: Double?, by: [(String, String)], estimate: Double, stdError: Double,
    confLow: Double, confHigh: Double, deff: Double?, cv: Double, observations: Int, df: Int?
  ) {
    self.variable = variable
    self.level = level
    self.quantile = quantile
    self.by = by
    self.estimate = estimate
    self.stdError = stdError
    self.confLow = confLow
    self.confHigh = confHigh
    self.deff = deff
    self.cv = cv
    self.observations = observations
    self.df = df
  }
}

extension DescriptiveResult {
  /// The memberwise initializer, public (the statistic unlabelled).
  public init(
    _ statistic: DescriptiveStatistic, estimates: [DescriptiveEstimate], design: DesignSummary, df: Int, level: Double,
    convention: IntervalConvention, domain: String?, notes: [String]
  ) {
    self.statistic = statistic
    self.estimates = estimates
    self.design = design
    self.df = df
    self.level = level
    self.convention = convention
    self.domain = domain
    self.notes = notes
  }
}
