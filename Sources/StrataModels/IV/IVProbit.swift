import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// A χ² Wald or minimum-distance test reported with an IV-probit fit.
public struct ChiSquaredTest: Sendable {
  /// `Rivers-Vuong`, `Amemiya-Lee-Newey`.
  public var name: String
  public var df: Int
  public var statistic: Double
  public var pValue: Double

  /// A test with its upper-tail χ²(df) p-value.
  public init(name: String, df: Int, statistic: Double) {
    self.name = name
    self.df = df
    self.statistic = statistic
    pValue = ChiSquared(df: Double(df)).sf(statistic)
  }
}

/// The estimates of Newey's two-step IV probit and the auxiliary fits it is built from.
public struct IVProbitTwoStep: Sendable {
  /// The minimum-χ² estimates `δ̂` with `bread` = their covariance `(DᵀΩ̂⁻¹D)⁻¹` (dispersion 1, z
  /// tests), named as the 2SLS coefficients.
  public var fit: Fit
  /// The first-stage least-squares fits, one per endogenous regressor, on every instrument.
  public var firstStages: [Fit]
  /// The control-function probit of y on the regressors and the first-stage residuals.
  public var controlFunction: Fit
  /// The reduced-form probit of y on the instruments and the first-stage residuals.
  public var reducedForm: Fit
  /// Names of the residual columns, `resid(educ)`.
  public var residualNames: [String]
  /// Rivers–Vuong exogeneity test: Wald χ²(#endogenous) of the residuals' coefficients in the
  /// control-function probit with that probit's inverse observed information (its correct variance
  /// under the null of exogeneity). This is the "Wald test of exogeneity" Stata prints after
  /// `ivprobit, twostep`.
  public var exogeneity: ChiSquaredTest
  /// Amemiya–Lee–Newey minimum-χ² statistic `(α̃ − Dδ̂)ᵀ Ω̂⁻¹ (α̃ − Dδ̂)`, χ²(#excluded −
  /// #endogenous) (Stata's `estat overid` after the two-step fit); nil when exactly identified.
  public var overidentification: ChiSquaredTest?
  /// Wald χ² that every coefficient but the intercept is zero, with the two-step covariance
  /// (Stata's header `Wald chi2(k)`); nil without slopes.
  public var model: ChiSquaredTest?
  /// The stacked estimating functions of the two steps, from which `fit`'s scores are formed.
  public var stacked: IVProbitStackedScores
}

/// Newey's two-step estimator as a stacked M-estimator: the estimating functions of the first
/// stages and of the reduced-form probit, their bread, and the map to `δ̂`.
///
/// With `G = ZᵀZ`, `J` the reduced-form probit's observed information and `C = ∂S/∂π`, whose
/// block for the first stage of endogenous regressor `e` is `λ̃ₑ J_{·,Z}` (the probit's score
/// depends on `π` through the residual regressors `v̂ₑ = y₂ₑ − Zπₑ`; the part of the derivative
/// through the regressor itself is `Σ mᵢ zᵢ = 0` at the estimate):
///
///     A = [ I_p ⊗ G   0 ]      A⁻¹ = [ I_p ⊗ G⁻¹       0  ]
///         [   −C      J ]            [ J⁻¹ C (I_p ⊗ G⁻¹) J⁻¹ ]
///
/// so `A⁻¹ uᵢ` are the influence functions of `(π̂, α̃, λ̃)`. `δ̂ − δ ≈ H (α̃ − D(Π̂)δ)` with
/// `H = (DᵀΩ̂⁻¹D)⁻¹ DᵀΩ̂⁻¹`, so with `R = [−β̂₁ I_L … −β̂_p I_L, I_L, 0]` the fit's scores are
/// `DᵀΩ̂⁻¹ R A⁻¹ uᵢ` and its bread `(DᵀΩ̂⁻¹D)⁻¹`: the influence function of `δ̂` is their product,
/// and every sandwich (HC0, robust, cluster, design) comes from the variance engine as for any fit.
/// Under the model (homoskedastic first stages, a correct probit) the meat of these scores
/// estimates `DᵀΩ̂⁻¹D`, and the sandwich the classical `(DᵀΩ̂⁻¹D)⁻¹`.
public struct IVProbitStackedScores: Sendable {
  /// n × (pL + L + p): the first-stage least-squares scores `zᵢ v̂ᵢₑ` (one block of L per
  /// endogenous regressor), then the reduced-form probit scores `mᵢ (zᵢ, v̂ᵢ)`.
  public var scores: Matrix
  /// `A⁻¹`, the inverse of the stacked negative Jacobian, with the cross-derivative block.
  public var bread: Matrix
  /// `DᵀΩ̂⁻¹ R` (k × (pL + L + p)): from the stacked influence functions to `δ̂`'s scores.
  public var transform: Matrix
}

/// Probit with continuous endogenous regressors by Newey's (1987) minimum-χ² two-step estimator
/// (Stata's `ivprobit, twostep`).
///
///     let r = try IVProbit.twoStep("inlf ~ nwifeinc + kidslt6 + age | educ ~ motheduc + fatheduc", data: mroz)
///
/// With `X` the instruments (exogenous regressors and excluded instruments, `L` columns), `y₂` the
/// `p` endogenous regressors and `x₁` the exogenous ones:
/// 1. first stage: OLS of each `y₂` on `X`: `Π̂` (L × p), residuals `V̂`, `Σ̂ = V̂ᵀV̂ / (n − L)`;
/// 2. control-function probit of y on `(x₁, y₂, V̂)`: `β̂` (the `y₂` coefficients) and `ρ̂` (the
///    `V̂` coefficients, tested for exogeneity);
/// 3. reduced-form probit of y on `(X, V̂)`: `α̃` (the `X` coefficients), `λ̃` (the `V̂`
///    coefficients) and `J⁻¹_αα`, the `α` block of its inverse observed information;
/// 4. `Ω̂ = J⁻¹_αα + (λ̃ − β̂)ᵀ Σ̂ (λ̃ − β̂) (XᵀX)⁻¹`, `D(Π̂)` the L × k matrix whose column for an
///    endogenous regressor is its `Π̂` column and for an exogenous one selects it from `X`;
///    `δ̂ = (DᵀΩ̂⁻¹D)⁻¹ DᵀΩ̂⁻¹ α̃` with covariance `(DᵀΩ̂⁻¹D)⁻¹`.
///
/// Exactly identified, `δ̂` equals the control-function probit's coefficients (only the standard
/// errors are corrected). Case weights are not accepted.
///
/// The fit's scores are Newey's influence functions of the two steps (`IVProbitStackedScores`),
/// so robust, cluster-robust and design-based variances come from `covariance(of:spec:)` like any
/// fit's; the classical variance is `(DᵀΩ̂⁻¹D)⁻¹`.
public enum IVProbit {
  /// Fits `y ~ exog | endog ~ instruments` (or AER's `y ~ exog + endog | instruments`).
  ///
  /// - Throws: `FormulaError` for formula or data problems, `EstimationError` for a non-binary
  ///   outcome, underidentification, weights, separation or non-convergence.
  public static func twoStep(
    _ formula: String, data: DataFrame, options: ModelFrameOptions = .init(), control: GLMControl = .init()
  ) throws -> IVProbitTwoStep {
    var options = options
    options.allowsCategoricalResponse = true
    let (mx, mz) = try InstrumentalVariables.modelMatrices(formula, data: data, options: options)
    return try twoStep(regressors: mx, instruments: mz, formula: formula, subset: options.subset, control: control)
  }

  /// Fits already built regressor and instrument matrices.
  ///
  /// - Complexity: two probit fits, O(n (L + p)²) per iteration, and p least-squares fits.
  public static func twoStep(
    regressors mx: ModelMatrix, instruments mz: ModelMatrix, formula: String, subset: String? = nil,
    control: GLMControl = .init()
  ) throws -> IVProbitTwoStep {
    if mx.weights != nil { throw EstimationError.unsupportedOption(model: "ivprobit (two-step)", option: "weights") }
    guard let y0 = mx.response else { throw EstimationError.missingResponse }
    let responseName = mx.responseName ?? "response"
    try GeneralizedLinearModel.validateResponse(
      y0, levels: mx.responseLevels, model: .probit, name: responseName, rows: mx.rows)
    // The 2SLS fit checks identification and finds the endogenous regressors and instruments.
    let iv2 = try InstrumentalVariables.fit(regressors: mx, instruments: mz, formula: formula, subset: subset)
    guard let iv = iv2.iv else { throw EstimationError.invalidIVFormula(formula: formula) }
    let n = iv2.nobs
    let z = iv.instruments
    let l = z.cols
    let x = iv.regressors
    let k = x.cols
    let names = iv2.keptTerms
    let endogenous = iv.endogenous
    let p = endogenous.count

    // 1. First stages.
    var firstStages: [Fit] = []
    var pi: [[Double]] = []
    var residuals: [[Double]] = []
    for e in endogenous {
      var aux = try auxiliaryLeastSquares(
        x: z, names: iv.instrumentNames, y: x.column(e), weights: nil, rows: iv2.rows, responseName: names[e])
      aux.formula = "\(names[e]) ~ " + iv.instrumentNames.joined(separator: " + ")
      pi.append(aux.coefficients)
      residuals.append(aux.residuals)
      firstStages.append(aux)
    }
    let residualNames = endogenous.map { "resid(\(names[$0]))" }
    var sigma = Matrix(rows: p, cols: p)
    for a in 0..<p {
      for b in 0..<p {
        sigma[a, b] = zip(residuals[a], residuals[b]).reduce(0) { $0 + $1.0 * $1.1 } / Double(n - l)
      }
    }

    // 2–3. The control-function and reduced-form probits.
    func probit(_ m: Matrix, _ columnNames: [String], hasIntercept: Bool) throws -> Fit {
      var mm = mx
      mm.x = m
      mm.columnNames = columnNames
      mm.assign = [Int](repeating: 0, count: columnNames.count)
      mm.rows = iv2.rows
      mm.response = iv2.response
      mm.hasIntercept = hasIntercept
      mm.droppedMissing = 0
      mm.droppedBySubset = 0
      let f = try GeneralizedLinearModel.fit(mm, model: .probit, formula: formula, control: control)
      if f.kept.count != m.cols {
        throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: f.kept.count)
      }
      return f
    }
    let vColumns = residuals
    let cf = try probit(
      Matrix(columns: (0..<k).map { x.column($0) } + vColumns), names + residualNames, hasIntercept: iv2.hasIntercept)
    let rf = try probit(
      Matrix(columns: (0..<l).map { z.column($0) } + vColumns), iv.instrumentNames + residualNames,
      hasIntercept: iv.instrumentNames.first == "(Intercept)")
    let beta = endogenous.map { cf.coefficients[$0] }
    let rho = (0..<p).map { cf.coefficients[k + $0] }
    let alpha = Array(rf.coefficients[0..<l])
    let lambda = (0..<p).map { rf.coefficients[l + $0] }

    // 4. Minimum χ².
    let rfBread = try rf.observedBread()
    let jInv = rfBread.selecting(rowsAndColumns: Array(0..<l))
    let d = zip(lambda, beta).map { $0 - $1 }
    let c = sigma.multiplied(by: d).enumerated().reduce(0) { $0 + $1.element * d[$1.offset] }
    let zzInv = try inverseSPD(z.crossProduct())
    let omega = (jInv + zzInv * c).symmetrized()
    var dColumns: [[Double]] = []
    for j in 0..<k {
      if let e = endogenous.firstIndex(of: j) {
        dColumns.append(pi[e])
      } else {
        guard let position = iv.instrumentNames.firstIndex(of: names[j]) else {
          throw EstimationError.underidentified(instruments: iv.excluded.map { iv.instrumentNames[$0] }, endogenous: [names[j]])
        }
        var unit = [Double](repeating: 0, count: l)
        unit[position] = 1
        dColumns.append(unit)
      }
    }
    let dm = Matrix(columns: dColumns)
    let omegaInv = try inverseSPD(omega)
    let a = (dm.transposed * omegaInv * dm).symmetrized()
    let v: Matrix
    do { v = try inverseSPD(a) } catch { throw EstimationError.observedInformationSingular }
    let delta = v.multiplied(by: (dm.transposed * omegaInv).multiplied(by: alpha))
    let distance = zip(alpha, dm.multiplied(by: delta)).map { $0 - $1 }
    let overid = l - k > 0
      ? ChiSquaredTest(
        name: "Amemiya-Lee-Newey", df: l - k,
        statistic: zip(distance, omegaInv.multiplied(by: distance)).reduce(0) { $0 + $1.0 * $1.1 })
      : nil

    // Rivers–Vuong: the residuals' coefficients in the control-function probit.
    let cfBread = try cf.observedBread()
    let vRho = cfBread.selecting(rowsAndColumns: Array(k..<(k + p)))
    let vRhoInv = try inverseSPD(vRho)
    let rv = zip(rho, vRhoInv.multiplied(by: rho)).reduce(0) { $0 + $1.0 * $1.1 }
    let exogeneity = ChiSquaredTest(name: "Rivers-Vuong", df: p, statistic: rv)

    let slopes = iv2.keptTerms.indices.filter { iv2.keptTerms[$0] != "(Intercept)" }
    var model: ChiSquaredTest?
    if !slopes.isEmpty, let vs = try? inverseSPD(v.selecting(rowsAndColumns: slopes)) {
      let b = slopes.map { delta[$0] }
      model = ChiSquaredTest(name: "Wald", df: b.count, statistic: zip(b, vs.multiplied(by: b)).reduce(0) { $0 + $1.0 * $1.1 })
    }
    // Newey's influence functions from the stacked scores (see `IVProbitStackedScores`).
    let m1 = p * l
    let m = m1 + l + p
    var stackedScores = Matrix(rows: n, cols: m)
    for e in 0..<p {
      for j in 0..<l { for i in 0..<n { stackedScores[i, e * l + j] = z[i, j] * residuals[e][i] } }
    }
    let rfX = rf.x
    for j in 0..<(l + p) { for i in 0..<n { stackedScores[i, m1 + j] = rf.scoreMultipliers[i] * rfX[i, j] } }
    let observedWeights = rf.glm?.observedWeights ?? rf.workingWeights ?? [Double](repeating: 1, count: n)
    let information = rfX.crossProduct(rowWeights: observedWeights)  // J
    var cross = Matrix(rows: l + p, cols: m1)  // C = ∂S/∂π
    for e in 0..<p {
      for j in 0..<l { for a in 0..<(l + p) { cross[a, e * l + j] = lambda[e] * information[a, j] } }
    }
    var firstInverse = Matrix(rows: m1, cols: m1)  // I_p ⊗ G⁻¹
    for e in 0..<p { for a in 0..<l { for b in 0..<l { firstInverse[e * l + a, e * l + b] = zzInv[a, b] } } }
    let lower = rfBread * cross * firstInverse
    var stackedBread = Matrix(rows: m, cols: m)
    for a in 0..<m1 { for b in 0..<m1 { stackedBread[a, b] = firstInverse[a, b] } }
    for a in 0..<(l + p) {
      for b in 0..<m1 { stackedBread[m1 + a, b] = lower[a, b] }
      for b in 0..<(l + p) { stackedBread[m1 + a, m1 + b] = rfBread[a, b] }
    }
    var selection = Matrix(rows: l, cols: m)  // R: α̃ − Π̂β̂
    for a in 0..<l {
      for e in 0..<p { selection[a, e * l + a] = -beta[e] }
      selection[a, m1 + a] = 1
    }
    let transform = dm.transposed * omegaInv * selection
    let fitScores = stackedScores * (transform * stackedBread).transposed
    let stacked = IVProbitStackedScores(scores: stackedScores, bread: stackedBread, transform: transform)

    var coefficients = [Double](repeating: .nan, count: iv2.terms.count)
    for (position, column) in iv2.kept.enumerated() { coefficients[column] = delta[position] }
    let index = x.multiplied(by: delta)
    let y = iv2.response
    let probabilities = index.map { Normal.cdf($0) }
    var fit = Fit(
      kind: .ivprobit, formula: formula, responseName: responseName, terms: iv2.terms, coefficients: coefficients,
      kept: iv2.kept, bread: v, x: x, scoreMultipliers: [Double](repeating: 0, count: n), response: y,
      fitted: probabilities, residuals: zip(y, probabilities).map { $0 - $1 }, weights: nil,
      dfResidual: n - k, dispersion: 1, hasIntercept: iv2.hasIntercept, rows: iv2.rows, diagnostics: iv2.diagnostics)
    fit.scoreMatrix = fitScores
    fit.testDistribution = .normal
    fit.dispersionIsEstimated = false
    fit.clusterAdjustment = .groups
    fit.iv = iv
    fit.recipe = mx.recipe
    return IVProbitTwoStep(
      fit: fit, firstStages: firstStages, controlFunction: cf, reducedForm: rf, residualNames: residualNames,
      exogeneity: exogeneity, overidentification: overid, model: model, stacked: stacked)
  }
}
