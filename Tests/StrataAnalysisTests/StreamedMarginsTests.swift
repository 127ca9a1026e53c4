import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Margins and scenario comparisons of streamed fits (`AggregateMargins`: the file read again in
/// small chunks, each chunk's weighted sums added) against the in-memory margins of the same
/// fit (`ModelFit.margins`, `Scenarios.compare`, themselves tested against R and Stata): every
/// estimate, standard error and label to 1e-10 relative (issue 21 part 1).
@Suite struct StreamedMarginsTests {
  /// The in-memory fit, the streamed fit, and a fresh stream of `path` for the margins.
  func fits(_ spec: FitSpecification, path: String, extra: [String] = [], chunkBytes: Int = 2048) throws -> (
    memory: ModelFit, streamed: StreamedModelFit, plan: AggregatePlan, stream: CSVStream
  ) {
    let memory = try Model.fit(spec, data: try DataReader.read(path: path))
    let streamed = try Model.fitStreaming(spec, path: path, memory: 1 << 30, chunkBytes: chunkBytes)
    let plan = try Model.aggregatePlan(spec)
    let stream = try AggregateMargins.stream(
      path: path, specification: plan.specification, extraColumns: extra, chunkBytes: chunkBytes)
    return (memory, streamed, plan, stream)
  }

  func compareMargins(
    _ spec: FitSpecification, path: String, options: MarginsOptions, unconditional: Bool = false,
    chunkBytes: Int = 2048, rtol: Double = 1e-10
  ) throws {
    let f = try fits(spec, path: path, extra: [options.over].compactMap { $0 }, chunkBytes: chunkBytes)
    let a = try f.memory.margins(options, unconditional: unconditional)
    let b = try AggregateMargins.margins(
      of: f.streamed.result, specification: f.plan.specification, chunks: f.stream, options: options,
      unconditional: unconditional)
    #expect(a.unconditional == unconditional && b.unconditional == unconditional)
    #expect(a.estimates.count == b.estimates.count)
    #expect(a.estimates.count > 0)
    #expect(a.nobs == b.nobs)
    #expect(a.weighted == b.weighted)
    #expect(a.varianceTitle == b.varianceTitle)
    #expect(a.degreesOfFreedom == b.degreesOfFreedom)
    for (x, y) in zip(a.estimates, b.estimates) {
      let label = "\(x.variable) \(x.type) \(x.level ?? "") \(x.group?.label ?? "")"
      #expect(x.variable == y.variable && x.type == y.type && x.level == y.level && x.base == y.base, "\(label)")
      #expect(x.group?.label == y.group?.label, "\(label) vs \(y.group?.label ?? "")")
      #expect(x.at.map(\.value) == y.at.map(\.value), "\(label)")
      #expect(isClose(x.result.estimate, y.result.estimate, rtol: rtol), "\(label): \(x.result.estimate) vs \(y.result.estimate)")
      #expect(isClose(x.result.stdError, y.result.stdError, rtol: rtol), "\(label) SE: \(x.result.stdError) vs \(y.result.stdError)")
      #expect(isClose(x.result.pValue, y.result.pValue, rtol: 1e-8), "\(label) p")
    }
  }

  func compareScenarios(
    _ spec: FitSpecification, path: String, scenarios: [String], by: String? = nil, unconditional: Bool = false
  ) throws {
    let parsed = try scenarios.map { try Scenario.parse($0) }
    var columns = scenarios
    if let by { columns.append(by) }
    let f = try fits(spec, path: path, extra: columns)
    let a = try Scenarios.compare(
      try f.memory.predictionModel(), scenarios: parsed, by: by,
      variance: try f.memory.deltaMethod(unconditional: unconditional),
      degreesOfFreedom: f.memory.covariance.degreesOfFreedom, varianceTitle: f.memory.varianceTitle)
    let b = try AggregateMargins.scenarios(
      of: f.streamed.result, specification: f.plan.specification, chunks: f.stream, scenarios: parsed, by: by,
      unconditional: unconditional)
    #expect(a.comparisons.count == b.comparisons.count)
    #expect(a.comparisons.count > 0)
    #expect(a.unconditional == unconditional && b.unconditional == unconditional)
    #expect(a.varianceTitle == b.varianceTitle && a.degreesOfFreedom == b.degreesOfFreedom)
    #expect(a.nobs == b.nobs)
    for (x, y) in zip(a.comparisons, b.comparisons) {
      #expect(x.scenario == y.scenario && x.group?.label == y.group?.label)
      for (u, v) in [(x.baseline, y.baseline), (x.predicted, y.predicted), (x.difference, y.difference), (x.ratio, y.ratio)] {
        #expect(isClose(u.estimate, v.estimate, rtol: 1e-10), "\(x.scenario) \(x.group?.label ?? ""): \(u.estimate) vs \(v.estimate)")
        #expect(isClose(u.stdError, v.stdError, rtol: 1e-10), "\(x.scenario) SE: \(u.stdError) vs \(v.stdError)")
      }
    }
  }

  @Test func logitEveryKindAndFactorContrasts() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + log(enroll) + stype")
    spec.variance = .cluster(["dnum"])
    try compareMargins(
      spec, path: datasetPath("apistrat.csv"), options: MarginsOptions(kinds: [.dydx, .eyex, .eydx, .dyex]))
    try compareMargins(
      spec, path: datasetPath("apistrat.csv"), options: MarginsOptions(variables: ["stype"], contrast: .pairwise))
  }

  @Test func leastSquaresOverGroupsAndAtValues() throws {
    let spec = FitSpecification(model: .wls, formula: "api00 ~ ell + meals + I(meals^2) + ell:meals + stype", weights: "pw")
    // Text groups (UTF-8 order) and numeric groups (ascending), as in memory.
    try compareMargins(spec, path: datasetPath("apistrat.csv"), options: MarginsOptions(kinds: [.dydx, .eyex], over: "awards"))
    try compareMargins(spec, path: datasetPath("apistrat.csv"), options: MarginsOptions(over: "cnum"))
    try compareMargins(
      spec, path: datasetPath("apistrat.csv"),
      options: MarginsOptions(variables: ["meals"], at: try AtGrid.parse("ell=10,40; stype=H")))
  }

  @Test func poissonWithSubsetAndDesignLogitWithDomain() throws {
    var poisson = FitSpecification(model: .poisson, formula: "api.stu ~ ell + meals + stype", subset: "enroll < 2000")
    poisson.variance = .hc(.hc1)
    try compareMargins(poisson, path: datasetPath("apistrat.csv"), options: MarginsOptions(kinds: [.dydx, .eyex]))
    var design = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility + stype")
    design.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compareMargins(design, path: datasetPath("apistrat.csv"), options: MarginsOptions(over: "awards"))
    design.subpop = "meals > 20"
    try compareMargins(design, path: datasetPath("apistrat.csv"), options: MarginsOptions())
  }

  @Test func scenariosOverallAndByGroup() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + stype")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compareScenarios(
      spec, path: datasetPath("apistrat.csv"), scenarios: ["meals = meals * 0.8", "Middle: stype = \"M\""])
    try compareScenarios(spec, path: datasetPath("apistrat.csv"), scenarios: ["ell = ell + 5"], by: "awards")
    let ols = FitSpecification(model: .ols, formula: "api00 ~ ell + log(enroll)")
    try compareScenarios(ols, path: datasetPath("apistrat.csv"), scenarios: ["enroll = enroll * 1.1"], by: "cnum")
  }

  @Test func refusesWhatIsNotASum() throws {
    let spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals")
    let f = try fits(spec, path: datasetPath("apistrat.csv"))
    #expect(throws: MarginsError.notSummable(what: "effects at the means (--atmeans)")) {
      try AggregateMargins.margins(
        of: f.streamed.result, specification: f.plan.specification, chunks: f.stream, options: MarginsOptions(atMeans: true))
    }
    #expect(throws: MarginsError.self) {
      try AggregateMargins.margins(
        of: f.streamed.result, specification: f.plan.specification, chunks: f.stream,
        options: MarginsOptions(at: try AtGrid.parse("ell=mean")))
    }
  }
}
