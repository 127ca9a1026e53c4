import Foundation

// The only raw-memory code of StrataScale: doubles to and from the bytes of its cache files.

/// The bytes of `values` (native byte order: the caches live only as long as the process).
func bytes(of values: [Double]) -> Data {
  values.withUnsafeBytes { Data($0) }
}

/// Copies `data` (whole doubles) into the front of `buffer`, which must be large enough.
func copy(_ data: Data, into buffer: inout [Double]) {
  precondition(data.count <= buffer.count * MemoryLayout<Double>.stride, "buffer too small")
  buffer.withUnsafeMutableBytes { raw in _ = data.copyBytes(to: raw) }
}
