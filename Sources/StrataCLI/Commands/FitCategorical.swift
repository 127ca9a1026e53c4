import ArgumentParser
import Foundation
import Strata

/// Options of the ordered and multinomial commands.
struct CategoricalOptions: ParsableArguments {
  @Option(help: "Base (reference) outcome of mlogit (default: the first level, as nnet::multinom).")
  var base: String?

  @Option(help: "Maximum Newton iterations.")
  var maxiter: Int = 100

  @Option(help: "Convergence tolerance (the Newton decrement must be below its square times 1 + |logLik|).")
  var tol: Double = 1e-10

  func validate() throws {
    if maxiter < 1 { throw ValidationError("--maxiter must be at least 1") }
    if !(tol > 0 && tol < 1) { throw ValidationError("--tol must be between 0 and 1") }
  }
}

struct OLogitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ologit",
    abstract: "Ordered (proportional-odds) logit, as MASS::polr; cut points named 1|2, 2|3, ... (z tests).")
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var categorical: CategoricalOptions
  func run() throws { try options.run(.ordered(.logit, categorical)) }
}

struct OProbitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "oprobit", abstract: "Ordered probit, as MASS::polr(method = \"probit\") (z tests).")
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var categorical: CategoricalOptions
  func run() throws { try options.run(.ordered(.probit, categorical)) }
}

struct MLogitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mlogit",
    abstract: "Multinomial logit, as nnet::multinom / Stata mlogit; coefficients named level:term (--base LEVEL).")
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var categorical: CategoricalOptions
  func run() throws { try options.run(.multinomial(categorical)) }
}
