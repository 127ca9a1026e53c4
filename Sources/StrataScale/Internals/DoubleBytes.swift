import Foundation

// The only raw-memory code of StrataScale: doubles to and from the bytes of its cache files.

/// The bytes of `values` (native byte order: the caches live only as long as the process).
func bytes(of values: [Double]) -> Data {
  values.withUnsafeBytes { Data($0) }
}

/// The `count` doubles that start at double `start` of `data`, copied once into a new array.
func doubles(_ data: Data, start: Int, count: Int) -> [Double] {
  let stride = MemoryLayout<Double>.stride
  precondition(start >= 0 && count >= 0 && (start + count) * stride <= data.count, "range past the data")
  if count == 0 { return [] }
  return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
    let from = data.startIndex + start * stride
    _ = data.copyBytes(to: UnsafeMutableRawBufferPointer(buffer), from: from..<(from + count * stride))
    initialized = count
  }
}

/// The `count` doubles that start at double `start` of `data`, as 32-bit integers (codes the
/// caches store as doubles), without an intermediate array of doubles.
func codes(_ data: Data, start: Int, count: Int) -> [Int32] {
  let stride = MemoryLayout<Double>.stride
  precondition(start >= 0 && count >= 0 && (start + count) * stride <= data.count, "range past the data")
  return data.withUnsafeBytes { raw in
    (0..<count).map { Int32(raw.loadUnaligned(fromByteOffset: (start + $0) * stride, as: Double.self)) }
  }
}
