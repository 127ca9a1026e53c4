/// Errors an estimator raises for data it cannot fit. Each names the variable or term at fault.
public enum EstimationError: Error, Sendable, Equatable {
  /// The formula has no response (`~ x`), but the estimator needs one.
  case missingResponse
  /// The response takes one value in the estimation sample.
  case constantResponse(name: String, value: Double)
  /// Some case weights are negative.
  case negativeWeights(count: Int, firstRow: Int)
  /// Weights are missing or all zero after dropping rows.
  case noPositiveWeights
  /// Fewer observations than estimable coefficients.
  case noResidualDegreesOfFreedom(observations: Int, coefficients: Int)
  /// An iterative fit stopped before converging.
  /// `lastChange` is the last relative deviance change, or NaN for Newton fits that stop on the
  /// decrement instead (ordered and multinomial models), which the message then leaves out.
  case notConverged(iterations: Int, lastChange: Double)
  /// Some regressors separate the outcome perfectly.
  case perfectSeparation(terms: [String])
  /// One term alone predicts the outcome perfectly for some observations (complete or
  /// quasi-complete separation), as Stata's "x != 0 predicts success perfectly".
  case separatedByTerm(term: String, condition: String, outcome: Int, observations: Int)
  /// The fit drove fitted probabilities to 0 or 1: (quasi-)complete separation by a combination
  /// of terms (those with the largest standardized estimates are named).
  case quasiSeparation(terms: [String], predictedOnes: Int, predictedZeros: Int)
  /// A binary model's response takes a value other than 0 and 1.
  case responseNotBinary(name: String, value: Double, row: Int)
  /// A binary model's categorical response does not have exactly two levels.
  case responseLevels(name: String, levels: [String])
  /// A fractional model's response lies outside [0, 1].
  case responseOutOfRange(name: String, value: Double, row: Int)
  /// A count model's response is negative.
  case negativeCount(name: String, value: Double, row: Int)
  /// The step-halving of IRLS could not find a step that reduces the deviance.
  case stepHalvingFailed(iteration: Int)
  /// The observed information is not positive definite at the estimate (`--vce oim`).
  case observedInformationSingular
  /// Leverages (HC2, HC3) are not defined for this model's scores.
  case leverageUndefined(model: String)
  /// An estimator does not accept an option (e.g. weights with the IV-probit two-step estimator).
  case unsupportedOption(model: String, option: String)
  /// An ordered or multinomial response has too few distinct values.
  case tooFewOutcomeLevels(name: String, levels: [String], minimum: Int)
  /// `--base` names no level of the response.
  case unknownBaseOutcome(name: String, base: String, levels: [String])
  /// An IV formula without the two parts `y ~ exog | endog ~ instruments` (or AER's `y ~ x | z`).
  case invalidIVFormula(formula: String)
  /// Fewer excluded instruments than endogenous regressors.
  case underidentified(instruments: [String], endogenous: [String])
  /// A fixed-effects formula this estimator does not take (names the problem).
  case invalidFixedEffects(String)
  /// Alternating projections did not converge.
  case demeaningNotConverged(iterations: Int)
}

extension EstimationError: CustomStringConvertible {
  public var description: String {
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
        + "raise --maxiter, rescale regressors with very different magnitudes, or look for separation "
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
        + "has \(plain(value)); use fraclogit/fracprobit for proportions or poisson for counts"
    case .responseLevels(let name, let levels):
      return "the response '\(name)' has \(levels.count) level(s) (\(levels.joined(separator: ", "))); a binary "
        + "model needs exactly two (the second is the outcome 1)"
    case .responseOutOfRange(let name, let value, let row):
      return "the response '\(name)' of a fractional model must lie in [0, 1], but data row \(row) has \(plain(value))"
    case .negativeCount(let name, let value, let row):
      return "the response '\(name)' of a Poisson model must be a non-negative count, but data row \(row) has \(plain(value))"
    case .stepHalvingFailed(let iteration):
      return "IRLS could not reduce the deviance at iteration \(iteration) even after halving the step 30 times; "
        + "rescale the regressors or look for separation"
    case .observedInformationSingular:
      return "the observed information is not positive definite at the estimate; use --vce classical (expected information)"
    case .unsupportedOption(let model, let option):
      return "\(model) does not accept \(option)"
    case .leverageUndefined(let model):
      return "HC2/HC3 need leverages, which a \(model) fit does not define; use --vce hc0, hc1, robust or cluster"
    case .tooFewOutcomeLevels(let name, let levels, let minimum):
      return "the response '\(name)' has \(levels.count) distinct value(s) (\(levels.joined(separator: ", "))) in the "
        + "estimation sample; this model needs at least \(minimum)"
    case .unknownBaseOutcome(let name, let base, let levels):
      return "--base '\(base)' is not a level of the response '\(name)' (levels: \(levels.joined(separator: ", ")))"
    case .invalidIVFormula(let formula):
      return "'\(formula)' is not an instrumental-variables formula: write 'y ~ exog | endog ~ instruments' (fixest) "
        + "or 'y ~ exog + endog | exog + instruments' (AER)"
    case .underidentified(let instruments, let endogenous):
      return "the model is underidentified: \(endogenous.count) endogenous regressor(s) (\(endogenous.joined(separator: ", "))) "
        + "but \(instruments.count) excluded instrument(s)\(instruments.isEmpty ? "" : " (" + instruments.joined(separator: ", ") + ")"); "
        + "add instruments that are not regressors"
    case .invalidFixedEffects(let message):
      return "fixed effects: \(message)"
    case .demeaningNotConverged(let iterations):
      return "the fixed effects were not projected out after \(iterations) alternating-projection sweeps; "
        + "the fixed-effect structure may be badly connected"
    }
  }
}

/// A number as data shows it: integers without a decimal point.
private func plain(_ v: Double) -> String {
  if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
  return "\(v)"
}
