// strata-bench-driver: Strata's side of the shared benchmark harness (../shared/bench).
//
//   strata-bench-driver TASK N CSV      TASK: T1 | T23 | T2 | T4 | T5 | load
//
// Prints one `BENCH {"peer","n","task","phase","sec"}` line per phase (load, setup, fit, se, ame)
// and `CHECK {"peer","n","task","what","x1"}` lines with x1's estimate and standard error, as
// `run_bench.py --peer-cmd` expects. Tasks on the standard survey workload (`gen_data.py`):
// - T1: weighted OLS `yc ~ x1..x15 + region`, cluster-robust by `psu` (sandwich::vcovCL HC1);
// - T2: logit `y ~ x1..x15 + region`, design strata `stratum`, PSUs `psu`, weights `w`, Taylor SEs;
// - T3 (with T2, group T23): AMEs of x1..x15 with design-based delta-method SEs;
// - T4: T2 with 80 JK1 replicates: the 2,000 PSUs are grouped systematically into 80 variance
//   units, group = (psu − 1) mod 80 + 1, and JK1 deletes one group at a time — R's
//   `as.svrepdesign(svydesign(ids = ~g, weights = ~w, data), type = "JK1")` (scale 79/80);
// - T5: design-based `mean` of `yc` and `prop` of `y` within the 31 regions.
import Foundation
import Strata

let peer = "strata"

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

@discardableResult
func timed<T>(_ task: String, _ phase: String, _ n: Int, _ body: () throws -> T) rethrows -> T {
  let t0 = now()
  let v = try body()
  print(#"BENCH {"peer": "\#(peer)", "n": \#(n), "task": "\#(task)", "phase": "\#(phase)", "sec": \#(String(format: "%.4f", now() - t0))}"#)
  return v
}

func check(_ task: String, _ what: String, _ n: Int, _ value: Double) {
  print(#"CHECK {"peer": "\#(peer)", "n": \#(n), "task": "\#(task)", "what": "\#(what)", "x1": \#(String(format: "%.10g", value))}"#)
}

let xs = (1...15).map { "x\($0)" }
let rhs = xs.joined(separator: " + ") + " + region"
let designSpec = DesignSpecification(
  weights: "w", strata: "stratum", psu: ["psu"], fpc: [], nest: false, lonelyPSU: .fail)

/// T2: the design logit; returns the fit and its design covariance.
func designLogit(_ frame: DataFrame, design: SampleDesign, n: Int, task: String) throws -> (Fit, CovarianceEstimate) {
  let formula = "y ~ " + rhs
  // The fit phase includes building the model matrix from the data frame.
  let (mm, fit) = try timed(task, "fit", n) { () throws -> (ModelMatrix, Fit) in
    let mm = try ModelMatrix.build(
      formula: Formula.parse(formula), data: frame, options: .init(weights: "w", compactFactor: true))
    return (mm, try GeneralizedLinearModel.fit(mm, model: .logit, formula: formula))
  }
  let v = try timed(task, "se", n) {
    try covariance(
      of: fit,
      spec: .design(
        DesignVariance(
          design: design,
          refit: { [fit, mm] replicateWeights in
            // Replicate weights arrive over the fit's rows (all rows here: no row is dropped).
            let again = try GeneralizedLinearModel.refitCoefficients(
              mm, model: .logit, weights: replicateWeights, start: fit.coefficients)
            return fit.kept.map { again[$0] }
          },
          refitBatch: batchRefit(fit: fit, mm: mm, design: design))))
  }
  check(task, "coef", n, fit.coefficients[1])
  check(task, "se", n, v.standardErrors[1])
  return (fit, v)
}

/// The batched replicate refit (replicate designs only; all rows are in the fit here).
func batchRefit(fit: Fit, mm: ModelMatrix, design: SampleDesign) -> (@Sendable ([[Double]]) throws -> [[Double]])? {
  guard case .replicate = design else { return nil }
  let refit = GLMReplicateRefit(mm, model: .logit, start: fit.coefficients)
  let kept = fit.kept
  return { weights in try refit.coefficients(weights).map { c in kept.map { c[$0] } } }
}

func run(task: String, n: Int, csv: String) throws {
  let frame = try timed("load", "load", n) { try DataReader.read(path: csv) }
  switch task {
  case "T1":
    let formula = "yc ~ " + rhs
    let fit = try timed("T1", "fit", n) {
      let mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: .init(weights: "w"))
      return try LeastSquares.fit(mm, formula: formula)
    }
    let v = try timed("T1", "se", n) {
      let g = try frame.groupCodes(of: "psu", rows: fit.rows)
      return try covariance(of: fit, spec: .cluster([ClusterVariable(name: "psu", codes: g.codes, count: g.count)]))
    }
    check("T1", "coef", n, fit.coefficients[1])
    check("T1", "se", n, v.standardErrors[1])
  case "T2", "T23":
    let design = try timed("setup", "setup", n) { try SampleDesign(designSpec, data: frame) }
    let (fit, v) = try designLogit(frame, design: design, n: n, task: "T2")
    guard task == "T23" else { return }
    let result = try timed("T3", "ame", n) {
      try Margins.estimate(
        try PredictionModel(fit: fit, data: frame), options: MarginsOptions(variables: xs),
        variance: DeltaMethod(covariance: v.matrix), degreesOfFreedom: v.degreesOfFreedom, varianceTitle: v.title)
    }
    if let first = result.estimates.first {
      check("T3", "ame", n, first.result.estimate)
      check("T3", "ame_se", n, first.result.stdError)
    }
  case "T4":
    // 80 JK1 variance units: PSUs grouped systematically, (psu − 1) mod 80 + 1.
    let design = try timed("setup", "setup", n) { () throws -> SampleDesign in
      let psu = try frame.numericValues(of: "psu").values
      let group = psu.map { (($0 - 1).truncatingRemainder(dividingBy: 80)) + 1 }
      var grouped = frame
      grouped.columns.append(Column(name: "jkgroup", storage: .numeric(NumericColumn(values: group))))
      return try SampleDesign(
        DesignSpecification(
          weights: "w", psu: ["jkgroup"], fpc: [], nest: false, lonelyPSU: .fail,
          buildReplicates: ReplicateConstruction(type: .jk1)),
        data: grouped)
    }
    _ = try designLogit(frame, design: design, n: n, task: "T4")
  case "load":
    break  // the CSV load alone (its BENCH line is printed above)
  case "T5":
    let design = try timed("setup", "setup", n) { try SampleDesign(designSpec, data: frame) }
    let options = DescriptiveOptions(by: ["region"])
    let mean = try timed("T5", "fit", n) {
      try Descriptives.estimate(.mean, variables: ["yc"], data: frame, design: design, options: options)
    }
    let prop = try timed("T5", "se", n) {
      try Descriptives.estimate(.proportion, variables: ["y"], data: frame, design: design, options: options)
    }
    if let m = mean.estimates.first { check("T5", "mean_yc_R01", n, m.estimate); check("T5", "mean_yc_R01_se", n, m.stdError) }
    if let p = prop.estimates.first(where: { $0.level == "1" }) {
      check("T5", "prop_y1_R01", n, p.estimate); check("T5", "prop_y1_R01_se", n, p.stdError)
    }
  default:
    throw ValidationFailure(message: "unknown task \(task) (T1, T23, T2, T4, T5, load)")
  }
}

struct ValidationFailure: Error, CustomStringConvertible { var message: String; var description: String { message } }

let args = CommandLine.arguments
guard args.count == 4, let n = Int(args[2]) else {
  FileHandle.standardError.write(Data("usage: strata-bench-driver T1|T23|T2|T4|T5 N CSV\n".utf8))
  exit(2)
}
do {
  try run(task: args[1], n: n, csv: args[3])
} catch {
  FileHandle.standardError.write(Data("strata-bench-driver: \(error)\n".utf8))
  exit(1)
}
