/// Heteroskedasticity-consistent covariance types (as `sandwich::vcovHC(type =)`).
public enum HCType: String, Sendable, CaseIterable {
  /// White's estimator, no small-sample adjustment.
  case hc0
  /// HC0 × n / (n − k) (Stata's `robust`).
  case hc1
  /// Each score divided by √(1 − hᵢ).
  case hc2
  /// Each score divided by (1 − hᵢ) (jackknife-like).
  case hc3
}

/// One clustering variable, resolved to dense group codes over the estimation sample.
public struct ClusterVariable: Sendable {
  /// The variable's name, for output.
  public var name: String
  /// Group id (0-based, dense) of each row of the estimation sample.
  public var codes: [Int]
  /// Number of distinct groups.
  public var count: Int

  public init(name: String, codes: [Int], count: Int) {
    self.name = name
    self.codes = codes
    self.count = count
  }
}

/// How to estimate the covariance of a fit's coefficients.
public enum CovarianceSpec: Sendable {
  /// Model-based: `σ̂² (XᵀWX)⁻¹` for least squares.
  case classical
  /// Heteroskedasticity-robust sandwich.
  case hc(HCType)
  /// Cluster-robust sandwich (one-way or multiway), `sandwich::vcovCL` defaults:
  /// HC1-type adjustment (n − 1)/(n − k) and G/(G − 1) per clustering.
  case cluster([ClusterVariable])

  /// A short label for output (`classical`, `hc1`, `cluster`).
  public var name: String {
    switch self {
    case .classical: return "classical"
    case .hc(let t): return t.rawValue
    case .cluster: return "cluster"
    }
  }

  /// A description for text output.
  public var title: String {
    switch self {
    case .classical: return "classical (homoskedastic)"
    case .hc(let t): return "heteroskedasticity-robust (\(t.rawValue.uppercased()))"
    case .cluster(let v):
      let names = v.map { "\($0.name) (\($0.count) clusters)" }.joined(separator: ", ")
      return "cluster-robust by \(names)"
    }
  }
}
