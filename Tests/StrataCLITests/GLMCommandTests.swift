import Foundation
import Testing
import _StrataTestSupport

@Suite("strata fit logit/probit/cloglog/poisson/fraclogit/fracprobit")
struct GLMCommandTests {
  static let mroz = "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + kidsge6"

  /// JSON output of the probit fixture case (Tests/Fixtures/glm, mroz_inlf_probit_cluster): estimates
  /// and vcovCL standard errors to 1e-6 relative, z tests, and the GLM `fit` keys.
  @Test func probitClusterJSONMatchesR() throws {
    let run = try runStrata([
      "fit", "probit", Self.mroz, "--data", "datasets/mroz.csv", "--cluster", "age", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    #expect(doc["model"] as? String == "probit")
    let vce = try #require(doc["vce"] as? [String: Any])
    #expect(vce["type"] as? String == "cluster")
    #expect(vce["test"] as? String == "z")
    #expect(vce["information"] as? String == "expected")
    let fit = try #require(doc["fit"] as? [String: Any])
    for key in ["logLik", "AIC", "BIC", "deviance", "null_deviance", "pseudo_r_squared", "lr_statistic", "lr_p_value",
      "wald_statistic", "iterations", "converged", "family", "link"]
    {
      #expect(fit[key] != nil, "fit.\(key) missing")
    }
    #expect(fit["converged"] as? Bool == true)

    let fixtureURL = repositoryRoot.appendingPathComponent("Tests/Fixtures/glm/glm_reference.json")
    let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL)) as? [String: Any])
    let cases = try #require(fixture["cases"] as? [[String: Any]])
    let reference = try #require(cases.first { $0["id"] as? String == "mroz_inlf_probit_cluster" })
    let rows = try #require(doc["coefficients"] as? [[String: Any]])
    for key in ["estimate", "std_error"] {
      let expected = try #require(reference[key] as? [Double])
      for (row, e) in zip(rows, expected) {
        let got = try #require(row[key] as? Double)
        // IRLS to the MLE on both sides: 1e-6 relative (the fixture tolerance).
        #expect(abs(got - e) <= 1e-6 * abs(e), "\(key) \(String(describing: row["term"])): \(got) vs \(e)")
      }
    }
    let deviance = try #require(fit["deviance"] as? Double)
    let expectedDeviance = try #require(reference["deviance"] as? Double)
    #expect(abs(deviance - expectedDeviance) <= 1e-8 * expectedDeviance)
  }

  /// `--convention stata` switches a probit to the observed information and says so.
  @Test func stataConventionUsesObservedInformation() throws {
    let r = try runStrata(["fit", "probit", Self.mroz, "--data", "datasets/mroz.csv"])
    let s = try runStrata(["fit", "probit", Self.mroz, "--data", "datasets/mroz.csv", "--convention", "stata"])
    #expect(r.status == 0 && s.status == 0)
    #expect(r.stdout.contains("Std. errors: classical: inverse expected information (R vcov)"))
    #expect(s.stdout.contains("Std. errors: inverse observed information (OIM, Stata default)"))
    #expect(s.stdout.contains("z value"))
  }

  /// Fractional models default to robust errors (R convention: sandwich HC0).
  @Test func fractionalDefaultsToRobust() throws {
    let run = try runStrata([
      "fit", "fraclogit", "I(prate/100) ~ mrate + age + sole", "--data", "datasets/k401k.csv", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let vce = try #require(doc["vce"] as? [String: Any])
    #expect(vce["type"] as? String == "hc0")
  }

  @Test func badOutcomesAndNonConvergenceExitNonZero() throws {
    let nonBinary = try runStrata(["fit", "logit", "kidslt6 ~ educ", "--data", "datasets/mroz.csv"])
    #expect(nonBinary.status != 0)
    #expect(nonBinary.stderr.contains("must be 0/1"))
    let path = try temporaryFile("counts.csv", "y,x\n1,1\n-2,2\n3,3\n")
    let negative = try runStrata(["fit", "poisson", "y ~ x", "--data", path])
    #expect(negative.status != 0)
    #expect(negative.stderr.contains("non-negative count"))
    let slow = try runStrata(["fit", "probit", Self.mroz, "--data", "datasets/mroz.csv", "--maxiter", "2"])
    #expect(slow.status != 0)
    #expect(slow.stderr.contains("did not converge after 2 iterations"))
    let oim = try runStrata(["fit", "ols", "lwage ~ educ", "--data", "datasets/wage1.csv", "--vce", "oim"])
    #expect(oim.status != 0)
  }

  @Test func separationIsReportedByTheCLI() throws {
    let path = try temporaryFile("sep.csv", "y,d,x\n1,1,0.5\n1,1,1.2\n1,0,0.3\n0,0,0.8\n1,0,1.5\n0,0,0.2\n0,0,1.1\n")
    let run = try runStrata(["fit", "logit", "y ~ d + x", "--data", path])
    #expect(run.status != 0)
    #expect(run.stderr.contains("'d' != 0 predicts success (y = 1) perfectly"))
  }
}
