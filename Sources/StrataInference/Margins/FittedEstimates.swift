import StrataLinalg

/// The estimates margins, scenarios and elasticities need of a fit that is not held (a saved
/// fit read back, a fit made from sums): the model matrix's columns, the kept coefficients and
/// their covariance, the tests' degrees of freedom and the variance's title.
public struct FittedEstimates: Sendable {
  /// Every model-matrix column.
  public var terms: [String]
  /// Indices of the estimated (not aliased) columns.
  public var kept: [Int]
  /// The kept coefficients.
  public var coefficients: [Double]
  /// Their covariance (kept × kept).
  public var covariance: Matrix
  /// Degrees of freedom of the tests (infinity: z tests).
  public var degreesOfFreedom: Double
  /// The variance's title in reports.
  public var varianceTitle: String

  public init(
    terms: [String], kept: [Int], coefficients: [Double], covariance: Matrix, degreesOfFreedom: Double,
    varianceTitle: String
  ) {
    self.terms = terms
    self.kept = kept
    self.coefficients = coefficients
    self.covariance = covariance
    self.degreesOfFreedom = degreesOfFreedom
    self.varianceTitle = varianceTitle
  }
}
