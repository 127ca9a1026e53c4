import ArgumentParser
import Foundation
import Strata

extension LinearModelOptions {
  /// `--split G`: the model in each group of `G` (a domain of the design when one is declared),
  /// side by side, and the Wald test of equal coefficients.
  func runSplit(_ model: ModelChoice, by variable: String) throws {
    if marginsOptions.selection.isRequested || marginsOptions.save != nil {
      throw ValidationError("--split does not combine with --margins or --save")
    }
    let frame = try loadData(data)
    let column = try frame.column(named: variable)
    var groups: [(label: String, condition: String)] = []
    switch column.storage {
    case .factor(let f):
      let present = Set(f.codes.filter { $0 >= 0 }.map(Int.init))
      for (i, l) in f.levels.enumerated() where present.contains(i) {
        groups.append((l, "`\(variable)` == \"\(l.replacingOccurrences(of: "\"", with: "\\\""))\""))
      }
    case .numeric(let c):
      let values = Set(c.values.indices.filter { !c.missing[$0] && c.values[$0].isFinite }.map { c.values[$0] })
      for v in values.sorted() {
        let text = v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
        groups.append((text, "`\(variable)` == \(text)"))
      }
    }
    var results: [SplitComparison.Group] = []
    var design: LinearizationDesign?
    for g in groups {
      var options = self
      options.split = nil
      options.subset = [subset, g.condition].compactMap { $0.map { "(\($0))" } }.joined(separator: " & ")
      let session: FitSession
      do {
        session = try options.estimate(try options.prepare(model))
      } catch let error as ValidationError {
        throw error
      } catch {
        throw SplitGroupError(
          variable: variable, group: g.label, reason: ErrorMessage.render(error) ?? StrataCommand.message(for: error),
          exclusion: g.condition.replacingOccurrences(of: " == ", with: " != "))
      }
      if case .linearization(let d)? = session.prepared.sampleDesign { design = d }
      if case .design = session.spec, case .replicate? = session.prepared.sampleDesign {
        throw ValidationError("--split with replicate-weight designs is not supported; declare strata/PSUs")
      }
      results.append(SplitComparison.Group(label: g.label, result: session.result))
    }
    let comparison = try SplitComparison(variable: variable, groups: results, design: isDesignBased ? design : nil)
    switch outputOptions.format {
    case .text: try outputOptions.write(SplitReport.text(comparison, formula: formula, data: data))
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
