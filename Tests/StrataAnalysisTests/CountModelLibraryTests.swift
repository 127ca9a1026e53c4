import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Offsets, exposures and grouped binomial responses through the library API
/// (`FitSpecification` → `Model.fit`) against `Tests/Fixtures/counts/make_count_fixtures.R`
/// (R glm/svyglm with epsilon = 1e-14, refitted from their own estimate; sandwich HC0).
/// Estimates and standard errors agree within 1e-8 relative (observed ≤ 1e-11: both sides
/// iterate to the MLE); deviances and log-likelihoods within 1e-10.
@Suite("Library offsets, exposure and grouped binomial fits against R")
struct CountModelLibraryTests {
  static let fixture = "Tests/Fixtures/counts/counts_reference.json"
  static func cases() -> [ReferenceCase] { referenceCases(fixture) }

  /// A fixture's command line as a specification, and the data path (relative to the fixture folder).
  static func specification(_ args: [String]) throws -> (FitSpecification, String) {
    var flags: [String: String] = [:]
    var i = 2
    while i < args.count {
      flags[args[i]] = i + 1 < args.count ? args[i + 1] : ""
      i += 2
    }
    func list(_ key: String) -> [String] { flags[key].map { $0.split(separator: ",").map(String.init) } ?? [] }
    var spec = FitSpecification(model: try #require(ModelKind(rawValue: args[0])), formula: args[1])
    if flags["--psu"] != nil {
      spec.design = DesignSpecification(
        weights: flags["--weights"], psu: list("--psu"), fpc: list("--fpc"),
        buildReplicates: flags["--replicate"] == "jk1" ? ReplicateConstruction(type: .jk1) : nil)
      spec.subpop = flags["--subpop"]
    }
    switch flags["--vce"] {
    case "hc0": spec.variance = .hc(.hc0)
    case nil: break
    case let other?: Issue.record("unexpected --vce \(other)")
    }
    if let cluster = flags["--cluster"] { spec.variance = .cluster([cluster]) }
    spec.exposure = flags["--exposure"]
    return (spec, "Tests/Fixtures/counts/" + (try #require(flags["--data"])))
  }

  static func fit(_ c: ReferenceCase) throws -> ModelFit {
    let args = try #require(c.json["args"] as? [String])
    let (spec, path) = try specification(args)
    return try Model.fit(spec, data: try DataFrame(contentsOf: repositoryPath(path)))
  }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 21)
  }

  @Test(arguments: cases())
  func matchesR(_ c: ReferenceCase) throws {
    let fit = try Self.fit(c)
    let rows = fit.coefficients
    #expect(rows.map(\.term) == (c.json["terms"] as? [String]), "\(c.id) terms")
    let estimates = try #require(c.json["coef"] as? [Double])
    let errors = try #require(c.json["se"] as? [Double])
    for (row, (b, se)) in zip(rows, zip(estimates, errors)) {
      expectClose(row.estimate, b, rtol: 1e-8, "\(c.id) estimate \(row.term)")
      expectClose(row.stdError, se, rtol: 1e-8, "\(c.id) std. error \(row.term)")
    }
    let glm = try #require(fit.fit.glm)
    for (key, value) in [("deviance", glm.deviance), ("null_deviance", glm.nullDeviance), ("logLik", glm.logLik)] {
      if let expected = number(c.json[key]) { expectClose(value, expected, rtol: 1e-10, "\(c.id) \(key)") }
    }
    // Negative binomial: θ (R's theta.ml at the MLE) and its standard error, α = 1/θ.
    if let theta = number(c.json["theta"]) {
      let t = try #require(glm.theta, "\(c.id): no theta")
      expectClose(t.theta, theta, rtol: 1e-8, "\(c.id) theta")
      expectClose(t.alpha, number(c.json["alpha"]), rtol: 1e-8, "\(c.id) alpha")
      if let se = number(c.json["se_theta"]) { expectClose(t.standardError, se, rtol: 1e-8, "\(c.id) SE(theta)") }
      #expect(fit.fit.kind == .nbreg)
      // glm.nb's AIC counts θ: −2ℓ + 2(k + 1).
      if let aic = number(c.json["AIC"]) { expectClose(fit.result.statistics.aic, aic, rtol: 1e-8, "\(c.id) AIC") }
    }
    if let df = c.json["df_residual"] as? Int, !fit.specification.isDesignBased {
      #expect(fit.fit.dfResidual == df, "\(c.id) residual df")
    }
  }

  /// `--exposure Holders` is `offset(log(Holders))`: the same fit bit for bit, and the fit's
  /// formula (and a saved fit's) shows the offset.
  @Test func exposureIsTheLogOffset() throws {
    let data = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/insurance.csv"))
    let base = "Claims ~ factor(District) + factor(Group) + factor(Age)"
    let offset = try Model.fit(FitSpecification(model: .poisson, formula: base + " + offset(log(Holders))"), data: data)
    var spec = FitSpecification(model: .poisson, formula: base)
    spec.exposure = "Holders"
    #expect(spec.fittedFormula == base + " + offset(log(Holders))")
    let exposure = try Model.fit(spec, data: data)
    #expect(exposure.coefficients.map(\.estimate) == offset.coefficients.map(\.estimate))
    #expect(exposure.coefficients.map(\.stdError) == offset.coefficients.map(\.stdError))
    #expect(exposure.fit.formula == spec.fittedFormula)
    // Two offsets add, as in R: log(Holders / 2) + log(2) is log(Holders).
    let split = try Model.fit(
      FitSpecification(model: .poisson, formula: base + " + offset(log(Holders / 2)) + offset(log(2 + 0 * Holders))"),
      data: data)
    for (a, b) in zip(split.coefficients, offset.coefficients) {
      expectClose(a.estimate, b.estimate, rtol: 1e-12, "two offsets \(a.term)")
    }
  }

  /// Predictions carry the offset: at the observed exposure they are R's `fitted()`, with
  /// `Holders` set to 1000 they are `predict(fit, newdata, type = "response")`, and their
  /// average (with its delta-method error) is the expected claims per 1000 holders.
  @Test func predictionsUseTheExposure() throws {
    let c = try #require(Self.cases().first { $0.id == "insurance_poisson_offset_predictions" })
    let fit = try Self.fit(c)
    let recipe = try #require(fit.fit.recipe)
    #expect(recipe.hasOffset && recipe.offsetVariables == ["Holders"])
    let observed = try Scenarios.predictions(
      recipe: recipe, newdata: fit.data, coefficients: fit.fit.keptCoefficients, kept: fit.fit.kept, link: .log,
      covariance: fit.covariance.matrix, degreesOfFreedom: .infinity)
    for (p, e) in zip(observed, try #require(c.json["fitted"] as? [Double])) {
      expectClose(p.result.estimate, e, rtol: 1e-10, "fitted row \(p.row)")
    }
    let at1000 = try fit.data.replacing("Holders", by: .set(to: 1000))
    let predicted = try Scenarios.predictions(
      recipe: recipe, newdata: at1000, coefficients: fit.fit.keptCoefficients, kept: fit.fit.kept, link: .log,
      covariance: fit.covariance.matrix, degreesOfFreedom: .infinity)
    for (p, e) in zip(predicted, try #require(c.json["predict_at_1000"] as? [Double])) {
      expectClose(p.result.estimate, e, rtol: 1e-10, "at 1000 row \(p.row)")
    }
    // The same rows through the margins path (PredictionModel: Xβ + offset).
    let model = try fit.predictionModel()
    let x = try model.matrix(on: at1000, rows: fit.fit.rows)
    let eta = try model.linearPredictor(x, on: at1000, rows: fit.fit.rows)
    let mean = eta.map(model.mean).reduce(0, +) / Double(eta.count)
    expectClose(mean, number(c.json["mean_at_1000"]), rtol: 1e-10, "average prediction at Holders = 1000")
  }

  @Test func nonPositiveExposureNamesTheRow() throws {
    var data = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/insurance.csv"))
    data = try data.replacing("Holders", with: (0..<data.rowCount).map { $0 == 6 ? 0 : 100 })
    var spec = FitSpecification(model: .poisson, formula: "Claims ~ factor(Age)")
    spec.exposure = "Holders"
    #expect {
      try Model.fit(spec, data: data)
    } throws: { error in
      guard case AnalysisError.nonPositiveExposure(let column, let row, let value) = error else { return false }
      return column == "Holders" && row == 7 && value == 0
    }
    // A subset that leaves the row out is fine.
    spec.subset = "Holders > 0"
    #expect(try Model.fit(spec, data: data).fit.nobs == data.rowCount - 1)
    // An exposure is for Poisson models; offsets are for GLMs.
    let clean = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/insurance.csv"))
    var logit = FitSpecification(model: .ols, formula: "Claims ~ factor(Age) + offset(log(Holders))")
    #expect(throws: AnalysisError.self) { try Model.fit(logit, data: clean) }
    logit = FitSpecification(model: .logit, formula: "I(Claims > 50) ~ factor(Age)")
    logit.exposure = "Holders"
    #expect(throws: AnalysisError.self) { try Model.fit(logit, data: clean) }
  }

  /// Counts without overdispersion (the Insurance claims: Pearson χ²/df 0.9): θ grows without
  /// bound (R's theta.ml warns "iteration limit reached" at θ ≈ 4.5e5); Strata stops with an error.
  @Test func nbregWithoutOverdispersionIsAnError() throws {
    let data = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/insurance.csv"))
    var spec = FitSpecification(model: .nbreg, formula: "Claims ~ factor(District) + factor(Group) + factor(Age)")
    spec.exposure = "Holders"
    #expect {
      try Model.fit(spec, data: data)
    } throws: { error in
      if case EstimationError.dispersionNotEstimable = error { return true }
      return false
    }
    // A grouped response is binomial, not a count.
    let menarche = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/menarche.csv"))
    #expect(throws: (any Error).self) {
      try Model.fit(FitSpecification(model: .nbreg, formula: "cbind(Menarche, Total - Menarche) ~ Age"), data: menarche)
    }
  }

  /// Weights multiply the likelihood contributions: a weighted fit with integer weights is the
  /// fit on the expanded data (θ and coefficients alike), as glm.nb(weights =).
  @Test func nbregFrequencyWeights() throws {
    let quine = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/quine.csv"))
    let formula = "Days ~ Eth + Sex + Age + Lrn"
    var twos = quine
    twos.columns.append(Column(name: "w", storage: .numeric(NumericColumn(values: Array(repeating: 2, count: quine.rowCount)))))
    let weighted = try Model.fit(FitSpecification(model: .nbreg, formula: formula, weights: "w"), data: twos)
    let plain = try Model.fit(FitSpecification(model: .nbreg, formula: formula), data: quine)
    for (a, b) in zip(weighted.coefficients, plain.coefficients) {
      expectClose(a.estimate, b.estimate, rtol: 1e-9, "weighted estimate \(a.term)")
      expectClose(a.stdError.map { $0 * 2.0.squareRoot() }, b.stdError, rtol: 1e-8, "weighted SE \(a.term)")
    }
    expectClose(weighted.fit.glm?.theta?.theta, plain.fit.glm?.theta?.theta, rtol: 1e-9, "weighted theta")
  }

  @Test func groupedCountsAreChecked() throws {
    let menarche = try DataFrame(contentsOf: repositoryPath("Tests/Fixtures/counts/menarche.csv"))
    let formula = "cbind(Menarche, Total - Menarche) ~ Age"
    // Negative failures in data row 3.
    let negative = try menarche.replacing("Total", with: (0..<menarche.rowCount).map { $0 == 2 ? -1 : 1000 })
    #expect {
      try Model.fit(FitSpecification(model: .logit, formula: formula), data: negative)
    } throws: { error in
      guard case EstimationError.negativeGroupedCount(let name, _, let row) = error else { return false }
      return name == "Total - Menarche" && row == 3
    }
    // No trials in data row 1 (Menarche is 0 there).
    let empty = try menarche.replacing("Total", with: (0..<menarche.rowCount).map { $0 == 0 ? 0 : 2000 })
    #expect {
      try Model.fit(FitSpecification(model: .probit, formula: formula), data: empty)
    } throws: { error in
      guard case EstimationError.noTrials(_, _, let row) = error else { return false }
      return row == 1
    }
    // Grouped responses are binomial: not for Poisson or fractional models.
    #expect(throws: EstimationError.self) {
      try Model.fit(FitSpecification(model: .poisson, formula: formula), data: menarche)
    }
    // Non-integer counts: a note, as R's warning.
    let halves = try menarche.replacing("Menarche", by: .add(0.5)).replacing("Total", by: .add(1))
    let fit = try Model.fit(FitSpecification(model: .logit, formula: formula), data: halves)
    #expect(fit.fit.diagnostics.contains { if case .nonIntegerBinomialCounts = $0 { return true } else { return false } })
  }
}
