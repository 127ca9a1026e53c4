import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataModels

/// The three equations of a mediation analysis, built from the outcome equation as values.
public struct MediationEquations: Sendable {
  /// `y ~ t + m + x`.
  public var outcome: Formula
  /// `y ~ t + m + x - m`: the total effect of the treatment.
  public var total: Formula
  /// `m ~ t + m + x - m`: the mediator on the treatment and controls.
  public var mediator: Formula
  /// The response of the outcome equation, deparsed (`y`, `log(y)`).
  public var response: String

  /// The equations of `outcome` (`y ~ treatment + mediator + controls`) with `mediator`.
  ///
  /// - Throws: `AnalysisError.notAnOutcomeEquation` for a one-sided formula or one with parts.
  public init(outcome text: String, mediator: String) throws {
    let f = try Formula.parse(text)
    guard let response = f.response, f.parts.count == 1, let rhs = f.parts.first else {
      throw AnalysisError.notAnOutcomeEquation(formula: text)
    }
    let r = rhs.range
    let m = FormulaExpression(.name(mediator), range: r)
    let withoutMediator = FormulaExpression(.binary(.minus, rhs, m), range: r)
    outcome = f
    total = Formula(text: "", response: response, parts: [withoutMediator])
    total.text = total.description
    self.mediator = Formula(text: "", response: m, parts: [withoutMediator])
    self.mediator.text = self.mediator.description
    self.response = deparse(response)
  }
}

extension Model {
  /// Mediation analysis (treatment → mediator → outcome): the total-effect, mediator and outcome
  /// equations on one estimation sample, the Sobel test, and, with `replicates > 0`, bootstrap
  /// intervals of the indirect effect (rows, PSUs within strata under a design, or clusters).
  ///
  ///     var spec = FitSpecification(model: .ols, formula: "y ~ t + m + x")
  ///     let r = try Model.mediate(spec, treatment: "t", mediator: "m", data: d, replicates: 200, seed: 1)
  ///
  /// - Parameters:
  ///   - outcome: the outcome equation's specification (`ols`, `logit` or `probit`); the mediator
  ///     equation is least squares with the same options.
  ///   - progress: told `(done, total)` bootstrap replicates.
  public static func mediate(
    _ outcome: FitSpecification, treatment: String, mediator: String, data: DataFrame, replicates: Int = 50,
    seed: UInt64 = 1, progress: ((Int, Int) -> Void)? = nil
  ) throws -> MediationResult {
    let equations = try MediationEquations(outcome: outcome.formula, mediator: mediator)
    // One estimation sample: each equation also requires the variables only the others use.
    func equation(_ f: Formula, model: ModelKind, requiring extra: String) -> FitSpecification {
      var s = outcome
      s.model = model
      s.formula = f.text
      s.control.base = nil
      let complete = "((\(extra)) == (\(extra)))"
      s.subset = [outcome.subset, complete].compactMap { $0.map { "(\($0))" } }.joined(separator: " & ")
      return s
    }
    let built = try outcome.design.map { try SampleDesign($0, data: data) }
    let outcomeFit = try fit(
      equation(equations.outcome, model: outcome.model, requiring: mediator), data: data, design: built)
    let total = try fit(equation(equations.total, model: outcome.model, requiring: mediator), data: data, design: built)
    let mediatorFit = try fit(
      equation(equations.mediator, model: .ols, requiring: equations.response), data: data, design: built)
    var result = try MediationResult(
      treatment: treatment, mediator: mediator, total: total.result, mediatorEquation: mediatorFit.result,
      outcomeEquation: outcomeFit.result, level: outcome.level)
    let rows = outcomeFit.fit.rows
    let scheme: BootstrapResampler.Scheme
    switch outcomeFit.design {
    case .linearization(let d)?: scheme = d.bootstrapScheme
    case .replicate?: throw AnalysisError.mediationWithReplicateDesign
    case nil:
      if let name = outcome.variance?.clusterNames.first {
        let g = try outcomeFit.data.groupCodes(of: name, rows: Array(0..<outcomeFit.data.rowCount))
        scheme = .design(strata: [Int](repeating: 0, count: g.codes.count), clusters: g.codes)
      } else {
        scheme = .rows(count: rows.count)
      }
    }
    let estimate = { (multipliers: [Double]) throws -> Double in
      var position: [Int: Double] = [:]
      for (i, r) in rows.enumerated() { position[r] = multipliers[i] }
      let medFit = try mediatorFit.refitted(multipliers: position)
      let outFit = try outcomeFit.refitted(multipliers: position)
      guard let ai = medFit.terms.firstIndex(of: treatment), let bi = outFit.terms.firstIndex(of: mediator)
      else { return .nan }
      return medFit.coefficients[ai] * outFit.coefficients[bi]
    }
    result.bootstrap(
      reps: replicates, seed: seed, resampler: BootstrapResampler(scheme: scheme, seed: seed), rows: rows,
      estimate: estimate, progress: progress)
    return result
  }
}
