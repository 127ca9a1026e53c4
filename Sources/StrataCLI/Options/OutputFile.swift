import ArgumentParser
import Foundation
import Strata

/// Writing a command's output file without ever destroying something else.
///
/// - `-` (and `/dev/stdout`) is standard output, `/dev/stderr` standard error.
/// - A device, a FIFO or a socket (`/dev/null`, a named pipe) is opened and written into; it is
///   never replaced.
/// - A regular file is replaced atomically: the bytes go to a temporary file beside it, which is
///   then renamed over it. A run that fails leaves the old file (or none) and no temporary file.
///   A symbolic link keeps pointing where it did: its target is replaced.
/// - A folder, a path ending in `/`, a missing folder or one without write permission is an
///   error naming the path and what to do.
enum OutputFile {
  /// Paths that mean standard output.
  static let standardOutputNames: Set<String> = ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
  /// Paths that mean standard error.
  static let standardErrorNames: Set<String> = ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]

  /// Whether `path` is one of the names of standard output or standard error.
  static func isStandardStream(_ path: String) -> Bool {
    standardOutputNames.contains(path) || standardErrorNames.contains(path)
  }

  /// Writes `bytes` to `path` as described above.
  static func write(_ bytes: Data, to path: String) throws {
    if standardOutputNames.contains(path) {
      FileHandle.standardOutput.write(bytes)
      return
    }
    if standardErrorNames.contains(path) {
      FileHandle.standardError.write(bytes)
      return
    }
    let destination = try checkDestination(path)
    switch destination {
    case .special: try writeInPlace(bytes, to: path)
    case .regular(let target, let mode): try replace(target, with: bytes, mode: mode, shownAs: path)
    case .new(let target): try replace(target, with: bytes, mode: nil, shownAs: path)
    }
  }

  /// Where a write to a path goes.
  enum Destination {
    /// A device, FIFO or socket: written into.
    case special
    /// An existing regular file (the target of a link), replaced keeping its permissions.
    case regular(target: String, mode: mode_t)
    /// A file to create.
    case new(target: String)
  }

  /// Checks that `path` can be written, without writing anything.
  @discardableResult
  static func checkDestination(_ path: String) throws -> Destination {
    if path.isEmpty { throw OutputError.cannotWrite(path: path, reason: "the file name is empty") }
    if path.hasSuffix("/") { throw OutputError.folderPath(path: path) }
    var info = stat()
    if stat(path, &info) == 0 {
      let type = info.st_mode & S_IFMT
      if type == S_IFDIR { throw OutputError.isFolder(path: path) }
      if type != S_IFREG { return .special }
      let target = resolvedPath(path)
      try checkFolder(of: target, shownAs: path)
      return .regular(target: target, mode: info.st_mode & 0o7777)
    }
    let code = errno
    guard code == ENOENT || code == ENOTDIR else { throw OutputError.cannotWrite(path: path, reason: posixReason(code)) }
    try checkFolder(of: path, shownAs: path)
    return .new(target: path)
  }

  /// The folder a file goes into must exist and be writable (the temporary file is made there).
  static func checkFolder(of file: String, shownAs path: String) throws {
    let folder = folderName(of: file)
    var info = stat()
    guard stat(folder, &info) == 0 else {
      let code = errno
      if code == ENOENT || code == ENOTDIR {
        var missing = folder
        // Name the first folder on the way that is missing or not a folder.
        var parent = folderName(of: missing)
        var parentInfo = stat()
        while parent != missing, stat(parent, &parentInfo) != 0 {
          missing = parent
          parent = folderName(of: missing)
        }
        if parent != missing, parentInfo.st_mode & S_IFMT != S_IFDIR {
          throw OutputError.notFolder(path: path, folder: parent)
        }
        throw OutputError.missingFolder(path: path, folder: folder)
      }
      throw OutputError.cannotWrite(path: path, reason: posixReason(code))
    }
    if info.st_mode & S_IFMT != S_IFDIR { throw OutputError.notFolder(path: path, folder: folder) }
    if access(folder, W_OK | X_OK) != 0 { throw OutputError.noPermission(path: path, folder: folder) }
  }

  /// The folder part of a path (`.` for a bare file name).
  static func folderName(of path: String) -> String {
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? "." : folder
  }

  /// The path with every symbolic link resolved (the path itself if that fails).
  static func resolvedPath(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
  }

  /// Writes into an existing device, FIFO or socket (a FIFO waits for its reader).
  static func writeInPlace(_ bytes: Data, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw OutputError.cannotWrite(path: path, reason: posixReason(errno)) }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    do {
      try handle.write(contentsOf: bytes)
      try handle.close()
    } catch {
      throw OutputError.cannotWrite(path: path, reason: fileErrorReason(error))
    }
  }

  /// Writes a temporary file beside `target` and renames it over `target`.
  static func replace(_ target: String, with bytes: Data, mode: mode_t?, shownAs path: String) throws {
    let folder = folderName(of: target)
    let name = (target as NSString).lastPathComponent
    var temporary = ""
    var fd: Int32 = -1
    for _ in 0..<16 {
      let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
      temporary = (folder as NSString).appendingPathComponent(".\(name).strata-\(tag).tmp")
      fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw OutputError.cannotWrite(path: path, reason: posixReason(errno)) }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    do {
      if let mode, fchmod(fd, mode) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
      try handle.write(contentsOf: bytes)
      try handle.close()
    } catch {
      try? handle.close()
      unlink(temporary)
      throw OutputError.cannotWrite(path: path, reason: fileErrorReason(error))
    }
    if rename(temporary, target) != 0 {
      let code = errno
      unlink(temporary)
      throw OutputError.cannotWrite(path: path, reason: posixReason(code))
    }
  }
}

/// One file a command will write: the option that names it and the path given.
struct OutputTarget: Equatable {
  var option: String
  var path: String
}

/// A command whose `--out` names a folder it manages itself (`strata notebook run`).
protocol ManagesOutputFolder {}

/// The one check every command's outputs pass before any work: `--output`, `-o`, `--save` and
/// `--out` must be writable, must not be an input of the command (the same file by device and
/// inode, so `./x`, links and hard links are caught), and must not name the same file twice.
enum OutputSafety {
  /// Option properties that name a file the command writes.
  static let outputProperties: [String: String] = ["_output": "--output", "_save": "--save", "_out": "--out"]

  /// The files a parsed command will write, from its `output`, `save` and `out` options (in
  /// option groups too).
  static func targets(of command: Any) -> [OutputTarget] {
    if command is ManagesOutputFolder { return [] }
    var found: [OutputTarget] = []
    for child in Mirror(reflecting: command).children {
      if let option = child.value as? AnyParsedOption {
        if let label = child.label, let name = outputProperties[label], let path = option.anyValue as? String {
          found.append(OutputTarget(option: name, path: path))
        }
      } else if let group = child.value as? AnyOptionGroup {
        found += targets(of: group.anyValue)
      }
    }
    return found
  }

  /// Checks the outputs of `command` against its arguments (and `protectedFiles`, such as the
  /// notebook running it) before it runs; returns the outputs.
  @discardableResult
  static func check(_ command: Any, arguments: [String], protectedFiles: [String] = []) throws -> [OutputTarget] {
    let outputs = targets(of: command)
    if outputs.isEmpty { return outputs }
    var identities: [(OutputTarget, FileIdentity?)] = []
    for output in outputs where !OutputFile.isStandardStream(output.path) {
      let destination = try OutputFile.checkDestination(output.path)
      if case .special = destination { continue }
      identities.append((output, FileIdentity(output.path)))
    }
    for input in inputCandidates(arguments) + protectedFiles {
      guard let inputIdentity = FileIdentity(input) else { continue }
      for (output, identity) in identities where identity == inputIdentity {
        throw OutputError.overwritesInput(option: output.option, path: output.path, input: input)
      }
    }
    for i in identities.indices {
      for j in identities.indices where j > i {
        let (a, b) = (identities[i], identities[j])
        let same = a.1 != nil ? a.1 == b.1 : canonicalPath(a.0.path) == canonicalPath(b.0.path)
        if same { throw OutputError.sameOutputTwice(first: a.0, second: b.0) }
      }
    }
    return outputs
  }

  /// Every argument that may name an input file: not an option name and not the value of an
  /// output option or of `--format` (`--data=FILE` counts as `FILE`).
  static func inputCandidates(_ arguments: [String]) -> [String] {
    let outputNames = Set(outputProperties.values).union(["-o", "--format"])
    var candidates: [String] = []
    var skipNext = false
    for argument in arguments {
      if skipNext {
        skipNext = false
        continue
      }
      if outputNames.contains(argument) {
        skipNext = true
      } else if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
        if !outputNames.contains(String(argument[..<equals])) {
          candidates.append(String(argument[argument.index(after: equals)...]))
        }
      } else if !argument.hasPrefix("-") || argument == "-" {
        candidates.append(argument)
      }
    }
    return candidates
  }

  /// An absolute path with `.`/`..` removed and the folder's links resolved (the file itself
  /// may not exist yet).
  static func canonicalPath(_ path: String) -> String {
    let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    let standard = (absolute as NSString).standardizingPath
    let folder = OutputFile.resolvedPath(OutputFile.folderName(of: standard))
    return (folder as NSString).appendingPathComponent((standard as NSString).lastPathComponent)
  }
}

/// A regular file's device and inode: two paths name the same file exactly when these agree.
struct FileIdentity: Equatable {
  var device: UInt64
  var inode: UInt64

  /// The identity of the regular file at `path` (links followed), or nil.
  init?(_ path: String) {
    var info = stat()
    guard !path.isEmpty, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }
}

/// An `@Option` seen through `Mirror` (any value type).
protocol AnyParsedOption { var anyValue: Any { get } }
extension Option: AnyParsedOption { var anyValue: Any { wrappedValue } }

/// An `@OptionGroup` seen through `Mirror`.
protocol AnyOptionGroup { var anyValue: Any { get } }
extension OptionGroup: AnyOptionGroup { var anyValue: Any { wrappedValue } }
