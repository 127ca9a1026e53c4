// The English rendering of `EstimationError` (StrataModels), shared by library users and the CLI.

import StrataModels

extension EstimationError: CustomStringConvertible {
  /// The message in the library's words (options as Swift parameter names).
  public var description: String { message(using: .library) }

  /// The message, naming options in `o`'s words (the CLI passes its flags).
  public func message(using o: ErrorVocabulary) -> String {
    switch self {
    case .missingResponse:
      return "the formula has no response variable (write 'y ~ x')"
    case .constantResponse(let name, let value):
      return "the response '\(name)' is constant (every value is \(value)) in the estimation sample; there is nothing to explain"
    case .negativeWeights(let count, let firstRow):
      return "\(count) weight(s) are negative (first at data row \(firstRow)); weights must be zero or positive"
    case .noPositiveWeights:
      return "no observation has a positive weight"
    case .noResidualDegreesOfFreedom(let n, let k):
      return "\(n) observation(s) for \(k) estimable coefficient(s): no residual degrees of freedom"
    case .notConverged(let iterations, let lastChange):
      let change = lastChange.isFinite ? " (last relative deviance change \(lastChange))" : ""
      return "the fit did not converge after \(iterations) iterations\(change); "
        + "raise \(o(.maxIterations)), rescale regressors with very different magnitudes, or look for separation "
        + "(a term that predicts the outcome exactly)"
    case .perfectSeparation(let terms):
      return "perfect separation: \(terms.joined(separator: ", ")) predict(s) the outcome exactly; estimates would diverge"
    case .separatedByTerm(let term, let condition, let outcome, let observations):
      return "separation: \(condition) predicts \(outcome == 1 ? "success (y = 1)" : "failure (y = 0)") perfectly "
        + "for \(observations) observation(s), so the estimate of '\(term)' would diverge; drop '\(term)' "
        + "or those observations (as Stata does), or use a penalized (Firth) logit"
    case .quasiSeparation(let terms, let ones, let zeros):
      return "quasi-complete separation: fitted probabilities are numerically 1 for \(ones) and 0 for \(zeros) "
        + "observation(s), driven by \(terms.joined(separator: ", ")); the estimates diverge. Drop or merge those "
        + "terms, or drop the perfectly predicted observations"
    case .responseNotBinary(let name, let value, let row):
      return "the response '\(name)' must be 0/1, logical or a two-level factor for this model, but data row \(row) "
        + "has \(plainNumber(value)); use fraclogit/fracprobit for proportions or poisson for counts"
    case .responseLevels(let name, let levels):
      return "the response '\(name)' has \(levels.count) level(s) (\(levels.joined(separator: ", "))); a binary "
        + "model needs exactly two (the second is the outcome 1)"
    case .responseOutOfRange(let name, let value, let row):
      return "the response '\(name)' of a fractional model must lie in [0, 1], but data row \(row) has \(plainNumber(value))"
    case .negativeCount(let name, let value, let row):
      return "the response '\(name)' of a Poisson model must be a non-negative count, but data row \(row) has \(plainNumber(value))"
    case .negativeGroupedCount(let name, let value, let row):
      return "the counts '\(name)' of a grouped binomial response cbind(successes, failures) must be non-negative, but data row \(row) has \(plainNumber(value))"
    case .dispersionNotEstimable(let theta):
      return "the negative binomial dispersion could not be estimated (theta went to \(plainNumber(theta))): the counts show no overdispersion relative to Poisson; fit a Poisson model (strata fit poisson) with robust errors"
    case .noTrials(let successes, let failures, let row):
      return "data row \(row) has no trials: \(successes) + \(failures) is 0 in the grouped binomial response cbind(\(successes), \(failures)); drop such rows with a subset"
    case .stepHalvingFailed(let iteration):
      return "IRLS could not reduce the deviance at iteration \(iteration) even after halving the step 30 times; "
        + "rescale the regressors or look for separation"
    case .observedInformationSingular:
      return "the observed information is not positive definite at the estimate; use \(o(.variance, "classical")) (expected information)"
    case .unsupportedOption(let model, let option):
      return "\(model) does not accept \(option)"
    case .leverageUndefined(let model):
      return "HC2/HC3 need leverages, which a \(model) fit does not define; use \(o(.variance, "hc0, hc1, robust or cluster"))"
    case .tooFewOutcomeLevels(let name, let levels, let minimum):
      return "the response '\(name)' has \(levels.count) distinct value(s) (\(levels.joined(separator: ", "))) in the "
        + "estimation sample; this model needs at least \(minimum)"
    case .unknownBaseOutcome(let name, let base, let levels):
      return "\(o(.base)) '\(base)' is not a level of the response '\(name)' (levels: \(levels.joined(separator: ", ")))"
    case .invalidIVFormula(let formula):
      return "'\(formula)' is not an instrumental-variables formula: write 'y ~ exog | endog ~ instruments' (fixest) "
        + "or 'y ~ exog + endog | exog + instruments' (AER)"
    case .underidentified(let instruments, let endogenous):
      return "the model is underidentified: \(endogenous.count) endogenous regressor(s) (\(endogenous.joined(separator: ", "))) "
        + "but \(instruments.count) excluded instrument(s)\(instruments.isEmpty ? "" : " (" + instruments.joined(separator: ", ") + ")"); "
        + "add instruments that are not regressors"
    case .fixedEffectsParts(let formula, let parts):
      return "fixed effects: '\(formula)' has \(parts) parts; write 'y ~ x | fe1 + fe2'"
    case .fixedEffectsWithIV(let formula):
      return "fixed effects: '\(formula)' is an instrumental-variables formula; use \(o(.instrumentalVariables)) "
        + "(fixed effects with IV are not supported)"
    case .noFixedEffectVariable:
      return "fixed effects: no fixed-effect variable after '|'"
    case .noFixedEffectsPart(let formula):
      return "fixed effects: '\(formula)' has no '| fe' part"
    case .noRegressorsBesideFixedEffects(let formula):
      return "fixed effects: no regressors besides the fixed effects in '\(formula)'"
    case .noObservationsAfterSingletons:
      return "fixed effects: no observations left after removing singletons"
    case .regressorsCollinearWithFixedEffects:
      return "fixed effects: every regressor is collinear with the fixed effects"
    case .demeaningNotConverged(let iterations):
      return "the fixed effects were not projected out after \(iterations) alternating-projection sweeps; "
        + "the fixed-effect structure may be badly connected"
    }
  }
}
