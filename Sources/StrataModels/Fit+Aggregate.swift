import StrataFormula
import StrataLinalg

extension Fit {
  /// A fit made from sums over rows that were never held (a file streamed in passes, a database
  /// that sums its rows: `StrataScale`): the estimates, the bread and the counts, without per-row
  /// arrays. Its `x` is an `nobs × 0` matrix (no storage) so that `nobs` is the sample size; its
  /// scores, fitted values and residuals are empty, so every variance of it goes through
  /// `covariance(of:spec:totals:)` with the sources' score totals.
  ///
  /// - Parameters:
  ///   - terms: every model-matrix column (R order); `coefficients` one per term (NaN if aliased).
  ///   - kept: the non-aliased columns, ascending; `bread` is `(XᵀWX)⁻¹` over them.
  ///   - nobs: observations used (positive weight).
  public init(
    aggregateOf kind: Kind, formula: String, responseName: String, terms: [String], coefficients: [Double],
    kept: [Int], bread: Matrix, nobs: Int, weighted: Bool, dispersion: Double, hasIntercept: Bool,
    diagnostics: [Diagnostic], glm: GLMDetails?
  ) {
    self.init(
      kind: kind, formula: formula, responseName: responseName, terms: terms, coefficients: coefficients,
      kept: kept, bread: bread, x: Matrix(rows: nobs, cols: 0), scoreMultipliers: [], response: [], fitted: [],
      residuals: [], weights: weighted ? [] : nil, dfResidual: nobs - kept.count, dispersion: dispersion,
      hasIntercept: hasIntercept, rows: [], diagnostics: diagnostics)
    if let glm {
      self.glm = glm
      testDistribution = .normal
      clusterAdjustment = .groups
      dispersionIsEstimated = glm.family.estimatesDispersion
    }
  }

  /// Whether the fit was made from sums (`init(aggregateOf:...)`): it holds no rows.
  public var isAggregate: Bool { nobs > 0 && $x.cols == 0 }
}
