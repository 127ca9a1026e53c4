import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Margins and scenarios of streamed fits with the covariates sampled (`--margins-vce
/// unconditional`: one more pass totals each estimate's influence by design unit, cluster or row)
/// and streamed elasticity tables, against the in-memory results of the same fit
/// (`ModelFit.margins(_:unconditional:)`, `Scenarios.compare`, `Elasticities.table`, themselves
/// tested against Stata's `margins, vce(unconditional)`): estimates and standard errors to 1e-10
/// relative.
extension StreamedMarginsTests {
  /// flexwork's two-stage sample as strata, PSUs and the first stage's FPC.
  static func flexworkDesign(_ model: ModelKind, formula: String) -> FitSpecification {
    var spec = FitSpecification(model: model, formula: formula)
    spec.design = DesignSpecification(weights: "weight", strata: "stratum", psu: ["psu"], fpc: ["n_points"])
    return spec
  }

  @Test func unconditionalDesignProbitWithPSUsFPCDomainOverAndFactorChanges() throws {
    let path = datasetPath("flexwork/flexwork.csv")
    var spec = Self.flexworkDesign(.probit, formula: "pension ~ female + educ + log(income) + hours + platform")
    // Slopes, elasticities and the factor's discrete changes (reference and pairwise).
    try compareMargins(
      spec, path: path, options: MarginsOptions(kinds: [.dydx, .eyex]), unconditional: true, chunkBytes: 32_768)
    try compareMargins(
      spec, path: path, options: MarginsOptions(variables: ["platform"], contrast: .pairwise), unconditional: true,
      chunkBytes: 32_768)
    // Within groups of a text column.
    try compareMargins(
      spec, path: path, options: MarginsOptions(kinds: [.dydx], over: "city_tier"), unconditional: true,
      chunkBytes: 32_768)
    // A domain: the other rows' units count with zero influence.
    spec.subpop = "age < 40"
    try compareMargins(spec, path: path, options: MarginsOptions(), unconditional: true, chunkBytes: 32_768)
  }

  @Test func unconditionalLeastSquaresAndLogitDesignOnStrataAndFPC() throws {
    var ols = FitSpecification(model: .ols, formula: "api00 ~ ell + meals + I(meals^2) + stype")
    ols.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compareMargins(
      ols, path: datasetPath("apistrat.csv"), options: MarginsOptions(kinds: [.dydx, .eydx], over: "cnum"),
      unconditional: true)
    var logit = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + mobility + stype")
    logit.design = ols.design
    logit.subpop = "meals > 20"
    try compareMargins(
      logit, path: datasetPath("apistrat.csv"), options: MarginsOptions(kinds: [.dydx, .dyex], over: "awards"),
      unconditional: true)
    // Stata's convention: the observed-information bread (the expected one for logit) and the
    // full design's degrees of freedom.
    logit.convention = .stata
    try compareMargins(logit, path: datasetPath("apistrat.csv"), options: MarginsOptions(), unconditional: true)
  }

  @Test func unconditionalClusterRobustAndHeteroskedasticFits() throws {
    let path = datasetPath("apistrat.csv")
    var logit = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + log(enroll) + stype")
    logit.variance = .cluster(["dnum"])
    try compareMargins(
      logit, path: path, options: MarginsOptions(kinds: [.dydx, .eyex, .eydx, .dyex]), unconditional: true)
    try compareMargins(
      logit, path: path, options: MarginsOptions(variables: ["stype"], over: "awards"), unconditional: true)
    // Least squares clustered: the (n − 1)/(n − k) factor; two-way clustering.
    var wls = FitSpecification(model: .wls, formula: "api00 ~ ell + meals + stype", weights: "pw")
    wls.variance = .cluster(["dnum", "cnum"])
    try compareMargins(wls, path: path, options: MarginsOptions(kinds: [.dydx, .eyex]), unconditional: true)
    var poisson = FitSpecification(model: .poisson, formula: "api.stu ~ ell + meals + stype", subset: "enroll < 2000")
    poisson.variance = .hc(.hc1)
    try compareMargins(poisson, path: path, options: MarginsOptions(kinds: [.dydx, .eyex]), unconditional: true)
    // Stata's robust (n/(n − 1)).
    var probit = FitSpecification(model: .probit, formula: "sch.wide ~ ell + meals + stype")
    probit.variance = .robust
    try compareMargins(probit, path: path, options: MarginsOptions(over: "awards"), unconditional: true)
  }

  @Test func unconditionalScenarios() throws {
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + stype")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    try compareScenarios(
      spec, path: datasetPath("apistrat.csv"), scenarios: ["meals = meals * 0.8", "Middle: stype = \"M\""],
      unconditional: true)
    spec.subpop = "ell > 5"
    try compareScenarios(
      spec, path: datasetPath("apistrat.csv"), scenarios: ["ell = ell + 5"], by: "awards", unconditional: true)
    var ols = FitSpecification(model: .ols, formula: "api00 ~ ell + log(enroll)")
    ols.variance = .cluster(["dnum"])
    try compareScenarios(
      ols, path: datasetPath("apistrat.csv"), scenarios: ["enroll = enroll * 1.1"], by: "cnum", unconditional: true)
  }

  @Test func unconditionalRefusedAsInMemory() throws {
    // Classical variance: no covariate-sampling form (in memory the same error).
    let spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals")
    let f = try fits(spec, path: datasetPath("apistrat.csv"))
    #expect(throws: MarginsError.unconditionalNeedsRobust(vce: "classical")) {
      try f.memory.margins(MarginsOptions(), unconditional: true)
    }
    #expect(throws: MarginsError.unconditionalNeedsRobust(vce: "classical")) {
      try AggregateMargins.margins(
        of: f.streamed.result, specification: f.plan.specification, chunks: f.stream, options: MarginsOptions(),
        unconditional: true)
    }
    #expect(throws: MarginsError.unconditionalNeedsRobust(vce: "classical")) {
      try AggregateMargins.checkUnconditional(f.plan.variance, specification: f.plan.specification)
    }
    // Replicate weights: refused before any pass, as in memory.
    var replicate = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals")
    replicate.design = DesignSpecification(weights: "pw", replicateWeights: ReplicateSpecification(columns: ["pw"], type: .jk1))
    let plan = try Model.aggregatePlan(replicate)
    #expect(throws: MarginsError.unconditionalReplicates) {
      try AggregateMargins.checkUnconditional(plan.variance, specification: plan.specification)
    }
  }

  @Test func elasticitiesFromSums() throws {
    let path = datasetPath("apistrat.csv")
    var spec = FitSpecification(model: .logit, formula: "sch.wide ~ ell + meals + log(enroll) + stype")
    spec.design = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
    for unconditional in [false, true] {
      let f = try fits(spec, path: path)
      let a = try Elasticities.table(
        try f.memory.predictionModel(), variables: ["ell", "enroll", "stype"],
        variance: try f.memory.deltaMethod(unconditional: unconditional),
        degreesOfFreedom: f.memory.covariance.degreesOfFreedom, varianceTitle: f.memory.varianceTitle)
      let margins = try AggregateMargins.margins(
        of: f.streamed.result, specification: f.plan.specification, chunks: f.stream,
        options: Elasticities.options(variables: ["ell", "enroll", "stype"]), unconditional: unconditional)
      let b = ElasticityTable(margins, kinds: MarginKind.allCases)
      #expect(a.kinds == b.kinds)
      #expect(a.rows.count == b.rows.count && a.rows.count == 4)
      for (x, y) in zip(a.rows, b.rows) {
        #expect(x.variable == y.variable && x.level == y.level && x.base == y.base)
        #expect(Set(x.cells.keys) == Set(y.cells.keys))
        for (kind, u) in x.cells {
          let v = try #require(y.cells[kind])
          #expect(isClose(u.estimate, v.estimate, rtol: 1e-10), "\(x.variable) \(kind): \(u.estimate) vs \(v.estimate)")
          #expect(isClose(u.stdError, v.stdError, rtol: 1e-10), "\(x.variable) \(kind) SE: \(u.stdError) vs \(v.stdError)")
        }
      }
    }
  }

  /// A provider that records the largest chunk it hands out.
  final class LargestChunk: ChunkProvider {
    let base: CSVStream
    var largest = 0
    var chunks = 0
    init(_ base: CSVStream) { self.base = base }
    func forEachChunk(_ body: (DataFrame, Int) throws -> Void) throws {
      try base.forEachChunk { frame, first in
        largest = max(largest, frame.rowCount)
        chunks += 1
        try body(frame, first)
      }
    }
    func beginPass(_ number: Int) { base.beginPass(number) }
  }

  @Test("unconditional margins hold one chunk of rows: the same largest chunk for a file 20 times longer")
  func unconditionalRowsHeldAreBounded() throws {
    func file(rows: Int) throws -> TemporaryFile {
      var text = "y,x,g,s,p,w\n"
      for i in 0..<rows {
        let y = (i * 7 + i / 3) % 5 < 2 ? 1 : 0
        text += "\(y),\(Double(i % 13) / 4),\(["a", "b", "c"][i % 3]),\((i / 10) % 4),\(i / 10),\(1 + Double(i % 5) / 10)\n"
      }
      return try TemporaryFile(named: "rows.csv", contents: text)
    }
    var spec = FitSpecification(model: .logit, formula: "y ~ x + g")
    spec.design = DesignSpecification(weights: "w", strata: "s", psu: ["p"])
    var largest: [Int] = []
    for rows in [2_000, 40_000] {
      let f = try file(rows: rows)
      defer { f.remove() }
      let streamed = try Model.fitStreaming(spec, path: f.path, memory: 1 << 30, chunkBytes: 8192)
      let plan = try Model.aggregatePlan(spec)
      let chunks = LargestChunk(
        try AggregateMargins.stream(path: f.path, specification: plan.specification, extraColumns: [], chunkBytes: 8192))
      let m = try AggregateMargins.margins(
        of: streamed.result, specification: plan.specification, chunks: chunks, options: MarginsOptions(),
        unconditional: true)
      #expect(m.nobs == rows && m.estimates.count == 3)
      #expect(m.estimates.allSatisfy { $0.result.stdError > 0 })
      // Three passes (coding, sums, influence) of chunks of at most the chunk's rows.
      #expect(chunks.chunks >= 3 * 4)
      largest.append(chunks.largest)
    }
    #expect(largest[1] <= largest[0])
    #expect(largest[1] < 2_000)
  }
}
