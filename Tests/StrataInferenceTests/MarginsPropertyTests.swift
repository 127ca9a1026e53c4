import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataReport  // the English of MarginsError (MarginsError+Description.swift)
import StrataSupport
import Testing
import _StrataTestSupport

/// A small in-memory data set of numeric columns.
func numericFrame(_ columns: [(String, [Double])]) -> DataFrame {
  DataFrame(columns: columns.map { Column(name: $0.0, storage: .numeric(NumericColumn(values: $0.1))) })
}

/// Margins under the fit's own covariance (covariates fixed).
func margins(
  _ fit: Fit, data: DataFrame, _ options: MarginsOptions, spec: CovarianceSpec = .classical
) throws -> MarginsResult {
  let v = try covariance(of: fit, spec: spec)
  return try Margins.estimate(
    try PredictionModel(fit: fit, data: data), options: options, variance: DeltaMethod(covariance: v.matrix),
    degreesOfFreedom: v.degreesOfFreedom, varianceTitle: v.title)
}

/// The average prediction with `variable` shifted by `h` on every row (a finite difference of
/// the prediction function).
func averagePrediction(_ fit: Fit, data: DataFrame, variable: String, shift h: Double) throws -> Double {
  let model = try PredictionModel(fit: fit, data: data)
  let shifted = try data.replacing(variable, by: .add(h))
  let x = try model.matrix(on: shifted, rows: fit.rows)
  let eta = x.multiplied(by: model.coefficients)
  let w = fit.weights ?? [Double](repeating: 1, count: eta.count)
  let total = w.reduce(0, +)
  return zip(eta, w).reduce(0) { $0 + model.mean($1.0) * $1.1 } / total
}

@Suite("Margins properties")
struct MarginsPropertyTests {
  /// Analytic AMEs (through `I(x^2)`, `log(x)`, interactions, `x*factor(g)`) agree with a central
  /// difference of the average prediction. Tolerance 1e-6 relative: the central difference with a
  /// step of 1e-5·(mean |x|) has truncation error O(h²) ≈ 1e-10 relative plus rounding ≈ 1e-11/h.
  @Test(arguments: [
    ("k401ksubs", "logit", "e401k ~ inc * factor(marr) + I(inc^2) + log(inc) + age + I(age^2) + male", ["inc", "age"]),
    ("mroz", "probit", "inlf ~ nwifeinc + educ * exper + I(exper^2) + age + kidslt6", ["educ", "exper", "nwifeinc"]),
    ("k401k", "poisson", "totpart ~ mrate + log(totemp) + I(log(totemp)^2) + age:sole", ["totemp", "age", "mrate"]),
    ("k401k", "fraclogit", "I(prate/100) ~ mrate * age + sqrt(totemp)", ["mrate", "age", "totemp"]),
    ("mroz", "ols", "hours ~ poly(exper, 3, raw = TRUE) + educ:kidslt6 + log(huswage)", ["exper", "educ", "huswage"]),
  ])
  func analyticDerivativeMatchesFiniteDifference(_ dataset: String, _ model: String, _ formula: String, _ variables: [String])
    throws
  {
    let data = try FrameCache.shared.dataset(dataset)
    let fit: Fit
    if model == "ols" {
      fit = try LeastSquares.fit(formula, data: data)
    } else {
      fit = try GeneralizedLinearModel.fit(formula, model: try #require(GLMModel(rawValue: model)), data: data)
    }
    let result = try margins(fit, data: data, MarginsOptions(variables: variables))
    for v in variables {
      let values = try data.numericValues(of: v).values
      let scale = fit.rows.reduce(0) { $0 + abs(values[$1]) } / Double(fit.rows.count)
      let h = 1e-5 * scale
      let numeric =
        (try averagePrediction(fit, data: data, variable: v, shift: h)
          - averagePrediction(fit, data: data, variable: v, shift: -h)) / (2 * h)
      let analytic = try #require(result.estimates.first { $0.variable == v }).result.estimate
      expectClose(analytic, numeric, rtol: 1e-6, atol: 1e-12, "\(formula): d/d\(v)")
    }
  }

  /// In `log(y) ~ log(x) + z` the elasticity of y with respect to x is the coefficient, at every
  /// observation, so its AME and its delta-method error are the coefficient and its error
  /// (to rounding: 1e-12 relative).
  @Test func logLogElasticityIsTheCoefficient() throws {
    let data = try FrameCache.shared.dataset("mroz")
    let fit = try LeastSquares.fit("log(faminc) ~ log(huswage) + educ + exper", data: data)
    let v = try covariance(of: fit, spec: .hc(.hc1))
    let result = try margins(fit, data: data, MarginsOptions(variables: ["huswage"], kinds: [.eyex]), spec: .hc(.hc1))
    let e = try #require(result.estimates.first)
    let k = try #require(fit.keptTerms.firstIndex(of: "log(huswage)"))
    expectClose(e.result.estimate, fit.keptCoefficients[k], rtol: 1e-12, "ey/ex")
    expectClose(e.result.stdError, v.standardErrors[k], rtol: 1e-12, "se(ey/ex)")
  }

  /// In a model linear in x the AME of x is its coefficient and the delta-method error is the
  /// coefficient's (1e-12 relative), under any covariance; for a factor, the discrete change is
  /// the level's coefficient.
  @Test func linearModelAMEIsTheCoefficient() throws {
    let data = try FrameCache.shared.dataset("wage1")
    let fit = try LeastSquares.fit("lwage ~ educ + exper + tenure + factor(numdep)", data: data)
    let cluster = try data.groupCodes(of: "numdep", rows: fit.rows)
    for spec in [CovarianceSpec.classical, .hc(.hc3), .cluster([ClusterVariable(name: "numdep", codes: cluster.codes, count: cluster.count)])] {
      let v = try covariance(of: fit, spec: spec)
      let result = try margins(fit, data: data, MarginsOptions(variables: ["educ", "numdep"]), spec: spec)
      for (term, variable, level) in [("educ", "educ", nil), ("factor(numdep)2", "numdep", "2")] as [(String, String, String?)] {
        let k = try #require(fit.keptTerms.firstIndex(of: term))
        let e = try #require(result.estimates.first { $0.variable == variable && $0.level == level })
        expectClose(e.result.estimate, fit.keptCoefficients[k], rtol: 1e-12, "\(spec.name) \(term)")
        expectClose(e.result.stdError, v.standardErrors[k], rtol: 1e-10, "\(spec.name) se \(term)")
      }
    }
  }

  /// Pairwise contrasts are differences of the reference contrasts (exactly linear), and the
  /// weighted average of group AMEs (`over`) is the overall AME. Tolerance 1e-12 relative (rounding).
  @Test func pairwiseAndOverAreConsistent() throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let fit = try LeastSquares.fit("api00 ~ ell + meals + stype", data: data, options: ModelFrameOptions(weights: "pw"))
    let reference = try margins(fit, data: data, MarginsOptions(variables: ["stype"]))
    let pairwise = try margins(fit, data: data, MarginsOptions(variables: ["stype"], contrast: .pairwise))
    let h = try #require(reference.estimates.first { $0.level == "H" }).result.estimate
    let m = try #require(reference.estimates.first { $0.level == "M" }).result.estimate
    let mh = try #require(pairwise.estimates.first { $0.level == "M" && $0.base == "H" }).result.estimate
    #expect(pairwise.estimates.count == 3)
    expectClose(mh, m - h, rtol: 1e-12, "M vs H")

    let logit = try GeneralizedLinearModel.fit(
      "sch.wide ~ ell + meals + stype", model: .logit, data: data, options: ModelFrameOptions(weights: "pw"))
    let overall = try margins(logit, data: data, MarginsOptions(variables: ["meals"]))
    let byType = try margins(logit, data: data, MarginsOptions(variables: ["meals"], over: "stype"))
    #expect(byType.estimates.map { $0.group?.label } == ["E", "H", "M"])
    let w = try #require(logit.weights)
    let codes = try data.column(named: "stype")
    var share: [String: Double] = [:]
    for (i, r) in logit.rows.enumerated() { share[valueText(codes, r), default: 0] += w[i] }
    let total = w.reduce(0, +)
    let combined = byType.estimates.reduce(0) { $0 + $1.result.estimate * (share[$1.group?.label ?? ""] ?? 0) / total }
    expectClose(combined, try #require(overall.estimates.first).result.estimate, rtol: 1e-12, "weighted mean of group AMEs")
  }

  /// A weighted fit's AME is the weighted mean of the unit effects, not the plain mean
  /// (checked by hand for a logit: β·μ(1−μ) per row). Tolerance 1e-12 relative (rounding).
  @Test func weightedAverage() throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let fit = try GeneralizedLinearModel.fit(
      "sch.wide ~ ell + meals", model: .logit, data: data, options: ModelFrameOptions(weights: "pw"))
    let result = try margins(fit, data: data, MarginsOptions(variables: ["ell"]))
    let w = try #require(fit.weights)
    let b = fit.keptCoefficients[try #require(fit.keptTerms.firstIndex(of: "ell"))]
    var num = 0.0
    for i in 0..<fit.nobs { num += w[i] * b * fit.fitted[i] * (1 - fit.fitted[i]) }
    expectClose(try #require(result.estimates.first).result.estimate, num / w.reduce(0, +), rtol: 1e-12, "weighted AME")
  }
}

/// The printable value of a column at a row (test helper).
func valueText(_ column: Column, _ row: Int) -> String {
  switch column.storage {
  case .factor(let f): return f.levels[Int(f.codes[row])]
  case .numeric(let c): return "\(c.values[row])"
  }
}

@Suite("Margins errors")
struct MarginsErrorTests {
  let data: DataFrame
  let fit: Fit
  init() throws {
    data = try FrameCache.shared.dataset("mroz")
    // A linear probability model (a logit would separate on kidslt6 = 3).
    fit = try LeastSquares.fit("inlf ~ nwifeinc + educ + factor(kidslt6) + age", data: data)
  }

  @Test func variableNotInModel() throws {
    #expect(throws: MarginsError.notInModel(variable: "wage", modelVariables: ["nwifeinc", "educ", "kidslt6", "age"])) {
      try margins(fit, data: data, MarginsOptions(variables: ["wage"]))
    }
    let text = MarginsError.notInModel(variable: "wage", modelVariables: ["nwifeinc", "educ"]).description
    #expect(text.contains("'wage'") && text.contains("nwifeinc, educ"))
  }

  @Test func atValuesOfTheWrongType() throws {
    #expect(throws: MarginsError.atValueType(variable: "educ", value: "abc", expected: .numberOrStatistic)) {
      try margins(fit, data: data, MarginsOptions(variables: ["age"], at: try AtGrid.parse("educ=abc")))
    }
    #expect(throws: MarginsError.atUnknownLevel(variable: "kidslt6", level: "7", levels: ["0", "1", "2", "3"])) {
      try margins(fit, data: data, MarginsOptions(variables: ["age"], at: try AtGrid.parse("kidslt6=7")))
    }
    #expect(throws: MarginsError.atValueType(variable: "kidslt6", value: "mean", expected: .level)) {
      try margins(fit, data: data, MarginsOptions(variables: ["age"], at: try AtGrid.parse("kidslt6=mean")))
    }
    #expect(throws: MarginsError.notInModel(variable: "wage", modelVariables: ["nwifeinc", "educ", "kidslt6", "age"])) {
      try margins(fit, data: data, MarginsOptions(variables: ["age"], at: try AtGrid.parse("wage=1")))
    }
    #expect(throws: MarginsError.self) { try AtGrid.parse("educ") }
    #expect(throws: MarginsError.atRepeated(variable: "educ")) { try AtGrid.parse("educ=1; educ=2") }
  }

  /// Documented rule: `eyex` at x = 0 is 0 (dy/dx · 0 / y); at a prediction of exactly 0 it is an
  /// error naming the data row.
  @Test func elasticityAtZero() throws {
    let d = numericFrame([("x", [-2, -1, 0, 1, 2, 3]), ("y", [-2.1, -0.9, 0.3, 0.8, 2.2, 2.9])])
    let through0 = try LeastSquares.fit("y ~ x - 1", data: d)
    #expect(throws: MarginsError.zeroPrediction(variable: "x", type: "eyex", row: 3)) {
      try margins(through0, data: d, MarginsOptions(variables: ["x"], kinds: [.eyex]))
    }
    let withIntercept = try LeastSquares.fit("y ~ x", data: d)
    let atZero = try margins(
      withIntercept, data: d, MarginsOptions(variables: ["x"], kinds: [.eyex], at: try AtGrid.parse("x=0")))
    #expect(atZero.estimates.first?.result.estimate == 0)
  }

  @Test func elasticityOfAFactorAndUnconditionalRules() throws {
    #expect(throws: MarginsError.elasticityOfDiscrete(variable: "kidslt6", type: "eyex")) {
      try margins(fit, data: data, MarginsOptions(variables: ["kidslt6"], kinds: [.eyex]))
    }
    #expect(throws: MarginsError.unconditionalNeedsRobust(vce: "classical")) {
      try InfluenceVariance.sandwich(fit: fit, spec: .classical)
    }
    let v = try covariance(of: fit, spec: .hc(.hc0))
    let dm = DeltaMethod(covariance: v.matrix, unconditional: try InfluenceVariance.sandwich(fit: fit, spec: .hc(.hc0)))
    #expect(throws: MarginsError.unconditionalAtMeans) {
      try Margins.estimate(
        try PredictionModel(fit: fit, data: data), options: MarginsOptions(atMeans: true), variance: dm,
        degreesOfFreedom: .infinity, varianceTitle: "")
    }
    #expect(throws: MarginsError.notBinary(variable: "age", value: 32)) {
      try margins(fit, data: data, MarginsOptions(variables: ["age"], discrete: ["age"]))
    }
  }

  @Test func mixedRoleHasNoDerivative() throws {
    let f = try LeastSquares.fit("hours ~ educ + I(educ > 12)", data: data)
    #expect(throws: MarginsError.mixedRole(variable: "educ")) {
      try margins(f, data: data, MarginsOptions(variables: ["educ"]))
    }
  }
}

@Suite("Margins on large data (row blocks)")
struct MarginsBlockedTests {
  /// Above 16,384 rows AMEs are computed in row blocks, with every variable's gradient products in
  /// one matrix product per block, on two threads from 65,536 rows. Stacking a data set 100 times
  /// leaves the estimates and the AMEs unchanged and divides the classical SEs by 10: the blocked
  /// path (75,300 rows, two threads) must agree with the one-pass path on the original 753 rows to
  /// 1e-8 (IRLS on both, converged far below that).
  @Test func stackedDataGivesTheSameMargins() throws {
    let mroz = try FrameCache.shared.dataset("mroz")
    let stacked = mroz.rows((0..<100).flatMap { _ in Array(0..<mroz.rowCount) })
    let formula = "inlf ~ nwifeinc + educ * exper + I(exper^2) + age + kidslt6 + factor(kidsge6 > 1)"
    let variables = ["nwifeinc", "educ", "exper", "age"]
    var results: [MarginsResult] = []
    for data in [mroz, stacked] {
      let fit = try GeneralizedLinearModel.fit(formula, model: .logit, data: data)
      results.append(try margins(fit, data: data, MarginsOptions(variables: variables, kinds: [.dydx, .eyex])))
    }
    let (small, large) = (results[0].estimates, results[1].estimates)
    #expect(small.count == variables.count * 2 && large.count == small.count)
    for (a, b) in zip(small, large) {
      #expect(a.variable == b.variable && a.type == b.type)
      expectClose(b.result.estimate, a.result.estimate, rtol: 1e-8, "\(a.variable) \(a.type) AME")
      expectClose(b.result.stdError * 10, a.result.stdError, rtol: 1e-8, "\(a.variable) \(a.type) SE")
    }
  }
}
