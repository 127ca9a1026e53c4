// The one place that asks the kernel to map pages ahead of their first write.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Maps the whole pages of the `bytes` bytes from `pointer` in one call (Linux
/// `MADV_POPULATE_WRITE`, 5.14+) rather than one page fault per 4 KiB on first write. Ranges under
/// 1 MiB are left alone; a no-op on other systems and on kernels without the advice.
///
///     prefaultPages(UnsafeMutableRawPointer(column), bytes: rows * 8)
///
/// The corresponding C function is `madvise(2)`.
public func prefaultPages(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
  #if os(Linux)
    let page = 4096
    let start = (Int(bitPattern: pointer) + page - 1) & ~(page - 1)
    let end = (Int(bitPattern: pointer) + bytes) & ~(page - 1)
    guard end - start >= 1 << 20, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(address, end - start, 23)  // MADV_POPULATE_WRITE
  #endif
}
