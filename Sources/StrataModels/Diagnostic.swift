import StrataFormula

/// A non-fatal event during estimation, stored on the fit and printed by the CLI.
public enum Diagnostic: Sendable, Equatable {
  /// Rows dropped because a variable used was missing (as R's `na.omit`); `undefined` tells how
  /// many of them a transformation made NaN (`log()` of a negative number) rather than a missing
  /// data value.
  case rowsDroppedForMissing(count: Int, undefined: [UndefinedValues] = [])
  /// Rows dropped by the subset expression.
  case rowsDroppedBySubset(count: Int, expression: String)
  /// Rows with zero weight, which contribute nothing and are left out of n (as R's `lm` counts them).
  case zeroWeightRowsDropped(count: Int)
  /// Terms aliased with earlier ones and dropped (estimate NA), as R's `lm` does.
  case collinearTermsDropped(terms: [String])
  /// A Poisson response has non-integer values; the fit is a quasi-MLE (Poisson pseudo-likelihood).
  case nonIntegerCounts(name: String, count: Int)
  /// Rows of a grouped binomial response `cbind(successes, failures)` with non-integer counts.
  case nonIntegerBinomialCounts(name: String, count: Int)
  /// Groups of a grouped binomial response fitted within rounding of probability 0 or 1.
  case fittedProbabilitiesAtBoundary(count: Int)
  /// Observations in singleton fixed-effect groups, removed (they are fitted exactly).
  case singletonsRemoved(count: Int)
  /// Fixed-effect groups whose outcome is constant (all 0, or all 1 for binary models), removed.
  case perfectFitGroupsRemoved(groups: Int, observations: Int)
}

extension Diagnostic {
  /// The rows a model matrix dropped for missing or undefined values, if any.
  static func rowsDropped(_ mm: ModelMatrix) -> [Diagnostic] {
    mm.droppedMissing > 0 ? [.rowsDroppedForMissing(count: mm.droppedMissing, undefined: mm.undefinedValues)] : []
  }
}
