import Foundation
import Strata
@testable import StrataDesign
import Testing
import _StrataTestSupport

/// The fixture written by `Tests/Fixtures/replicates/make_replicate_fixtures.R` (R survey 4.1-1).
private let replicateFixture = "Tests/Fixtures/replicates/replicate_reference.json"

/// The Strata declaration of a fixture design (replicates built with `--replicate TYPE`).
private func replicateDesign(_ id: String) throws -> (SurveyDesign, [String: Any]) {
  let root = try loadFixture(replicateFixture)
  let designs = try #require(root["designs"] as? [[String: Any]])
  let d = try #require(designs.first { $0["id"] as? String == id })
  let build = try #require(d["build"] as? [String: Any])
  var spec = DesignSpecification(
    weights: d["weights"] as? String, strata: d["strata"] as? String, psu: d["psu"] as? [String] ?? [],
    fpc: d["fpc"] as? [String] ?? [], nest: d["nest"] as? Bool ?? false)
  spec.buildReplicates = ReplicateConstruction(
    type: try #require(ReplicateType(rawValue: build["type"] as? String ?? "")), mse: build["mse"] as? Bool ?? false)
  let data = try FrameCache.shared.frame(try #require(d["data"] as? String))
  return (try SurveyDesign(data: data, specification: spec), d)
}

@Suite("Replicate designs built from declared designs, against R as.svrepdesign")
struct ReplicateConstructionTests {
  static let designIDs = ["apistrat_jkn", "apistrat_jkn_nofpc", "apistrat_jkn_mse", "nhanes_jkn", "apistrat_brr_split",
    "apistrat_psu_jkn"]
  static func cases() -> [ReferenceCase] { referenceCases(replicateFixture) }

  @Test func fixtureIsPresent() {
    #expect(Self.cases().count == 21)
  }

  /// The replicate structure: count, scale, rscales, design df, and the replicate analysis
  /// weights (their column sums fix the replicate order; the first row fixes the multipliers).
  /// Not `apistrat_brr_rows`, where R's Hadamard matrix (order 104) is not Strata's (128); only
  /// its total is a case.
  @Test(arguments: designIDs)
  func replicateWeightsMatchR(_ id: String) throws {
    let (design, d) = try replicateDesign(id)
    guard case .replicate(let rep) = design.sampleDesign else {
      Issue.record("\(id): not a replicate design")
      return
    }
    #expect(rep.replicateCount == d["replicates"] as? Int, "\(id) replicates")
    expectClose(rep.scale, number(d["scale"]), rtol: 1e-14, "\(id) scale")
    let rscales = try #require(d["rscales"] as? [Double])
    #expect(rep.rscales.count == rscales.count)
    for (a, b) in zip(rep.rscales, rscales) { expectClose(a, b, rtol: 1e-14, "\(id) rscales") }
    #expect(rep.degreesOfFreedom(rows: Array(0..<rep.rowCount)) == d["df"] as? Int, "\(id) df")
    let weights = try design.analysisWeights(replicates: true)
    let sums = try #require(d["replicate_sums"] as? [Double])
    let first = try #require(d["first_row"] as? [Double])
    #expect(weights.replicateWeights.count == sums.count)
    for (r, w) in weights.replicateWeights.enumerated() where r < sums.count {
      expectClose(w.reduce(0, +), sums[r], rtol: 1e-12, "\(id) replicate \(r + 1) sum")
      expectClose(w[0], first[r], rtol: 1e-14, "\(id) replicate \(r + 1) row 1")
    }
  }

  /// svymean, svytotal and svyglm on the built designs. Means, totals and linear models 1e-8
  /// relative; logistic models 1e-6 (iterative: R refitted to epsilon 1e-14, Strata's replicate
  /// refits stop at a relative deviance change of 1e-10).
  @Test(arguments: cases())
  func estimatesMatchR(_ c: ReferenceCase) throws {
    let (design, _) = try replicateDesign(try #require(c.json["design"] as? String))
    // One value is written as a number, several as an array.
    func values(_ key: String) throws -> [Double] {
      if let list = c.json[key] as? [Double] { return list }
      return [try #require(number(c.json[key]), "\(c.id) \(key)")]
    }
    let estimates = try values("estimate")
    let errors = try values("std_error")
    switch c.json["statistic"] as? String {
    case "mean", "total":
      let variable = try #require(c.json["variable"] as? String)
      let r = c.json["statistic"] as? String == "mean" ? try design.mean(variable) : try design.total(variable)
      expectClose(r.estimates[0].estimate, estimates[0], rtol: 1e-10, "\(c.id) estimate")
      expectClose(r.estimates[0].stdError, errors[0], rtol: 1e-8, "\(c.id) SE")
    default:
      let logit = c.json["family"] as? String == "quasibinomial"
      let fit = try design.fit(logit ? .logit : .ols, try #require(c.json["formula"] as? String))
      #expect(fit.coefficients.map(\.term) == (c.json["terms"] as? [String]), "\(c.id) terms")
      #expect(fit.fit.nobs == c.json["nobs"] as? Int, "\(c.id) nobs")
      let rtol = logit ? 1e-6 : 1e-8
      for (row, (e, s)) in zip(fit.coefficients, zip(estimates, errors)) {
        expectClose(row.estimate, e, rtol: rtol, "\(c.id) \(row.term) estimate")
        expectClose(row.stdError, s, rtol: rtol, "\(c.id) \(row.term) SE")
      }
    }
  }

  // MARK: - Errors

  @Test func jackknifeChoicesFollowTheStrata() throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let stratified = try SurveyDesign(data: data, weights: "pw", strata: "stype")
    #expect(throws: DesignError.jackknifeOfStratifiedDesign) { _ = try stratified.replicates(.jk1) }
    let unstratified = try SurveyDesign(data: data, weights: "pw")
    #expect(throws: DesignError.replicatesNeedStrata(type: "jkn")) { _ = try unstratified.replicates(.jkn) }
    #expect(DesignError.jackknifeOfStratifiedDesign.description.contains("jkn"))
  }

  /// JKn: a stratum sampled whole adds no replicate; single-PSU strata follow the lonely-PSU rule
  /// (R's jknweights: remove/certainty skip it, adjust deletes it against the grand mean).
  @Test func jackknifeStrataSpecialCases() throws {
    // Strata a (3 PSUs, FPC 3: exhaustive), b (2 PSUs of 10), c (1 PSU).
    let data = frame([
      ("y", [1, 2, 3, 4, 5, 6]), ("h", [1, 1, 1, 2, 2, 3]), ("N", [3, 3, 3, 10, 10, 5]), ("w", [1, 1, 1, 5, 5, 5]),
    ])
    var spec = DesignSpecification(weights: "w", strata: "h", fpc: ["N"], lonelyPSU: .remove)
    spec.buildReplicates = ReplicateConstruction(type: .jkn)
    guard case .replicate(let removed) = try SampleDesign(spec, data: data) else { throw TestFixtureError.missing("jkn") }
    #expect(removed.replicateCount == 2)
    expectClose(removed.rscales[0], (1 - 2.0 / 10) * 0.5, rtol: 1e-15, "rscale of stratum b")
    #expect(removed.analysisWeights(replicate: 0, rows: Array(0..<6)) == [1, 1, 1, 0, 10, 5])
    spec.lonelyPSU = .adjust
    guard case .replicate(let adjusted) = try SampleDesign(spec, data: data) else { throw TestFixtureError.missing("jkn") }
    #expect(adjusted.replicateCount == 3)
    expectClose(adjusted.rscales[2], 2.0 / 3, rtol: 1e-15, "adjust rscale (H - 1)/H")
    #expect(adjusted.analysisWeights(replicate: 2, rows: Array(0..<6)) == [1.5, 1.5, 1.5, 7.5, 7.5, 0])
    let whole = frame([("y", [1, 2, 3, 4]), ("h", [1, 1, 2, 2]), ("N", [2, 2, 2, 2])])
    var all = DesignSpecification(strata: "h", fpc: ["N"])
    all.buildReplicates = ReplicateConstruction(type: .jkn)
    #expect(throws: DesignError.noReplicatesToBuild(type: "jkn")) { _ = try SampleDesign(all, data: whole) }
  }

  /// Replicate-weight columns typed `subbootstrap` or `mrbbootstrap` are read as bootstrap
  /// ones (scale 1/(R − 1)), as R's svrepdesign reads any bootstrap weights.
  @Test func bootstrapTypesReadFromColumns() throws {
    let data = frame([("y", [1, 2, 3]), ("r1", [1, 2, 0]), ("r2", [2, 0, 1]), ("r3", [0, 1, 2]), ("w", [1, 1, 1])])
    for type in [ReplicateType.bootstrap, .subbootstrap, .mrbbootstrap] {
      let d = try ReplicateDesign(ReplicateSpecification(columns: ["r*"], type: type), weights: "w", data: data)
      #expect(d.scale == 0.5, "\(type)")
      #expect(d.type == type)
    }
    #expect(throws: DesignError.tooFewReplicates(type: "subbootstrap", found: 1)) {
      _ = try ReplicateDesign(ReplicateSpecification(columns: ["r1"], type: .subbootstrap), weights: "w", data: data)
    }
  }

  /// BRR: strata of an even number of PSUs above 2 are split into pairs (R's default); an odd
  /// number, or one PSU, is an error naming the stratum.
  @Test func halfSampleStrataMustPair() throws {
    let odd = frame([("y", [1, 2, 3, 4, 5]), ("h", [1, 1, 1, 2, 2]), ("c", [1, 2, 3, 4, 5])])
    var spec = DesignSpecification(strata: "h", psu: ["c"])
    spec.buildReplicates = ReplicateConstruction(type: .brr)
    #expect(throws: DesignError.halfSampleStratum(type: "brr", stratum: "1", psus: 3)) {
      _ = try SampleDesign(spec, data: odd)
    }
    let one = frame([("y", [1, 2, 3, 4, 5]), ("h", [1, 1, 2, 2, 3]), ("c", [1, 2, 3, 4, 5])])
    spec.lonelyPSU = .remove
    #expect(throws: DesignError.halfSampleStratum(type: "brr", stratum: "3", psus: 1)) {
      _ = try SampleDesign(spec, data: one)
    }
    // Four PSUs in a stratum: two pseudo-strata, each pair with one PSU kept per replicate.
    let four = frame([("y", [1, 2, 3, 4, 5, 6]), ("h", [1, 1, 1, 1, 2, 2]), ("c", [1, 2, 3, 4, 5, 6])])
    guard case .replicate(let rep) = try SampleDesign(spec, data: four) else { throw TestFixtureError.missing("brr") }
    #expect(rep.replicateCount == 4)
    for r in 0..<4 {
      let m = (0..<6).map { rep.replicateWeights[$0, r] }
      #expect(m[0] + m[1] == 2 && m[2] + m[3] == 2 && m[4] + m[5] == 2 && m.allSatisfy { $0 == 0 || $0 == 2 })
    }
  }
}

/// Unit tests of the randomised constructions and of successive differences.
@Suite("Bootstrap and successive-difference replicates")
struct ResampledReplicateTests {
  /// The mean over seeds of the replicate variance of a statistic.
  static func meanVariance(
    _ design: SurveyDesign, _ type: ReplicateType, seeds: Int = 200, statistic: (SurveyDesign) throws -> Double
  ) throws -> Double {
    var sum = 0.0
    for seed in 1...seeds {
      let rep = try design.replicates(type, replicates: 50, seed: UInt64(seed))
      let se = try statistic(rep)
      sum += se * se
    }
    return sum / Double(seeds)
  }

  /// Rao–Wu subsample bootstrap: reproducible by seed; each stratum's multipliers add up to
  /// n_h; over 200 seeds of 50 replicates the mean variance of a mean and a total is within 5%
  /// of the linearization variance (without FPC, which the method does not use).
  @Test func subsampleBootstrap() throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let design = try SurveyDesign(data: data, weights: "pw", strata: "stype")
    let a = try design.replicates(.subbootstrap, replicates: 20, seed: 7)
    let b = try design.replicates(.subbootstrap, replicates: 20, seed: 7)
    guard case .replicate(let ra) = a.sampleDesign, case .replicate(let rb) = b.sampleDesign else {
      throw TestFixtureError.missing("subbootstrap")
    }
    #expect(ra.replicateWeights.storage == rb.replicateWeights.storage)
    expectClose(ra.scale, 1.0 / 19, rtol: 1e-15, "scale 1/(R - 1)")
    guard case .factor(let stype) = try data.column(named: "stype").storage else {
      throw TestFixtureError.missing("stype")
    }
    for r in 0..<ra.replicateCount {
      var perStratum: [String: Double] = [:]
      for i in 0..<ra.rowCount { perStratum[stype.levels[Int(stype.codes[i])], default: 0] += ra.replicateWeights[i, r] }
      #expect(perStratum.values.allSatisfy { abs($0 - ($0.rounded())) < 1e-9 })
      expectClose(perStratum["E"], 100, rtol: 1e-12, "stratum E multipliers")
      expectClose(perStratum["H"], 50, rtol: 1e-12, "stratum H multipliers")
    }
    for statistic in ["mean", "total"] {
      func se(_ d: SurveyDesign) throws -> Double {
        try (statistic == "mean" ? d.mean("api00") : d.total("enroll")).estimates[0].stdError
      }
      let taylor = try se(design)
      let boot = try Self.meanVariance(design, .subbootstrap, statistic: se)
      expectClose(boot / (taylor * taylor), 1, rtol: 0.05, "subbootstrap / linearization variance of the \(statistic)")
    }
  }

  /// Preston's multistage rescaled bootstrap on designs with FPCs: the one-stage stratified api
  /// design and the two-stage cluster design; the mean variance over 200 seeds of 50 replicates
  /// is within 5% of the linearization variance (which uses the FPCs of every stage).
  @Test func multistageRescaledBootstrap() throws {
    let strat = try SurveyDesign(data: try FrameCache.shared.dataset("apistrat"), weights: "pw", strata: "stype", fpc: "fpc")
    let clus2 = try SurveyDesign(
      data: try FrameCache.shared.dataset("apiclus2"), psu: "dnum", "snum", fpc: "fpc1", "fpc2")
    let a = try strat.replicates(.mrbbootstrap, replicates: 10, seed: 3)
    guard case .replicate(let ra) = a.sampleDesign else { throw TestFixtureError.missing("mrbbootstrap") }
    expectClose(ra.scale, 1, rtol: 0, "scale 1")
    expectClose(ra.rscales[0], 1.0 / 9, rtol: 1e-15, "rscales 1/(R - 1)")
    for (name, design, variable) in [("stratified", strat, "enroll"), ("two-stage", clus2, "enroll")] {
      func se(_ d: SurveyDesign) throws -> Double { try d.total(variable).estimates[0].stdError }
      let taylor = try se(design)
      let boot = try Self.meanVariance(design, .mrbbootstrap, statistic: se)
      expectClose(boot / (taylor * taylor), 1, rtol: 0.05, "mrbbootstrap / linearization variance, \(name) total")
    }
  }

  /// Every Hadamard matrix built for SDR is one (A Aᵀ = R I) with an all-ones first row.
  @Test(arguments: [4, 8, 12, 16, 20, 24, 32, 44, 48, 80, 160])
  func hadamardMatrices(_ order: Int) throws {
    let h = try #require(hadamardMatrix(order: order))
    #expect(h.count == order && h.allSatisfy { $0.count == order })
    #expect(h[0].allSatisfy { $0 == 1 })
    for i in 0..<order {
      for j in i..<order {
        let dot = (0..<order).reduce(0) { $0 + Int(h[i][$1]) * Int(h[j][$1]) }
        #expect(dot == (i == j ? order : 0), "rows \(i), \(j) of order \(order)")
      }
    }
  }

  /// SDR on five PSUs worked by hand: the variance of a total is the circular successive-difference
  /// sum ½ Σ_k (t_k − t_(k−1))², t_(−1) = t_4, with the pairs taken in the sort order.
  @Test func successiveDifferenceByHand() throws {
    // Rows are the PSUs; weighted values t = w·y = 2, 9, 4, 20, 5 in data order.
    let data = frame([("y", [1, 3, 2, 5, 1]), ("w", [2, 3, 2, 4, 5]), ("s", [5, 3, 1, 2, 4])])
    var spec = DesignSpecification(weights: "w")
    spec.buildReplicates = ReplicateConstruction(type: .sdr, replicates: 8)
    let design = try SurveyDesign(data: data, specification: spec)
    // Data order 2, 9, 4, 20, 5: ½[(9−2)² + (4−9)² + (20−4)² + (5−20)² + (2−5)²] = ½(49+25+256+225+9) = 282.
    let total = try design.total("y").estimates[0]
    expectClose(total.estimate, 40, rtol: 1e-15, "total")
    expectClose(total.stdError * total.stdError, 282, rtol: 1e-12, "SDR variance, data order")
    // Sorted by s (rows 3, 4, 2, 5, 1): t = 4, 20, 9, 5, 2:
    // ½[(20−4)² + (9−20)² + (5−9)² + (2−5)² + (4−2)²] = ½(256+121+16+9+4) = 203.
    let sorted = try design.replicates(.sdr, replicates: 8, sort: ["s"])
    let v = try sorted.total("y").estimates[0].stdError
    expectClose(v * v, 203, rtol: 1e-12, "SDR variance, sorted by s")
    guard case .replicate(let rep) = sorted.sampleDesign else { throw TestFixtureError.missing("sdr") }
    expectClose(rep.scale, 0.5, rtol: 0, "scale 4/R")
    #expect(rep.mse)
    // The factors are 1 ± 2^(−1/2) or 1.
    let c = 2.0.squareRoot() / 2
    #expect(rep.replicateWeights.storage.allSatisfy { abs($0 - 1) < 1e-15 || abs(abs($0 - 1) - c) < 1e-15 })
    // 80 replicates by default.
    #expect(ReplicateConstruction(type: .sdr).replicates == 80)
    #expect(throws: DesignError.sdrReplicateCount(found: 50, suggested: [48, 60])) {
      _ = try design.replicates(.sdr, replicates: 50)
    }
  }
}
