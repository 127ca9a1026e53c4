import Foundation
import Strata
import Testing
import _StrataTestSupport

/// Calibration in the design layer: the typed errors (each names the term, level, column or
/// margin), negative-weight reporting, declarations saved before calibration existed, and
/// calibration of replicate weights read from the data (R `calibrate(svrepdesign(...))`).
/// The numbers against R are in StrataAnalysisTests/CalibrationLibraryTests.
@Suite("Calibration: declaration, errors, replicate weights")
struct CalibrationTests {
  static let stypeEnroll: [CalibrationSpecification.Total] = [
    .init(name: "(Intercept)", value: 6194), .init(name: "stypeH", value: 755), .init(name: "stypeM", value: 1018),
    .init(name: "enroll", value: 3_811_472),
  ]
  static let columns = ["(Intercept)", "stypeH", "stypeM", "enroll"]
  static let types: [CalibrationSpecification.Total] = [
    .init(name: "E", value: 4421), .init(name: "H", value: 755), .init(name: "M", value: 1018),
  ]

  func clus1() throws -> DataFrame { try DataFrame(contentsOf: datasetPath("apiclus1.csv")) }
  func spec(_ cal: CalibrationSpecification) -> DesignSpecification {
    DesignSpecification(weights: "pw", psu: ["dnum"], fpc: ["fpc"], calibration: cal)
  }

  @Test func totalsMustMatchTheModelMatrix() throws {
    let data = try clus1()
    #expect(throws: DesignError.calibrationTotalMissing(term: "stypeM", columns: Self.columns)) {
      _ = try SampleDesign(self.spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll.filter { $0.name != "stypeM" })), data: data)
    }
    #expect(throws: DesignError.calibrationUnknownTerm(term: "stypeX", columns: Self.columns)) {
      _ = try SampleDesign(
        self.spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll + [.init(name: "stypeX", value: 1)])),
        data: data)
    }
    #expect(throws: DesignError.calibrationDuplicateTotal(name: "enroll")) {
      _ = try SampleDesign(
        self.spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll + [.init(name: "enroll", value: 1)])),
        data: data)
    }
  }

  @Test func missingCalibrationValueNamesColumnAndRow() throws {
    let data = try DataFrame(contentsOf: datasetPath("apiclus2.csv"))
    let enroll = try data.numericValues(of: "enroll")
    let row = try #require(enroll.missing.firstIndex(of: true)) + 1
    let spec = DesignSpecification(
      weights: "pw", psu: ["dnum", "snum"], fpc: ["fpc1", "fpc2"],
      calibration: .calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll))
    #expect(throws: DesignError.calibrationMissingValue(variable: "enroll", row: row)) {
      _ = try SampleDesign(spec, data: data)
    }
  }

  @Test func levelsMustMatchTheData() throws {
    let data = try clus1()
    #expect(throws: DesignError.calibrationUnknownLevel(variable: "stype", level: "Q", levels: ["E", "H", "M"])) {
      _ = try SampleDesign(self.spec(.poststratify(["stype"], totals: Self.types + [.init(name: "Q", value: 3)])), data: data)
    }
    #expect(throws: DesignError.calibrationLevelWithoutTotal(variable: "stype", level: "M")) {
      _ = try SampleDesign(self.spec(.poststratify(["stype"], totals: Array(Self.types.prefix(2)))), data: data)
    }
    // A sampled level with a zero total (R: "Strata in sample absent from population").
    #expect(throws: DesignError.calibrationLevelWithoutTotal(variable: "stype", level: "H")) {
      _ = try SampleDesign(
        self.spec(.poststratify(["stype"], totals: [.init(name: "E", value: 4421), .init(name: "H", value: 0), .init(name: "M", value: 1018)])),
        data: data)
    }
    #expect(throws: DesignError.calibrationLevelWithoutTotal(variable: "sch.wide", level: "No")) {
      _ = try SampleDesign(
        self.spec(.rake([.init(variables: ["stype"], totals: Self.types),
                         .init(variables: ["sch.wide"], totals: [.init(name: "Yes", value: 5122)])])),
        data: data)
    }
    #expect(throws: DataError.self) {
      _ = try SampleDesign(self.spec(.poststratify(["nosuch"], totals: Self.types)), data: data)
    }
  }

  @Test func boundsAndDistanceAreChecked() throws {
    let data = try clus1()
    #expect(throws: DesignError.logitNeedsBounds) {
      _ = try SampleDesign(self.spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll, distance: .logit)), data: data)
    }
    #expect(throws: DesignError.invalidCalibrationBounds(lower: 1.2, upper: 2)) {
      _ = try SampleDesign(
        self.spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll, bounds: (1.2, 2))), data: data)
    }
    // Bounds no g-weights meet: the error names the worst total, the iterations and the gap.
    do {
      _ = try SampleDesign(
        spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll, bounds: (0.99, 1.01))), data: data)
      Issue.record("infeasible bounds were accepted")
    } catch let DesignError.calibrationBoundsInfeasible(term, lower, upper, iterations, gap) {
      #expect(Self.columns.contains(term))
      #expect(lower == 0.99 && upper == 1.01 && iterations == 50 && gap > 1e-3)
    }
  }

  @Test func nonConvergenceNamesIterationsAndGap() throws {
    let data = try clus1()
    do {
      _ = try SampleDesign(
        spec(.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll, distance: .raking, maxIterations: 1)),
        data: data)
      Issue.record("one raking-distance iteration was reported as converged")
    } catch let DesignError.calibrationDidNotConverge(method, iterations, gap, term) {
      #expect(method == "raking" && iterations == 1 && gap > 1e-10 && Self.columns.contains(term))
    }
    do {
      _ = try SampleDesign(
        spec(.rake([.init(variables: ["stype"], totals: Self.types),
                    .init(variables: ["sch.wide"], totals: [.init(name: "No", value: 1072), .init(name: "Yes", value: 5122)])],
                   maxIterations: 1)),
        data: data)
      Issue.record("one raking sweep was reported as converged")
    } catch let DesignError.calibrationDidNotConverge(method, iterations, gap, term) {
      #expect(method == "rake" && iterations == 1 && gap > 1e-10 && term.hasPrefix("stype:"))
    }
  }

  @Test func negativeLinearWeightsAreCountedNotRefused() throws {
    // An enrolment total far below the sample's pushes g = 1 + xλ below zero for large schools (R warns).
    var totals = Self.stypeEnroll
    totals[3].value = 400_000
    let d = try SampleDesign(spec(.calibrate(formula: "~ stype + enroll", totals: totals)), data: try clus1())
    let summary = try #require(d.calibration)
    #expect(summary.negativeWeights == d.weights.filter { $0 < 0 }.count)
    #expect(summary.negativeWeights > 0)
    #expect(DescriptiveReport.calibrationNote(d.summary).contains("\(summary.negativeWeights) negative calibrated weight(s)"))
  }

  @Test func declarationsRoundTripAndOldFilesLoad() throws {
    let cal = CalibrationSpecification.calibrate(
      formula: "~ stype + enroll", totals: Self.stypeEnroll, distance: .logit, bounds: (0.5, 2.5))
    let spec = spec(cal)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("calib-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: url) }
    try spec.save(to: url.path)
    #expect(try DesignSpecification.load(from: url.path) == spec)
    // A hand-written calibration may leave out everything but the method and its totals.
    let brief = #"{"psu":["dnum"],"fpc":["fpc"],"weights":"pw","lonelyPSU":"fail","nest":false,"#
      + #""calibration":{"method":"poststratify","margins":[{"variables":["stype"],"totals":[{"name":"E","value":4421},"#
      + #"{"name":"H","value":755},{"name":"M","value":1018}]}]}}"#
    try Data(brief.utf8).write(to: url)
    let briefSpec = try DesignSpecification.load(from: url.path)
    #expect(briefSpec.calibration == .poststratify(["stype"], totals: Self.types))
    #expect(throws: DesignError.invalidCalibrationControl(epsilon: 0, maxIterations: 50)) {
      _ = try SampleDesign(self.spec(.calibrate(formula: "~ stype", totals: [], epsilon: 0)), data: try self.clus1())
    }
    // A declaration saved before calibration existed has no `calibration` key.
    let old = #"{"fpc":["fpc"],"lonelyPSU":"fail","nest":false,"psu":["dnum"],"weights":"pw"}"#
    try Data(old.utf8).write(to: url)
    let loaded = try DesignSpecification.load(from: url.path)
    #expect(loaded.calibration == nil && loaded.psu == ["dnum"])
  }

  /// Replicate weights read from the data calibrate as built ones: the JK1 replicates of apiclus1
  /// written into columns and declared with `--repweights` give the same calibrated weights.
  @Test func replicateWeightsFromDataAreCalibrated() throws {
    let data = try clus1()
    let cal = CalibrationSpecification.calibrate(formula: "~ stype + enroll", totals: Self.stypeEnroll, distance: .raking)
    var built = DesignSpecification(weights: "pw", psu: ["dnum"], fpc: ["fpc"])
    built.buildReplicates = ReplicateConstruction(type: .jk1, replicates: 50, seed: 1, rho: nil, mse: false)
    guard case .replicate(let jk) = try SampleDesign(built, data: data) else { Issue.record("not replicate"); return }
    let allRows = Array(0..<data.rowCount)
    var columns = data.columns
    for r in 0..<jk.replicateCount {
      columns.append(Column(name: "rw\(r + 1)", storage: .numeric(NumericColumn(values: jk.analysisWeights(replicate: r, rows: allRows)))))
    }
    let withReplicates = DataFrame(columns: columns)
    let fromData = DesignSpecification(
      weights: "pw",
      replicateWeights: ReplicateSpecification(columns: ["rw*"], type: .jk1, scale: jk.scale, rscales: jk.rscales),
      calibration: cal)
    built.calibration = cal
    guard case .replicate(let a) = try SampleDesign(fromData, data: withReplicates),
      case .replicate(let b) = try SampleDesign(built, data: data)
    else { Issue.record("not replicate"); return }
    for i in allRows { expectClose(a.weights[i], b.weights[i], rtol: 1e-12, "full-sample weight \(i + 1)") }
    for r in 0..<jk.replicateCount {
      let wa = a.analysisWeights(replicate: r, rows: allRows)
      let wb = b.analysisWeights(replicate: r, rows: allRows)
      for i in allRows { expectClose(wa[i], wb[i], rtol: 1e-12, "replicate \(r + 1) weight \(i + 1)") }
    }
    #expect(a.calibration?.targets.count == 4)
  }
}
