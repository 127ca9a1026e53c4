import Foundation
import StrataData
import StrataDesign
import StrataInference
import StrataModels
import StrataSupport

extension Model {
  /// The model fitted in each group of `variable` (a domain of the design when there is one),
  /// side by side, with the Wald test of equal coefficients.
  ///
  ///     let s = try Model.fitSplit(FitSpecification(model: .ols, formula: "y ~ x"), by: "sex", data: d)
  ///
  /// - Throws: `AnalysisError.splitGroupFailed` naming a group that cannot be fitted (and a subset
  ///   that leaves it out); `.splitWithReplicateDesign`; the errors of `fit(_:data:)`.
  public static func fitSplit(
    _ specification: FitSpecification, by variable: String, data: DataFrame, progress: ProgressHandler? = nil
  ) throws -> SplitComparison {
    let column = try data.column(named: variable)
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
    let built = try specification.design.map { try SampleDesign($0, data: data) }
    var results: [SplitComparison.Group] = []
    var design: LinearizationDesign?
    for g in groups {
      var spec = specification
      spec.subset = [specification.subset, g.condition].compactMap { $0.map { "(\($0))" } }.joined(separator: " & ")
      let session: ModelFit
      do {
        session = try fit(spec, data: data, design: built, progress: progress)
      } catch let error as AnalysisError {
        throw error
      } catch {
        throw AnalysisError.splitGroupFailed(
          variable: variable, group: g.label, exclusion: g.condition.replacingOccurrences(of: " == ", with: " != "),
          underlying: error)
      }
      if case .linearization(let d)? = session.design { design = d }
      if case .design = session.covarianceSpec, case .replicate? = session.design {
        throw AnalysisError.splitWithReplicateDesign
      }
      results.append(SplitComparison.Group(label: g.label, result: session.result))
    }
    return try SplitComparison(variable: variable, groups: results, design: specification.isDesignBased ? design : nil)
  }
}
