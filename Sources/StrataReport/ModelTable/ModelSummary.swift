/// One model's estimates and fit statistics, the input of a side-by-side `ModelTable`.
///
/// Built from a saved fit, a fit's JSON report, or a margins/elasticities result: the table
/// never computes statistics, it lays out the numbers it is given.
public struct ModelSummary: Sendable {
  /// One estimated quantity (a coefficient, a marginal effect, an elasticity).
  public struct Estimate: Sendable {
    public var term: String
    public var estimate: Double?
    public var stdError: Double?
    public var statistic: Double?
    public var pValue: Double?
    public var confLow: Double?
    public var confHigh: Double?

    public init(
      term: String, estimate: Double?, stdError: Double?, statistic: Double?, pValue: Double?, confLow: Double?,
      confHigh: Double?
    ) {
      self.term = term
      self.estimate = estimate
      self.stdError = stdError
      self.statistic = statistic
      self.pValue = pValue
      self.confLow = confLow
      self.confHigh = confHigh
    }
  }

  /// The column header (`(1)`, a file name, or a name the user chose).
  public var name: String
  /// The estimator (`ols`, `logit`, `margins: dydx`, ...).
  public var model: String
  /// The dependent variable, when known.
  public var dependent: String?
  public var estimates: [Estimate]
  public var nobs: Int?
  public var rSquared: Double?
  public var adjRSquared: Double?
  /// McFadden's pseudo R² (likelihood models).
  public var pseudoRSquared: Double?
  public var logLik: Double?
  public var aic: Double?
  /// The variance estimator's title (`HC1`, `classical`, `design-based (linearization)`).
  public var variance: String?
  /// The survey design, e.g. `5 strata, 40 PSUs` (nil: not design-based).
  public var design: String?
  /// Confidence level of the intervals, in percent.
  public var level: Double
  /// Whether the tests are z (normal) rather than t tests.
  public var usesNormal: Bool
  /// The degrees of freedom of the tests (residual or design degrees of freedom; infinity for
  /// z tests; nil when unknown).
  public var degreesOfFreedom: Double?
  /// Variable and value labels by term (from the data), used unless the table's labels override them.
  public var labels: [String: String]

  public init(
    name: String, model: String, dependent: String? = nil, estimates: [Estimate], nobs: Int? = nil,
    rSquared: Double? = nil, adjRSquared: Double? = nil, pseudoRSquared: Double? = nil, logLik: Double? = nil,
    aic: Double? = nil, variance: String? = nil, design: String? = nil, level: Double = 95, usesNormal: Bool = false,
    labels: [String: String] = [:], degreesOfFreedom: Double? = nil
  ) {
    self.degreesOfFreedom = degreesOfFreedom
    self.name = name
    self.model = model
    self.dependent = dependent
    self.estimates = estimates
    self.nobs = nobs
    self.rSquared = rSquared
    self.adjRSquared = adjRSquared
    self.pseudoRSquared = pseudoRSquared
    self.logLik = logLik
    self.aic = aic
    self.variance = variance
    self.design = design
    self.level = level
    self.usesNormal = usesNormal
    self.labels = labels
  }
}
