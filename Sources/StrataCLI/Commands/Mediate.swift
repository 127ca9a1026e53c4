import ArgumentParser
import Foundation
import Strata

/// The outcome equation's model in `strata mediate`.
enum MediationOutcomeModel: String, ExpressibleByArgument, CaseIterable {
  case ols, logit, probit
}

/// `strata mediate 'y ~ t + m + x' --treatment t --mediator m [--reps B --seed S]`
struct MediateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mediate",
    abstract: "Mediation analysis: treatment -> mediator -> outcome (stepwise equations, Sobel test, bootstrap CIs of the indirect effect).",
    discussion: """
      The formula is the outcome equation 'y ~ t + m + controls'. Strata also fits the total-effect \
      equation (the formula without the mediator) and the mediator equation 'm ~ t + controls' (least \
      squares) on the same rows. The indirect effect is a*b (product of coefficients; on the latent \
      index scale for logit/probit outcomes). With --reps, rows (or, with a design, PSUs within \
      strata, Rao-Wu rescaled) are resampled --reps times (default 50) with a generator seeded by --seed.

      Examples:
        strata mediate 'lwage ~ nearc4 + educ + exper + black' --treatment nearc4 --mediator educ --data datasets/card.csv --reps 200
      """)

  @OptionGroup var options: LinearModelOptions

  @Option(help: "The treatment (a numeric column in the formula).")
  var treatment: String

  @Option(help: "The mediator (a numeric column in the formula).")
  var mediator: String

  @Option(help: "Model of the outcome and total-effect equations (the mediator equation is least squares).")
  var model: MediationOutcomeModel = .ols

  /// Bootstrap replicates and seed: the design group's `--reps` (default 50, as Stata's
  /// `bootstrap`) and `--seed`.
  var reps: Int { options.design.reps ?? 50 }
  var seed: UInt64 { options.design.seed ?? 1 }

  func validate() throws {
    if options.split != nil { throw ValidationError("--split does not apply to mediate") }
  }

  func run() throws {
    guard options.formula.contains("~") else {
      throw ValidationError("the formula must be the outcome equation 'y ~ treatment + mediator + controls'")
    }
    let outcomeChoice: ModelChoice
    switch model {
    case .ols: outcomeChoice = .leastSquares(requireWeights: false)
    case .logit: outcomeChoice = .glm(.logit, try GLMOptions.parse([]))
    case .probit: outcomeChoice = .glm(.probit, try GLMOptions.parse([]))
    }
    let spec = try options.specification(outcomeChoice)
    let frame = try loadData(options.data)
    let progressLine = ProgressLine.forStandardError()
    defer { progressLine?.finish() }
    let result = try translatingAnalysisErrors {
      try Model.mediate(
        spec, treatment: treatment, mediator: mediator, data: frame, replicates: reps, seed: seed,
        progress: progressLine.map { line in
          { done, total in line.update(WorkProgress(task: "bootstrap", completed: done, total: total)) }
        })
    }
    let output = options.outputOptions
    switch output.format {
    case .text: try output.write(MediationReport.text(result, data: options.data))
    case .json: try output.write(MediationReport.json(result, context: options.reportContext(frame)).serialized() + "\n")
    case .csv: try output.write(MediationReport.csv(result))
    }
  }
}
