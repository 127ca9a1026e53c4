import ArgumentParser
import Foundation
import Strata

/// `strata predict RESULT.json --scenario '...' [--scenario ...] [--by G]` or `--newdata FILE`.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Policy scenarios (average predictions, differences and ratios with errors) or predictions on new data, from a saved fit.")

  @Argument(help: "A fit saved with strata fit ... --save.")
  var result: String

  @Option(help: "A scenario: ';'-separated assignments such as 'burden = burden * 0.8; info = info + 1' (repeatable).")
  var scenario: [String] = []

  @Option(help: "Compare within the groups of this column.")
  var by: String?

  @Option(help: "Predict each row of this data file (with the fit's coding) instead of scenarios.")
  var newdata: String?

  @Option(name: .customLong("margins-vce"), help: "fixed or unconditional (covariates sampled).")
  var marginsVCE: MarginsVCEOption = .fixed

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @Flag(name: .customLong("allow-changed-data"), help: "Go on when the data file changed since the fit was saved (size or hash differ).")
  var allowChangedData = false

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if scenario.isEmpty == (newdata == nil) { throw ValidationError("give --scenario (one or more) or --newdata") }
    if newdata != nil && (by != nil || marginsVCE == .unconditional) {
      throw ValidationError("--by and --margins-vce go with --scenario")
    }
  }

  func run() throws {
    let saved = try SavedFit.load(from: result)
    if let newdata {
      let frame = try loadData(newdata)
      let p = try Scenarios.predictions(
        recipe: saved.recipe, newdata: frame, coefficients: saved.coefficients, kept: saved.kept, link: saved.link,
        covariance: saved.covarianceMatrix, degreesOfFreedom: saved.degreesOfFreedom, level: level)
      switch outputOptions.format {
      case .text:
        var out = "Predictions of \(saved.model): \(saved.formula) on \(newdata)\n"
        out += "Std. errors: delta method; \(saved.vceTitle)\n\n"
        try outputOptions.write(out + TextRenderer.render(MarginsReport.predictionsTable(p, level: level, fullPrecision: false)))
      case .json: try outputOptions.write(MarginsReport.predictionsJSON(p, data: newdata).serialized() + "\n")
      case .csv: try outputOptions.write(CSVRenderer.render(MarginsReport.predictionsTable(p, level: level, fullPrecision: true)))
      }
      return
    }
    let source = try saved.source(allowChangedData: allowChangedData)
    let scenarios = try scenario.map { try Scenario.parse($0) }
    let r = try Scenarios.compare(
      source.model, scenarios: scenarios, by: by, variance: try source.deltaMethod(marginsVCE),
      degreesOfFreedom: source.degreesOfFreedom, varianceTitle: source.varianceTitle, level: level)
    switch outputOptions.format {
    case .text: try outputOptions.write(MarginsReport.scenarioText(r, model: source.title))
    case .json:
      try outputOptions.write(
        MarginsReport.scenarioJSON(r, model: source.kind, formula: source.formula, data: source.data).serialized() + "\n")
    case .csv: try outputOptions.write(MarginsReport.scenarioCSV(r))
    }
  }
}
