import Foundation
import Strata

// libFuzzer harness: the input bytes are UTF-8 text (invalid sequences become U+FFFD) used three
// ways, as the CLI uses user text: an R formula (parse, terms, model matrix and its recipe on a
// small fixed data set), a `--subset` row expression (parse and evaluate) and a `--scenario`
// (parse and apply). Any error thrown is a good outcome; a trap, a sanitizer report or a
// timeout is a finding.

/// Eight rows: numeric y, x, z (positive), k (0-3), w (weights); text g (a, b, c).
let fixedData: DataFrame = {
  let csv = """
    y,x,z,k,w,g
    1.5,0.2,1,0,1.5,a
    2.25,-1.1,2.5,1,0.5,b
    0.75,3.3,4,2,2,c
    3,0.9,0.5,3,1,a
    -1,2.1,7,0,1.25,b
    2,-0.4,3,1,0.75,c
    0.5,1.7,2,2,1,a
    4,0,6,3,2.5,b

    """
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("strata-formula-fuzz-\(ProcessInfo.processInfo.processIdentifier).csv")
  do {
    try Data(csv.utf8).write(to: url)
    return try CSVReader(path: url.path).read()
  } catch {
    fatalError("cannot make the fixed data set at \(url.path): \(error)")
  }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: start, count: start == nil ? 0 : count), as: UTF8.self)
  let data = fixedData
  if let formula = try? Formula.parse(text) {
    _ = try? Terms(formula: formula)
    if let mm = try? ModelMatrix.build(formula: formula, data: data) {
      precondition(mm.columnNames.count == mm.recipe.columnNames.count, "recipe and matrix disagree")
      _ = try? mm.recipe.matrix(for: data)
    }
    _ = try? ModelMatrix.build(formula: formula, data: data, options: ModelFrameOptions(subset: "x > 0", weights: "w"))
  }
  if let subset = try? RowExpression.parse(text), let values = try? subset.evaluate(on: data) {
    precondition(values.count == data.rowCount, "a row expression gave \(values.count) values for \(data.rowCount) rows")
  }
  if let scenario = try? Scenario.parse(text), let changed = try? scenario.apply(to: data) {
    precondition(changed.rowCount == data.rowCount, "a scenario changed the number of rows")
  }
  return 0
}
