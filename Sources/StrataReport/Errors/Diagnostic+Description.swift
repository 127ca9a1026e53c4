// The English rendering of `Diagnostic` (StrataModels: non-fatal events of a fit), shared by the
// report adapters, library users and the CLI.

import StrataModels

extension Diagnostic: CustomStringConvertible {
  /// The note as the reports print it.
  public var description: String {
    switch self {
    case .rowsDroppedForMissing(let count, let undefined):
      guard !undefined.isEmpty else { return "\(count) row(s) dropped because of missing values" }
      var causes = undefined.map { "\($0.variable) \($0.reason) (NaN) in \($0.count)" }
      let missing = count - undefined.reduce(0) { $0 + $1.count }
      if missing > 0 { causes.append("missing values in \(missing)") }
      return "\(count) row(s) dropped: " + causes.joined(separator: ", ")
    case .rowsDroppedBySubset(let count, let expression):
      return "\(count) row(s) excluded by subset '\(expression)'"
    case .zeroWeightRowsDropped(let count):
      return "\(count) row(s) with zero weight left out"
    case .collinearTermsDropped(let terms):
      return "\(terms.count) coefficient(s) not defined because of singularities (collinear, dropped): \(terms.joined(separator: ", "))"
    case .nonIntegerCounts(let name, let count):
      return "\(count) value(s) of the count '\(name)' are not integers; estimates are a Poisson quasi-MLE (use robust standard errors)"
    case .nonIntegerBinomialCounts(let name, let count):
      return "\(count) row(s) of the grouped binomial response '\(name)' have non-integer counts (R: \"non-integer counts in a binomial glm!\")"
    case .fittedProbabilitiesAtBoundary(let count):
      return "\(count) group(s) have fitted probabilities numerically 0 or 1 (R: \"fitted probabilities numerically 0 or 1 occurred\"); if the estimates are very large, look for separation"
    case .singletonsRemoved(let count):
      return "\(count) observation(s) in singleton fixed-effect groups removed"
    case .perfectFitGroupsRemoved(let groups, let observations):
      return "\(groups) fixed-effect group(s) (\(observations) observation(s)) removed because the outcome is constant within them"
    }
  }
}
