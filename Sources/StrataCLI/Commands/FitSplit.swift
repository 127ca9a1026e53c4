import ArgumentParser
import Foundation
import Strata

extension LinearModelOptions {
  /// `--split G`: the model in each group of `G` (a domain of the design when one is declared),
  /// side by side, and the Wald test of equal coefficients (`Model.fitSplit`).
  func runSplit(_ model: ModelChoice, by variable: String) throws {
    if marginsOptions.selection.isRequested || marginsOptions.save != nil {
      throw ValidationError("--split does not combine with --margins or --save")
    }
    var spec = try specification(model)
    spec.data = DataSource(path: data)
    let frame = try loadData(data)
    let comparison = try translatingAnalysisErrors { try Model.fitSplit(spec, by: variable, data: frame) }
    switch outputOptions.format {
    case .text: try outputOptions.write(SplitReport.text(comparison, formula: formula, data: data, labels: DataLabels(frame)))
    case .json:
      try outputOptions.write(
        SplitReport.json(comparison, context: reportContext(frame)).serialized() + "\n")
    case .csv: try outputOptions.write(SplitReport.csv(comparison))
    }
  }
}

/// A `--split` group whose model could not be fitted: names the group and says why.
struct SplitGroupError: Error, CustomStringConvertible {
  var variable: String
  var group: String
  var reason: String
  /// A `--subset` condition that leaves the group out.
  var exclusion: String

  var description: String {
    "--split \(variable): the model could not be fitted in the group \(variable) = \(group): \(reason); "
      + "leave the group out with --subset '\(exclusion)' or simplify the model"
  }
}
