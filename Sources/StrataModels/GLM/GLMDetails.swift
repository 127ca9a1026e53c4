/// What a GLM fit adds to `Fit`: family, link, deviance, likelihood and convergence.
public struct GLMDetails: Sendable {
  /// The family (binomial, quasi-binomial, Poisson).
  public var family: Family
  /// The link function.
  public var link: Link
  /// Residual deviance `Σ dᵢ` at the estimate.
  public var deviance: Double
  /// Deviance of the intercept-only model (or of `g⁻¹(0)` without an intercept), as R's `null.deviance`.
  public var nullDeviance: Double
  /// Degrees of freedom of the null deviance: n − 1 with an intercept, n without.
  public var dfNull: Int
  /// Log-likelihood at the estimate (quasi-binomial: the Bernoulli quasi-log-likelihood).
  public var logLik: Double
  /// Log-likelihood of the null model.
  public var nullLogLik: Double
  /// Pearson statistic `Σ wᵢ (yᵢ − μᵢ)² / V(μᵢ)`.
  public var pearsonChiSquare: Double
  /// IRLS iterations (weighted least-squares solves) used.
  public var iterations: Int
  /// Whether the convergence criteria were met.
  public var converged: Bool
  /// The convergence tolerance used.
  public var tolerance: Double
  /// Observed-information weights `w̃ᵢ` (nil when they equal the working weights: canonical links).
  public var observedWeights: [Double]?
  /// Whether the observed information is available: always for canonical links (it equals the
  /// expected one), otherwise only when `observedWeights` were kept (not for fits with absorbed
  /// fixed effects, whose bread is the expected information of the demeaned regressors).
  public var hasObservedInformation: Bool {
    observedWeights != nil || (family != .poisson && link == .logit) || (family == .poisson && link == .log)
  }
  /// Linear predictor `η = Xβ` of the estimation sample.
  public var linearPredictor: [Double]
  /// The NB2 dispersion of a negative binomial fit (nil for the other families, whose `family`
  /// then names them; a negative binomial fit records `.poisson` with the log link and θ here).
  public var theta: ThetaEstimate? = nil

  /// R's family name: `family.rawValue`, or `negative.binomial` for an NB2 fit.
  public var familyName: String { theta == nil ? family.rawValue : "negative.binomial" }

  public init(
    family: Family, link: Link, deviance: Double, nullDeviance: Double, dfNull: Int, logLik: Double,
    nullLogLik: Double, pearsonChiSquare: Double, iterations: Int, converged: Bool, tolerance: Double,
    observedWeights: [Double]?, linearPredictor: [Double]
  ) {
    self.family = family
    self.link = link
    self.deviance = deviance
    self.nullDeviance = nullDeviance
    self.dfNull = dfNull
    self.logLik = logLik
    self.nullLogLik = nullLogLik
    self.pearsonChiSquare = pearsonChiSquare
    self.iterations = iterations
    self.converged = converged
    self.tolerance = tolerance
    self.observedWeights = observedWeights
    self.linearPredictor = linearPredictor
  }
}
