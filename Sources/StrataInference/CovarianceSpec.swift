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
  /// Model-based: `σ̂² (XᵀWX)⁻¹` for least squares; for GLMs the dispersion times the inverse
  /// *expected* information (R's `vcov(glm)`).
  case classical
  /// The inverse *observed* information (negative Hessian) of a GLM: Stata's default (`vce(oim)`)
  /// and most textbooks' for probit and cloglog; equal to `classical` for logit and Poisson.
  case oim
  /// Stata's `vce(robust)` for maximum-likelihood models: the HC0 sandwich times n/(n−1).
  case robust
  /// Heteroskedasticity-robust sandwich.
  case hc(HCType)
  /// Cluster-robust sandwich (one-way or multiway), `sandwich::vcovCL` defaults: G/(G − 1) per
  /// clustering, times (n − 1)/(n − k) for least squares only (`Fit.clusterAdjustment`).
  case cluster([ClusterVariable])
  /// Design-based: linearization (R `svyglm`, Stata `svy:`) or replicate weights.
  case design(DesignVariance)

  /// A short label for output (`classical`, `hc1`, `cluster`).
  public var name: String {
    switch self {
    case .classical: return "classical"
    case .oim: return "oim"
    case .robust: return "robust"
    case .hc(let t): return t.rawValue
    case .cluster: return "cluster"
    case .design: return "design"
    }
  }

  /// A description for text output.
  public var title: String {
    switch self {
    case .classical: return "classical (homoskedastic)"
    case .oim: return "observed information (OIM)"
    case .robust: return "robust (Stata: HC0 x n/(n-1))"
    case .hc(let t): return "heteroskedasticity-robust (\(t.rawValue.uppercased()))"
    case .cluster(let v):
      let names = v.map { "\($0.name) (\($0.count) clusters)" }.joined(separator: ", ")
      return "cluster-robust by \(names)"
    case .design(let d):
      switch d.design {
      case .linearization: return "design-based (Taylor linearization)"
      case .replicate(let r): return "design-based (\(r.replicateCount) \(r.type.rawValue.uppercased()) replicates)"
      }
    }
  }
}

/// Which information matrix forms the bread of a GLM covariance.
public enum InformationMatrix: String, Sendable, CaseIterable {
  /// The expected (Fisher) information `XᵀWX` at the estimate: R's `vcov(glm)` and `sandwich`.
  case expected
  /// The observed information (negative Hessian): Stata's bread for every ML variance.
  case observed
}
