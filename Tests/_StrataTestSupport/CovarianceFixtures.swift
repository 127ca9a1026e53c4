import Foundation
import StrataData
import StrataInference
import StrataModels

/// The covariance named as in the fixtures (`classical`, `hc0`…`hc3`, `cluster`).
public func covarianceSpec(named name: String, clusters: [String], frame: DataFrame, fit: Fit) throws -> CovarianceSpec {
  switch name {
  case "classical": return .classical
  case "hc0": return .hc(.hc0)
  case "hc1": return .hc(.hc1)
  case "hc2": return .hc(.hc2)
  case "hc3": return .hc(.hc3)
  case "cluster":
    return .cluster(
      try clusters.map { column in
        let g = try frame.groupCodes(of: column, rows: fit.rows)
        return ClusterVariable(name: column, codes: g.codes, count: g.count)
      })
  default:
    throw TestFixtureError.unknownCovariance(name)
  }
}

/// A fixture that names something the tests do not know.
public enum TestFixtureError: Error {
  /// A covariance name other than the ones `covarianceSpec(named:clusters:frame:fit:)` knows.
  case unknownCovariance(String)
  /// A design id missing from `Tests/Fixtures/design/design_reference.json`.
  case missing(String)
}
