import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The least-squares cases of `datasets/published.json` (Wooldridge's printed tables).
func publishedOLSCases() -> [ReferenceCase] {
  referenceCases("datasets/published.json", key: "textbook_cases") { c in
    ["ols", "wls"].contains(c["model"] as? String ?? "")
  }
}

/// Half a unit in the last printed digit of `printed` (".0571419" → 5e-8).
func halfUnit(_ printed: String) -> Double {
  guard let dot = printed.firstIndex(of: ".") else { return 0.5 }
  let decimals = printed[printed.index(after: dot)...].prefix { $0.isNumber }.count
  return 0.5 * pow(10, -Double(decimals))
}

@Suite("Published least-squares estimates (datasets/published.json)")
struct PublishedOLSTests {
  @Test func allLeastSquaresCasesAreCovered() {
    #expect(publishedOLSCases().count == 14)
  }

  /// Each printed number must equal Strata's value rounded to the printed digits:
  /// |Strata − printed| ≤ half a unit in the last printed digit (plus 1e-12 for binary rounding).
  /// Where the case lists a deviation of the printed table from R, that term gets one full unit,
  /// as the case's note documents.
  @Test(arguments: publishedOLSCases())
  func reproduces(_ c: ReferenceCase) throws {
    let j = c.json
    let path = try #require(j["dataset"] as? String)
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let frame = try FrameCache.shared.dataset(name)
    let options = ModelFrameOptions(subset: j["subset"] as? String, weights: j["weights"] as? String)
    let fit = try LeastSquares.fit(try #require(j["formula"] as? String), data: frame, options: options)
    let spec = try covarianceSpec(named: try #require(j["vce"] as? String), clusters: [], frame: frame, fit: fit)
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: spec))
    let deviations = ((j["verification"] as? [String: Any])?["deviations"] as? [String]) ?? []
    let printed = try #require(j["printed"] as? [String: Any])
    let rows = try #require(printed["coefficients"] as? [[String: Any]])
    #expect(!rows.isEmpty)
    for row in rows {
      let term = try #require(row["term"] as? String)
      let mine = try #require(result.coefficients.first { $0.term == term }, "term \(term) missing")
      let slack = deviations.contains { $0.hasPrefix(term + " ") } ? 2.0 : 1.0
      for (key, value) in [("estimate", mine.estimate), ("std_error", mine.stdError)] {
        guard let text = row["\(key)_printed"] as? String, let number = number(row[key]) else { continue }
        let got = try #require(value)
        #expect(
          abs(got - number) <= slack * halfUnit(text) + 1e-12,
          "\(c.id) \(term) \(key): \(got) vs printed \(text)")
      }
    }
    if let stats = printed["statistics"] as? [String: Any] {
      let s = result.statistics
      let values: [String: Double] = [
        "n": Double(s.nobs), "r_squared": s.rSquared, "adj_r_squared": s.adjRSquared, "sigma": s.sigma,
        "root_mse": s.sigma, "percent_correctly_predicted": percentCorrectlyPredicted(fit),
      ]
      for (key, got) in values {
        guard let text = stats["\(key)_printed"] as? String, let number = number(stats[key]) else { continue }
        #expect(abs(got - number) <= halfUnit(text) + 1e-12, "\(c.id) \(key): \(got) vs printed \(text)")
      }
    }
  }
}

/// Wooldridge's percent correctly predicted for a linear probability model: ŷ ≥ 0.5 predicts 1.
func percentCorrectlyPredicted(_ fit: Fit) -> Double {
  let hits = zip(fit.fitted, fit.response).filter { ($0 >= 0.5 ? 1.0 : 0.0) == $1 }.count
  return 100 * Double(hits) / Double(fit.nobs)
}
