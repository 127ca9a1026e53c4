import StrataDesign

/// Everything that determines a fit, declaratively: the one input of `Model.fit(_:data:)`.
///
/// A specification is `Codable`, so a saved fit can describe its model instead of replaying a
/// command line. The convenience calls (`SurveyDesign.fit`, `Model.fit(_:_:data:)`) build one.
///
///     var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
///     spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
///     let fit = try Model.fit(spec, data: try DataFrame(contentsOf: "datasets/apistrat.csv"))
///
/// With `design` set the fit is design-based (R `svyglm`): the design is built on every row of
/// the data and the model is fitted on the domain (`subset`, `subpop`, complete cases) with the
/// design's sampling weights; `weights` must then be nil (the design carries them).
public struct FitSpecification: Sendable, Codable, Equatable {
  /// The estimator.
  public var model: ModelKind
  /// The R-style formula, e.g. `lwage ~ educ + exper + I(exper^2) | firm`.
  public var formula: String
  /// Where the data come from (informational for fits on a frame in memory; saved fits read it).
  public var data: DataSource?
  /// Case weights (`lm(weights =)`): a column or an expression such as `1/inc`. Not with a design.
  public var weights: String?
  /// Rows to keep, an R expression (`lm(subset =)`); with a design, part of the domain.
  public var subset: String?
  /// The survey design; nil for a model-based fit.
  public var design: DesignSpecification?
  /// A domain of the design (R `subset(design, ...)`): the full design is kept for the variance.
  public var subpop: String?
  /// The coefficients' variance; nil for the default of the model, convention and design.
  public var variance: Variance?
  /// R or Stata defaults.
  public var convention: Convention
  /// Confidence level in percent.
  public var level: Double
  /// Iteration controls and the base outcome of multinomial models.
  public var control: FitControl
  /// An exposure column (Stata's `exposure()`): the fit adds `offset(log(column))` to the
  /// formula, for Poisson models. Every exposure in the estimation sample must be positive.
  public var exposure: String? = nil

  public init(
    model: ModelKind, formula: String, data: DataSource? = nil, weights: String? = nil, subset: String? = nil,
    design: DesignSpecification? = nil, subpop: String? = nil, variance: Variance? = nil,
    convention: Convention = .r, level: Double = 95, control: FitControl = FitControl()
  ) {
    self.model = model
    self.formula = formula
    self.data = data
    self.weights = weights
    self.subset = subset
    self.design = design
    self.subpop = subpop
    self.variance = variance
    self.convention = convention
    self.level = level
    self.control = control
  }

  /// Whether the fit is design-based.
  public var isDesignBased: Bool { design != nil }

  /// The formula the model is fitted with: `formula`, plus `offset(log(exposure))` when the
  /// specification has an exposure (the fit's `formula` and a saved fit's `formula`).
  public var fittedFormula: String {
    guard let exposure else { return formula }
    let name = exposure.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" } ? exposure : "`\(exposure)`"
    return formula + " + offset(log(\(name)))"
  }
}

/// Iteration controls of likelihood fits and the base outcome of `mlogit`.
public struct FitControl: Sendable, Codable, Equatable {
  /// Maximum IRLS or Newton iterations.
  public var maxIterations: Int
  /// Convergence tolerance (GLMs: relative deviance change; ordered and multinomial: the Newton
  /// decrement against 1 + |logLik|).
  public var tolerance: Double
  /// The base (reference) outcome of `mlogit` (nil: the first level, as `nnet::multinom`).
  public var base: String?

  public init(maxIterations: Int = 100, tolerance: Double = 1e-10, base: String? = nil) {
    self.maxIterations = maxIterations
    self.tolerance = tolerance
    self.base = base
  }
}

/// The data a fit was made on: a file path (relative paths are resolved by whoever reads the
/// specification, e.g. against a saved fit's folder) and, optionally, its fingerprint.
public struct DataSource: Sendable, Codable, Equatable {
  /// The file, as given.
  public var path: String
  /// Size and hash of the file when the fit was made.
  public var fingerprint: FileFingerprint?

  public init(path: String, fingerprint: FileFingerprint? = nil) {
    self.path = path
    self.fingerprint = fingerprint
  }
}

/// A data file's size, modification time and 64-bit FNV-1a hash (`fnv1a64:` + 16 hex digits).
public struct FileFingerprint: Sendable, Codable, Equatable {
  public var size: Int
  /// Seconds since 1970 (informational: not compared).
  public var modified: Double
  public var hash: String

  public init(size: Int, modified: Double, hash: String) {
    self.size = size
    self.modified = modified
    self.hash = hash
  }
}
