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
  // The delimiter detected from the header, as `--data FILE.csv` reads it. (One read per input:
  // each read parses on a thread of its own, which the address sanitizer makes slow.)
  guard let frame = try? CSVReader(path: scratch.path).read() else { return 0 }
  for c in frame.columns {
    switch c.storage {
    case .numeric(let v):
      precondition(v.values.count == frame.rowCount && v.missing.count == frame.rowCount, "column \(c.name): wrong length")
    case .factor(let f):
      precondition(f.codes.count == frame.rowCount, "column \(c.name): wrong length")
      precondition(f.codes.allSatisfy { Int($0) < f.levels.count }, "column \(c.name): a code past its levels")
    }
  }
  return 0
}
