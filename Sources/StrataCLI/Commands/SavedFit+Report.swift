import Foundation
import Strata

/// What `strata table` and `strata plot` need from a saved fit beyond its coefficients and
/// covariance: fit statistics, the design and the data's labels (optional in the file, so fits
/// saved before it was added still load).
struct SavedReport: Codable {
  var dependent: String?
  var level: Double
  /// `t` or `z`.
  var test: String
  var rSquared: Double?
  var adjRSquared: Double?
  var pseudoRSquared: Double?
  var logLik: Double?
  var aic: Double?
  /// E.g. `5 strata, 40 PSUs`.
  var design: String?
  /// Variable and value labels of the terms, from the data.
  var labels: [String: String]

  enum CodingKeys: String, CodingKey {
    case dependent, level, test, labels, design
    case rSquared = "r_squared"
    case adjRSquared = "adj_r_squared"
    case pseudoRSquared = "pseudo_r_squared"
    case logLik, aic = "AIC"
  }

  init(session s: FitSession) {
    let r = s.result
    let stats = r.statistics
    func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
    dependent = s.fit.recipe?.responseName
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
    labels = termLabels(for: s.fit.terms, in: s.prepared.frame)
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
