import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport
import Testing
import _StrataTestSupport

/// The cases of `Tests/Fixtures/margins/margins_reference.json`, made by `make_margins_fixtures.R`
/// (R 4.2.2, sandwich, survey 4.1-1): AMEs, elasticities, discrete changes, effects at the means
/// and at values, and scenario comparisons with delta-method standard errors (analytic
/// derivatives and Jacobians, each checked in R against central differences), both with
/// covariates fixed and with covariates sampled ("unconditional").
func marginsReferenceCases() -> [ReferenceCase] {
  referenceCases("Tests/Fixtures/margins/margins_reference.json")
}

/// A fixture case fitted and prepared: the model, its delta methods and degrees of freedom.
struct MarginsCaseSetup {
  var model: PredictionModel
  var fixed: DeltaMethod
  var unconditional: DeltaMethod?
  var df: Double
}

func setUpMarginsCase(_ j: [String: Any]) throws -> MarginsCaseSetup {
  let dataset = try #require(j["dataset"] as? String)
  let frame = try FrameCache.shared.dataset(dataset)
  let formula = try #require(j["formula"] as? String)
  let modelName = try #require(j["model"] as? String)
  let vce = try #require(j["vce"] as? String)
  let clusters = (j["cluster"] as? [String]) ?? []
  let design = j["design"] as? [String: Any]
  let options = ModelFrameOptions(weights: design?["weights"] as? String, extraVariables: clusters)
  let fit: Fit
  if modelName == "ols" {
    fit = try LeastSquares.fit(formula, data: frame, options: options)
  } else {
    let model = try #require(GLMModel(rawValue: modelName))
    fit = try GeneralizedLinearModel.fit(formula, model: model, data: frame, options: options)
  }
  let coefficients = try #require(j["coefficients"] as? [Double])
  for (a, b) in zip(fit.coefficients, coefficients) {
    // Same fits as R's (closed form, or IRLS to the MLE on both sides).
    expectClose(a, b, rtol: 1e-7, atol: 1e-12, "coefficient")
  }
  let model = try PredictionModel(fit: fit, data: frame)
  if let design {
    let spec = DesignSpecification(
      weights: design["weights"] as? String, strata: design["strata"] as? String,
      psu: (design["psu"] as? [String]) ?? [], fpc: (design["fpc"] as? [String]) ?? [])
    let d = try LinearizationDesign(spec, data: frame)
    let v = try d.variance(influence: fit.scores * fit.bread, rows: fit.rows)
    // R's svyglm tests use the design df (minus p - 1); the fixture compares estimates and errors only.
    return MarginsCaseSetup(
      model: model, fixed: DeltaMethod(covariance: v),
      unconditional: DeltaMethod(covariance: v, unconditional: try InfluenceVariance.design(fit: fit, design: d)),
      df: Double(d.degreesOfFreedom(rows: fit.rows)))
  }
  let spec = try covarianceSpec(named: vce, clusters: clusters, frame: frame, fit: fit)
  let v = try covariance(of: fit, spec: spec)
  var unconditional: DeltaMethod?
  if vce != "classical" {
    unconditional = DeltaMethod(covariance: v.matrix, unconditional: try InfluenceVariance.sandwich(fit: fit, spec: spec))
  }
  return MarginsCaseSetup(
    model: model, fixed: DeltaMethod(covariance: v.matrix), unconditional: unconditional, df: v.degreesOfFreedom)
}

/// Whether a resolved `--at` value is the fixture's number (a factor's level is its label).
func atMatches(_ v: AtValue, _ x: Double?) -> Bool {
  switch v {
  case .number(let y): return y == x
  case .level(let l): return Double(l) == x
  }
}

@Suite("Margins against R (Tests/Fixtures/margins)")
struct MarginsReferenceTests {
  @Test func fixtureCoversEveryModelAndVariance() {
    let cases = marginsReferenceCases()
    #expect(Set(cases.compactMap { $0.json["model"] as? String }) == ["ols", "logit", "probit", "poisson", "fraclogit"])
    #expect(
      Set(cases.compactMap { $0.json["vce"] as? String }).isSuperset(of: ["classical", "hc0", "hc1", "cluster", "design"]))
  }

  /// Estimates and both standard errors within 1e-6 relative: the fits agree to ~1e-9 (IRLS to
  /// the MLE on both sides), and the margins are smooth in the coefficients.
  @Test(arguments: marginsReferenceCases())
  func matchesR(_ c: ReferenceCase) throws {
    let j = c.json
    let setup = try setUpMarginsCase(j)
    let rows = try #require(j["margins"] as? [[String: Any]])
    let discrete = (j["discrete"] as? [String]) ?? []
    let at = try #require(j["at"] as? [String: Any])

    func run(_ options: MarginsOptions, unconditional: Bool) throws -> MarginsResult {
      let dm = unconditional ? try #require(setup.unconditional) : setup.fixed
      return try Margins.estimate(
        setup.model, options: options, variance: dm, degreesOfFreedom: setup.df, varianceTitle: "")
    }
    let plain = rows.filter { ($0["atmeans"] as? Bool) == false && $0["at_variable"] is NSNull }
    let names = plain.compactMap { $0["variable"] as? String }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let ame = MarginsOptions(variables: names, kinds: MarginKind.allCases, discrete: discrete)
    let means = MarginsOptions(
      variables: rows.filter { $0["atmeans"] as? Bool == true }.compactMap { $0["variable"] as? String },
      atMeans: true, discrete: discrete)
    let values = (at["values"] as? [Double]) ?? []
    let atText = "\(at["set"] as? String ?? "")=" + values.map { "\($0)" }.joined(separator: ",")
    let atOptions = MarginsOptions(variables: [at["variable"] as? String ?? ""], at: try AtGrid.parse(atText))

    var results: [(MarginsResult, MarginsResult?)] = []
    for o in [ame, means, atOptions] {
      let fixed = try run(o, unconditional: false)
      let unc = (setup.unconditional != nil && !o.atMeans) ? try run(o, unconditional: true) : nil
      results.append((fixed, unc))
    }
    var matched = 0
    for r in rows {
      let variable = r["variable"] as? String
      let type = r["type"] as? String
      let level = r["level"] as? String
      let atmeans = r["atmeans"] as? Bool ?? false
      let atValue = number(r["at_value"])
      let which = atmeans ? 1 : (atValue != nil ? 2 : 0)
      func find(_ m: MarginsResult) -> MarginEstimate? {
        m.estimates.first { e in
          e.variable == variable && e.type.rawValue == type && e.level == level
            && (atValue == nil || e.at.first.map { atMatches($0.value, atValue) } == true)
        }
      }
      let (fixed, unc) = results[which]
      let what = "\(variable ?? "") \(type ?? "") level \(level ?? "-") atmeans \(atmeans) at \(atValue.map { "\($0)" } ?? "-")"
      guard let e = find(fixed) else {
        Issue.record("no Strata margin for \(what)")
        continue
      }
      expectClose(e.result.estimate, number(r["estimate"]), rtol: 1e-6, atol: 1e-12, "\(what) estimate")
      expectClose(e.result.stdError, number(r["std_error"]), rtol: 1e-6, atol: 1e-12, "\(what) std_error")
      if let reference = number(r["std_error_unconditional"]) {
        let u = try #require(unc.flatMap(find))
        expectClose(u.result.stdError, reference, rtol: 1e-6, "\(what) unconditional std_error")
      }
      matched += 1
    }
    #expect(matched == rows.count)

    // Scenario: baseline, predicted, difference and ratio.
    let scenario = try Scenario.parse(try #require(j["scenario"] as? String))
    let references = try #require(j["scenarios"] as? [[String: Any]])
    for unconditional in [false, true] {
      guard let dm = unconditional ? setup.unconditional : setup.fixed else { continue }
      let s = try Scenarios.compare(
        setup.model, scenarios: [scenario], variance: dm, degreesOfFreedom: setup.df, varianceTitle: "")
      let cmp = try #require(s.comparisons.first)
      let byName = ["baseline": cmp.baseline, "predicted": cmp.predicted, "difference": cmp.difference, "ratio": cmp.ratio]
      for r in references {
        let q = r["quantity"] as? String ?? ""
        let got = try #require(byName[q])
        expectClose(got.estimate, number(r["estimate"]), rtol: 1e-6, "scenario \(q) estimate")
        let key = unconditional ? "std_error_unconditional" : "std_error"
        expectClose(got.stdError, number(r[key]), rtol: 1e-6, "scenario \(q) \(key)")
      }
    }
  }
}
