import Foundation
import StrataLinalg

/// The model matrix, response and weight sets of every chunk, written by the first pass that
/// builds them (`ChunkedSource.summary`) to a file in a temporary folder removed on release, so
/// that the IRLS passes read them back instead of evaluating the formula again: each pass is then
/// a sequential read and BLAS. Reading holds one chunk (`bufferCapacity`).
final class PreparedCache {
  let folder: URL
  private var handle: FileHandle
  private var chunks: [(offset: UInt64, rows: Int, columns: Int, sets: Int, indicators: [Int], dense: [Int], units: Bool)] =
    []
  private var written: UInt64 = 0
  private var largestChunk = 0
  /// Bytes of the largest chunk, which a pass over the cache holds at a time (read into the
  /// chunk's arrays).
  var bufferCapacity: Int { largestChunk * MemoryLayout<Double>.stride }
  /// Bytes written.
  var size: Int { Int(written) }

  init(directory: URL?) throws {
    (folder, _, handle) = try makeCacheFile(prefix: "strata-matrix", name: "matrix.bin", directory: directory)
  }

  deinit {
    try? handle.close()
    try? FileManager.default.removeItem(at: folder)
  }

  /// Writes a chunk (its full model matrix): a factor's dummies, when the matrix has a group of
  /// them (`Matrix.indicatorStructure`), as one level code per row instead of a column each.
  func append(_ chunk: ChunkData) throws {
    let m = chunk.rows.count
    var x = chunk.x
    var parts: [[Double]] = []
    var indicators: [Int] = []
    var dense: [Int] = []
    if m > 0, let s = chunk.x.indicatorStructure() {
      indicators = s.indicatorColumns
      dense = s.denseColumns
      x = chunk.x.selectingColumns(dense)
      parts.append(s.levelCodes.map(Double.init))
    }
    if let units = chunk.units { parts.append(units.map(Double.init)) }
    chunks.append((written, m, x.cols, chunk.weights.count, indicators, dense, chunk.units != nil))
    try handle.seek(toOffset: written)
    // Part by part, from each array's own storage: no copy of the chunk beside it.
    for part in [x.storage, chunk.y] + chunk.weights + parts {
      try write(part, to: handle)
      written += UInt64(part.count * MemoryLayout<Double>.stride)
    }
  }

  func forEachChunk(progress: (Int) -> Void = { _ in }, _ body: (ChunkData) throws -> Void) throws {
    for chunk in chunks {
      let (m, p, sets) = (chunk.rows, chunk.columns, chunk.sets)
      let compact = !chunk.indicators.isEmpty
      let count = m * (p + 1 + sets + (compact ? 1 : 0) + (chunk.units ? 1 : 0))
      largestChunk = Swift.max(largestChunk, count)
      // Each part read straight into the array the pass uses (doubles `start` on in the chunk).
      let path = folder.path
      func part(_ start: Int, _ count: Int) throws -> [Double] {
        try readDoubles(handle, offset: chunk.offset + UInt64(start * MemoryLayout<Double>.stride), count: count, path: path)
      }
      func codePart(_ start: Int) throws -> [Int32] {
        try readCodes(handle, offset: chunk.offset + UInt64(start * MemoryLayout<Double>.stride), count: m, path: path)
      }
      let x = Matrix(rows: m, cols: p, columnMajor: try part(0, m * p))
      let y = try part(m * p, m)
      let weights = try (0..<sets).map { s in try part(m * (p + 1 + s), m) }
      var structure: IndicatorStructure?
      if compact {
        structure = IndicatorStructure(
          indicatorColumns: chunk.indicators, denseColumns: chunk.dense, codes: try codePart(m * (p + 1 + sets)),
          storesIndicators: false)
      }
      let units = chunk.units ? try codePart(m * (p + 1 + sets + (compact ? 1 : 0))) : nil
      try body(
        ChunkData(
          rows: [], local: [], x: x, y: y, weights: weights, droppedMissing: 0, droppedBySubset: 0,
          structure: structure, units: units))
      progress(Int(chunk.offset) + count * MemoryLayout<Double>.stride)
    }
  }
}
