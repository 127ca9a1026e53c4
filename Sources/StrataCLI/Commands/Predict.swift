import ArgumentParser
import Foundation
import Strata

/// `strata predict RESULT.json --scenario '...' [--scenario ...] [--by G]` or `--newdata FILE`.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Policy scenarios (average predictions, differences and ratios with errors) or predictions on new data, from a saved fit.",
    discussion: HelpExamples.predict)

  @Argument(help: "A fit saved with strata fit ... --save.")
  var result: String

  @Option(
    help: """
      A scenario: ';'-separated assignments such as 'burden = burden * 0.8; info = info + 1', optionally \
      named as 'Lower burden: burden = burden * 0.7' (the name is the text before the first ': ' that \
      comes before any '='; repeatable).
      """)
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
      let p: [RowPrediction]
      var frame: DataFrame?
      do {
        let data = try loadData(newdata)
        frame = data
        p = try Scenarios.predictions(
          recipe: saved.recipe, newdata: data, coefficients: saved.coefficients, kept: saved.kept, link: saved.link,
          covariance: saved.covarianceMatrix, degreesOfFreedom: saved.degreesOfFreedom, level: level)
      } catch let error as FormulaError {
        let reason: String
        switch error {
        case .unknownVariable(let name, let suggestions):
          reason = "there is no column '\(name)'"
            + (suggestions.isEmpty ? "" : " (did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?)")
        case .missingValue(let variable, let row):
          reason = "'\(variable)' is missing (NA or NaN) at data row \(row) (line \(row + 1), after the header)"
        case .typeMismatch(let variable, _, _):
          // A numeric column read as text: the first value that is not a number.
          if let column = try? frame?.column(named: variable), case .factor(let f) = column.storage,
            let i = f.codes.firstIndex(where: { $0 >= 0 && Double(f.levels[Int($0)]) == nil })
          {
            let value = f.levels[Int(f.codes[i])]
            reason = "'\(variable)' is a number in the fit, but the file has '\(value)' at data row \(i + 1) (line \(i + 2), after the header)"
          } else {
            reason = error.description
          }
        default: reason = error.description
        }
        throw NewdataError(path: newdata, reason: reason)
      } catch let error as DataError {
        // The reader's messages name the file already.
        let message = error.description
        throw message.contains(newdata) ? error : NewdataError(path: newdata, reason: message)
      }
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
    let scenarios = try scenario.map { try Scenario.parse($0) }
    let r = try saved.scenarioResult(
      scenarios, by: by, vce: marginsVCE, level: level, allowChangedData: allowChangedData)
    switch outputOptions.format {
    case .text: try outputOptions.write(MarginsReport.scenarioText(r, model: "\(saved.model): \(saved.formula)"))
    case .json:
      try outputOptions.write(
        MarginsReport.scenarioJSON(r, model: saved.model, formula: saved.formula, data: saved.data).serialized() + "\n")
    case .csv: try outputOptions.write(MarginsReport.scenarioCSV(r))
    }
  }
}

/// A `--newdata` file the saved fit cannot predict on (a column missing, a missing value, a level
/// the fit never saw): names the file.
struct NewdataError: Error, CustomStringConvertible {
  var path: String
  var reason: String

  var description: String {
    "--newdata \(path): \(reason); the file needs every column the model's regressors use, with values "
      + "of the kinds and levels the fit was estimated on"
  }
}
