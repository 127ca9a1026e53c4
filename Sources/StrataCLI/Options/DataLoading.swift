import Foundation
import Strata

/// Reads a data file for a command, telling a person at a terminal what is happening when the
/// file is large (stderr only, and only when stderr is a terminal, so pipes and logs stay clean).
func loadData(_ path: String) throws -> DataFrame {
  let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
  let chatty = isatty(STDERR_FILENO) == 1 && size >= 20 << 20
  let start = Date()
  if chatty { progress("reading \(path) (\(size >> 20) MB)...") }
  let frame = try DataReader.read(path: path)
  if chatty {
    progress(String(format: "read %d rows x %d columns in %.2f s", frame.rowCount, frame.columns.count, Date().timeIntervalSince(start)))
  }
  return frame
}

/// One line of progress on standard error.
func progress(_ message: String) {
  FileHandle.standardError.write(Data(("strata: " + message + "\n").utf8))
}
