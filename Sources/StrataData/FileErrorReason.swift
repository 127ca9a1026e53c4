import Foundation

/// Plain words for a file error from Foundation or the C library.
///
/// Foundation on Linux describes file errors as "The operation could not be completed.
/// (NSCocoaErrorDomain error 260.)"; people need "no such file or folder". Every message that
/// shows why a file could not be read or written goes through this function.
///
/// ```swift
/// do { _ = try Data(contentsOf: url) } catch { print("cannot read \(url.path): \(fileErrorReason(error))") }
/// ```
public func fileErrorReason(_ error: Error) -> String {
  let ns = error as NSError
  if ns.domain == NSPOSIXErrorDomain { return posixReason(Int32(ns.code)) }
  if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
    return posixReason(Int32(underlying.code))
  }
  if ns.domain == NSCocoaErrorDomain {
    switch CocoaError.Code(rawValue: ns.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "not a valid file name"
    case .fileReadCorruptFile: return "the file is damaged or not in the expected format"
    case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding:
      return "the text is not UTF-8 (convert it to UTF-8 first)"
    case .fileReadTooLarge: return "the file is too large to read"
    case .fileWriteOutOfSpace: return "no space left on the disk"
    case .fileWriteVolumeReadOnly: return "the disk is read-only"
    case .fileWriteFileExists: return "a file of that name already exists"
    case .fileLocking: return "the file is locked by another program"
    case .fileReadUnknown, .fileWriteUnknown: return "the system gave no reason (check that the path is a file you may use)"
    default: break
    }
  }
  let text = ns.localizedDescription
  if text.contains("NSCocoaErrorDomain") || text.contains("The operation could not be completed") {
    return "the system gave no reason (error \(ns.code); check that the path is a file you may use)"
  }
  return text
}

/// The C library's words for an `errno` value, lower-cased as in the rest of a message.
public func posixReason(_ code: Int32) -> String {
  switch code {
  case ENOENT: return "no such file or folder"
  case EACCES, EPERM: return "permission denied"
  case EISDIR: return "it is a folder, not a file"
  case ENOTDIR: return "a part of the path is not a folder"
  case ENOSPC: return "no space left on the disk"
  case EROFS: return "the disk is read-only"
  default:
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
  }
}

/// Plain words for a JSON decoding error: where in the file, and what was wrong (never the
/// `NSCocoaErrorDomain` text of the underlying parser error).
public func decodingErrorReason(_ error: Error) -> String {
  func at(_ path: [CodingKey]) -> String {
    let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    return text.isEmpty ? "" : " at \(text)"
  }
  guard let error = error as? DecodingError else { return fileErrorReason(error) }
  switch error {
  case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)'\(at(context.codingPath))"
  case .typeMismatch(_, let context): return "a value of the wrong type\(at(context.codingPath))"
  case .valueNotFound(_, let context): return "a missing value\(at(context.codingPath))"
  case .dataCorrupted(let context):
    return context.codingPath.isEmpty ? "not valid JSON" : "a bad value\(at(context.codingPath))"
  @unknown default: return "not in the expected JSON form"
  }
}
