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
  case notConverged(iterations: Int, lastChange: Double)
  /// Some regressors separate the outcome perfectly.
  case perfectSeparation(terms: [String])
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
      return "the fit did not converge after \(iterations) iterations (last relative change \(lastChange))"
    case .perfectSeparation(let terms):
      return "perfect separation: \(terms.joined(separator: ", ")) predict(s) the outcome exactly; estimates would diverge"
    }
  }
}
