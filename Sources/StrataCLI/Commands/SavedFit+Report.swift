import Foundation
import Strata

/// Making the report of a saved fit from a fit session (the fields: `SavedFit+Validation.swift`).
extension SavedReport {
  init(session s: ModelFit) {
    self.init(result: s.result, dependent: s.fit.recipe?.responseName, labels: termLabels(for: s.fit.terms, in: s.data))
  }

  /// The report of a fit without its data in memory (a streamed fit: no labels).
  init(result r: RegressionResult, dependent: String?, labels: [String: String]) {
    let stats = r.statistics
    func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
    self.dependent = dependent
    level = r.level
    test = r.covariance.usesNormal ? "z" : "t"
    if let l = stats.likelihood {
      pseudoRSquared = finite(l.pseudoRSquared)
    } else {
      rSquared = finite(stats.rSquared)
      adjRSquared = finite(stats.adjRSquared)
    }
    logLik = finite(stats.logLik)
    aic = finite(stats.aic)
    design = r.covariance.design.map(Self.designText)
    self.labels = labels
  }

  /// `5 strata, 40 PSUs` or `80 JK1 replicates`.
  static func designText(_ d: DesignSummary) -> String {
    var parts: [String] = []
    if let strata = d.strata { parts.append("\(strata) strata") }
    if let psus = d.psus { parts.append("\(psus) PSUs") }
    if let reps = d.replicates { parts.append("\(reps) \(d.replicateType.map { $0.rawValue + " " } ?? "")replicates") }
    return parts.isEmpty ? d.kind : parts.joined(separator: ", ")
  }
}
