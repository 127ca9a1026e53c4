import Foundation
import StrataData

/// The package root, found from this file's path (`Tests/_StrataTestSupport/Repository.swift`).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The absolute path of `relativePath` under the package root.
public func repositoryPath(_ relativePath: String) -> String {
  repositoryRoot.appendingPathComponent(relativePath).path
}

/// The path of `datasets/<file>` (a shipped data set).
public func datasetPath(_ file: String) -> String {
  repositoryPath("datasets/\(file)")
}

/// Data files read once per test process, keyed by their path under the package root.
public final class FrameCache: @unchecked Sendable {
  /// The process-wide cache.
  public static let shared = FrameCache()
  private var frames: [String: DataFrame] = [:]
  private let lock = NSLock()

  /// The data file at `relativePath` (read with `DataReader` on first use).
  public func frame(_ relativePath: String) throws -> DataFrame {
    lock.lock()
    defer { lock.unlock() }
    if let f = frames[relativePath] { return f }
    let f = try DataReader.read(path: repositoryPath(relativePath))
    frames[relativePath] = f
    return f
  }

  /// The shipped data set `datasets/<name>.csv`.
  public func dataset(_ name: String) throws -> DataFrame {
    try frame("datasets/\(name).csv")
  }
}
