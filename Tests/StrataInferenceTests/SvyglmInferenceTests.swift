import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import Testing
import _StrataTestSupport

/// The R `svyglm` fixtures (`Tests/Fixtures/svyglm/make_svyglm_fixtures.R`, R survey 4.1-1) at the
/// inference layer, without `StrataAnalysis`: the design built by `SampleDesign`, the model
/// fitted by `LeastSquares`/`GeneralizedLinearModel` on the domain with the design's weights,
/// and the covariance from `covariance(of:spec:information:)` (and, for linearization designs,
/// from `VarianceEngine.meat` and `sandwich` directly). Tolerances as `SvyglmLibraryTests` and
/// the CLI suite: linear models 1e-8 relative, GLMs 1e-6, p-values at least 1e-7.
@Suite("Inference layer against R svyglm")
struct SvyglmInferenceTests {
  static func cases() -> [ReferenceCase] { referenceCases("Tests/Fixtures/svyglm/svyglm_reference.json") }

  /// One fixture case built from the layers below `StrataAnalysis`.
  struct Setup: @unchecked Sendable {
    var model: String
    var design: SampleDesign
    var fit: Fit
    var modelMatrix: ModelMatrix
    var convention: DesignDFConvention
    /// Fits the model matrix again (with other weights, for replicates).
    var refitter: @Sendable (ModelMatrix) throws -> Fit

    var isLinear: Bool { model == "ols" }
    /// Stata's convention uses the observed information for GLMs, R's the expected one.
    var information: InformationMatrix { convention == .stata && !isLinear ? .observed : .expected }

    /// The design-based covariance request, replicate weights (over the fit's rows) refitted
    /// one replicate at a time; rows the fit dropped get weight 0.
    var designVariance: DesignVariance {
      var position: [Int: Int] = [:]
      for (i, row) in fit.rows.enumerated() { position[row] = i }
      let fitIndex = modelMatrix.rows.map { position[$0] }
      let (fit, mm, refitter) = (fit, modelMatrix, refitter)
      return DesignVariance(
        design: design, convention: convention,
        refit: { replicateWeights in
          var m = mm
          m.weights = fitIndex.map { $0.map { replicateWeights[$0] } ?? 0 }
          let again = try refitter(m)
          return fit.kept.map { again.coefficients[$0] }
        })
    }
  }

  /// The fixture's command line (`fit <model> <formula> --data … --weights … --strata … --psu …
  /// --fpc … --repweights … --reptype … --subpop … --convention …`) as a design and a fit.
  static func setup(_ c: ReferenceCase) throws -> Setup {
    let args = try #require(c.json["args"] as? [String])
    var flags: [String: String] = [:]
    var i = 3
    while i < args.count {
      flags[args[i]] = i + 1 < args.count ? args[i + 1] : ""
      i += 2
    }
    func list(_ key: String) -> [String] { flags[key].map { $0.split(separator: ",").map(String.init) } ?? [] }
    let model = args[1]
    let formula = args[2]
    var frame = try FrameCache.shared.frame(try #require(flags["--data"]))
    var spec = DesignSpecification(weights: flags["--weights"], strata: flags["--strata"], psu: list("--psu"), fpc: list("--fpc"))
    if let columns = flags["--repweights"] {
      spec = DesignSpecification(weights: flags["--weights"])
      spec.replicateWeights = ReplicateSpecification(
        columns: [columns], type: try #require(ReplicateType(rawValue: flags["--reptype"] ?? "")), scale: nil,
        rscales: nil, rho: nil, mse: false)
    }
    let design = try SampleDesign(spec, data: frame)
    // svyglm on subset(design, subpop): the model on the domain, weighted by the design's weights.
    frame.columns.append(Column(name: "design_weights", storage: .numeric(NumericColumn(values: design.weights))))
    var options = ModelFrameOptions(subset: flags["--subpop"], weights: "design_weights")
    let subset = options.subset
    let refitter: @Sendable (ModelMatrix) throws -> Fit
    if model == "ols" {
      refitter = { try LeastSquares.fit($0, formula: formula, subset: subset) }
    } else {
      let glm = try #require(GLMModel(rawValue: model))
      options.allowsCategoricalResponse = true
      options.compactFactor = true
      refitter = { try GeneralizedLinearModel.fit($0, model: glm, formula: formula, subset: subset) }
    }
    let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
    let convention = try #require(DesignDFConvention(rawValue: flags["--convention"] ?? "r"))
    return Setup(
      model: model, design: design, fit: try refitter(mm), modelMatrix: mm, convention: convention, refitter: refitter)
  }

  static func tolerance(_ s: Setup) -> Double { s.isLinear ? 1e-8 : 1e-6 }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 16)
  }

  /// `covariance(of:spec:information:)` with a `.design` request gives svyglm's coefficients,
  /// standard errors, tests, intervals and degrees of freedom.
  @Test(arguments: cases())
  func covarianceMatchesSvyglm(_ c: ReferenceCase) throws {
    let s = try Self.setup(c)
    let estimate = try covariance(of: s.fit, spec: .design(s.designVariance), information: s.information)
    let result = try RegressionResult(fit: s.fit, covariance: estimate, level: 95)
    let rows = result.coefficients
    #expect(rows.map(\.term) == (c.json["terms"] as? [String]), "\(c.id) terms")
    #expect(s.fit.nobs == c.json["nobs"] as? Int, "\(c.id) nobs")
    #expect(estimate.degreesOfFreedom == number(c.json["df"]), "\(c.id) df")
    #expect(estimate.design?.df == c.json["design_df"] as? Int, "\(c.id) design df")
    let rtol = Self.tolerance(s)
    let columns: [(String, (CoefficientEstimate) -> Double?)] = [
      ("estimate", \.estimate), ("std_error", \.stdError), ("statistic", \.statistic), ("p_value", \.pValue),
      ("conf_low", \.confLow), ("conf_high", \.confHigh),
    ]
    for (key, value) in columns {
      let expected = try #require(c.json[key] as? [Double])
      #expect(expected.count == rows.count, "\(c.id) \(key) count")
      for (row, e) in zip(rows, expected) {
        expectClose(value(row), e, rtol: key == "p_value" ? max(rtol, 1e-7) : rtol, "\(c.id) \(key) \(row.term)")
      }
    }
  }

  /// The variance engine called directly: the linearization meat of the fit's scores in the
  /// bread's sandwich (R `svy.varcoef`) gives svyglm's standard errors and equals the covariance
  /// `covariance(of:)` reports.
  @Test(arguments: cases().filter { !(($0.json["args"] as? [String])?.contains("--repweights") ?? true) })
  func varianceEngineMatchesSvyglm(_ c: ReferenceCase) throws {
    let s = try Self.setup(c)
    guard case .linearization(let design) = s.design else {
      Issue.record("\(c.id): not a linearization design")
      return
    }
    let meat = try VarianceEngine.meat(scores: Scores(s.fit), kind: .linearization(design))
    let bread = s.information == .observed ? try s.fit.observedBread() : s.fit.bread
    let v = VarianceEngine.sandwich(bread: bread, meat: meat)
    let se = try #require(c.json["std_error"] as? [Double])
    #expect(v.rows == se.count, "\(c.id) dimension")
    for (j, e) in se.enumerated() where j < v.rows {
      expectClose(v[j, j].squareRoot(), e, rtol: Self.tolerance(s), "\(c.id) SE \(j)")
    }
    let reported = try covariance(of: s.fit, spec: .design(s.designVariance), information: s.information).matrix
    for i in 0..<v.rows {
      for j in 0..<v.cols {
        expectClose(reported[i, j], v[i, j], rtol: 1e-12, atol: 1e-12 * (v[i, i] * v[j, j]).squareRoot(), "\(c.id) V[\(i), \(j)]")
      }
    }
  }
}
