import Foundation
import Strata

// libFuzzer harness: the input bytes are a results file, read by the CLI's own loader (this
// folder's symlinks to SavedFit+Validation.swift and ResultFiles.swift): `SavedFit.decode` as
// `margins`/`predict`/`elasticities`/`plot` do, `ResultFiles.decode` as `table`/`plot` do. A
// saved fit that loads is then used as `predict --newdata` uses it, on a small fixed data set.
// Any error thrown is a good outcome; a trap, a sanitizer report or a timeout is a finding.

/// Eight rows: numeric y, x, z (positive), k (0-3), w (weights); text g (a, b, c); b (0/1).
let fixedData: DataFrame = {
  let csv = """
    y,x,z,k,w,g,b
    1.5,0.2,1,0,1.5,a,0
    2.25,-1.1,2.5,1,0.5,b,1
    0.75,3.3,4,2,2,c,0
    3,0.9,0.5,3,1,a,1
    -1,2.1,7,0,1.25,b,0
    2,-0.4,3,1,0.75,c,1
    0.5,1.7,2,2,1,a,1
    4,0,6,3,2.5,b,0

    """
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("strata-savedfit-fuzz-\(ProcessInfo.processInfo.processIdentifier).csv")
  do {
    try Data(csv.utf8).write(to: url)
    return try CSVReader(path: url.path).read()
  } catch {
    fatalError("cannot make the fixed data set at \(url.path): \(error)")
  }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSavedFit(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Data(UnsafeBufferPointer(start: start, count: start == nil ? 0 : count))
  if let saved = try? SavedFit.decode(bytes, path: "fuzz.json") {
    let k = saved.kept.count
    let v = saved.covarianceMatrix
    precondition(v.rows == k && v.cols == k && saved.coefficients.count == k, "a checked fit has mismatched lengths")
    _ = try? ResultFiles.savedFit(saved)
    _ = try? Scenarios.predictions(
      recipe: saved.recipe, newdata: fixedData, coefficients: saved.coefficients, kept: saved.kept,
      link: GLMModel(rawValue: saved.model)?.link, covariance: v, degreesOfFreedom: saved.degreesOfFreedom,
      level: saved.report?.level ?? 95)
  }
  _ = try? ResultFiles.decode(bytes, path: "fuzz.json")
  return 0
}
