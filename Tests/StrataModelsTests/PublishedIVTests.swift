import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The 2SLS cases of `datasets/published.json` (Wooldridge's Examples 15.1, 15.4, 15.5 and the
/// EACSPD 5.3 instrument set), written in AER's `y ~ x | z` spelling.
func publishedIVCases() -> [ReferenceCase] {
  referenceCases("datasets/published.json", key: "textbook_cases") { c in c["model"] as? String == "iv" }
}

@Suite("Published 2SLS estimates (datasets/published.json)")
struct PublishedIVTests {
  @Test func allIVCasesAreCovered() {
    #expect(Set(publishedIVCases().map(\.id)) == [
      "wooldridge_ex15_1_iv", "wooldridge_ex15_5", "wooldridge_eacspd_ex5_3_iv", "wooldridge_ex15_4_iv",
    ])
  }

  /// Each printed number equals Strata's value rounded to the printed digits (half a unit in the
  /// last printed digit, plus 1e-12 for binary rounding).
  @Test(arguments: publishedIVCases())
  func reproduces(_ c: ReferenceCase) throws {
    let j = c.json
    let path = try #require(j["dataset"] as? String)
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let frame = try FrameCache.shared.dataset(name)
    let options = ModelFrameOptions(subset: j["subset"] as? String, weights: j["weights"] as? String)
    let fit = try InstrumentalVariables.fit(try #require(j["formula"] as? String), data: frame, options: options)
    #expect(try #require(j["vce"] as? String) == "classical")
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: .classical))
    let printed = try #require(j["printed"] as? [String: Any])
    let rows = try #require(printed["coefficients"] as? [[String: Any]])
    #expect(!rows.isEmpty)
    for row in rows {
      let term = try #require(row["term"] as? String)
      let mine = try #require(result.coefficients.first { $0.term == term }, "term \(term) missing")
      for (key, value) in [("estimate", mine.estimate), ("std_error", mine.stdError)] {
        guard let text = row["\(key)_printed"] as? String, let number = number(row[key]) else { continue }
        let got = try #require(value)
        #expect(abs(got - number) <= halfUnit(text) + 1e-12, "\(c.id) \(term) \(key): \(got) vs printed \(text)")
      }
    }
    if let stats = printed["statistics"] as? [String: Any] {
      let s = result.statistics
      let values: [String: Double] = ["n": Double(s.nobs), "r_squared": s.rSquared, "sigma": s.sigma]
      for (key, got) in values {
        guard let text = stats["\(key)_printed"] as? String, let number = number(stats[key]) else { continue }
        #expect(abs(got - number) <= halfUnit(text) + 1e-12, "\(c.id) \(key): \(got) vs printed \(text)")
      }
    }
  }
}
