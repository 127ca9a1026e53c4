import StrataDesign
import StrataLinalg
import StrataModels

/// One specification test of an IV fit.
public struct IVTest: Sendable {
  /// `Weak instruments (educ)`, `Wu-Hausman`, `Sargan`, `Hansen J`.
  public var name: String
  /// Numerator df (F) or df (χ²).
  public var df1: Int
  /// Denominator df of an F test (nil for χ² tests).
  public var df2: Int?
  public var statistic: Double
  public var pValue: Double
}

/// First-stage regressions and the weak-instrument, Wu–Hausman and overidentification tests of a
/// two-stage least-squares fit.
///
/// Matches R `summary(AER::ivreg(...), vcov. = V, diagnostics = TRUE)`:
/// - weak instruments: per endogenous regressor, the Wald F (Wald/q) that the excluded
///   instruments' first-stage coefficients are zero, with the *same* covariance as the fit (under
///   cluster or robust covariances this is the cluster-/heteroskedasticity-robust first-stage F,
///   which for one endogenous regressor is the Kleibergen–Paap rk Wald F without its small-sample
///   factor); df = (#excluded, n − #instruments);
/// - Wu–Hausman: the Wald F of the first-stage fitted values added to the OLS regression of y on X,
///   df = (#endogenous, n − k − #endogenous);
/// - Sargan: n·R² of the 2SLS residuals on the instruments, χ²(#excluded − #endogenous)
///   (homoskedastic, whatever the covariance);
/// - Hansen J (robust, HC and cluster covariances only): `ĝᵀ Ŝ⁻¹ ĝ` at the two-step efficient
///   GMM estimate, `Ŝ` the robust (or one-way cluster) meat of `zᵢ eᵢ` from the 2SLS residuals,
///   as `ivreg2, robust`/`cluster()`; not reported with multiway clustering.
public struct IVDiagnostics: Sendable {
  /// One first-stage regression per endogenous regressor (the endogenous variable on every
  /// instrument), with the fit's covariance.
  public var firstStages: [RegressionResult]
  public var weakInstruments: [IVTest]
  public var wuHausman: IVTest?
  public var sargan: IVTest?
  public var hansenJ: IVTest?
  /// Cragg–Donald Wald F (classical covariance), df (#excluded, n − #instruments); see
  /// `InstrumentRankTests`. Compare with Stock–Yogo critical values; the p-value is the F tail.
  public var craggDonald: IVTest?
  /// Kleibergen–Paap rk Wald F (robust, HC and one-way cluster covariances), as `ivreg2`.
  public var kleibergenPaap: IVTest?

  /// Computes the diagnostics of an IV fit with the covariance spec used for the fit.
  ///
  /// - Throws: `InferenceError` from the auxiliary covariances; nothing is computed for fits that
  ///   are not IV (empty lists).
  public init(fit: Fit, spec: CovarianceSpec, information: InformationMatrix = .expected) throws {
    firstStages = []
    weakInstruments = []
    guard let iv = fit.iv else { return }
    let n = fit.nobs
    let z = iv.instruments
    let w = fit.weights
    func covarianceOf(_ aux: Fit, x: Matrix, y: [Double]) throws -> CovarianceEstimate {
      if case .design(let request) = spec {
        let names = aux.terms
        let rows = fit.rows
        let request2 = DesignVariance(design: request.design, convention: request.convention) { weights in
          let again = try auxiliaryLeastSquares(
            x: x, names: names, y: y, weights: weights, rows: rows, responseName: "")
          return aux.kept.map { again.coefficients[$0] }
        }
        return try covariance(of: aux, spec: .design(request2))
      }
      return try covariance(of: aux, spec: spec, information: information)
    }
    for e in iv.endogenous {
      let y = iv.regressors.column(e)
      var aux = try auxiliaryLeastSquares(
        x: z, names: iv.instrumentNames, y: y, weights: w, rows: fit.rows, responseName: fit.keptTerms[e])
      aux.formula = "\(fit.keptTerms[e]) ~ " + iv.instrumentNames.joined(separator: " + ")
      let v = try covarianceOf(aux, x: z, y: y)
      firstStages.append(try RegressionResult(fit: aux, covariance: v))
      let tested = iv.excluded.compactMap { aux.kept.firstIndex(of: $0) }
      let q = tested.count
      if let f = waldF(aux, v, tested) {
        let df2 = aux.dfResidual
        let name = iv.endogenous.count > 1 ? "Weak instruments (\(fit.keptTerms[e]))" : "Weak instruments"
        weakInstruments.append(
          IVTest(name: name, df1: q, df2: df2, statistic: f, pValue: FisherF(df1: Double(q), df2: Double(df2)).sf(f)))
      }
    }

    let rank = InstrumentRankTests(fit: fit, iv: iv, spec: spec)
    let rankDF = (iv.excluded.count, n - z.cols)
    func rankTest(_ name: String, _ f: Double?) -> IVTest? {
      f.map {
        IVTest(
          name: name, df1: rankDF.0, df2: rankDF.1, statistic: $0,
          pValue: FisherF(df1: Double(rankDF.0), df2: Double(rankDF.1)).sf($0))
      }
    }
    craggDonald = rankTest("Cragg-Donald Wald F", rank.craggDonald)
    kleibergenPaap = rankTest("Kleibergen-Paap rk Wald F", rank.kleibergenPaap)

    // Wu–Hausman: y on [X, X̂_endog].
    let endoFitted = iv.endogenous.map { fit.x.column($0) }
    let augmented = Matrix(columns: (0..<iv.regressors.cols).map { iv.regressors.column($0) } + endoFitted)
    let augmentedNames = fit.keptTerms + iv.endogenous.map { "fit_" + fit.keptTerms[$0] }
    let auxH = try auxiliaryLeastSquares(
      x: augmented, names: augmentedNames, y: fit.response, weights: w, rows: fit.rows, responseName: fit.responseName)
    let vH = try covarianceOf(auxH, x: augmented, y: fit.response)
    let testedH = (iv.regressors.cols..<augmented.cols).compactMap { auxH.kept.firstIndex(of: $0) }
    if let f = waldF(auxH, vH, testedH) {
      let q = testedH.count
      wuHausman = IVTest(
        name: "Wu-Hausman", df1: q, df2: auxH.dfResidual, statistic: f,
        pValue: FisherF(df1: Double(q), df2: Double(auxH.dfResidual)).sf(f))
    }

    // Sargan: n R² of the residuals on the instruments.
    let over = iv.excluded.count - iv.endogenous.count
    if over > 0 {
      let r = fit.residuals
      let auxS = try auxiliaryLeastSquares(x: z, names: iv.instrumentNames, y: r, weights: w, rows: fit.rows, responseName: "")
      var sw = 0.0
      var swr = 0.0
      for i in 0..<n {
        sw += w?[i] ?? 1
        swr += (w?[i] ?? 1) * r[i]
      }
      let mean = swr / sw
      var tss = 0.0
      var rss = 0.0
      for i in 0..<n {
        let wi = w?[i] ?? 1
        tss += wi * (r[i] - mean) * (r[i] - mean)
        rss += wi * auxS.residuals[i] * auxS.residuals[i]
      }
      let stat = Double(n) * (1 - rss / tss)
      sargan = IVTest(name: "Sargan", df1: over, df2: nil, statistic: stat, pValue: ChiSquared(df: Double(over)).sf(stat))
      switch spec {
      case .hc, .robust, .cluster:
        if let j = hansenJStatistic(fit: fit, iv: iv, spec: spec) {
          hansenJ = IVTest(name: "Hansen J", df1: over, df2: nil, statistic: j, pValue: ChiSquared(df: Double(over)).sf(j))
        }
      default: break
      }
    }
  }
}

/// Wald F `b̂ᵀ V⁻¹ b̂ / q` of the kept positions `tested`.
func waldF(_ fit: Fit, _ v: CovarianceEstimate, _ tested: [Int]) -> Double? {
  guard !tested.isEmpty else { return nil }
  let b = tested.map { fit.coefficients[fit.kept[$0]] }
  guard let vb = solveSymmetric(v.matrix.selecting(rowsAndColumns: tested), b) else { return nil }
  return zip(b, vb).reduce(0) { $0 + $1.0 * $1.1 } / Double(tested.count)
}

/// Hansen's J at the two-step efficient GMM estimate (ivreg2's `robust`/`cluster` J).
/// Not computed (nil) with multiway clustering, whose efficient weight matrix this does not form.
func hansenJStatistic(fit: Fit, iv: IVDetails, spec: CovarianceSpec) -> Double? {
  if case .cluster(let vars) = spec, vars.count > 1 { return nil }
  let n = fit.nobs
  let z = iv.instruments
  let x = iv.regressors
  let w = fit.weights ?? [Double](repeating: 1, count: n)
  // S from the 2SLS residuals: the variance engine's meat of the moment scores zᵢ wᵢ eᵢ,
  // Σ (wᵢ eᵢ)² zᵢzᵢᵀ or the (unadjusted) one-way cluster sums.
  func meat(_ e: [Double]) -> Matrix? {
    let u = (0..<n).map { w[$0] * e[$0] }
    let scores = Scores(dense: z.scalingRows(by: u))
    if case .cluster(let vars) = spec, let c = vars.first {
      return try? VarianceEngine.meat(scores: scores, kind: .cluster([c], groupAdjustment: false))
    }
    return try? VarianceEngine.meat(scores: scores, kind: .heteroskedastic())
  }
  guard let s = meat(fit.residuals), let sInv = try? inverseSPD(s) else { return nil }
  // β = (XᵀWZ S⁻¹ ZᵀWX)⁻¹ XᵀWZ S⁻¹ ZᵀWy.
  let zw = z.scalingRows(by: w)
  let zx = zw.crossProduct(with: x)  // l × k
  let zy = zw.crossProduct(with: fit.response)
  let a = zx.transposed * sInv * zx
  guard let aInv = try? inverseSPD(a) else { return nil }
  let beta = aInv.multiplied(by: (zx.transposed * sInv).multiplied(by: zy))
  let fitted = x.multiplied(by: beta)
  let e = zip(fit.response, fitted).map { $0 - $1 }
  let g = zw.crossProduct(with: e)
  let sg = sInv.multiplied(by: g)
  return zip(g, sg).reduce(0) { $0 + $1.0 * $1.1 }
}
