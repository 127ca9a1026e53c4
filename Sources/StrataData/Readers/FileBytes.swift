#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whether `path` names an existing file or directory.
func fileExists(_ path: String) -> Bool {
  access(path, F_OK) == 0
}

/// The message for the current `errno`.
func systemErrorMessage() -> String {
  String(cString: strerror(errno))
}
