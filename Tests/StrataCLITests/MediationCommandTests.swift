import Foundation
import Testing
import _StrataTestSupport

/// The JSON document of a `strata mediate` run.
private func mediate(_ args: [String]) throws -> [String: Any] {
  let run = try runStrata(args)
  #expect(run.status == 0, "\(run.stderr)")
  return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
}

@Suite("strata mediate against R (equations, Sobel) and bootstrap properties (Tests/Fixtures/mediation)")
struct MediationCommandTests {
  @Test func fixtureIsPresent() {
    #expect(referenceCases("Tests/Fixtures/mediation/mediation_reference.json").count == 3)
  }

  /// Equations, indirect/direct/total effects and the Sobel SE and p-value: 1e-6 relative (least
  /// squares closed form; the probit equations are IRLS on both sides, ~1e-9 here).
  @Test(arguments: referenceCases("Tests/Fixtures/mediation/mediation_reference.json"))
  func matchesR(_ c: ReferenceCase) throws {
    let doc = try mediate(try #require(c.json["args"] as? [String]))
    let equations = try #require(doc["equations"] as? [String: Any])
    let expected = try #require(c.json["equations"] as? [String: Any])
    for name in ["total", "mediator", "outcome"] {
      let e = try #require(expected[name] as? [String: Any])
      let got = try #require((equations[name] as? [String: Any])?["coefficients"] as? [[String: Any]])
      for key in ["estimate", "std_error"] {
        let values = try #require(e[key] as? [Double])
        #expect(values.count == got.count)
        for (row, v) in zip(got, values) {
          let g = try #require(row[key] as? Double)
          #expect(abs(g - v) <= 1e-6 * abs(v), "\(c.id) \(name) \(key) \(row["term"] ?? ""): \(g) vs R \(v)")
        }
      }
    }
    let effects = try #require(doc["effects"] as? [String: Any])
    for key in ["indirect", "direct", "total", "sobel_std_error", "sobel_p_value"] {
      let v = try #require(c.json[key] as? Double)
      let g = try #require(effects[key] as? Double)
      #expect(abs(g - v) <= 1e-6 * abs(v), "\(c.id) \(key): \(g) vs R \(v)")
    }
  }

  /// The same seed gives the same replicates; another seed different ones.
  @Test func bootstrapIsReproducibleBySeed() throws {
    let args = [
      "mediate", "api00 ~ ell + meals + mobility", "--treatment", "ell", "--mediator", "meals", "--data",
      "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--reps", "40", "--format", "json",
    ]
    let first = try runStrata(args + ["--seed", "11"])
    let again = try runStrata(args + ["--seed", "11"])
    let other = try runStrata(args + ["--seed", "12"])
    #expect(first.status == 0)
    #expect(first.stdout == again.stdout)
    #expect(first.stdout != other.stdout)
  }

  /// At 2,000 replicates the bootstrap SE agrees with the Sobel SE within 10% (Monte Carlo SD of a
  /// bootstrap SE is about 1/√(2B) ≈ 1.6%; the rest is the Sobel normal approximation and, under
  /// the design, the FPC that the Rao–Wu bootstrap ignores, ~3% here); both percentile and
  /// bias-corrected intervals contain the estimate.
  @Test(arguments: [false, true])
  func bootstrapAgreesWithSobel(design: Bool) throws {
    var args = [
      "mediate", "api00 ~ ell + meals + mobility", "--treatment", "ell", "--mediator", "meals", "--data",
      "datasets/apistrat.csv", "--reps", "2000", "--seed", "3", "--format", "json",
    ]
    args += design ? ["--weights", "pw", "--strata", "stype", "--fpc", "fpc"] : ["--vce", "hc0"]
    let effects = try #require(try mediate(args)["effects"] as? [String: Any])
    let boot = try #require(effects["bootstrap"] as? [String: Any])
    #expect(boot["design"] as? Bool == design)
    #expect(boot["successful"] as? Int == 2000)
    let sobel = try #require(effects["sobel_std_error"] as? Double)
    let se = try #require(boot["std_error"] as? Double)
    #expect(abs(se / sobel - 1) < 0.10, "bootstrap SE \(se) vs Sobel \(sobel)")
    let estimate = try #require(effects["indirect"] as? Double)
    for key in ["percentile", "bias_corrected"] {
      let ci = try #require(boot[key] as? [Double])
      #expect(ci[0] < estimate && estimate < ci[1], "\(key) \(ci) excludes \(estimate)")
    }
  }

  @Test func missingTreatmentIsNamed() throws {
    let run = try runStrata([
      "mediate", "api00 ~ ell + meals", "--treatment", "stype", "--mediator", "meals", "--data",
      "datasets/apistrat.csv", "--reps", "2",
    ])
    #expect(run.status != 0)
    #expect(run.stderr.contains("'stype' is not an estimable coefficient"))
  }
}
