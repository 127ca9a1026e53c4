import RealModule

/// The documented data-generating process of the simulated platform-worker survey.
///
/// Every number here is a *simulation setting*, chosen to look plausible, not an estimate of any
/// country's rates; `datasets/flexwork/CODEBOOK.md` prints them all. The pension equation is a
/// probit with exactly these coefficients: its latent error is a sampling-point effect
/// `u ~ N(0, 0.15)` plus a worker error `e ~ N(0, 0.85)`, independent of every regressor, so
/// the composite error is standard normal and a probit of `pension` on ``pensionFormula`` fitted to
/// the whole population estimates ``pensionCoefficients``.
public enum FlexworkModel {
  /// Platform types, in level order (the first is the reference level of a factor).
  public static let platforms = ["delivery", "express", "livestream", "ridehail", "shop", "taskwork"]
  /// Contract types with the platform, in level order.
  public static let contracts = ["none", "outsourced", "temp_agency", "wage_employee"]
  /// Regions, in level order.
  public static let regions = ["central", "east", "northeast", "west"]
  /// City tiers, in level order.
  public static let cityTiers = ["tier1", "tier2", "tier3"]

  /// The pension equation in R syntax, with model-matrix columns named as ``pensionCoefficients``.
  public static let pensionFormula =
    "pension ~ knowledge + know_channel + present_bias + discount + income_cv + burden + contract + copay"
    + " + union + migrant + algo_control + multihome + pilot + risk_aversion + trust + age + I(age^2)"
    + " + female + educ + married + children + log(income) + hours + tenure + platform + city_tier"

  /// Variance of the sampling-point effect in the pension latent index (the worker error has 1 − this).
  public static let pointEffectVariance = 0.15

  /// True probit coefficients of the pension equation, named as R's `model.matrix` names them.
  public static let pensionCoefficients: [TrueCoefficient] = [
    .init("(Intercept)", -6.4),
    .init("knowledge", 0.08),
    .init("know_channel", 0.30),
    .init("present_bias", -0.25),
    .init("discount", 1.20),
    .init("income_cv", -0.60),
    .init("burden", -2.00),
    .init("contractoutsourced", 0.10),
    .init("contracttemp_agency", 0.35),
    .init("contractwage_employee", 0.90),
    .init("copay", 0.45),
    .init("union", 0.25),
    .init("migrant", -0.30),
    .init("algo_control", -0.08),
    .init("multihome", -0.12),
    .init("pilot", 0.05),
    .init("risk_aversion", 0.04),
    .init("trust", 0.15),
    .init("age", 0.06),
    .init("I(age^2)", -0.0006),
    .init("female", 0.05),
    .init("educ", 0.05),
    .init("married", 0.10),
    .init("children", 0.05),
    .init("log(income)", 0.30),
    .init("hours", -0.005),
    .init("tenure", 0.04),
    .init("platformexpress", 0.10),
    .init("platformlivestream", -0.20),
    .init("platformridehail", 0.15),
    .init("platformshop", 0.05),
    .init("platformtaskwork", -0.25),
    .init("city_tiertier2", -0.10),
    .init("city_tiertier3", -0.20),
  ]

  /// The pension equation's regressors of one worker, in the order of ``pensionCoefficients``.
  static func pensionRegressors(_ w: Worker) -> [Double] {
    var x: [Double] = [
      1, w.knowledge, w.knowChannel, w.presentBias, w.discount, w.incomeCV, w.burden,
      w.contract == 1 ? 1 : 0, w.contract == 2 ? 1 : 0, w.contract == 3 ? 1 : 0,
      w.copay, w.union, w.migrant, w.algoControl, w.multihome, w.pilot, w.riskAversion, w.trust,
      w.age, w.age * w.age, w.female, w.educ, w.married, w.children, Double.log(w.income), w.hours, w.tenure,
    ]
    for p in 1..<platforms.count { x.append(w.platform == p ? 1 : 0) }
    for t in 1..<cityTiers.count { x.append(w.tier == t ? 1 : 0) }
    return x
  }

  // MARK: Population settings (simulation settings, not facts)

  /// Region shares of the worker population (central, east, northeast, west).
  static let regionShares = [0.25, 0.45, 0.08, 0.22]
  /// City-tier shares within each region (rows in region order).
  static let tierShares: [[Double]] = [[0.20, 0.40, 0.40], [0.40, 0.35, 0.25], [0.15, 0.45, 0.40], [0.20, 0.40, 0.40]]
  /// Provinces (1–12) of each region.
  static let provincesOfRegion: [[Int]] = [[5, 6, 7], [1, 2, 3, 4], [11, 12], [8, 9, 10]]
  /// Monthly minimum pension + medical contribution of a flexible worker, yuan, by province 1–12.
  static let contributionFloor: [Double] = [1300, 1250, 1150, 1100, 950, 900, 880, 850, 820, 800, 900, 870]
  /// Whether each province 1–12 runs the occupational-injury pilot.
  static let pilotProvince: [Bool] = [true, true, false, true, true, false, false, true, false, false, false, true]
  /// Platform mix of the population (and of a sampling point's dominant platform).
  static let platformShares = [0.30, 0.18, 0.10, 0.20, 0.10, 0.12]
  /// Probability that a worker belongs to the point's dominant platform rather than the mix.
  static let dominantPlatformShare = 0.5
  /// Contract-type probabilities by platform (rows in platform order; columns in contract order).
  static let contractShares: [[Double]] = [
    [0.25, 0.55, 0.12, 0.08], [0.15, 0.35, 0.20, 0.30], [0.60, 0.25, 0.05, 0.10],
    [0.45, 0.40, 0.10, 0.05], [0.80, 0.10, 0.02, 0.08], [0.85, 0.12, 0.02, 0.01],
  ]
  /// Sampling-point sizes are uniform integers in this range.
  static let pointSize = 60...240
}

/// One true coefficient of the documented model.
public struct TrueCoefficient: Sendable {
  /// Model-matrix column name, as R names it.
  public var term: String
  /// The value used to generate the data.
  public var value: Double

  public init(_ term: String, _ value: Double) {
    self.term = term
    self.value = value
  }
}
