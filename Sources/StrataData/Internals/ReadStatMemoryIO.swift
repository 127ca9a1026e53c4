// ReadStat's I/O handlers over bytes in memory: how a `.dta.gz`, `.sav.gz` or `.xpt.gz` is parsed
// once inflated. ReadStat seeks (to a Stata file's value labels, a SAS file's pages), and a gzip
// stream cannot seek cheaply, so the file is inflated to memory first and ReadStat reads that.

import CReadStat

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bytes ReadStat reads through ``install(on:)`` instead of a file.
final class ReadStatMemorySource {
  let bytes: [UInt8]
  private var position = 0

  init(bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// Makes `parser` read these bytes (whatever path it is given); the source must outlive the
  /// parse.
  ///
  /// The corresponding C functions are `readstat_set_open_handler`, `…_close_handler`,
  /// `…_seek_handler`, `…_read_handler`, `…_update_handler` and `readstat_set_io_ctx`.
  func install(on parser: UnsafeMutablePointer<readstat_parser_t>) {
    readstat_set_open_handler(parser, memoryOpen)
    readstat_set_close_handler(parser, memoryClose)
    readstat_set_seek_handler(parser, memorySeek)
    readstat_set_read_handler(parser, memoryRead)
    readstat_set_update_handler(parser, memoryUpdate)
    readstat_set_io_ctx(parser, Unmanaged.passUnretained(self).toOpaque())
  }

  fileprivate func open() -> Int32 {
    position = 0
    return 0
  }

  fileprivate func seek(_ offset: Int, whence: readstat_io_flags_t) -> Int {
    let base: Int
    switch whence {
    case READSTAT_SEEK_SET: base = 0
    case READSTAT_SEEK_CUR: base = position
    case READSTAT_SEEK_END: base = bytes.count
    default: return -1
    }
    let target = base + offset
    guard target >= 0 && target <= bytes.count else { return -1 }
    position = target
    return target
  }

  fileprivate func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
    let n = min(count, bytes.count - position)
    guard n > 0 else { return 0 }
    bytes.withUnsafeBytes { source in
      buffer.copyMemory(from: source.baseAddress! + position, byteCount: n)
    }
    position += n
    return n
  }

  fileprivate var fraction: Double {
    bytes.isEmpty ? 1 : Double(position) / Double(bytes.count)
  }
}

private func source(_ ctx: UnsafeMutableRawPointer?) -> ReadStatMemorySource? {
  guard let ctx else { return nil }
  return Unmanaged<ReadStatMemorySource>.fromOpaque(ctx).takeUnretainedValue()
}

private let memoryOpen: readstat_open_handler = { _, ctx in
  source(ctx)?.open() ?? -1
}

private let memoryClose: readstat_close_handler = { _ in 0 }

private let memorySeek: readstat_seek_handler = { offset, whence, ctx in
  guard let s = source(ctx) else { return -1 }
  return readstat_off_t(s.seek(Int(offset), whence: whence))
}

private let memoryRead: readstat_read_handler = { buffer, count, ctx in
  guard let s = source(ctx), let buffer else { return -1 }
  return s.read(into: buffer, count: Int(count))
}

private let memoryUpdate: readstat_update_handler = { _, progress, userContext, ctx in
  guard let progress, let s = source(ctx) else { return READSTAT_OK }
  return progress(s.fraction, userContext) == 0 ? READSTAT_OK : READSTAT_ERROR_USER_ABORT
}
