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

extension LinearModelOptions {
  /// Renders an ordered or multinomial fit, with per-outcome margins when asked.
  func finishCategorical(_ s: ModelFit) throws {
    if marginsOptions.save != nil {
      throw ValidationError("--save is not yet available for ologit, oprobit and mlogit fits")
    }
    let selection = marginsOptions.selection
    guard selection.isRequested else {
      try render(s.result, frame: s.data)
      return
    }
    let options = try selection.options(level: level)
    if selection.marginsVCE == .unconditional {
      throw ValidationError(
        "ordered and multinomial fits support margins with covariates fixed only (not --margins-vce unconditional)")
    }
    let general =
      options.kinds != [.dydx] || options.atMeans || options.at != nil || options.over != nil
      || !options.discrete.isEmpty || options.contrast != .reference
      || options.variables.contains { s.fit.recipe?.role(of: $0) == .categorical }
    if general {
      // Per-outcome margins through the general options (MEM, at, over, discrete changes, elasticities).
      let result = try s.outcomeMargins(options)
      let context = reportContext(s.data)
      switch outputOptions.format {
      case .text:
        try outputOptions.write(
          RegressionReport.text(s.result, context: context) + "\n"
            + MarginsReport.text(result, model: "\(s.fit.kind.rawValue): \(formula)"))
      case .json:
        var document = RegressionReport.json(s.result, context: context)
        if case .object(var pairs) = document {
          pairs.append(("margins", MarginsReport.jsonEntries(result)))
          document = .object(pairs)
        }
        try outputOptions.write(document.serialized() + "\n")
      case .csv:
        try outputOptions.write(MarginsReport.csv(result))
      }
      return
    }
    let margins = try s.outcomeAverageMarginalEffects(variables: options.variables)
    let context = reportContext(s.data)
    switch outputOptions.format {
    case .text:
      try outputOptions.write(
        RegressionReport.text(s.result, context: context) + "\n" + OutcomeMarginsReport.text(margins))
    case .json:
      var document = RegressionReport.json(s.result, context: context)
      if case .object(var pairs) = document {
        pairs.append(("margins", OutcomeMarginsReport.json(margins)))
        document = .object(pairs)
      }
      try outputOptions.write(document.serialized() + "\n")
    case .csv:
      try outputOptions.write(OutcomeMarginsReport.csv(margins))
    }
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
