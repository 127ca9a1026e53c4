import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The logit and probit cases of `datasets/published.json` (Wooldridge's Table 17.1).
func publishedGLMCases() -> [ReferenceCase] {
  referenceCases("datasets/published.json", key: "textbook_cases") { c in
    (c["model"] as? String).flatMap(GLMModel.init(rawValue:)) != nil
  }
}

@Suite("Published logit and probit estimates (datasets/published.json)")
struct PublishedGLMTests {
  @Test func tableSeventeenOneIsCovered() {
    #expect(Set(publishedGLMCases().map(\.id)) == ["wooldridge_table17_1_logit", "wooldridge_table17_1_probit"])
  }

  /// Every printed number equals Strata's value to half a unit in its last printed digit (plus
  /// 1e-12 for binary rounding). The probit case prints Stata's observed-information standard
  /// errors (`vce: oim`); with R's expected information three of them would not round correctly.
  @Test(arguments: publishedGLMCases())
  func reproduces(_ c: ReferenceCase) throws {
    let j = c.json
    let path = try #require(j["dataset"] as? String)
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let frame = try FrameCache.shared.dataset(name)
    let modelName = try #require(j["model"] as? String)
    let model = try #require(GLMModel(rawValue: modelName))
    let formula = try #require(j["formula"] as? String)
    let fit = try GeneralizedLinearModel.fit(formula, model: model, data: frame)
    let vce = try #require(j["vce"] as? String)
    let spec: CovarianceSpec = vce == "oim" ? .oim : try covarianceSpec(named: vce, clusters: [], frame: frame, fit: fit)
    let result = try RegressionResult(fit: fit, covariance: covariance(of: fit, spec: spec))
    let printed = try #require(j["printed"] as? [String: Any])
    let rows = try #require(printed["coefficients"] as? [[String: Any]])
    #expect(rows.count == 8)
    for row in rows {
      let term = try #require(row["term"] as? String)
      let mine = try #require(result.coefficients.first { $0.term == term }, "term \(term) missing")
      for (key, value) in [("estimate", mine.estimate), ("std_error", mine.stdError)] {
        let text = try #require(row["\(key)_printed"] as? String)
        let reference = try #require(number(row[key]))
        let got = try #require(value)
        #expect(abs(got - reference) <= halfUnit(text) + 1e-12, "\(c.id) \(term) \(key): \(got) vs printed \(text)")
      }
    }
    let stats = try #require(printed["statistics"] as? [String: Any])
    let likelihood = try #require(result.statistics.likelihood)
    let values: [String: Double] = [
      "n": Double(result.statistics.nobs), "loglik": result.statistics.logLik,
      "pseudo_r_squared": likelihood.pseudoRSquared,
      "percent_correctly_predicted": percentCorrectlyPredicted(fit),
    ]
    var checked = 0
    for (key, got) in values {
      guard let text = stats["\(key)_printed"] as? String, let number = number(stats[key]) else { continue }
      #expect(abs(got - number) <= halfUnit(text) + 1e-12, "\(c.id) \(key): \(got) vs printed \(text)")
      checked += 1
    }
    #expect(checked == 4)
  }
}
