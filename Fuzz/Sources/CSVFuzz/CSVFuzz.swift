import Foundation
import Strata

// libFuzzer harness: the input bytes are a CSV file. CSVReader maps files (it does not read from
// memory), so each input is written to this process's scratch file first. Any error thrown is a
// good outcome; a trap, a sanitizer report or a timeout is a finding.

/// This process's scratch file (one per process: libFuzzer's -jobs runs several).
let scratch = FileManager.default.temporaryDirectory
  .appendingPathComponent("strata-csv-fuzz-\(ProcessInfo.processInfo.processIdentifier).csv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Data(UnsafeBufferPointer(start: start, count: start == nil ? 0 : count))
  do {
    try bytes.write(to: scratch)
  } catch {
    fatalError("cannot write the scratch file \(scratch.path): \(error)")
  }
  for delimiter in [nil, UInt8(ascii: ";")] {
    guard let frame = try? CSVReader(path: scratch.path, delimiter: delimiter).read() else { continue }
    // Touch every value, as the callers do.
    var n = 0
    for c in frame.columns {
      switch c.storage {
      case .numeric(let v): n &+= v.values.count &+ v.missing.count
      case .factor(let f): n &+= f.codes.count &+ f.levels.count
      }
    }
    precondition(frame.columns.allSatisfy { $0.count == frame.rowCount }, "columns of unequal length (\(n))")
  }
  return 0
}
