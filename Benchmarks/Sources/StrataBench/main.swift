// strata-bench: times Strata's phases on a large synthetic CSV (release builds only).
//
//   strata-bench ols-hc1 [--rows N] [--csv PATH]
//   strata-bench logit-cluster [--csv PATH]
//   strata-bench logit-design [--csv PATH]   (svyglm: strata, PSUs, weights)
//
// Generates (once, deterministically) a CSV with an outcome `y`, 20 regressors `x1..x20`
// (18 continuous, 2 binary) and a cluster id, then reports in seconds: CSV load, model-matrix
// build, QR fit, and HC1 covariance, each separately.
//
// logit-cluster reads the standard survey workload (`pip install numpy polars`, then
// `BENCH_DATA=/tmp/strata-bench-data python3 gen_data.py 1000000` writes survey_1000000.csv) and
// fits `y ~ x1 + ... + x15 + region` (46 columns: 15 numeric + a 31-level factor) by logit with
// standard errors clustered by `psu`, reporting load, model matrix, IRLS fit and variance seconds.
import Foundation
import Strata

// The package's SplitMix64 (StrataSupport, through `import Strata`), with the benchmark data's
// own uniform and normal draws.
extension SplitMix64 {
  mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
  mutating func normal() -> Double {
    let u = max(uniform(), 1e-300)
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
  }
}

func generate(rows: Int, path: String) throws {
  var rng = SplitMix64(state: 20_261_129)
  var text = "y," + (1...20).map { "x\($0)" }.joined(separator: ",") + ",cluster\n"
  text.reserveCapacity(rows * 200)
  for i in 0..<rows {
    var xs = [Double](repeating: 0, count: 20)
    for j in 0..<18 { xs[j] = (rng.normal() * 1000).rounded() / 1000 }
    xs[18] = rng.uniform() < 0.4 ? 1 : 0
    xs[19] = rng.uniform() < 0.7 ? 1 : 0
    var y = 1.0
    for j in 0..<20 { y += Double(j % 5 - 2) * 0.1 * xs[j] }
    y += rng.normal() * (1 + abs(xs[0]))
    text += String(format: "%.4f", y) + "," + xs.map { String($0) }.joined(separator: ",") + ",\(i / 500)\n"
  }
  try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Logit with cluster-robust errors on the survey workload.
func logitCluster(path: String) {
  let formula = "y ~ " + (1...15).map { "x\($0)" }.joined(separator: " + ") + " + region"
  do {
    var frame = DataFrame(columns: [])
    let load = try seconds { frame = try DataReader.read(path: path) }
    var mm: ModelMatrix?
    let build = try seconds {
      mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: .init(extraVariables: ["psu"]))
    }
    guard let mm else { exit(1) }
    var fit: Fit?
    let fitTime = try seconds { fit = try GeneralizedLinearModel.fit(mm, model: .logit, formula: formula) }
    guard let fit else { exit(1) }
    var v: CovarianceEstimate?
    let se = try seconds {
      let g = try frame.groupCodes(of: "psu", rows: fit.rows)
      v = try covariance(of: fit, spec: .cluster([ClusterVariable(name: "psu", codes: g.codes, count: g.count)]))
    }
    print("rows \(fit.nobs)  columns \(fit.terms.count)  clusters \(v?.clusterCounts.first ?? 0)  file \(path)")
    print(String(format: "load %.3f s   model matrix %.3f s   fit (IRLS, %d iterations) %.3f s   cluster vcov %.3f s   fit+SE total %.3f s",
                 load, build, fit.glm?.iterations ?? 0, fitTime, se, build + fitTime + se))
    if let v { print("check: x1 estimate \(fit.coefficients[1])  cluster se \(v.standardErrors[1])  logLik \(fit.glm?.logLik ?? .nan)") }
  } catch {
    FileHandle.standardError.write(Data("strata-bench: \(error)\n".utf8))
    exit(1)
  }
}

/// Design-based logit (strata, PSUs, weights: svyglm) on the survey workload.
func logitDesign(path: String) {
  let formula = "y ~ " + (1...15).map { "x\($0)" }.joined(separator: " + ") + " + region"
  do {
    var frame = DataFrame(columns: [])
    let load = try seconds { frame = try DataReader.read(path: path) }
    var design: SampleDesign?
    let setup = try seconds {
      design = try SampleDesign(
        DesignSpecification(weights: "w", strata: "stratum", psu: ["psu"], fpc: [], nest: false, lonelyPSU: .fail),
        data: frame)
    }
    guard let design else { exit(1) }
    var mm: ModelMatrix?
    let build = try seconds {
      mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: .init(weights: "w"))
    }
    guard let mm else { exit(1) }
    var fit: Fit?
    let fitTime = try seconds { fit = try GeneralizedLinearModel.fit(mm, model: .logit, formula: formula) }
    guard let fit else { exit(1) }
    var v: CovarianceEstimate?
    let se = try seconds {
      v = try covariance(of: fit, spec: .design(DesignVariance(design: design, refit: { _ in [] })))
    }
    print("rows \(fit.nobs)  columns \(fit.terms.count)  design \(design.summary.strata ?? 0) strata, \(design.summary.psus ?? 0) PSUs  file \(path)")
    print(String(format: "load %.3f s   design %.3f s   model matrix %.3f s   fit (IRLS, %d iterations) %.3f s   design vcov %.3f s   fit+SE total %.3f s",
                 load, setup, build, fit.glm?.iterations ?? 0, fitTime, se, setup + build + fitTime + se))
    if let v { print("check: x1 estimate \(fit.coefficients[1])  design se \(v.standardErrors[1])") }
  } catch {
    FileHandle.standardError.write(Data("strata-bench: \(error)\n".utf8))
    exit(1)
  }
}

var args = Array(CommandLine.arguments.dropFirst())
let usage = "usage: strata-bench ols-hc1 [--rows N] [--csv PATH] | logit-cluster [--csv PATH] | logit-design [--csv PATH] | fe-ols [--rows N]\n"
if args.first == "fe-ols" {
  args.removeFirst()
  var feRows = 1_000_000
  if args.first == "--rows", args.count > 1, let v = Int(args[1]) { feRows = v }
  fixedEffectsOLS(rows: feRows)
  exit(0)
}
if args.first == "logit-design" {
  args.removeFirst()
  var path = (ProcessInfo.processInfo.environment["BENCH_DATA"] ?? "/tmp/strata-bench-data") + "/survey_1000000.csv"
  if args.first == "--csv", args.count > 1 { path = args[1] }
  logitDesign(path: path)
  exit(0)
}
if args.first == "logit-cluster" {
  args.removeFirst()
  var path = (ProcessInfo.processInfo.environment["BENCH_DATA"] ?? "/tmp/strata-bench-data") + "/survey_1000000.csv"
  if args.first == "--csv", args.count > 1 { path = args[1] }
  logitCluster(path: path)
  exit(0)
}
guard args.first == "ols-hc1" else {
  FileHandle.standardError.write(Data(usage.utf8))
  exit(2)
}
args.removeFirst()
var rows = 1_000_000
var csv: String?
while let a = args.first {
  args.removeFirst()
  if a == "--rows", let v = args.first, let n = Int(v) { rows = n; args.removeFirst() }
  else if a == "--csv", let v = args.first { csv = v; args.removeFirst() }
}
let path = csv ?? (NSTemporaryDirectory() + "strata-bench-ols-\(rows).csv")
if !FileManager.default.fileExists(atPath: path) {
  FileHandle.standardError.write(Data("generating \(path)...\n".utf8))
  try generate(rows: rows, path: path)
}
let formula = "y ~ " + (1...20).map { "x\($0)" }.joined(separator: " + ")
do {
  var frame = DataFrame(columns: [])
  let load = try seconds { frame = try DataReader.read(path: path) }
  var mm: ModelMatrix?
  let build = try seconds { mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame) }
  guard let mm else { exit(1) }
  var fit: Fit?
  let fitTime = try seconds { fit = try LeastSquares.fit(mm, formula: formula) }
  guard let fit else { exit(1) }
  var v: CovarianceEstimate?
  let se = try seconds { v = try covariance(of: fit, spec: .hc(.hc1)) }
  print("rows \(fit.nobs)  regressors 20  file \(path)")
  print(String(format: "load %.3f s   model matrix %.3f s   fit (QR) %.3f s   HC1 %.3f s   fit+SE total %.3f s",
               load, build, fitTime, se, build + fitTime + se))
  if let v { print("check: x1 estimate \(fit.coefficients[1])  HC1 se \(v.standardErrors[1])") }
} catch {
  FileHandle.standardError.write(Data("strata-bench: \(error)\n".utf8))
  exit(1)
}
