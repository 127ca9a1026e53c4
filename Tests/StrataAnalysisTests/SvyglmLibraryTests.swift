import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The R `svyglm` fixtures (`Tests/Fixtures/svyglm/make_svyglm_fixtures.R`, R survey 4.1-1) run
/// through the library API (`FitSpecification` → `Model.fit`), not through the binary.
/// Tolerances as the CLI suite: linear models 1e-8 relative, GLMs 1e-6 (R refitted with
/// epsilon = 1e-14; Strata stops at a relative deviance change of 1e-10).
@Suite("Library fits against R svyglm")
struct SvyglmLibraryTests {
  static func cases() -> [ReferenceCase] { referenceCases("Tests/Fixtures/svyglm/svyglm_reference.json") }

  /// The fixture's command line as a specification (the flags these fixtures use).
  static func specification(_ args: [String]) throws -> (FitSpecification, String) {
    var flags: [String: String] = [:]
    var i = 3
    while i < args.count {
      flags[args[i]] = i + 1 < args.count ? args[i + 1] : ""
      i += 2
    }
    func list(_ key: String) -> [String] { flags[key].map { $0.split(separator: ",").map(String.init) } ?? [] }
    var design = DesignSpecification(
      weights: flags["--weights"], strata: flags["--strata"], psu: list("--psu"), fpc: list("--fpc"))
    if let columns = flags["--repweights"] {
      design = DesignSpecification(weights: flags["--weights"])
      design.replicateWeights = ReplicateSpecification(
        columns: [columns], type: ReplicateType(rawValue: flags["--reptype"] ?? "brr") ?? .brr, scale: nil,
        rscales: nil, rho: nil, mse: false)
    }
    let spec = FitSpecification(
      model: try #require(ModelKind(rawValue: args[1])), formula: args[2], design: design, subpop: flags["--subpop"],
      convention: Convention(rawValue: flags["--convention"] ?? "r") ?? .r)
    return (spec, try #require(flags["--data"]))
  }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 16)
  }

  @Test(arguments: cases())
  func matchesSvyglm(_ c: ReferenceCase) throws {
    let args = try #require(c.json["args"] as? [String])
    let (spec, path) = try Self.specification(args)
    let data = try DataFrame(contentsOf: repositoryPath(path))
    let fit = try Model.fit(spec, data: data)
    let rows = fit.coefficients
    #expect(rows.map(\.term) == (c.json["terms"] as? [String]))
    #expect(fit.fit.nobs == c.json["nobs"] as? Int)
    #expect(fit.covariance.degreesOfFreedom == number(c.json["df"]), "\(c.id) df")
    #expect(fit.covariance.design?.df == c.json["design_df"] as? Int, "\(c.id) design df")
    let rtol = spec.model == .ols ? 1e-8 : 1e-6
    let columns: [(String, (CoefficientEstimate) -> Double?)] = [
      ("estimate", \.estimate), ("std_error", \.stdError), ("statistic", \.statistic), ("p_value", \.pValue),
      ("conf_low", \.confLow), ("conf_high", \.confHigh),
    ]
    for (key, value) in columns {
      let expected = try #require(c.json[key] as? [Double])
      for (row, e) in zip(rows, expected) {
        expectClose(value(row), e, rtol: key == "p_value" ? max(rtol, 1e-7) : rtol, "\(c.id) \(key) \(row.term)")
      }
    }
  }

  /// The convenience calls build the same specification as the declarative one.
  @Test func convenienceCallsMatchTheSpecification() throws {
    let data = try DataFrame(contentsOf: datasetPath("apistrat.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
    let a = try design.fit(.logit, "sch.wide ~ ell + meals + mobility")
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    let b = try Model.fit(spec, data: data)
    #expect(a.specification == b.specification)
    #expect(a.coefficients.map(\.stdError) == b.coefficients.map(\.stdError))
    #expect(a.covariance.spec.name == "design")
  }

  /// The convention is a value on the fit call: Stata's design df (#PSUs − #strata) and observed
  /// information, as the fixture apiclus1_probit_stata.
  @Test func conventionOnTheFitCall() throws {
    let c = try #require(Self.cases().first { $0.id == "apiclus1_probit_stata" })
    let data = try DataFrame(contentsOf: datasetPath("apiclus1.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", psu: "dnum", fpc: "fpc")
    let fit = try design.fit(.probit, "sch.wide ~ ell + meals", convention: .stata)
    #expect(fit.specification.convention == .stata)
    #expect(fit.covariance.degreesOfFreedom == number(c.json["df"]))
    let se = try #require(c.json["std_error"] as? [Double])
    for (row, e) in zip(fit.coefficients, se) { expectClose(row.stdError, e, rtol: 1e-6, "\(row.term) SE") }
  }

  /// A domain through `subpopulation` equals `--subpop` in the fixture (apistrat_ols_subpop).
  @Test func subpopulationFitMatchesSvyglm() throws {
    let c = try #require(Self.cases().first { $0.id == "apistrat_ols_subpop" })
    let data = try DataFrame(contentsOf: datasetPath("apistrat.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc").subpopulation("ell > 10")
    let fit = try design.fit(.ols, "api00 ~ meals + mobility")
    let se = try #require(c.json["std_error"] as? [Double])
    for (row, e) in zip(fit.coefficients, se) { expectClose(row.stdError, e, rtol: 1e-8, "\(row.term) SE") }
  }

  /// JK1 replicates built from the design (as.svrepdesign(type = "JK1"), FPC in the scale) give
  /// svyglm on the replicate columns R wrote with R's scale (0.9148…, design fixture
  /// clus1_jk1_columns): the svyglm fixture apiclus1_jk1_ols used the default scale 14/15, so its
  /// SEs are rescaled by sqrt(0.9148… / (14/15)). 1e-8 relative.
  @Test func builtReplicatesMatchSvyglm() throws {
    let c = try #require(Self.cases().first { $0.id == "apiclus1_jk1_ols" })
    let data = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/design/apiclus1_jk1.csv"))
    let design = try SurveyDesign(data: data, weights: "pw", psu: "dnum", fpc: "fpc")
    let jk = try design.replicates(.jk1)
    guard case .replicate(let r) = jk.sampleDesign else {
      Issue.record("not a replicate design")
      return
    }
    #expect(r.replicateCount == 15)
    let fit = try jk.fit(.ols, "api00 ~ ell + meals")
    let estimates = try #require(c.json["estimate"] as? [Double])
    let scale = 0.9148392778511668
    let se = try #require(c.json["std_error"] as? [Double]).map { $0 * (scale / (14.0 / 15.0)).squareRoot() }
    for (row, (e, s)) in zip(fit.coefficients, zip(estimates, se)) {
      expectClose(row.estimate, e, rtol: 1e-8, "\(row.term) estimate")
      expectClose(row.stdError, s, rtol: 1e-8, "\(row.term) SE")
    }
    let boot = try design.bootstrap(replicates: 20, seed: 7)
    guard case .replicate(let b) = boot.sampleDesign else {
      Issue.record("not a replicate design")
      return
    }
    #expect(b.replicateCount == 20)
  }
}
