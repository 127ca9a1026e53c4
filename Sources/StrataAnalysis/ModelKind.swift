import StrataModels

/// The estimators a fit can run (the `strata fit` subcommands).
///
///     let fit = try Model.fit(.probit, "inlf ~ educ + age", data: mroz)
///
/// Absorbed fixed effects are written in the formula (`y ~ x | firm`), for `ols`, `wls`,
/// `logit`, `probit` and `poisson`.
public enum ModelKind: String, Sendable, Codable, CaseIterable {
  /// Least squares, as R `lm` (weighted when the fit has weights).
  case ols
  /// Weighted least squares, as `lm(weights =)`; weights are required.
  case wls
  /// Binary logit, as `glm(family = binomial)`; with a design, `svyglm(family = quasibinomial)`.
  case logit
  /// Binary probit.
  case probit
  /// Binary complementary log-log.
  case cloglog
  /// Poisson regression for counts.
  case poisson
  /// Negative binomial (NB2) regression for overdispersed counts, θ by maximum likelihood, as
  /// `MASS::glm.nb` (Stata `nbreg` reports α = 1/θ).
  case nbreg
  /// Papke–Wooldridge fractional logit (`glm(family = quasibinomial)`).
  case fraclogit
  /// Fractional probit.
  case fracprobit
  /// Ordered logit, as `MASS::polr`.
  case ologit
  /// Ordered probit, as `MASS::polr(method = "probit")`.
  case oprobit
  /// Multinomial logit, as `nnet::multinom`.
  case mlogit
  /// Two-stage least squares, as `AER::ivreg`.
  case iv
  /// Probit with continuous endogenous regressors (Newey's two-step, Stata `ivprobit, twostep`).
  case ivprobit

  /// The GLM this kind fits through the IRLS engine, if it is one.
  public var glmModel: GLMModel? { GLMModel(rawValue: rawValue) }

  /// The inverse link of the model's mean, for predictions and margins (nil: the identity of
  /// least squares; ordered and multinomial models predict through their own outcome margins).
  public var meanLink: Link? { self == .nbreg ? .log : glmModel?.link }

  /// Whether the model is fitted by likelihood (so `.oim` applies).
  public var isLikelihood: Bool {
    switch self {
    case .ols, .wls, .iv: return false
    default: return true
    }
  }
}
