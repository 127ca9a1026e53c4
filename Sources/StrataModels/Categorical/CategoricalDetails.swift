import Foundation
import StrataFormula
import StrataLinalg

/// Outcome levels, likelihood and convergence of an ordered or multinomial fit.
public struct CategoricalDetails: Sendable {
  /// The response's levels in the estimation sample, in order (numeric responses sorted).
  public var levels: [String]
  /// Index into `levels` of the base outcome of a multinomial logit (nil for ordered models).
  public var base: Int?
  /// Names of the regression terms (predictors) in the model matrix, intercept excluded for
  /// ordered models; each outcome block of a multinomial logit repeats them.
  public var predictors: [String]
  /// Log-likelihood at the estimate and of the thresholds-only (or intercept-only) model.
  public var logLik: Double
  public var nullLogLik: Double
  /// Newton iterations and convergence.
  public var iterations: Int
  public var converged: Bool
  /// The `(Intercept)` of the model matrix, if any (ordered models drop it; the cut points take its place).
  public var hasIntercept: Bool
  /// Weighted count of each outcome level.
  public var levelCounts: [Double]
}

/// The response of a categorical model coded 0..<K over its observed levels.
struct CategoricalResponse {
  var codes: [Int]
  var levels: [String]

  /// Codes the response of `mm`: factor levels as given (only observed levels kept), numeric values
  /// sorted and labelled as R labels `factor(y)` (`1`, `2.5`).
  init(_ mm: ModelMatrix, y: [Double]) {
    let distinct = Array(Set(y)).sorted()
    var index: [Double: Int] = [:]
    for (k, v) in distinct.enumerated() { index[v] = k }
    codes = y.map { index[$0] ?? 0 }
    if let names = mm.responseLevels {
      levels = distinct.map { v in
        let i = Int(v)
        return i >= 0 && i < names.count ? names[i] : String(i)
      }
    } else {
      levels = distinct.map(rLabel)
    }
  }
}

/// A number as R's `as.character` prints it (15 significant digits, no trailing zeros).
func rLabel(_ v: Double) -> String {
  if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
  return String(format: "%.15g", v)
}

/// The estimation sample of a categorical model: validated weights, zero-weight rows left out.
struct CategoricalSample {
  var x: Matrix
  var y: [Double]
  var weights: [Double]?
  var rows: [Int]
  var diagnostics: [Diagnostic]

  init(_ mm: ModelMatrix, subset: String?) throws {
    guard let y = mm.response else { throw EstimationError.missingResponse }
    var diagnostics: [Diagnostic] = []
    if let subset, mm.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: mm.droppedBySubset, expression: subset))
    }
    diagnostics += Diagnostic.rowsDropped(mm)
    var x = mm.x
    var yy = y
    var rows = mm.rows
    var weights = mm.weights
    if let w = weights, let positive = try positiveWeightRows(w, dataRows: mm.rows, diagnostics: &diagnostics) {
      x = selectingRows(x, positive)
      yy = positive.map { y[$0] }
      weights = positive.map { w[$0] }
      rows = positive.map { mm.rows[$0] }
    }
    self.x = x
    self.y = yy
    self.weights = weights
    self.rows = rows
    self.diagnostics = diagnostics
  }
}

/// The columns of `x` that are not aliased, as R's QR with tolerance 1e-7 decides, with the
/// intercept (if any) forced first: ordered models need it to detect columns that are constant.
func nonAliasedColumns(_ x: Matrix) throws -> [Int] {
  try QRDecomposition(x, tolerance: 1e-7).keptColumns.sorted()
}

/// Newton–Raphson on a concave log-likelihood with step halving.
///
/// `evaluate(θ, wantDerivatives)` returns the log-likelihood and, when asked, its gradient and
/// Hessian. Stops when the Newton decrement `gᵀ(−H)⁻¹g` falls below `tolerance²·(1 + |ℓ|)`.
/// - Returns: the estimate, the inverse of `−H` at it, the log-likelihood and the iteration count.
func newtonMaximize(
  start: [Double], maxIterations: Int = 100, tolerance: Double = 1e-10,
  evaluate: ([Double], Bool) throws -> (logLik: Double, gradient: [Double], hessian: Matrix)
) throws -> (theta: [Double], inverseInformation: Matrix, logLik: Double, iterations: Int, converged: Bool) {
  var theta = start
  var current = try evaluate(theta, true)
  var iterations = 0
  var converged = false
  while iterations < maxIterations {
    iterations += 1
    let information = current.hessian * -1
    let cholesky: Cholesky
    do {
      cholesky = try Cholesky(information.symmetrized())
    } catch {
      throw EstimationError.observedInformationSingular
    }
    let step = cholesky.solve(current.gradient)
    let decrement = zip(step, current.gradient).reduce(0) { $0 + $1.0 * $1.1 }
    if decrement < tolerance * tolerance * (1 + abs(current.logLik)) {
      converged = true
      break
    }
    var scale = 1.0
    var accepted = false
    for _ in 0..<40 {
      let trial = zip(theta, step).map { $0 + scale * $1 }
      let value = try evaluate(trial, false).logLik
      if value.isFinite && value >= current.logLik - 1e-12 * abs(current.logLik) {
        theta = trial
        accepted = true
        break
      }
      scale /= 2
    }
    if !accepted { throw EstimationError.stepHalvingFailed(iteration: iterations) }
    current = try evaluate(theta, true)
  }
  let information = (current.hessian * -1).symmetrized()
  let inverse: Matrix
  do {
    inverse = try inverseSPD(information)
  } catch {
    throw EstimationError.observedInformationSingular
  }
  return (theta, inverse, current.logLik, iterations, converged)
}
