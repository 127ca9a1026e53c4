import Foundation
import Strata
import Testing

/// The covariance named as in the fixtures (`classical`, `hc0`…`hc3`, `cluster`).
func covarianceSpec(named name: String, clusters: [String], frame: DataFrame, fit: Fit) throws -> CovarianceSpec {
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
    throw FixtureError.unknownCovariance(name)
  }
}

enum FixtureError: Error {
  case unknownCovariance(String)
}
