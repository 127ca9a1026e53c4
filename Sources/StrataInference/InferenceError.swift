/// Errors in turning a fit into standard errors and tests.
public enum InferenceError: Error, Sendable, Equatable {
  /// A cluster variable has one group: no between-cluster variation to estimate from.
  case singleCluster(variable: String)
  /// A cluster variable's codes do not line up with the estimation sample.
  case clusterLengthMismatch(variable: String, expected: Int, found: Int)
  /// An observation with leverage 1 makes HC2/HC3 undefined.
  case leverageOne(type: String, observation: Int)
  /// A confidence level outside (0, 100).
  case invalidLevel(Double)
  /// Per-outcome margins asked of a fit that is not ordered or multinomial.
  case notCategorical(model: String)
  /// `--split` groups whose coefficients cannot be compared (too few groups, different terms).
  case splitIncomparable(reason: String)
  /// The treatment or mediator is not an estimable coefficient of a mediation equation.
  case mediationTermMissing(term: String, equation: String)
  /// A variance that needs the full hat matrix (HC2, HC3) after absorbing fixed effects.
  case unsupportedWithFixedEffects(String)
  /// The observed information of a non-canonical GLM with absorbed fixed effects is not kept.
  case observedInformationWithFixedEffects(link: String)
  /// A variance the model does not support.
  case unsupportedForModel(model: String, variance: String)
  /// Scores paired with a design they do not belong to (other rows or other weights).
  case designMismatch(DesignMismatch)
}

extension InferenceError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .singleCluster(let v):
      return "cluster variable '\(v)' has a single cluster in the estimation sample; cluster-robust standard errors need at least two"
    case .clusterLengthMismatch(let v, let e, let f):
      return "cluster variable '\(v)' has \(f) values for \(e) observations"
    case .leverageOne(let t, let i):
      return "observation \(i) has leverage 1, so \(t.uppercased()) standard errors are undefined; use hc0 or hc1"
    case .invalidLevel(let l):
      return "confidence level \(l) is not between 0 and 100"
    case .notCategorical(let m):
      return "per-outcome margins need an ologit, oprobit or mlogit fit, not \(m)"
    case .splitIncomparable(let reason):
      return "cannot test equal coefficients across --split groups: \(reason)"
    case .mediationTermMissing(let term, let equation):
      return "'\(term)' is not an estimable coefficient of '\(equation)'; the treatment and mediator must be numeric columns (use a 0/1 treatment)"
    case .unsupportedWithFixedEffects(let what):
      return "\(what) standard errors need the leverages of the fixed-effect dummies, which are absorbed; use hc0, hc1 (robust) or cluster"
    case .unsupportedForModel(let model, let variance):
      return "\(model) supports only its own (classical) variance, not \(variance)"
    case .designMismatch(let m):
      return "the fit does not belong to the design: \(m)"
    case .observedInformationWithFixedEffects(let link):
      return "a \(link)-link model with absorbed fixed effects has only the expected information: "
        + "--vce oim and --convention stata (observed-information bread) are not available; "
        + "use --convention r (R's expected-information bread), or a logit, where the two coincide"
    }
  }
}
