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
    let formula = options.formula
    guard let tilde = formula.firstIndex(of: "~") else {
      throw ValidationError("the formula must be the outcome equation 'y ~ treatment + mediator + controls'")
    }
    let response = formula[..<tilde].trimmingCharacters(in: .whitespaces)
    let rhs = String(formula[formula.index(after: tilde)...])
    let outcomeChoice: ModelChoice
    switch model {
    case .ols: outcomeChoice = .leastSquares(requireWeights: false)
    case .logit: outcomeChoice = .glm(.logit, try GLMOptions.parse([]))
    case .probit: outcomeChoice = .glm(.probit, try GLMOptions.parse([]))
    }
    // One estimation sample: each equation also requires the variables only the others use.
    func equation(_ f: String, requiring extra: String) -> LinearModelOptions {
      var o = options
      o.formula = f
      let complete = "((\(extra)) == (\(extra)))"
      o.subset = [options.subset, complete].compactMap { $0.map { "(\($0))" } }.joined(separator: " & ")
      return o
    }
    let outcomeOptions = equation(formula, requiring: mediator)
    let totalOptions = equation("\(formula) - \(mediator)", requiring: mediator)
    let mediatorOptions = equation("\(mediator) ~ \(rhs) - \(mediator)", requiring: response)
    let outcome = try outcomeOptions.estimate(try outcomeOptions.prepare(outcomeChoice))
    let total = try totalOptions.estimate(try totalOptions.prepare(outcomeChoice))
    let mediatorSession = try mediatorOptions.estimate(try mediatorOptions.prepare(.leastSquares(requireWeights: false)))
    var result = try MediationResult(
      treatment: treatment, mediator: mediator, total: total.result, mediatorEquation: mediatorSession.result,
      outcomeEquation: outcome.result, level: options.level)

    do {
      let rows = outcome.fit.rows
      let scheme: BootstrapResampler.Scheme
      switch outcome.prepared.sampleDesign {
      case .linearization(let d)?: scheme = d.bootstrapScheme
      case .replicate?: throw ValidationError("mediate --reps resamples PSUs; replicate-weight designs are not supported")
      case nil:
        if let name = options.clusterNames.first {
          let g = try outcome.prepared.frame.groupCodes(of: name, rows: Array(0..<outcome.prepared.frame.rowCount))
          scheme = .design(strata: [Int](repeating: 0, count: g.codes.count), clusters: g.codes)
        } else {
          scheme = .rows(count: rows.count)
        }
      }
      let (treatmentName, mediatorName) = (treatment, mediator)
      let estimate = { (multipliers: [Double]) throws -> Double in
        var position: [Int: Double] = [:]
        for (i, r) in rows.enumerated() { position[r] = multipliers[i] }
        func refit(_ s: FitSession) throws -> StrataModels.Fit {
          var m = s.prepared.mm
          let base = m.weights ?? [Double](repeating: 1, count: m.rows.count)
          m.weights = m.rows.indices.map { base[$0] * (position[m.rows[$0]] ?? 0) }
          return try s.prepared.refit(m)
        }
        let medFit = try refit(mediatorSession)
        let outFit = try refit(outcome)
        guard let ai = medFit.terms.firstIndex(of: treatmentName), let bi = outFit.terms.firstIndex(of: mediatorName)
        else { return .nan }
        return medFit.coefficients[ai] * outFit.coefficients[bi]
      }
      let progressLine = ProgressLine.forStandardError()
      defer { progressLine?.finish() }
      result.bootstrap(
        reps: reps, seed: seed, resampler: BootstrapResampler(scheme: scheme, seed: seed), rows: rows,
        estimate: estimate,
        progress: progressLine.map { line in
          { done, total in line.update(WorkProgress(task: "bootstrap", completed: done, total: total)) }
        })
    }
    let output = options.outputOptions
    switch output.format {
    case .text: try output.write(MediationReport.text(result, data: options.data))
    case .json: try output.write(MediationReport.json(result, context: options.reportContext(outcome.prepared.frame)).serialized() + "\n")
    case .csv: try output.write(MediationReport.csv(result))
    }
  }
}
