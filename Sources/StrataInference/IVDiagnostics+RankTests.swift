import Foundation
import StrataLinalg
import StrataModels

/// The Cragg–Donald and Kleibergen–Paap rk Wald F statistics of instrument strength, as `ivreg2`
/// reports them (`ranktest` for the rk statistic).
///
/// With the included exogenous regressors partialled out of the endogenous regressors `Ỹ` (n × p)
/// and the excluded instruments `Z̃` (n × L₂), `Π̂ = (Z̃ᵀZ̃)⁻¹Z̃ᵀỸ`, `L` instruments in all:
/// - Cragg–Donald: `(n − L)/L₂ · λ_min(S^{-1/2} ỸᵀP Ỹ S^{-1/2})`, `S = ỸᵀM Ỹ` (for p = 1 the
///   classical first-stage F);
/// - Kleibergen–Paap rk Wald (rank p − 1 against full rank): `Θ̂ = G^{1/2} Π̂ F^{-1/2}` with
///   `G = Z̃ᵀZ̃`, `F = ỸᵀỸ`; with `v` the last right singular vector of `Θ̂` and `U₂` an orthonormal
///   basis of the complement of its first p − 1 left singular vectors, `λ = U₂ᵀΘ̂v`,
///   `rk = λᵀ (J V̂_θ Jᵀ)⁻¹ λ`, `J = vᵀ ⊗ U₂ᵀ`, `V̂_θ` the heteroskedasticity-robust (HC0) or
///   one-way cluster-robust covariance of `vec Θ̂` (no small-sample factor). The F is
///   `rk/n · (n − L)/L₂` (robust) or `rk/(n − 1) · (n − L) · (G − 1)/G / L₂` (cluster), as `ivreg2`.
///   `rk` is invariant to the basis `U₂` and the choice of matrix square roots; for p = 1 it is the
///   HC0 (cluster) Wald statistic of the excluded instruments in the first stage.
/// Weights enter as √w-scaled rows (`ivreg2` with aweights/pweights).
struct InstrumentRankTests {
  var craggDonald: Double?
  var kleibergenPaap: Double?

  init(fit: Fit, iv: IVDetails, spec: CovarianceSpec) {
    let n = fit.nobs
    let z = iv.instruments
    let l = z.cols
    let l2 = iv.excluded.count
    let p = iv.endogenous.count
    guard p > 0, l2 >= p, n > l else { return }
    let s = fit.weights.map { $0.map { $0.squareRoot() } }
    func scaled(_ v: [Double]) -> [Double] { s.map { zip(v, $0).map { $0 * $1 } } ?? v }
    let included = (0..<l).filter { !iv.excluded.contains($0) }
    let z1 = included.isEmpty ? nil : Matrix(columns: included.map { scaled(z.column($0)) })
    func partialled(_ v: [Double]) -> [Double]? {
      let sv = scaled(v)
      guard let z1 else { return sv }
      return try? auxiliaryLeastSquares(
        x: z1, names: included.map { "\($0)" }, y: sv, weights: nil, rows: fit.rows, responseName: ""
      ).residuals
    }
    let yCols = iv.endogenous.compactMap { partialled(iv.regressors.column($0)) }
    let zCols = iv.excluded.compactMap { partialled(z.column($0)) }
    guard yCols.count == p, zCols.count == l2 else { return }
    let yt = Matrix(columns: yCols)
    let zt = Matrix(columns: zCols)
    let zz = zt.crossProduct()
    guard let zzInv = try? inverseSPD(zz) else { return }
    let zy = zt.crossProduct(with: yt)  // L₂ × p
    let pi = zzInv * zy
    let ypy = (zy.transposed * pi).symmetrized()
    let yy = yt.crossProduct()

    switch spec {
    case .classical:
      guard let root = inverseSquareRoot(yy - ypy), let e = try? SymmetricEigen((root * ypy * root).symmetrized()),
        let smallest = e.values.first
      else { return }
      craggDonald = Double(n - l) / Double(l2) * smallest
    case .hc, .robust, .cluster:
      var clusters: ClusterVariable?
      if case .cluster(let vars) = spec {
        guard vars.count == 1 else { return }
        clusters = vars[0]
      }
      guard let rk = rkStatistic(yt: yt, zt: zt, pi: pi, zz: zz, zzInv: zzInv, yy: yy, clusters: clusters) else { return }
      if let c = clusters {
        let g = Double(c.count)
        kleibergenPaap = rk / Double(n - 1) * Double(n - l) * (g - 1) / g / Double(l2)
      } else {
        kleibergenPaap = rk / Double(n) * Double(n - l) / Double(l2)
      }
    case .oim, .design:
      return
    }
  }
}

/// `A^{-1/2}` of a symmetric positive-definite matrix (nil when not positive definite).
private func inverseSquareRoot(_ a: Matrix) -> Matrix? { power(a, -0.5) }

/// `A^t` of a symmetric positive-definite matrix by its eigen-decomposition.
private func power(_ a: Matrix, _ t: Double) -> Matrix? {
  guard let e = try? SymmetricEigen(a.symmetrized()), let smallest = e.values.first, smallest > 0 else { return nil }
  let scaledVectors = e.vectors.scalingColumns(by: e.values.map { Foundation.pow($0, t) })
  return (scaledVectors * e.vectors.transposed).symmetrized()
}

/// The Kronecker product `a ⊗ b`.
private func kronecker(_ a: Matrix, _ b: Matrix) -> Matrix {
  var out = Matrix(rows: a.rows * b.rows, cols: a.cols * b.cols)
  for i in 0..<a.rows {
    for j in 0..<a.cols {
      let aij = a[i, j]
      if aij == 0 { continue }
      for k in 0..<b.rows { for m in 0..<b.cols { out[i * b.rows + k, j * b.cols + m] = aij * b[k, m] } }
    }
  }
  return out
}

/// Kleibergen–Paap's rk Wald statistic of H₀: rank(Π) = p − 1.
private func rkStatistic(
  yt: Matrix, zt: Matrix, pi: Matrix, zz: Matrix, zzInv: Matrix, yy: Matrix, clusters: ClusterVariable?
) -> Double? {
  let n = yt.rows
  let p = yt.cols
  let l2 = zt.cols
  // Robust covariance of vec(Π̂) (columns stacked): (I ⊗ (Z̃ᵀZ̃)⁻¹) Σ hᵢhᵢᵀ (I ⊗ (Z̃ᵀZ̃)⁻¹), hᵢ = eᵢ ⊗ z̃ᵢ.
  let residuals = yt - zt * pi
  var h = Matrix(rows: n, cols: p * l2)
  for a in 0..<p { for j in 0..<l2 { for i in 0..<n { h[i, a * l2 + j] = residuals[i, a] * zt[i, j] } } }
  // The variance engine's meat of hᵢ (unadjusted cluster sums for the cluster version).
  let scores = Scores(dense: h)
  guard
    let meat = try? VarianceEngine.meat(
      scores: scores,
      kind: clusters.map { VarianceEngine.MeatKind.cluster([$0], groupAdjustment: false) } ?? .heteroskedastic())
  else { return nil }
  var identity = Matrix(rows: p, cols: p)
  for a in 0..<p { identity[a, a] = 1 }
  let bread = kronecker(identity, zzInv)
  let vPi = VarianceEngine.sandwich(bread: bread, meat: meat)
  guard let gHalf = power(zz, 0.5), let fInvHalf = power(yy, -0.5) else { return nil }
  let theta = gHalf * pi * fInvHalf
  let k = kronecker(fInvHalf, gHalf)
  let vTheta = k * vPi * k.transposed
  guard let svd = try? SVD(theta) else { return nil }
  let v = (0..<p).map { svd.vt[p - 1, $0] }
  // U₂: orthonormal basis of the complement of the first p − 1 left singular vectors.
  var projector = Matrix(rows: l2, cols: l2)
  for i in 0..<l2 { projector[i, i] = 1 }
  for c in 0..<(p - 1) {
    for i in 0..<l2 { for j in 0..<l2 { projector[i, j] -= svd.u[i, c] * svd.u[j, c] } }
  }
  guard let e = try? SymmetricEigen(projector.symmetrized()) else { return nil }
  let m = l2 - p + 1
  let u2 = Matrix(columns: (l2 - m..<l2).map { e.vectors.column($0) })
  let lambda = u2.transposed.multiplied(by: theta.multiplied(by: v))
  let j = kronecker(Matrix(rows: 1, cols: p, columnMajor: v), u2.transposed)
  let omega = (j * vTheta * j.transposed).symmetrized()
  guard let omegaInv = try? inverseSPD(omega) else { return nil }
  return zip(lambda, omegaInv.multiplied(by: lambda)).reduce(0) { $0 + $1.0 * $1.1 }
}
