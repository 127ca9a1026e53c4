import Foundation
import StrataDesign
import StrataLinalg
import StrataModels

/// A smooth function of the coefficients (and, for averages, of the sample), linearized for the
/// delta method.
///
/// An average `θ = Σᵢ aᵢ mᵢ(β)` over the estimation sample (`aᵢ = wᵢ / Σw`) has the gradient
/// `J = ∂θ/∂β` and the *data influence* `aᵢ (mᵢ − θ)`: the part of its linearization that comes
/// from the covariates having been sampled. Differences and ratios of such averages combine both
/// linearly, so every margin, contrast and scenario comparison is one `LinearizedEstimate`.
public struct LinearizedEstimate: Sendable {
  /// The estimate θ.
  public var value: Double
  /// `∂θ/∂β` over the kept coefficients (in `Fit.kept` order).
  public var gradient: [Double]
  /// `aᵢ (mᵢ − θ)` for the rows of the estimation sample at `influencePositions` (every row,
  /// in order, when those are nil); nil for a quantity at fixed covariates (an effect at the
  /// means) or when no covariate-sampling variance was asked for.
  public var dataInfluence: [Double]?
  /// The estimation-sample positions `dataInfluence` refers to (nil: all of them). An average
  /// within a group keeps its influence on the group's rows only, so many groups cost memory
  /// linear in the sample, not sample × groups; the other rows' influence is 0.
  public var influencePositions: [Int]?

  public init(value: Double, gradient: [Double], dataInfluence: [Double]?, influencePositions: [Int]? = nil) {
    self.value = value
    self.gradient = gradient
    self.dataInfluence = dataInfluence
    self.influencePositions = influencePositions
  }

  /// `self − other`.
  public func minus(_ other: LinearizedEstimate) -> LinearizedEstimate {
    let (d, positions) = combine(self, other) { $0 - $1 }
    return LinearizedEstimate(
      value: value - other.value, gradient: zip(gradient, other.gradient).map { $0 - $1 }, dataInfluence: d,
      influencePositions: positions)
  }

  /// `self / other`, linearized: `(dθ₁ θ₂ − θ₁ dθ₂) / θ₂²`.
  public func dividedBy(_ other: LinearizedEstimate) -> LinearizedEstimate {
    let a = value
    let b = other.value
    let s = 1 / (b * b)
    let (d, positions) = combine(self, other) { ($0 * b - a * $1) * s }
    return LinearizedEstimate(
      value: a / b, gradient: zip(gradient, other.gradient).map { ($0 * b - a * $1) * s }, dataInfluence: d,
      influencePositions: positions)
  }

  /// The data influence added into `column` (the estimation sample's length), zero elsewhere.
  func addInfluence(into column: inout [Double]) {
    guard let d = dataInfluence else { return }
    if let positions = influencePositions {
      for (k, p) in positions.enumerated() { column[p] += d[k] }
    } else {
      for i in d.indices { column[i] += d[i] }
    }
  }
}

/// Two data influences combined elementwise: on their common positions when both refer to the
/// same rows (the usual case: two averages over one group), else over the whole sample.
private func combine(
  _ x: LinearizedEstimate, _ y: LinearizedEstimate, _ f: (Double, Double) -> Double
) -> ([Double]?, [Int]?) {
  guard let dx = x.dataInfluence, let dy = y.dataInfluence else { return (nil, nil) }
  if x.influencePositions == y.influencePositions { return (zip(dx, dy).map(f), x.influencePositions) }
  let n = max(
    x.influencePositions.map { ($0.max() ?? -1) + 1 } ?? dx.count,
    y.influencePositions.map { ($0.max() ?? -1) + 1 } ?? dy.count)
  var fx = [Double](repeating: 0, count: n)
  var fy = [Double](repeating: 0, count: n)
  x.addInfluence(into: &fx)
  y.addInfluence(into: &fy)
  return (zip(fx, fy).map(f), nil)
}

/// The variance of influence functions under the fit's own variance choice, for the
/// covariate-sampling ("unconditional") variance of averages.
///
/// The unconditional variance of an average margin θ linearizes it in both the sample and the
/// coefficients: `ψᵢ = aᵢ (mᵢ − θ) + J · IFᵢ(β)` with `IFᵢ(β) = A⁻¹ uᵢ` (the fit's bread times
/// its score), and then applies to ψ exactly the estimator the fit's covariance applied to its
/// scores (Stata's `margins, vce(unconditional)`):
///
/// | fit variance | variance of ψ |
/// |---|---|
/// | `hc0` | `Σ ψᵢ²` |
/// | `hc1` | `Σ ψᵢ² · n/(n − k)` |
/// | `robust` (Stata ML) | `Σ ψᵢ² · n/(n − 1)` |
/// | `cluster` | `Σ_g (Σ_{i∈g} ψᵢ)² · G/(G − 1)` (× (n − 1)/(n − k) for least squares; multiway by inclusion–exclusion) |
/// | design (linearization) | R `svyrecvar(ψ, design)` |
///
/// With ψ's data part set to zero each rule reproduces `J V Jᵀ`, the fixed-covariate variance.
/// Classical, OIM, HC2 and HC3 variances have no unconditional counterpart (as in Stata).
public struct InfluenceVariance: Sendable {
  /// `scores · bread`, n × rank, rows aligned with `rows`.
  public var coefficientInfluence: Matrix
  /// The estimation sample (0-based data rows).
  public var rows: [Int]
  /// A description for output.
  public var title: String
  /// Turns an n × K matrix of influence functions into their K × K covariance.
  public var variance: @Sendable (Matrix) throws -> Matrix

  public init(
    coefficientInfluence: Matrix, rows: [Int], title: String, variance: @escaping @Sendable (Matrix) throws -> Matrix
  ) {
    self.coefficientInfluence = coefficientInfluence
    self.rows = rows
    self.title = title
    self.variance = variance
  }

  /// The sandwich rules of the table above: the variance engine's meat of ψ (the influence
  /// functions play the role of scores with an identity bread), with the same `SandwichRule` as
  /// the fit's own covariance.
  ///
  /// - Parameters:
  ///   - fit: the fitted model.
  ///   - spec: `.hc(.hc0)`, `.hc(.hc1)`, `.robust` or `.cluster`.
  ///   - information: the bread of the fit's covariance (observed under Stata's convention).
  /// - Throws: `MarginsError.unconditionalNeedsRobust` for other specs.
  public static func sandwich(
    fit: Fit, spec: CovarianceSpec, information: InformationMatrix = .expected
  ) throws -> InfluenceVariance {
    switch spec {
    case .hc(.hc0), .hc(.hc1), .robust, .cluster: break
    default: throw MarginsError.unconditionalNeedsRobust(vce: spec.name)
    }
    // k is the rank (the fit's coefficients; ψ has one column per estimate).
    let rule = try SandwichRule(fit: fit, spec: spec, parameters: fit.rank)
    let bread = (fit.glm != nil && information == .observed) ? try fit.observedBread() : fit.bread
    let b = Scores(fit).matrix * bread
    let (kind, factor) = (rule.kind, rule.factor)
    return InfluenceVariance(coefficientInfluence: b, rows: fit.rows, title: spec.title) { psi in
      try VarianceEngine.meat(scores: Scores(dense: psi), kind: kind) * factor
    }
  }

  /// Design-based (Taylor linearization): `svyrecvar(ψ, design)`, the variance engine's
  /// linearization meat. The fit's rows and weights must be the design's (checked: otherwise
  /// `InferenceError.designMismatch`).
  ///
  /// - Parameter information: the bread of the fit's design covariance (observed under Stata's
  ///   convention for GLMs).
  public static func design(
    fit: Fit, design: LinearizationDesign, information: InformationMatrix = .expected
  ) throws -> InfluenceVariance {
    let bread = (fit.glm != nil && information == .observed) ? try fit.observedBread() : fit.bread
    let b = Scores(fit).matrix * bread
    let (rows, weights) = (fit.rows, fit.weights)
    // Checked once here, before any ψ is formed.
    _ = try VarianceEngine.checkedRows(
      Scores(dense: b, rows: rows, weights: weights), designRowCount: design.rowCount, designWeights: design.weights)
    return InfluenceVariance(
      coefficientInfluence: b, rows: fit.rows, title: designTitle
    ) { psi in
      try VarianceEngine.meat(scores: Scores(dense: psi, rows: rows, weights: weights), kind: .linearization(design))
    }
  }
}

/// The delta-method variance of linearized estimates: `J V Jᵀ` with the coefficient covariance
/// (covariates fixed, Stata's `margins` default) or the variance of the full influence
/// functions (covariates sampled).
public struct DeltaMethod: Sendable {
  /// Covariance of the kept coefficients.
  public var covariance: Matrix
  /// The unconditional engine, when asked for.
  public var unconditional: InfluenceVariance?

  public init(covariance: Matrix, unconditional: InfluenceVariance? = nil) {
    self.covariance = covariance
    self.unconditional = unconditional
  }

  /// The standard error of each estimate.
  ///
  /// - Throws: `MarginsError.unconditionalAtMeans` when the unconditional variance is asked of an
  ///   estimate at fixed covariates; errors of the variance engine.
  public func standardErrors(_ estimates: [LinearizedEstimate]) throws -> [Double] {
    guard let u = unconditional else {
      return estimates.map { e in
        let vg = covariance.multiplied(by: e.gradient)
        return max(zip(e.gradient, vg).reduce(0) { $0 + $1.0 * $1.1 }, 0).squareRoot()
      }
    }
    guard !estimates.isEmpty else { return [] }
    if estimates.contains(where: { $0.dataInfluence == nil }) { throw MarginsError.unconditionalAtMeans }
    let n = u.rows.count
    // Only the diagonal is reported, and each variance entry depends on its own column of ψ:
    // the columns go to the engine in chunks, so ψ stays within `influenceChunkElements`
    // however many estimates (groups × variables) there are.
    let chunk = Swift.max(1, Swift.min(estimates.count, DeltaMethod.influenceChunkElements / Swift.max(n, 1)))
    var out: [Double] = []
    out.reserveCapacity(estimates.count)
    for lo in stride(from: 0, to: estimates.count, by: chunk) {
      let part = estimates[lo..<Swift.min(lo + chunk, estimates.count)]
      let v = try u.variance(Self.influence(of: part, coefficientInfluence: u.coefficientInfluence))
      out += (0..<part.count).map { max(v[$0, $0], 0).squareRoot() }
    }
    return out
  }

  /// The influence functions ψ of `estimates` (n × estimates): `coefficientInfluence · J` (the
  /// coefficients' part, n × rank times rank × estimates) plus each estimate's data influence.
  public static func influence<C: Collection<LinearizedEstimate>>(
    of estimates: C, coefficientInfluence: Matrix
  ) -> Matrix {
    let n = coefficientInfluence.rows
    var gradients = Matrix(rows: coefficientInfluence.cols, cols: estimates.count)
    for (j, e) in estimates.enumerated() { for k in e.gradient.indices { gradients[k, j] = e.gradient[k] } }
    let coefficientPart = coefficientInfluence * gradients  // n × estimates
    var columns: [Double] = []
    columns.reserveCapacity(n * estimates.count)
    for (j, e) in estimates.enumerated() {
      var column = (0..<n).map { coefficientPart[$0, j] }
      e.addInfluence(into: &column)
      columns += column
    }
    return Matrix(rows: n, cols: estimates.count, columnMajor: columns)
  }

  /// The most elements of ψ (rows × estimates) handed to the variance engine at once (16 MB):
  /// the engine's work on a chunk of K columns grows as n K², so small chunks are also faster.
  static let influenceChunkElements = 1 << 21
}

extension InfluenceVariance {
  /// The unconditional engine matching a fit's covariance: the sandwich rules for HC0, HC1,
  /// Stata's robust and cluster; the design's linearization engine for a design-based fit.
  ///
  /// - Throws: `MarginsError.unconditionalNeedsRobust` for classical, OIM, HC2 and HC3;
  ///   `.unconditionalReplicates` for replicate-weight designs.
  public static func matching(fit: Fit, covariance: CovarianceEstimate) throws -> InfluenceVariance {
    switch covariance.spec {
    case .design(let request):
      switch request.design {
      case .linearization(let design):
        return try .design(fit: fit, design: design, information: covariance.information)
      case .replicate:
        throw MarginsError.unconditionalReplicates
      }
    default:
      return try .sandwich(fit: fit, spec: covariance.spec, information: covariance.information)
    }
  }
}
