import StrataLinalg

extension MarginsResult {
  /// The name a margin has in combinations of margins (`lincom`/`nlcom` over margins): the
  /// variable for a derivative `dydx` (`knowledge`), `kind(variable)` for the other kinds
  /// (`eyex(income)`), and for a discrete change the variable followed by the level, as R names
  /// a factor's column (`contractgig`; a 0/1 variable's change from 0 to 1 is the variable
  /// itself; a pairwise contrast `contractgig-none`).
  public static func combinationName(_ m: MarginEstimate) -> String {
    if let level = m.level, let base = m.base {
      if level == "1" && base == "0" { return m.variable }
      return m.variable + level
    }
    return m.type == .dydx ? m.variable : "\(m.type.rawValue)(\(m.variable))"
  }

  /// The margins as estimates for combinations: each margin's value, and their joint covariance
  /// `G V Gᵀ` (`G`: the margins' gradients with respect to the kept coefficients, `V`: the fit's
  /// covariance) — so that `lincom`/`nlcom` of margins (Stata `margins, post` then `lincom`) take
  /// the margins' correlation into account.
  ///
  ///     let ame = try fit.margins(.dydx, variables: ["knowledge", "present_bias"])
  ///     let post = try ame.postEstimation(covariance: fit.covariance.matrix)
  ///     let d = try post.lincom(["knowledge + present_bias"])
  ///
  /// - Throws: `MarginsError.combinationNeedsFixedCovariates` for margins with covariates
  ///   sampled; `.combinationAmbiguous` when a name is repeated (several `over` groups, `at`
  ///   points or outcomes).
  public func postEstimation(covariance v: Matrix) throws -> PostEstimation {
    var names: [String] = []
    var gradients: [[Double]] = []
    for m in estimates {
      guard let g = m.gradient, g.count == v.rows else { throw MarginsError.combinationNeedsFixedCovariates }
      var name = Self.combinationName(m)
      if let level = m.level, let base = m.base, !(level == "1" && base == "0"),
        estimates.contains(where: { $0.variable == m.variable && $0.level == level && $0.base != base })
      {
        name += "-" + base
      }
      if names.contains(name) {
        throw MarginsError.combinationAmbiguous(
          name: name, reason: "is more than one margin (several --over groups, --at points or outcomes)")
      }
      names.append(name)
      gradients.append(g)
    }
    let k = v.rows
    var gMatrix = Matrix(rows: names.count, cols: k)
    for (i, g) in gradients.enumerated() { for j in 0..<k { gMatrix[i, j] = g[j] } }
    let joint = gMatrix * v * transpose(gMatrix)
    return PostEstimation(
      columns: names, kept: Array(names.indices), coefficients: estimates.map(\.result.estimate), covariance: joint,
      degreesOfFreedom: degreesOfFreedom, termLabels: [], assign: [], level: level)
  }
}
