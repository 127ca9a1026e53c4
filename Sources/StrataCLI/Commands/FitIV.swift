import ArgumentParser
import Strata

/// `strata fit iv 'y ~ exog | endog ~ instruments' --data FILE`
struct IVCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "iv",
    abstract: "Two-stage least squares, as R's AER::ivreg (with first stage, weak-instrument, Wu-Hausman and Sargan/Hansen tests).",
    discussion: """
      Formulas: fixest's 'y ~ exog | endog ~ instruments' ('y ~ 1 | endog ~ z' without exogenous \
      regressors), or AER's 'y ~ exog + endog | exog + instruments' (the second part lists every \
      instrument). Coefficients are named as AER names them, the endogenous variable by its own name. \
      Variances: classical (default), hc0-hc3, robust (= hc1), cluster, design; the first-stage and \
      Wu-Hausman F tests use the same variance, as summary(ivreg, vcov. =, diagnostics = TRUE).
      """)
  @OptionGroup var options: LinearModelOptions
  func run() throws { try options.run(.iv) }
}

extension LinearModelOptions {
  /// The model matrix and refit of `y ~ x | fe…` under `ols`, `wls`, `logit`, `probit`, `poisson`
  /// (nil when the formula has no fixed-effect part, or is run by `strata fit iv`).
  func prepareFixedEffects(_ model: ModelChoice, frame: DataFrame, options: ModelFrameOptions) throws
    -> (mm: ModelMatrix, refit: @Sendable (ModelMatrix) throws -> StrataModels.Fit, defaultCluster: String?)?
  {
    if case .iv = model { return nil }
    guard let (_, terms) = try FixedEffectsModel.split(formula) else { return nil }
    let feModel: FixedEffectsModel.Model
    var control = GLMControl()
    switch model {
    case .leastSquares: feModel = .leastSquares
    case .glm(let m, let o):
      guard [.logit, .probit, .poisson].contains(m) else {
        throw ValidationError("absorbed fixed effects ('| fe') are available for ols, wls, logit, probit and poisson, not \(m.rawValue)")
      }
      feModel = .glm(m)
      control = GLMControl(maxIterations: o.maxiter, tolerance: o.tol)
    case .iv: return nil
    case .ordered, .multinomial:
      throw ValidationError("absorbed fixed effects ('| fe') are available for ols, wls, logit, probit and poisson")
    }
    if let v = vce, v == .hc2 || v == .hc3 || v == .oim {
      throw ValidationError("--vce \(v.rawValue) is not available with absorbed fixed effects; use classical, robust, hc0, hc1, cluster or design")
    }
    let (mm, dims) = try FixedEffectsModel.modelMatrix(formula, model: feModel, data: frame, options: options)
    let (formula, subset, control2) = (formula, options.subset, control)
    let refit: @Sendable (ModelMatrix) throws -> StrataModels.Fit = { m in
      try FixedEffectsModel.fit(m, fixedEffects: dims, model: feModel, formula: formula, subset: subset, control: control2)
    }
    let first = terms.first.flatMap { $0.contains(":") ? nil : $0 }
    return (mm, refit, first)
  }
}
