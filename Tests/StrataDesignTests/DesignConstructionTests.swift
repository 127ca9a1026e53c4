import Foundation
import Strata
import Testing
import _StrataTestSupport

/// A small data frame from columns of numbers (nil = missing).
func frame(_ columns: [(String, [Double?])]) -> DataFrame {
  DataFrame(columns: columns.map { name, values in
    Column(
      name: name,
      storage: .numeric(NumericColumn(values: values.map { $0 ?? .nan }, missing: values.map { $0 == nil })))
  })
}

@Suite("Design declaration: validation, construction, save/load")
struct DesignConstructionTests {
  let base: [(String, [Double?])] = [
    ("y", [1, 2, 3, 4, 5, 6]), ("w", [2, 2, 3, 3, 4, 4]), ("h", [1, 1, 1, 2, 2, 2]), ("c", [1, 2, 3, 4, 5, 6]),
  ]

  func expectDesignError(_ expected: DesignError, _ spec: DesignSpecification, _ data: DataFrame) {
    #expect(throws: expected) { _ = try SampleDesign(spec, data: data) }
  }

  @Test func badWeights() {
    var cols = base
    cols[1].1[2] = nil
    expectDesignError(.missingValue(column: "w", row: 3), DesignSpecification(weights: "w"), frame(cols))
    cols[1].1[2] = -1
    expectDesignError(.negativeWeight(column: "w", row: 3, value: -1, count: 1), DesignSpecification(weights: "w"), frame(cols))
  }

  @Test func zeroWeightsAllowedAndReported() throws {
    var cols = base
    cols[1].1[0] = 0
    let d = try LinearizationDesign(DesignSpecification(weights: "w"), data: frame(cols))
    #expect(d.zeroWeightRows == [0])
    #expect(SampleDesign.linearization(d).summary.zeroWeights == 1)
    // R's degf leaves zero-weight rows out: 5 PSUs − 1 stratum.
    #expect(d.degreesOfFreedom(rows: Array(0..<6)) == 4)
  }

  @Test func psuRepeatedAcrossStrataNeedsNest() throws {
    var cols = base
    cols[3].1 = [1, 2, 3, 1, 2, 3]
    expectDesignError(
      .psuInSeveralStrata(column: "c", psu: "1", strata: ["1", "2"]),
      DesignSpecification(weights: "w", strata: "h", psu: ["c"]), frame(cols))
    let nested = try LinearizationDesign(DesignSpecification(weights: "w", strata: "h", psu: ["c"], nest: true), data: frame(cols))
    #expect(nested.psuCount == 6)
  }

  @Test func singlePSUStratumUnderFail() throws {
    var cols = base
    cols[2].1 = [1, 1, 1, 1, 1, 2]
    expectDesignError(.singlePSUStratum(stratum: "2", stage: 1), DesignSpecification(weights: "w", strata: "h"), frame(cols))
    // Other rules accept it.
    _ = try LinearizationDesign(DesignSpecification(weights: "w", strata: "h", lonelyPSU: .certainty), data: frame(cols))
  }

  @Test func fpcChecks() {
    var cols = base
    cols.append(("N", [2, 2, 2, 10, 10, 10]))
    expectDesignError(
      .fpcSmallerThanSample(column: "N", row: 1, populationSize: 2, sampleSize: 3),
      DesignSpecification(strata: "h", fpc: ["N"]), frame(cols))
    cols[4].1 = [0.5, 0.5, 0.5, 10, 10, 10]
    expectDesignError(.mixedFPC(column: "N", row: 1, value: 0.5), DesignSpecification(strata: "h", fpc: ["N"]), frame(cols))
  }

  @Test func weightsFollowFromFPC() throws {
    var cols = base
    cols.append(("f", [0.5, 0.5, 0.5, 0.25, 0.25, 0.25]))
    let d = try LinearizationDesign(DesignSpecification(strata: "h", fpc: ["f"]), data: frame(cols))
    // Sampling fractions 3/6 and 3/12: weights 2 and 4.
    #expect(d.weights == [2, 2, 2, 4, 4, 4])
    #expect(d.weightSource == .fpc)
  }

  @Test func replicateWeightErrors() {
    var cols = base
    for r in 1...3 { cols.append(("repw\(r)", [1, 2, 1, 2, 1, 2])) }
    let data = frame(cols)
    expectDesignError(
      .hadamardReplicateCount(type: "brr", found: 3),
      DesignSpecification(weights: "w", replicateWeights: ReplicateSpecification(columns: ["repw*"], type: .brr)), data)
    expectDesignError(
      .rscalesCount(given: 2, replicates: 3),
      DesignSpecification(weights: "w", replicateWeights: ReplicateSpecification(columns: ["repw*"], type: .jk1, rscales: [1, 1])),
      data)
    expectDesignError(
      .missingReplicateOption(type: "jkn", option: "rscales"),
      DesignSpecification(weights: "w", replicateWeights: ReplicateSpecification(columns: ["repw*"], type: .jkn)), data)
    expectDesignError(
      .noReplicateWeights(pattern: "rw*"),
      DesignSpecification(weights: "w", replicateWeights: ReplicateSpecification(columns: ["rw*"], type: .jk1)), data)
  }

  @Test func saveAndLoadRoundTrip() throws {
    let spec = DesignSpecification(
      weights: "pw", strata: "stype", psu: ["dnum", "snum"], fpc: ["fpc1", "fpc2"], nest: true, lonelyPSU: .adjust,
      buildReplicates: ReplicateConstruction(type: .bootstrap, replicates: 20, seed: 7))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("design-\(UUID().uuidString).json").path
    try spec.save(to: path)
    #expect(try DesignSpecification.load(from: path) == spec)
    #expect(throws: DesignError.self) { _ = try DesignSpecification.load(from: path + ".missing") }
  }

  /// JK1 built from a one-stage cluster design and linearization agree exactly for a total
  /// (both are (1 − f) n/(n − 1) Σ (tᵢ − t̄)²); 1e-10 for summation order.
  @Test func jackknifeAgreesWithLinearizationForTotals() throws {
    let (data, lin, _) = try fixtureDesign("clus1")
    let (_, jk, _) = try fixtureDesign("clus1_jk1_built")
    let a = try Descriptives.estimate(.total, variables: ["enroll"], data: data, design: lin)
    let b = try Descriptives.estimate(.total, variables: ["enroll"], data: data, design: jk)
    expectClose(b.estimates[0].stdError, a.estimates[0].stdError, rtol: 1e-10, "JK1 vs linearization SE")
  }

  /// Bootstrap replicates: reproducible by seed, R's scale for the harmonic-mean PSU count, and
  /// a variance of the right size (within 40% of linearization for 200 replicates).
  @Test func bootstrapReplicates() throws {
    let data = try FrameCache.shared.frame("Tests/Fixtures/design/apistrat_brr.csv")
    let spec = DesignSpecification(weights: "pw", strata: "stype", psu: ["brrpsu"], nest: true)
    let lin = try LinearizationDesign(spec, data: data)
    let build = ReplicateConstruction(type: .bootstrap, replicates: 20, seed: 42)
    let a = try ReplicateDesign(building: build, from: lin)
    let b = try ReplicateDesign(building: build, from: lin)
    #expect(a.replicateWeights.storage == b.replicateWeights.storage)
    expectClose(a.scale, number(DesignReference.shared?.json["bootstrap_scale_apistrat_brr_20"]), rtol: 1e-14, "bootstrap scale")
    let big = try ReplicateDesign(building: ReplicateConstruction(type: .bootstrap, replicates: 200, seed: 3), from: lin)
    let boot = try Descriptives.estimate(.mean, variables: ["api00"], data: data, design: .replicate(big))
    let taylor = try Descriptives.estimate(.mean, variables: ["api00"], data: data, design: .linearization(lin))
    expectClose(boot.estimates[0].stdError, taylor.estimates[0].stdError, rtol: 0.4, "bootstrap vs linearization SE")
  }

  /// Equal weights, one PSU per row, no strata: the engine gives HC0 × n/(n − 1) for a mean,
  /// i.e. s²/n with the n − 1 divisor.
  @Test func simpleRandomSampleMean() throws {
    let data = frame(base)
    let d = try LinearizationDesign(DesignSpecification(), data: data)
    let r = try Descriptives.estimate(.mean, variables: ["y"], data: data, design: .linearization(d))
    expectClose(r.estimates[0].stdError, (3.5 / 6).squareRoot(), rtol: 1e-14, "SRS SE of the mean")
    // Σw = n = 6 implies no finite population: R's default deff divides by a zero
    // without-replacement SRS variance (Inf); Strata compares with SRS with replacement
    // (R deff = "replace"), which this design is, so the deff is 1.
    expectClose(r.estimates[0].deff, 1, rtol: 1e-12, "deff of an equal-weight SRS")
    #expect(r.notes.contains { $0.contains("with replacement") })
  }

  /// `datasets/published.json` r_survey_examples (survey help(api) means and totals).
  @Test func publishedSurveyExamples() throws {
    let url = repositoryRoot.appendingPathComponent("datasets/published.json")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
    let examples = json?["r_survey_examples"] as? [[String: Any]] ?? []
    var checked = 0
    for e in examples {
      guard let estimates = e["estimates"] as? [[String: Any]], let design = e["design"] as? [String: Any],
        let dataset = (e["dataset"] as? String)?.split(separator: "/").last, let model = e["model"] as? String
      else { continue }
      let data = try FrameCache.shared.frame("datasets/\(dataset)")
      let rCall = e["r_call"] as? String ?? ""
      // apiclus2's example takes its weights from the FPCs (no weights= in the R call).
      let spec = DesignSpecification(
        weights: rCall.contains("weights=") ? design["weights"] as? String : nil, strata: design["strata"] as? String,
        psu: design["cluster"] as? [String] ?? [], fpc: design["fpc"] as? [String] ?? [])
      let d = try SampleDesign(spec, data: data)
      let s: DescriptiveStatistic = model == "total" ? .total : .mean
      let r = try Descriptives.estimate(s, variables: e["variables"] as? [String] ?? [], data: data, design: d)
      for (got, want) in zip(r.estimates, estimates) {
        // Computed by R survey 4.1-1 at full precision: 1e-8 relative.
        expectClose(got.estimate, number(want["estimate"]), rtol: 1e-8, "\(e["id"] ?? "") estimate")
        expectClose(got.stdError, number(want["std_error"]), rtol: 1e-8, "\(e["id"] ?? "") SE")
        checked += 1
      }
    }
    #expect(checked == 6)
  }
}

/// On large data the `by` groups of a descriptive table are estimated on both cores: each group's
/// estimate and error equal those of the same rows taken as a domain on their own (one group).
@Suite("Descriptives by group on large data")
struct ParallelGroupDescriptiveTests {
  @Test(arguments: [DescriptiveStatistic.mean, .total, .proportion, .quantile])
  func groupsEqualTheirDomains(statistic: DescriptiveStatistic) throws {
    let n = 70_000  // above the 2¹⁶ rows where groups are shared between cores
    let g = (0..<n).map { Double(($0 * 7 + $0 / 11) % 5) }
    let y = (0..<n).map { i -> Double? in i % 97 == 0 ? nil : Double((i * 31) % 53) / 7 }
    let b = (0..<n).map { Double(($0 * 13 + $0 / 3) % 2) }
    let data = frame([
      ("g", g), ("y", y), ("b", b), ("h", (0..<n).map { Double($0 % 4) }), ("c", (0..<n).map { Double($0 % 400) }),
      ("w", (0..<n).map { 1 + Double($0 % 5) / 2 }),
    ])
    let design = try SampleDesign(DesignSpecification(weights: "w", strata: "h", psu: ["c"]), data: data)
    let variable = statistic == .proportion ? "b" : "y"
    let all = try Descriptives.estimate(
      statistic, variables: [variable], data: data, design: design, options: DescriptiveOptions(by: ["g"]))
    var expected: [DescriptiveEstimate] = []
    for level in 0..<5 {
      let domain = Domain(mask: g.map { Int($0) == level }, label: "g == \(level)")
      expected += try Descriptives.estimate(
        statistic, variables: [variable], data: data, design: design, options: DescriptiveOptions(domain: domain)
      ).estimates
    }
    #expect(all.estimates.count == expected.count && !expected.isEmpty)
    for (a, e) in zip(all.estimates, expected) {
      #expect(a.estimate == e.estimate && a.stdError == e.stdError && a.level == e.level)
    }
    // The by-groups' labels in level order; missing y counted once per group.
    #expect(all.estimates.map { $0.by.first?.1 ?? "" }.first == "0")
    if statistic != .proportion { #expect(all.notes.contains { $0.hasPrefix("\(n / 97 + 1) row(s) with missing y") }) }
  }
}
