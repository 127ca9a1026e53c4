import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Every model the CLI fits, through the library API (`Model.fit`), against the R fixtures the
/// lower layers and the binary are checked with: ordered and multinomial models (MASS::polr,
/// nnet::multinom, survey::svyolr), 2SLS (AER::ivreg + sandwich), absorbed fixed effects (lm/glm
/// with dummies) and IV probit (Newey's two-step, written out in R). Tolerances as those suites.
@Suite("Every model through the library API")
struct EveryModelLibraryTests {
  /// A fixture's `strata fit` arguments as a specification (the flags those fixtures use).
  static func specification(_ args: [String]) throws -> (FitSpecification, String) {
    var flags: [String: String] = [:]
    var i = 3
    while i < args.count {
      flags[args[i]] = i + 1 < args.count ? args[i + 1] : ""
      i += 2
    }
    func list(_ key: String) -> [String] { flags[key].map { $0.split(separator: ",").map(String.init) } ?? [] }
    var spec = FitSpecification(
      model: try #require(ModelKind(rawValue: args[1])), formula: args[2], subset: flags["--subset"],
      convention: Convention(rawValue: flags["--convention"] ?? "r") ?? .r, control: FitControl(base: flags["--base"]))
    let designBased = ["--strata", "--psu", "--fpc"].contains { flags[$0] != nil } || flags["--vce"] == "design"
    if designBased {
      spec.design = DesignSpecification(
        weights: flags["--weights"], strata: flags["--strata"], psu: list("--psu"), fpc: list("--fpc"))
    } else {
      spec.weights = flags["--weights"]
    }
    if let names = flags["--cluster"] {
      spec.variance = .cluster(names.split(separator: ",").map(String.init))
    } else if let vce = flags["--vce"], vce != "design" {
      spec.variance = try #require(Variance(name: vce), "variance \(vce)")
    }
    return (spec, try #require(flags["--data"]))
  }

  static func variance(_ name: String, cluster: String?) throws -> Variance {
    if name == "cluster" { return .cluster([try #require(cluster)]) }
    return try #require(Variance(name: name))
  }

  @Test(arguments: referenceCases("Tests/Fixtures/ordinal/ordinal_reference.json"))
  func ordinal(_ c: ReferenceCase) throws {
    let (spec, path) = try Self.specification(try #require(c.json["args"] as? [String]))
    let fit = try Model.fit(spec, data: try FrameCache.shared.frame(path))
    #expect(fit.coefficients.map(\.term) == (c.json["terms"] as? [String]))
    #expect(fit.fit.nobs == c.json["nobs"] as? Int)
    let est = try #require(c.json["estimate"] as? [Double])
    let se = try #require(c.json["std_error"] as? [Double])
    for (row, (e, s)) in zip(fit.coefficients, zip(est, se)) {
      expectClose(row.estimate, e, rtol: 1e-6, "\(c.id) \(row.term) estimate")
      expectClose(row.stdError, s, rtol: 1e-6, "\(c.id) \(row.term) SE")
    }
  }

  @Test(arguments: referenceCases("Tests/Fixtures/ivfe/ivfe_reference.json", key: "iv"))
  func instrumentalVariables(_ c: ReferenceCase) throws {
    let j = c.json
    let fit = try Model.fit(
      .iv, try #require(j["formula"] as? String), data: try FrameCache.shared.dataset("mroz"),
      weights: j["weights"] as? String, subset: j["subset"] as? String,
      variance: try Self.variance(try #require(j["vce"] as? String), cluster: j["cluster"] as? String))
    let terms = try #require(j["terms"] as? [String])
    let est = try #require(j["estimate"] as? [Double])
    let se = try #require(j["std_error"] as? [Double])
    for (i, t) in terms.enumerated() {
      let row = try #require(fit.coefficients.first { $0.term == t }, "term \(t)")
      expectClose(row.estimate, est[i], rtol: 1e-8, "\(c.id) \(t) estimate")
      expectClose(row.stdError, se[i], rtol: 1e-8, "\(c.id) \(t) SE")
    }
    #expect(fit.fit.nobs == j["nobs"] as? Int)
  }

  @Test(arguments: referenceCases("Tests/Fixtures/ivfe/ivfe_reference.json", key: "fe"))
  func fixedEffects(_ c: ReferenceCase) throws {
    let j = c.json
    let panel = try FrameCache.shared.frame("Tests/Fixtures/ivfe/fe_panel.csv")
    let modelName = try #require(j["model"] as? String)
    let model = try #require(ModelKind(rawValue: modelName))
    let vce = try #require(j["vce"] as? String)
    // nil: the default after absorbing fixed effects, clustered by the first one (fixest).
    let variance: Variance? = vce == "cluster" ? nil : try #require(Variance(name: vce))
    let fit = try Model.fit(
      model, try #require(j["formula"] as? String), data: panel, weights: j["weights"] as? String, variance: variance)
    if vce == "cluster" { #expect(fit.covariance.spec.name == "cluster") }
    let tol = model == .ols ? 1e-8 : 1e-6
    let terms = try #require(j["terms"] as? [String])
    let est = try #require(j["estimate"] as? [Double])
    let se = try #require(j["std_error"] as? [Double])
    for (i, t) in terms.enumerated() {
      let row = try #require(fit.coefficients.first { $0.term == t })
      expectClose(row.estimate, est[i], rtol: tol, "\(c.id) \(t) estimate")
      expectClose(row.stdError, se[i], rtol: tol, "\(c.id) \(t) SE")
    }
    #expect(fit.fit.nobs == j["nobs"] as? Int)
    #expect(throws: AnalysisError.self) { try fit.margins(.dydx) }
  }

  @Test(arguments: referenceCases("Tests/Fixtures/ivprobit/ivprobit_reference.json", key: "ivprobit"))
  func ivProbit(_ c: ReferenceCase) throws {
    let data = try FrameCache.shared.dataset(c.id.hasPrefix("card") ? "card" : "mroz")
    let formula = try #require(c.json["formula"] as? String)
    let fit = try Model.fit(.ivprobit, formula, data: data)
    #expect(fit.ivProbit != nil)
    let est = try #require(c.json["coefficients"] as? [Double])
    let se = try #require(c.json["std_errors"] as? [Double])
    #expect(fit.coefficients.map(\.term) == (c.json["terms"] as? [String]))
    for (row, (e, s)) in zip(fit.coefficients, zip(est, se)) {
      expectClose(row.estimate, e, rtol: 1e-6, "\(c.id) \(row.term) estimate")
      expectClose(row.stdError, s, rtol: 1e-6, "\(c.id) \(row.term) SE")
    }
    #expect(throws: AnalysisError.self) {
      try Model.fit(.ivprobit, formula, data: data, variance: .robust)
    }
  }

  /// Mediation equations are built as formula values, not by editing the text.
  @Test func mediationEquations() throws {
    let e = try MediationEquations(outcome: "log(y) ~ t + m + x", mediator: "m")
    #expect(e.total.description == "log(y) ~ t + m + x - m")
    #expect(e.mediator.description == "m ~ t + m + x - m")
    #expect(e.response == "log(y)")
    #expect(throws: AnalysisError.self) { try MediationEquations(outcome: "~ t + m", mediator: "m") }
  }
}
