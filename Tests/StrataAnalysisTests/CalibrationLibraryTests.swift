import Foundation
import Strata
import Testing
import _StrataTestSupport

/// R `calibrate`/`postStratify`/`rake` fixtures (`Tests/Fixtures/calibration/make_calibration_fixtures.R`,
/// survey 4.1-1) through the library API: final weights, svymean, svytotal, a domain mean, svyratio,
/// a proportion, the median (svyquantile), svyglm gaussian and logit, and the average marginal effect of meals with its unconditional design SE.
///
/// Tolerances: 1e-8 relative on weights, means, totals, ratios, proportions, the median and the gaussian model (R and Strata both run
/// the calibration Newton iterations to 1e-13 and raking to convergence, so the weights agree to
/// rounding); 1e-6 on the logit model and its margins (Strata's IRLS stops at a relative deviance
/// change of 1e-10, R was run to 1e-14), as the svyglm suite.
@Suite("Calibration against R survey")
struct CalibrationLibraryTests {
  static let path = "Tests/Fixtures/calibration/calibration_reference.json"
  static func cases() -> [ReferenceCase] { referenceCases(path) }

  static func totals(_ any: Any?) -> [CalibrationSpecification.Total] {
    let d = any as? [String: Any] ?? [:]
    return d.keys.sorted().map { CalibrationSpecification.Total(name: $0, value: number(d[$0]) ?? .nan) }
  }

  /// The case's design and calibration as a declaration.
  static func specification(_ c: ReferenceCase) throws -> DesignSpecification {
    let d = try #require(c.json["design"] as? [String: Any])
    var spec = DesignSpecification(
      weights: d["weights"] as? String, strata: d["strata"] as? String, psu: d["psu"] as? [String] ?? [],
      fpc: d["fpc"] as? [String] ?? [])
    if let r = d["replicate"] as? String {
      spec.buildReplicates = ReplicateConstruction(
        type: try #require(ReplicateType(rawValue: r)), replicates: 50, seed: 1, rho: nil, mse: false)
    }
    switch c.json["method"] as? String {
    case "calibrate":
      let bounds = (c.json["bounds"] as? [Double]).map { (lower: $0[0], upper: $0[1]) }
      spec.calibration = .calibrate(
        formula: try #require(c.json["formula"] as? String), totals: totals(c.json["totals"]),
        distance: try #require(CalibrationSpecification.DistanceFunction(rawValue: c.json["calfun"] as? String ?? "")),
        bounds: bounds, epsilon: 1e-13, maxIterations: 100)
    case "poststratify":
      let m = try #require((c.json["margins"] as? [[String: Any]])?.first)
      spec.calibration = .poststratify(m["variables"] as? [String] ?? [], totals: totals(m["totals"]))
    case "rake":
      let ms = try #require(c.json["margins"] as? [[String: Any]])
      spec.calibration = .rake(
        ms.map { .init(variables: $0["variables"] as? [String] ?? [], totals: totals($0["totals"])) },
        epsilon: 1e-13, maxIterations: 1000)
    default:
      Issue.record("unknown method in \(c.id)")
    }
    return spec
  }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 19)
  }

  @Test(arguments: cases())
  func matchesR(_ c: ReferenceCase) throws {
    let data = try DataFrame(contentsOf: datasetPath("\(try #require(c.json["data"] as? String)).csv"))
    let design = try SurveyDesign(data: data, specification: try Self.specification(c))
    let id = c.id

    let weights = try #require(c.json["weights"] as? [Double])
    #expect(design.weights.count == weights.count)
    for (i, (a, e)) in zip(design.weights, weights).enumerated() { expectClose(a, e, rtol: 1e-8, "\(id) weight \(i + 1)") }
    if let gMin = number(c.json["g_min"]), let gMax = number(c.json["g_max"]) {
      let summary = try #require(design.calibration)
      expectClose(summary.gMinimum, gMin, rtol: 1e-8, "\(id) g min")
      expectClose(summary.gMaximum, gMax, rtol: 1e-8, "\(id) g max")
      for t in summary.targets { expectClose(t.achieved, t.target, rtol: 1e-10, "\(id) total \(t.name)") }
    }

    func check(_ result: DescriptiveResult, _ key: String, level: String? = nil) throws {
      let e = try #require(c.json[key] as? [Double], "\(id) \(key)")
      let r = try #require(level.map { l in result.estimates.first { $0.level == l } } ?? result.estimates.first)
      expectClose(r.estimate, e[0], rtol: 1e-8, "\(id) \(key) estimate")
      expectClose(r.stdError, e[1], rtol: 1e-8, "\(id) \(key) SE")
    }
    try check(try design.mean("api00"), "mean_api00")
    try check(try design.total("api00"), "total")
    try check(try design.subpopulation("sch.wide == \"Yes\"").mean("api00"), "domain_mean_api00")
    try check(try design.ratio("api00", to: "api99"), "ratio_api00_api99")
    try check(try design.proportion("awards"), "proportion_awards_yes", level: "Yes")
    try check(try design.quantile("api00"), "median_api00")

    let gaussian = try design.fit(.ols, "api00 ~ ell + meals")
    let gc = try #require(c.json["gaussian_coef"] as? [Double])
    let gs = try #require(c.json["gaussian_se"] as? [Double])
    for (k, row) in gaussian.coefficients.enumerated() {
      expectClose(row.estimate, gc[k], rtol: 1e-8, "\(id) gaussian \(row.term)")
      expectClose(row.stdError, gs[k], rtol: 1e-8, "\(id) gaussian SE \(row.term)")
    }
    guard let lc = c.json["logit_coef"] as? [Double], let ls = c.json["logit_se"] as? [Double] else { return }
    let logit = try design.fit(.logit, "sch.wide ~ ell + meals")
    for (k, row) in logit.coefficients.enumerated() {
      expectClose(row.estimate, lc[k], rtol: 1e-6, "\(id) logit \(row.term)")
      expectClose(row.stdError, ls[k], rtol: 1e-6, "\(id) logit SE \(row.term)")
    }
    if let ame = c.json["ame_meals"] as? [Double] {
      let m = try logit.margins(.dydx, variables: ["meals"], unconditional: true)
      let r = try #require(m.estimates.first)
      expectClose(r.result.estimate, ame[0], rtol: 1e-6, "\(id) AME meals")
      expectClose(r.result.stdError, ame[1], rtol: 1e-6, "\(id) AME meals SE")
    }
  }

  @Test func libraryCallsMatchTheSpecification() throws {
    let data = try DataFrame(contentsOf: datasetPath("apiclus1.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", psu: "dnum", fpc: "fpc")
    let ps = try design.poststratified(by: "stype", totals: ["E": 4421, "H": 755, "M": 1018])
    let summary = try #require(ps.calibration)
    #expect(summary.method == .poststratify)
    #expect(summary.targets.map(\.name) == ["E", "H", "M"])
    let g = try #require(ps.gWeights)
    #expect(g.count == data.rowCount)
    expectClose(ps.weights.reduce(0, +), 6194, rtol: 1e-12, "post-stratified population")
    let cal = try design.calibrated(
      formula: "~ stype + enroll", totals: ["(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "enroll": 3_811_472])
    let achieved = try #require(cal.calibration).targets
    #expect(achieved.map(\.name) == ["(Intercept)", "stypeH", "stypeM", "enroll"])
    for t in achieved { expectClose(t.achieved, t.target, rtol: 1e-10, t.name) }
    #expect(design.calibration == nil && design.gWeights == nil)
  }
}
