import StrataDesign

/// Survey descriptive statistics (R `svymean`, `svytotal`, `svymean` of factor levels,
/// `svyratio`, `svyquantile`, `svyvar`).
public enum DescriptiveStatistic: String, Sendable, CaseIterable {
  case mean, total, proportion, ratio, quantile, variance
}

/// Which program's interval convention to follow.
///
/// `.r`: normal-based intervals for means, totals, proportions and ratios (`confint` of a
/// `svystat`), t intervals on the domain's design df for quantiles (`svyquantile`).
/// `.stata`: t intervals on the full design's df (#PSUs − #strata), as `svy:`.
public enum IntervalConvention: String, Sendable, CaseIterable {
  case r, stata
}

/// Options shared by the descriptive estimators.
public struct DescriptiveOptions: Sendable {
  /// Confidence level in percent.
  public var level: Double
  public var convention: IntervalConvention
  /// Grouping variables (R `svyby(by = ~g1 + g2)`): each group is a domain.
  public var by: [String]
  /// Subpopulation (R `subset(design, ...)`); `nil` for the whole sample.
  public var domain: Domain?
  /// Probabilities for `.quantile`.
  public var quantiles: [Double]
  /// The interval of each `.proportion` as R `svyciprop(method =)`, on t quantiles with the
  /// domain's design df; `nil` keeps the normal interval of `confint(svymean(~factor))`.
  public var proportionInterval: ProportionInterval?
  /// For `.variance`: the full covariance matrix of the variables (R `svyvar(~x + y)`) on the
  /// rows where all are present, instead of each variable's variance on its own rows.
  public var covariance: Bool

  public init(
    level: Double = 95, convention: IntervalConvention = .r, by: [String] = [], domain: Domain? = nil,
    quantiles: [Double] = [0.5], proportionInterval: ProportionInterval? = nil, covariance: Bool = false
  ) {
    self.level = level
    self.convention = convention
    self.by = by
    self.domain = domain
    self.quantiles = quantiles
    self.proportionInterval = proportionInterval
    self.covariance = covariance
  }
}

/// One estimate of a descriptive table.
public struct DescriptiveEstimate: Sendable {
  /// The variable (`num/den` for a ratio).
  public var variable: String
  /// The factor level, for a proportion.
  public var level: String?
  /// The probability, for a quantile.
  public var quantile: Double?
  /// The group, as (variable, value) pairs, for `by` tables.
  public var by: [(String, String)]
  public var estimate: Double
  public var stdError: Double
  public var confLow: Double
  public var confHigh: Double
  /// Design effect (R `deff = TRUE`, without-replacement SRS); `nil` where R gives none.
  public var deff: Double?
  /// Coefficient of variation SE / estimate.
  public var cv: Double
  /// Observations in the estimation domain.
  public var observations: Int
  /// Degrees of freedom used for the interval (`nil` for normal intervals).
  public var df: Int?
  /// For a covariance of `.variance`: the second variable (`variable` is the first); `nil` for
  /// a variance and for every other statistic.
  public var covariate: String? = nil
  /// The method of the interval when it is not the statistic's default (a proportion's
  /// `svyciprop` method), else `nil`.
  public var interval: ProportionInterval? = nil
}

/// A descriptive table with the design it was computed under.
public struct DescriptiveResult: Sendable {
  public var statistic: DescriptiveStatistic
  public var estimates: [DescriptiveEstimate]
  public var design: DesignSummary
  /// Design degrees of freedom of the full design.
  public var df: Int
  public var level: Double
  public var convention: IntervalConvention
  /// The subpopulation, if any.
  public var domain: String?
  /// Non-fatal notes (rows dropped for missing values, zero weights).
  public var notes: [String]
}
