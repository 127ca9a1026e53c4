import Foundation
import StrataDesign
import StrataLinalg
import StrataModels

/// The same model fitted in each group of a variable (`--split G`), with a Wald test that the
/// coefficients are equal across groups (fixest's `split`, Stata's `suest` + `test`).
public struct SplitComparison: Sendable {
  /// One group's label and result.
  public struct Group: Sendable {
    public var label: String
    public var result: RegressionResult
    public init(label: String, result: RegressionResult) {
      self.label = label
      self.result = result
    }
  }

  /// How the joint covariance of the groups' coefficients was formed.
  public enum JointCovariance: String, Sendable {
    /// Groups are independent samples: block-diagonal (each block the group's own covariance).
    case independent
    /// The groups are domains of one design: the influence functions of every group, zero
    /// outside it, stacked and passed once through the design's linearization engine.
    case design
  }

  /// The grouping variable.
  public var variable: String
  public var groups: [Group]
  /// Terms compared (estimable in every group), in the first group's order.
  public var terms: [String]
  /// `β_g − β_1` for g = 2…G, stacked, and their joint covariance.
  public var joint: JointCovariance
  /// Wald χ² of equal coefficients, its df ((G − 1) × #terms) and p-value.
  public var waldStatistic: Double
  public var waldDF: Int
  public var waldPValue: Double
  /// The test that the slopes are equal with the intercepts free (group-specific intercepts):
  /// the same Wald χ² over the common terms other than `(Intercept)`, so that groups whose
  /// levels differ do not make a heterogeneity test reject. Nil when the model has no intercept
  /// or no other common term.
  public var slopes: SlopesTest?

  /// The Wald test of equal slopes (intercepts free).
  public struct SlopesTest: Sendable {
    /// The slope terms compared.
    public var terms: [String]
    public var statistic: Double
    /// (G − 1) × #slope terms.
    public var df: Int
    public var pValue: Double
  }

  /// Compares the groups' fits.
  ///
  /// - Parameter design: the design the groups are domains of (design-based fits); nil for
  ///   independent groups. Only linearization designs stack influence functions.
  /// - Throws: `InferenceError.splitTooFewGroups` with fewer than two groups, `.splitNoCommonTerm`;
  ///   design errors from the linearization engine.
  public init(variable: String, groups: [Group], design: LinearizationDesign? = nil) throws {
    guard groups.count >= 2 else {
      throw InferenceError.splitTooFewGroups(variable: variable, groups: groups.count)
    }
    self.variable = variable
    self.groups = groups
    let first = groups[0].result.fit
    let common = first.keptTerms.filter { term in groups.allSatisfy { $0.result.fit.keptTerms.contains(term) } }
    guard !common.isEmpty else { throw InferenceError.splitNoCommonTerm }
    terms = common
    let k = common.count
    // Each group's positions (into its kept coefficients) of the common terms.
    let positions = groups.map { g in common.map { t in g.result.fit.keptTerms.firstIndex(of: t) ?? 0 } }
    let betas = zip(groups, positions).map { g, pos in pos.map { g.result.fit.keptCoefficients[$0] } }
    let gCount = groups.count
    var v = Matrix(rows: gCount * k, cols: gCount * k)
    if let design {
      joint = .design
      let allRows = Array(Set(groups.flatMap { $0.result.fit.rows })).sorted()
      var index: [Int: Int] = [:]
      for (i, r) in allRows.enumerated() { index[r] = i }
      var influence = Matrix(rows: allRows.count, cols: gCount * k)
      var weights = [Double](repeating: 1, count: allRows.count)
      for (g, group) in groups.enumerated() {
        let fit = group.result.fit
        let psi = Scores(fit).matrix * fit.bread
        if let w = fit.weights { for (i, r) in fit.rows.enumerated() { weights[index[r] ?? 0] = w[i] } }
        for (a, position) in positions[g].enumerated() {
          for (i, r) in fit.rows.enumerated() { influence[index[r] ?? 0, g * k + a] = psi[i, position] }
        }
      }
      // The groups' influence functions stacked, through the variance engine's linearization
      // meat (which checks the rows and weights against the design).
      v = try VarianceEngine.meat(
        scores: Scores(dense: influence, rows: allRows, weights: weights), kind: .linearization(design))
    } else {
      joint = .independent
      for (g, group) in groups.enumerated() {
        let m = group.result.covariance.matrix
        for a in 0..<k { for b in 0..<k { v[g * k + a, g * k + b] = m[positions[g][a], positions[g][b]] } }
      }
    }
    let all = Self.wald(betas: betas, covariance: v, positions: Array(0..<k), groups: gCount)
    guard let all else { throw InferenceError.splitSingularDifferences }
    (waldStatistic, waldDF) = all
    waldPValue = ChiSquared(df: Double(waldDF)).sf(waldStatistic)
    let slopeTerms = common.indices.filter { common[$0] != "(Intercept)" }
    if slopeTerms.count < k, !slopeTerms.isEmpty {
      guard let s = Self.wald(betas: betas, covariance: v, positions: slopeTerms, groups: gCount) else {
        throw InferenceError.splitSingularDifferences
      }
      slopes = SlopesTest(
        terms: slopeTerms.map { common[$0] }, statistic: s.statistic, df: s.df,
        pValue: ChiSquared(df: Double(s.df)).sf(s.statistic))
    }
  }

  /// The Wald χ² of `β_g − β_1 = 0` (g = 2…G) over the common terms at `positions`, from the
  /// joint covariance `v` of the stacked coefficients (group-major, `k` terms per group); nil
  /// when the differences' covariance is singular.
  static func wald(betas: [[Double]], covariance v: Matrix, positions: [Int], groups gCount: Int)
    -> (statistic: Double, df: Int)?
  {
    let k = betas[0].count
    let m = positions.count
    let q = (gCount - 1) * m
    var c = Matrix(rows: q, cols: gCount * k)
    var d = [Double](repeating: 0, count: q)
    for g in 1..<gCount {
      for (a, term) in positions.enumerated() {
        let row = (g - 1) * m + a
        c[row, g * k + term] = 1
        c[row, term] = -1
        d[row] = betas[g][term] - betas[0][term]
      }
    }
    let cvc = c * v * transpose(c)
    guard let solved = solveSymmetric(cvc, d) else { return nil }
    return (zip(d, solved).reduce(0) { $0 + $1.0 * $1.1 }, q)
  }
}
