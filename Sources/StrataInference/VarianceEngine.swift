import StrataDesign
import StrataLinalg
import StrataModels
import StrataSupport

/// Per-observation estimating functions (scores), the one input of the variance engine besides
/// the bread.
///
///     let scores = Scores(fit)                       // a fit's n × p scores, rows and weights
///     let meat = try VarianceEngine.meat(scores: scores, kind: .heteroskedastic())
///     let v = VarianceEngine.sandwich(bread: fit.bread, meat: meat)   // HC0
///
/// Row `i` is the score `uᵢ` of the observation at data row `rows[i]`: either a dense n × p
/// matrix, or the factored form `mᵢ xᵢ` of least squares and GLMs (a multiplier times a row of
/// the model matrix, never expanded into an n × p matrix). `rows` and `weights` are what the engine
/// checks against a design before a design-based meat: the scores' rows must be rows of the
/// design and the estimator's weights the design's weights over them.
public struct Scores: Sendable {
  /// How the score rows are held.
  public enum Storage: Sendable {
    /// An n × p matrix, one score per row.
    case dense(Matrix)
    /// `mᵢ xᵢ`: multipliers and a model matrix (possibly compact: a factor's dummies described
    /// by `structure` and not stored).
    case factored(multipliers: [Double], matrix: Matrix, structure: IndicatorStructure?)
  }

  public var storage: Storage
  /// 0-based data rows of the score rows (distinct); needed by design-based meats.
  public var rows: [Int]?
  /// The estimator's weights over the score rows (nil: unweighted), checked against a design.
  public var weights: [Double]?

  public init(_ storage: Storage, rows: [Int]? = nil, weights: [Double]? = nil) {
    self.storage = storage
    self.rows = rows
    self.weights = weights
  }

  /// Dense scores, e.g. influence functions ψ (n × K).
  public init(dense: Matrix, rows: [Int]? = nil, weights: [Double]? = nil) {
    self.init(.dense(dense), rows: rows, weights: weights)
  }

  /// A fit's scores (factored when the fit keeps multipliers, dense for ordered, multinomial and
  /// IV-probit fits), over its estimation rows, with its case weights.
  public init(_ fit: Fit) {
    if let s = fit.scoreMatrix {
      self.init(.dense(s), rows: fit.rows, weights: fit.weights)
    } else if let (x, structure) = fit.$x.compact {
      self.init(.factored(multipliers: fit.scoreMultipliers, matrix: x, structure: structure), rows: fit.rows, weights: fit.weights)
    } else {
      self.init(
        .factored(multipliers: fit.scoreMultipliers, matrix: fit.x, structure: fit.indicatorStructure), rows: fit.rows,
        weights: fit.weights)
    }
  }

  /// Number of score rows (observations).
  public var count: Int {
    switch storage {
    case .dense(let m): return m.rows
    case .factored(let m, _, _): return m.count
    }
  }

  /// Number of parameters (columns).
  public var columns: Int {
    switch storage {
    case .dense(let m): return m.cols
    case .factored(_, let x, let structure): return structure?.columnCount ?? x.cols
    }
  }

  /// The n × p matrix (formed for the factored storage).
  public var matrix: Matrix {
    switch storage {
    case .dense(let m): return m
    case .factored(let m, let x, let structure): return x.expandingIndicators(structure).scalingRows(by: m)
    }
  }
}

/// The variance engine: every covariance of the package is a sandwich `B M Bᵀ` of an
/// estimator's bread `B` and a meat `M` formed from its per-observation scores, or (replicate
/// designs) the spread of re-estimates.
///
/// | meat | formula | used by |
/// |---|---|---|
/// | `.heteroskedastic(rowWeights:)` | `Σ aᵢ uᵢuᵢᵀ` | HC0–HC3 (`aᵢ` = 1, 1/(1 − hᵢ), 1/(1 − hᵢ)²), Stata robust, Kleibergen–Paap, Hansen J |
/// | `.cluster(_:groupAdjustment:)` | `Σ_g U_g U_gᵀ`, multiway by inclusion–exclusion over the intersections, each times `G/(G − 1)` when adjusted | cluster-robust, cluster KP and J |
/// | `.linearization(_)` | R `svyrecvar` of the scores over their rows: stratified between-PSU variance of PSU totals, later stages with FPCs | design-based fits and margins |
///
/// A classical (model-based) covariance is the bread alone times the dispersion
/// (`classical(bread:dispersion:)`); a replicate design re-estimates instead of using scores
/// (`replicateCovariance`). The influence functions of an estimator are its scores times `Bᵀ`, so
/// the design meat of scores sandwiched by the bread equals `svyrecvar(scores · Bᵀ)`.
public enum VarianceEngine {
  /// How a meat is formed from the scores.
  public enum MeatKind: Sendable {
    /// `Σ aᵢ uᵢuᵢᵀ` with row weights `aᵢ` (nil: all 1).
    case heteroskedastic(rowWeights: [Double]? = nil)
    /// Cluster sums `Σ_g U_g U_gᵀ` per clustering variable; several variables combine by
    /// inclusion–exclusion over their intersections (R `sandwich::vcovCL`, Cameron–Gelbach–Miller),
    /// each term times `G/(G − 1)` of its own G when `groupAdjustment` is set.
    case cluster([ClusterVariable], groupAdjustment: Bool)
    /// The design's linearization variance of the score totals (R `svyrecvar`); the scores' rows
    /// and weights are checked against the design.
    case linearization(LinearizationDesign)
  }

  /// `B M Bᵀ`, symmetrized against rounding. `B` may be rectangular (k × p for a p × p meat).
  public static func sandwich(bread: Matrix, meat: Matrix) -> Matrix {
    precondition(bread.cols == meat.rows && meat.rows == meat.cols, "bread and meat do not conform")
    if bread.rows == bread.cols { return (bread * meat * bread).symmetrized() }
    return (bread * meat * bread.transposed).symmetrized()
  }

  /// The model-based covariance `φ B` (no meat).
  public static func classical(bread: Matrix, dispersion: Double) -> Matrix { bread * dispersion }

  /// The meat of the scores.
  ///
  /// - Throws: `InferenceError.clusterLengthMismatch` / `.singleCluster` for cluster variables that
  ///   do not fit the scores; `InferenceError.designMismatch` when the scores are not over the
  ///   design's rows and weights; `DesignError` from the linearization engine.
  /// - Complexity: O(n p²) (heteroskedastic), O(n p + G p²) per clustering term, O(n p + G p²)
  ///   for single-stage designs.
  public static func meat(scores: Scores, kind: MeatKind) throws -> Matrix {
    let n = scores.count
    let p = scores.columns
    switch kind {
    case .heteroskedastic(let rowWeights):
      if let a = rowWeights { precondition(a.count == n, "row weights differ from the scores' rows") }
      switch scores.storage {
      case .dense(let s):
        return s.crossProduct(rowWeights: rowWeights ?? [Double](repeating: 1, count: n))
      case .factored(let m, let x, let structure):
        let full = x.expandingIndicators(structure)
        let w = rowWeights.map { zip(m, $0).map { $0 * $0 * $1 } } ?? m.map { $0 * $0 }
        return full.crossProduct(rowWeights: w)
      }

    case .cluster(let variables, let groupAdjustment):
      for v in variables {
        if v.codes.count != n {
          throw InferenceError.clusterLengthMismatch(variable: v.name, expected: n, found: v.codes.count)
        }
        if v.count < 2 { throw InferenceError.singleCluster(variable: v.name) }
      }
      var meat = Matrix(rows: p, cols: p)
      for mask in 1..<(1 << variables.count) {
        let members = variables.indices.filter { mask & (1 << $0) != 0 }
        let groups = intersect(members.map { variables[$0] })
        let sums = groupedSums(scores, codes: groups.codes, groupCount: groups.count)
        let g = Double(groups.count)
        let sign: Double = members.count % 2 == 1 ? 1 : -1
        meat = meat + sums.crossProduct() * (groupAdjustment ? sign * g / (g - 1) : sign)
      }
      return meat

    case .linearization(let design):
      let rows = try checkedRows(scores, designRowCount: design.rowCount, designWeights: design.weights)
      switch scores.storage {
      case .dense(let s):
        return try design.variance(influence: s, rows: rows)
      case .factored(let m, let x, let structure):
        return try design.variance(
          multipliers: m, matrix: x, transform: Matrix.identity(p), rows: rows, structure: structure)
      }
    }
  }

  /// The replicate covariance of re-estimated coefficients (R `withReplicates` + `svrVar`), after
  /// checking that the estimator's rows and weights are the design's.
  ///
  /// - Parameters:
  ///   - scores: gives the estimator's rows and weights (its storage is not read).
  ///   - refit: the coefficients re-estimated under weights over those rows.
  ///   - refitBatch: the same for several weight vectors at once, when cheaper.
  /// - Throws: `InferenceError.designMismatch`, and what the refits throw.
  public static func replicateCovariance(
    scores: Scores, design: ReplicateDesign, progress: ProgressHandler? = nil,
    refit: ([Double]) throws -> [Double], refitBatch: (([[Double]]) throws -> [[Double]])? = nil
  ) throws -> Matrix {
    let rows = try checkedRows(scores, designRowCount: design.rowCount, designWeights: design.weights)
    if let refitBatch {
      return try design.variance(rows: rows, progress: progress, estimate: refit, estimateBatch: refitBatch).covariance
    }
    return try design.variance(rows: rows, progress: progress, estimate: refit).covariance
  }

  /// Checks that scores belong to a design: one data row per score row, each within the design,
  /// none twice, and the estimator's weights equal to the design's weights over those rows up to
  /// one common positive factor (IRLS works on weights divided by their mean), relative 1e-12.
  ///
  /// - Returns: the rows.
  /// - Throws: `InferenceError.designMismatch`.
  public static func checkedRows(_ scores: Scores, designRowCount: Int, designWeights: [Double]) throws -> [Int] {
    guard let rows = scores.rows else { throw InferenceError.designMismatch(.rowsUnknown) }
    let n = scores.count
    guard rows.count == n else { throw InferenceError.designMismatch(.rowCount(scores: n, rows: rows.count)) }
    var seen = [Bool](repeating: false, count: designRowCount)
    for r in rows {
      guard r >= 0 && r < designRowCount else {
        throw InferenceError.designMismatch(.rowOutsideDesign(row: r, designRows: designRowCount))
      }
      if seen[r] { throw InferenceError.designMismatch(.repeatedRow(row: r)) }
      seen[r] = true
    }
    if let w = scores.weights, w.count != n {
      throw InferenceError.designMismatch(.rowCount(scores: n, rows: w.count))
    }
    // The common factor from the first row where both weights are positive (an exact ratio,
    // so every comparison is within a few ulps when the weights are one multiple of the other).
    var factor: Double?
    for (i, r) in rows.enumerated() {
      let a = scores.weights?[i] ?? 1
      let d = designWeights[r]
      if a > 0 && d > 0 {
        factor = a / d
        break
      }
    }
    for (i, r) in rows.enumerated() {
      let a = scores.weights?[i] ?? 1
      let d = designWeights[r]
      let scaled = (factor ?? 1) * d
      if !(abs(a - scaled) <= 1e-12 * max(abs(a), abs(scaled))) {
        throw InferenceError.designMismatch(.weightsDiffer(row: r, fit: a, design: d))
      }
    }
    return rows
  }

  /// The G × p matrix of per-group sums of the scores.
  static func groupedSums(_ scores: Scores, codes: [Int], groupCount: Int) -> Matrix {
    let n = scores.count
    let p = scores.columns
    var sums = Matrix(rows: groupCount, cols: p)
    switch scores.storage {
    case .dense(let s):
      for j in 0..<p {
        for i in 0..<n { sums[codes[i], j] += s[i, j] }
      }
    case .factored(let m, let compact, let structure):
      let x = compact.expandingIndicators(structure)
      for j in 0..<p {
        for i in 0..<n { sums[codes[i], j] += m[i] * x[i, j] }
      }
    }
    return sums
  }
}

/// Dense codes of the intersection of several groupings (a single grouping is returned as is).
func intersect(_ variables: [ClusterVariable]) -> (codes: [Int], count: Int) {
  guard let first = variables.first else { return ([], 0) }
  if variables.count == 1 { return (first.codes, first.count) }
  var map: [[Int]: Int] = [:]
  var codes = [Int](repeating: 0, count: first.codes.count)
  for i in codes.indices {
    let key = variables.map { $0.codes[i] }
    if let c = map[key] {
      codes[i] = c
    } else {
      let c = map.count
      map[key] = c
      codes[i] = c
    }
  }
  return (codes, map.count)
}

/// How an estimator's scores fail to belong to a design (`InferenceError.designMismatch`).
public enum DesignMismatch: Sendable, Equatable {
  /// The scores carry no data rows to match with the design's.
  case rowsUnknown
  /// The scores and their row list (or weights) have different lengths.
  case rowCount(scores: Int, rows: Int)
  /// A score row refers to a data row the design does not have.
  case rowOutsideDesign(row: Int, designRows: Int)
  /// A data row appears twice among the scores.
  case repeatedRow(row: Int)
  /// The estimator's weight of a row is not the design's weight (up to one common factor).
  case weightsDiffer(row: Int, fit: Double, design: Double)

}
