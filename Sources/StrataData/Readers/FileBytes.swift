#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a whole file into one byte array.
///
/// - Throws: `DataError.unreadable` with the system's reason when the file cannot be opened
///   or read.
func readFileBytes(_ path: String) throws -> [UInt8] {
  guard let file = fopen(path, "rb") else {
    throw DataError.unreadable(path: path, reason: systemErrorMessage())
  }
  defer { fclose(file) }
  var info = stat()
  guard fstat(fileno(file), &info) == 0 else {
    throw DataError.unreadable(path: path, reason: systemErrorMessage())
  }
  guard (info.st_mode & S_IFMT) == S_IFREG else {
    throw DataError.unreadable(path: path, reason: "not a regular file")
  }
  guard fseeko(file, 0, SEEK_END) == 0 else {
    throw DataError.unreadable(path: path, reason: systemErrorMessage())
  }
  let size = Int(ftello(file))
  guard size >= 0, fseeko(file, 0, SEEK_SET) == 0 else {
    throw DataError.unreadable(path: path, reason: systemErrorMessage())
  }
  var readCount = 0
  let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
    if let p = buffer.baseAddress, size > 0 {
      readCount = fread(p, 1, size, file)
    }
    initialized = readCount
  }
  guard readCount == size else {
    throw DataError.unreadable(path: path, reason: "short read (\(readCount) of \(size) bytes)")
  }
  return bytes
}

/// Whether `path` names an existing file or directory.
func fileExists(_ path: String) -> Bool {
  access(path, F_OK) == 0
}

/// The message for the current `errno`.
func systemErrorMessage() -> String {
  String(cString: strerror(errno))
}
