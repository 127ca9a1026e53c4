import StrataFormula
import StrataLinalg

/// A fitted model: estimates plus the pieces every variance estimator needs.
///
/// Models know nothing about variance choices. A fit exposes the *bread* (A⁻¹, the inverse of the
/// negative Hessian of the estimating equations, for the non-aliased coefficients) and per-row
/// *scores* (estimating-function contributions). `StrataInference` turns those into classical,
/// robust, cluster-robust or design-based covariances.
public struct Fit: Sendable {
  /// The estimator.
  public enum Kind: String, Sendable {
    case ols, wls
    case logit, probit, cloglog, poisson, fraclogit, fracprobit
    /// Negative binomial (NB2) regression (`NegativeBinomialRegression`).
    case nbreg
    case ologit, oprobit, mlogit
    /// Two-stage least squares (`InstrumentalVariables`).
    case iv
    /// Probit with continuous endogenous regressors, Newey's two-step estimator (`IVProbit`).
    case ivprobit
  }

  /// The reference distribution of the coefficient tests.
  public enum TestDistribution: String, Sendable {
    /// Student t with the residual (or G − 1) degrees of freedom (least squares, as `summary.lm`).
    case studentT
    /// Standard normal: z statistics, as R's `summary.glm` prints them for likelihood families.
    case normal
  }

  /// The small-sample factor of one-way and multiway cluster-robust covariances.
  public enum ClusterAdjustment: String, Sendable {
    /// `G/(G−1) · (n−1)/(n−k)`: `sandwich::vcovCL` for `lm` (type HC1), Stata's `regress`.
    case groupsAndObservations
    /// `G/(G−1)` only: `sandwich::vcovCL` for `glm` (type HC0), Stata's ML estimators.
    case groups
  }

  /// Which estimator produced the fit.
  public var kind: Kind
  /// The formula as given.
  public var formula: String
  /// The response as written.
  public var responseName: String
  /// Every model-matrix column name, aliased ones included (R order).
  public var terms: [String]
  /// Estimates for every term; `nan` where the term is aliased.
  public var coefficients: [Double]
  /// Indices (into `terms`) of the estimable, non-aliased coefficients.
  public var kept: [Int]
  /// Inverse of the (weighted) cross-product over the kept columns: `(XᵀWX)⁻¹`.
  public var bread: Matrix
  /// The kept columns of the model matrix (estimation sample). Assigning it drops
  /// `indicatorStructure`. A GLM that kept every column shares its model matrix: `$x.compact`
  /// is then the matrix without its factor dummies when it was built so, and reading `x`
  /// expands it (once).
  @LazilyExpanded public var x: Matrix {
    didSet { indicatorStructure = nil }
  }
  /// The dummies of a factor term among the columns of `x` (from the model matrix), which let
  /// the design variance's PSU totals skip reading them; nil when unknown.
  public var indicatorStructure: IndicatorStructure? = nil
  /// Each row's score is `scoreMultipliers[i] · x[i, ·]` (for least squares `wᵢ eᵢ`), unless
  /// `scoreMatrix` is set.
  public var scoreMultipliers: [Double]
  /// The n × rank score matrix of models whose scores are not one multiplier times `x` (ordered
  /// and multinomial models: cut points, one coefficient block per outcome); nil otherwise.
  public var scoreMatrix: Matrix? = nil
  /// Response values of the estimation sample.
  public var response: [Double]
  /// Fitted values.
  public var fitted: [Double]
  /// Residuals `y − ŷ` (unweighted).
  public var residuals: [Double]
  /// Case weights (nil for unweighted fits).
  public var weights: [Double]?
  /// Residual degrees of freedom `n − rank`.
  public var dfResidual: Int
  /// Dispersion estimate `σ̂² = Σ wᵢ eᵢ² / (n − rank)`.
  public var dispersion: Double
  /// Whether the model has an intercept.
  public var hasIntercept: Bool
  /// 0-based data rows in the estimation sample.
  public var rows: [Int]
  /// Non-fatal events (dropped rows, dropped terms).
  public var diagnostics: [Diagnostic]
  /// Distribution of the coefficient tests (t for least squares, z for GLMs).
  public var testDistribution: TestDistribution = .studentT
  /// Small-sample factor of cluster-robust covariances.
  public var clusterAdjustment: ClusterAdjustment = .groupsAndObservations
  /// Whether `dispersion` is estimated (least squares, quasi-likelihood); classical tests then use
  /// t with `dfResidual` degrees of freedom even when `testDistribution` is normal.
  public var dispersionIsEstimated: Bool = true
  /// IRLS working weights at the estimate (GLMs); leverages use them instead of `weights`.
  public var workingWeights: [Double]? = nil
  /// Family, link, deviance, likelihood and convergence of a GLM fit (nil for least squares).
  public var glm: GLMDetails? = nil
  /// How the model matrix was built (terms, kept levels, codings): with `rows` it rebuilds the
  /// design matrix on modified data and differentiates it, for margins and predictions.
  /// Set by `LeastSquares.fit` and `GeneralizedLinearModel.fit`.
  public var recipe: ModelRecipe? = nil
  /// Outcome levels, likelihood and convergence of an ordered or multinomial fit (nil otherwise).
  public var categorical: CategoricalDetails? = nil
  /// Regressors, instruments and endogenous columns of a two-stage least-squares fit (nil otherwise).
  public var iv: IVDetails? = nil
  /// The absorbed fixed effects (nil without any): `x` and the scores are then demeaned.
  public var fixedEffects: FixedEffectsDetails? = nil

  /// Number of observations used.
  public var nobs: Int { $x.rows }
  /// Number of estimable coefficients.
  public var rank: Int { kept.count }
  /// Names of the kept terms.
  public var keptTerms: [String] { kept.map { terms[$0] } }
  /// Estimates of the kept terms.
  public var keptCoefficients: [Double] { kept.map { coefficients[$0] } }
  /// Names of the aliased terms.
  public var aliasedTerms: [String] {
    let k = Set(kept)
    return terms.indices.filter { !k.contains($0) }.map { terms[$0] }
  }

  /// Leverages `hᵢ = wᵢ xᵢᵀ (XᵀWX)⁻¹ xᵢ`, the diagonal of the weighted hat matrix (R's `hatvalues`).
  ///
  /// Computed on demand (only HC2/HC3 need them) as `wᵢ ‖U xᵢ‖²` with `UᵀU` the Cholesky
  /// factorization of the bread.
  /// - Complexity: O(n k²) in BLAS.
  public func hatValues() throws -> [Double] {
    if scoreMatrix != nil { throw EstimationError.leverageUndefined(model: kind.rawValue) }
    if let iv {
      // 2SLS: the diagonal of X (X̂ᵀWX̂)⁻¹ X̂ᵀW, as AER's hatvalues.ivreg.
      let xb = iv.regressors * bread
      var h = [Double](repeating: 0, count: nobs)
      for j in 0..<xb.cols {
        for i in 0..<nobs { h[i] += xb[i, j] * x[i, j] }
      }
      if let w = weights { for i in 0..<nobs { h[i] *= w[i] } }
      return h
    }
    let u = try Cholesky(bread).upper
    let xu = x.multiplied(by: u, transposeOther: true)
    var h = [Double](repeating: 0, count: nobs)
    for j in 0..<xu.cols {
      for i in 0..<nobs {
        let v = xu[i, j]
        h[i] += v * v
      }
    }
    if let w = workingWeights ?? weights {
      for i in 0..<nobs { h[i] *= w[i] }
    }
    return h
  }

  /// The inverse of the observed information (negative Hessian) over the kept columns.
  ///
  /// For least squares and canonical-link GLMs (logit, Poisson) this is `bread`; for probit,
  /// cloglog and fractional probit it is `(Xᵀ diag(w̃) X)⁻¹` with the observed-information weights
  /// `w̃ᵢ` (Stata's default variance for these models).
  /// - Throws: `EstimationError.observedInformationSingular` when the Hessian is not negative definite.
  public func observedBread() throws -> Matrix {
    guard let glm, let w = glm.observedWeights else { return bread }
    do {
      return try inverseSPD(x.crossProduct(rowWeights: w))
    } catch {
      throw EstimationError.observedInformationSingular
    }
  }

  /// The n × rank matrix of estimating-function contributions.
  public var scores: Matrix { scoreMatrix ?? x.scalingRows(by: scoreMultipliers) }
}
