import Foundation
import ArgumentParser
import Strata

/// Files of at least this many bytes are loaded with progress on a terminal's standard error: a
/// line when the read starts, a percent of the bytes parsed with an ETA (redrawn in place,
/// cleared at the end), and a line with the rows, columns and seconds when it ends. 20 MiB unless
/// the environment variable `STRATA_PROGRESS_MIN_BYTES` gives another number of bytes (tests set
/// it low; 0 shows progress for every file).
func progressMinimumBytes(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
  guard let text = environment["STRATA_PROGRESS_MIN_BYTES"] else { return 20 << 20 }
  guard let bytes = Int(text.trimmingCharacters(in: .whitespaces)), bytes >= 0 else {
    throw ValidationError(
      "STRATA_PROGRESS_MIN_BYTES must be a whole number of bytes (0 or more), not '\(text)'; unset it for the default (20 MiB)")
  }
  return bytes
}

/// Reads a data file for a command, telling a person at a terminal what is happening when the
/// file is large (stderr only, and only when stderr is a terminal, so pipes and logs stay clean).
func loadData(_ path: String) throws -> DataFrame {
  let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
  let minimum = try progressMinimumBytes()
  let chatty = isatty(STDERR_FILENO) == 1 && size >= minimum
  let start = Date()
  if chatty { progress("reading \(path) (\(size >> 20) MB)...") }
  // The size says the read is long: the percent is drawn from the first megabyte on.
  let line = chatty ? ProgressLine.forStandardError(quietPeriod: 0) : nil
  defer { line?.finish() }
  let frame = try DataReader.read(path: path, progress: line?.handler)
  line?.finish()
  if chatty {
    progress(String(format: "read %d rows x %d columns in %.2f s", frame.rowCount, frame.columns.count, Date().timeIntervalSince(start)))
  }
  return frame
}

/// One line of progress on standard error.
func progress(_ message: String) {
  FileHandle.standardError.write(Data(("strata: " + message + "\n").utf8))
}
