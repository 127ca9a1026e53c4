import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A throwaway PostgreSQL cluster in a temporary folder on a free loopback port, started by
/// `initdb`/`pg_ctl` (run as the `postgres` user when the tests run as root) and removed by
/// `stop()`.
final class PostgresServer {
  let directory: URL
  let port: Int
  let binaries: URL
  let asPostgres: Bool

  /// The folder holding `initdb` and `pg_ctl`: PATH first, then Debian's versioned folders.
  static func binaryFolder() -> URL? {
    let fm = FileManager.default
    var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    if let versions = try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
      for v in versions.sorted(by: >) { candidates.append("/usr/lib/postgresql/\(v)/bin") }
    }
    for c in candidates where fm.isExecutableFile(atPath: c + "/initdb") && fm.isExecutableFile(atPath: c + "/pg_ctl") {
      return URL(fileURLWithPath: c)
    }
    return nil
  }

  /// A port nothing listens on now (bound to 0, read back, released).
  static func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  init() throws {
    guard let bin = Self.binaryFolder() else {
      throw ServerError("initdb/pg_ctl not found: run scripts/setup.sh (it installs the postgresql package)")
    }
    binaries = bin
    asPostgres = getuid() == 0
    let base = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("strata-pg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    directory = base
    port = Self.freePort()
    if asPostgres { try Self.run("/bin/chown", ["-R", "postgres:postgres", base.path]) }
    do {
      try command("initdb", ["-D", base.appendingPathComponent("data").path, "-A", "trust", "-U", "postgres", "-N", "-E", "UTF8"])
      try command(
        "pg_ctl",
        [
          "-D", base.appendingPathComponent("data").path, "-l", base.appendingPathComponent("log").path, "-w",
          "-o", "-p \(port) -k \(base.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        ])
    } catch {
      try? FileManager.default.removeItem(at: base)
      throw error
    }
  }

  /// The connection URI of the `postgres` database.
  var uri: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

  /// Copies a file where the server may read it; returns its path.
  func stage(_ path: String) throws -> String {
    let target = directory.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
    try FileManager.default.copyItem(atPath: path, toPath: target.path)
    if asPostgres { try Self.run("/bin/chown", ["postgres:postgres", target.path]) }
    return target.path
  }

  /// Stops the server (immediately) and removes the folder.
  func stop() {
    try? command("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
    try? FileManager.default.removeItem(at: directory)
  }

  private func command(_ name: String, _ arguments: [String]) throws {
    let tool = binaries.appendingPathComponent(name).path
    if asPostgres {
      try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments)
    } else {
      try Self.run(tool, arguments)
    }
  }

  private static func run(_ tool: String, _ arguments: [String]) throws {
    // Through system(3) (fork, exec, waitpid), output to a file: Foundation's Process does not
    // see pg_ctl exit while the server it started keeps inherited descriptors open.
    let log = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("strata-pg-\(UUID().uuidString).out")
    defer { try? FileManager.default.removeItem(at: log) }
    func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    let line = ([tool] + arguments).map(quote).joined(separator: " ") + " </dev/null >\(quote(log.path)) 2>&1"
    let status = system(line)
    guard status == 0 else {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      throw ServerError("\(tool) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
    }
  }
}

struct ServerError: Error, CustomStringConvertible {
  let description: String
  init(_ d: String) { description = d }
}
