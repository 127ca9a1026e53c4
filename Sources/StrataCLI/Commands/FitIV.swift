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
