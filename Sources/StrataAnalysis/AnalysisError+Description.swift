import StrataDesign

extension AnalysisError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .weightsRequired(let m): return "\(m.rawValue) needs weights"
    case .weightsWithDesign(let w):
      return "case weights '\(w)' were given with a survey design; the design's sampling weights are the fit's weights"
    case .observedInformationNotApplicable(let m):
      return m == .iv
        ? "the observed information (oim) applies to likelihood models, not to 2SLS"
        : "the observed information (oim) applies to likelihood models (logit, probit, cloglog, poisson, fraclogit, fracprobit), not to \(m.rawValue)"
    case .fixedEffectsNotAvailable(let m):
      return "absorbed fixed effects ('| fe') are available for ols, wls, logit, probit and poisson, not \(m.rawValue)"
    case .varianceNotAvailableWithFixedEffects(let v):
      return "the \(v.name) variance is not available with absorbed fixed effects; use classical, robust, hc0, hc1, cluster or design"
    case .baseOutcomeNotApplicable(let m):
      return "a base outcome applies to mlogit, not to \(m.rawValue)"
    case .designRequired: return "a design-based variance needs a survey design"
    case .clusterWithDesign: return "with a survey design, declare clusters as PSUs, not as a cluster-robust variance"
    case .varianceNotAvailable(let m, let v): return "\(m.rawValue) does not offer the \(v.name) variance"
    case .optionNotAvailable(let m, let o): return "\(m.rawValue) does not take \(o)"
    case .subpopulationWithoutDesign:
      return "a subpopulation is a domain of a survey design; without a design use a subset"
    case .invalidLevel(let l): return "the confidence level must be between 0 and 100, not \(l)"
    case .invalidControl(let i, let t):
      return "iteration controls out of range (maximum iterations \(i) must be at least 1, tolerance \(t) between 0 and 1)"
    case .designRowMismatch(let d, let n):
      return "the design has \(d) rows but the data have \(n): a design pairs only with the data it was built on"
    case .designWeightsMismatch(let row, let d, let f):
      return "the fit's weight at data row \(row + 1) is \(f) but the design's is \(d): a design pairs only with fits made with its weights"
    case .splitGroupFailed(let v, let g, let exclusion, let e):
      return "split by \(v): the model could not be fitted in the group \(v) = \(g): \(e); leave the group out with the subset '\(exclusion)' or simplify the model"
    case .splitWithReplicateDesign:
      return "split fits with replicate-weight designs are not supported; declare strata and PSUs"
    case .marginsAfterFixedEffects:
      return "margins, predictions and saving are not available after absorbing fixed effects: predictions need the fixed-effect estimates, which are projected out (in a linear model the marginal effects are the coefficients)"
    case .unconditionalOutcomeMargins:
      return "ordered and multinomial fits support margins with covariates fixed only (not unconditional)"
    case .notAnOutcomeEquation(let f):
      return "the formula '\(f)' must be the outcome equation 'y ~ treatment + mediator + controls'"
    case .restoredColumnsDiffer(let c):
      return "the data no longer match the saved fit (the model matrix has columns \(c.joined(separator: ", ")))"
    case .restoredObservationsDiffer(let found, let saved):
      return "the data no longer match the saved fit (\(found) observations instead of \(saved))"
    case .refittedCoefficientsDiffer:
      return "the data no longer match the saved fit (refitted coefficients differ from the saved ones)"
    case .mediationWithReplicateDesign:
      return "the mediation bootstrap resamples PSUs; replicate-weight designs are not supported"
    case .invalidProbability(let p): return "a quantile's probability must be between 0 and 1, not \(p)"
    case .ratioNeedsTwoVariables(let n):
      return "a ratio needs two variables, the numerator and the denominator, not \(n)"
    case .nonPositiveExposure(let column, let row, let value):
      return "the exposure '\(column)' must be positive (its log is the offset), but data row \(row) has \(value.formatted())"
    case .offsetNotAvailable(let m, let what):
      return "\(m.rawValue) does not take \(what); offsets are for the GLMs (logit, probit, cloglog, poisson, fraclogit, fracprobit) without absorbed fixed effects, grouped responses cbind(successes, failures) for logit, probit and cloglog"
    case .exposureNotAvailable(let m):
      return "\(m.rawValue) does not take an exposure, which is for count models (poisson, nbreg); write the offset in the formula instead, as 'y ~ x + offset(log(t))'"
    case .tabulateSameVariable(let v):
      return "a two-way table needs two different variables, but '\(v)' is both the row and the column variable"
    case .noCombination:
      return "no combination of coefficients given: write one, as 'ell - meals' (lincom) or 'ell / meals' (nlcom)"
    case .nonFiniteCombination(let e):
      return "'\(e)' has no finite value or standard error at the estimates (a log of a non-positive value or a division by zero)"
    }
  }
}
