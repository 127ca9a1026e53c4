import Foundation
import Testing

@testable import StrataLinalg
@testable import StrataSupport

/// The row-block kernels split their rows by a fixed `RowPartition` and add the parts in order,
/// so their results are bit-identical for any number of worker threads.
@Suite("Row-block kernels: the same bits for 1, 2, 3 and 8 threads")
struct ThreadCountTests {
  static let threadCounts = [1, 2, 3, 8]

  /// Everything the row-block kernels compute on one tall matrix, as raw numbers.
  static func kernelOutputs() throws -> [String: [Double]] {
    // 300 001 rows: a 9-part partition with a short last part and several blocks per part.
    let (base, w, v) = RowBlockTests.tall(rows: 300_001, cols: 4)
    let x = RowBlockTests.withDummies(base, levels: 5) { i in (i * 3 + i / 11) % 6 }
    let structure = try #require(x.indicatorStructure())
    let beta = (0..<x.cols).map { 0.25 * Double($0 % 5) - 0.5 }
    var out: [String: [Double]] = [:]
    let (gram, product) = x.weightedGram(weights: w, vector: v)
    out["weightedGram"] = gram.storage + product
    let (gramS, productS) = x.weightedGram(weights: w, vector: v, structure: structure)
    out["weightedGram(structure:)"] = gramS.storage + productS
    out["rowProducts"] = x.rowProducts(beta)
    out["rowProducts(structure:)"] = x.rowProducts(beta, structure: structure)
    var b = Matrix(rows: x.cols, cols: 3)
    for j in 0..<3 { for i in 0..<x.cols { b[i, j] = Double(i + 1) * 0.05 - Double(j) * 0.2 } }
    let scores = x.batchedScores(coefficients: b) { rows, block in
      for a in 0..<block.cols {
        for (l, i) in rows.enumerated() { block[l, a] = w[i] * tanh(block[l, a]) }
      }
    }
    out["batchedScores"] = scores.storage
    let y = v.map { $0 > 0 ? 1.0 : 0.0 }
    let kernel = RowBlockTests.logisticKernel(y: y, w: w)
    for (name, s) in [("linearizedPass", nil), ("linearizedPass(structure:)", structure)] as [(String, IndicatorStructure?)] {
      var pass = LinearizedPass()
      x.linearizedPass(coefficients: beta, structure: s, kernel: kernel, into: &pass)
      out[name] = pass.eta + pass.mu + pass.weights + pass.multipliers + pass.gram.storage + pass.score + [pass.total]
    }
    let start = LinearizedPass(rowsOf: v.map { 1 / (1 + exp(-$0)) }, kernel: kernel)
    out["LinearizedPass(rowsOf:)"] = start.mu + start.weights + start.multipliers + [start.total]
    out["rowSums"] = rowSums(count: w.count, width: 2) { range, sums in
      for i in range {
        sums[0] += w[i]
        sums[1] += w[i] * v[i]
      }
    }
    let (filled, finite) = Matrix.fillingColumns(rows: 300_001, cols: 5) { j, column in
      for i in column.indices { column[i] = Double(i % 97) * 0.5 + Double(j) }
      return j
    }
    out["fillingColumns"] = filled.storage + finite.map(Double.init)
    return out
  }

  @Test("X'WX, X'Wy, X beta, batched scores, the fused IRLS pass and row sums do not depend on the thread count")
  func kernelsAreBitIdentical() throws {
    let reference = try WorkerThreads.$override.withValue(1) { try Self.kernelOutputs() }
    #expect(reference.count == 10)
    for threads in Self.threadCounts.dropFirst() {
      let outputs = try WorkerThreads.$override.withValue(threads) {
        #expect(WorkerThreads.count == threads)
        return try Self.kernelOutputs()
      }
      for (name, values) in reference {
        let other = try #require(outputs[name])
        // Bit patterns, so that NaN or signed zeros would count as differences too.
        #expect(values.map(\.bitPattern) == other.map(\.bitPattern), "\(name) with \(threads) threads")
      }
    }
  }

  @Test("RowPartition covers the rows in order, one part below 2^16 rows, independent of thread count")
  func partitionIsFixed() {
    #expect(RowPartition(rows: 0).count == 1)
    #expect(RowPartition(rows: 65_535).count == 1)
    #expect(RowPartition(rows: 65_536).count == 2)
    #expect(RowPartition(rows: 300_001).count == 9)
    #expect(RowPartition(rows: 10_000_000).count == 16)
    // Large accumulators (p = 2000: 4e6 doubles each) keep the parts to 2.
    #expect(RowPartition(rows: 10_000_000, accumulator: 2000 * 2000).count == 2)
    for rows in [0, 1, 65_536, 300_001, 1_000_003] {
      let partition = RowPartition(rows: rows)
      var next = 0
      for k in 0..<partition.count {
        #expect(partition[k].lowerBound == next)
        next = partition[k].upperBound
      }
      #expect(next == rows)
      let other = WorkerThreads.$override.withValue(3) { RowPartition(rows: rows) }
      #expect(other == partition)
    }
  }

  @Test("concurrentMap returns every result in index order for any thread count")
  func concurrentMapKeepsOrder() {
    for threads in Self.threadCounts {
      let squares = WorkerThreads.$override.withValue(threads) { concurrentMap(37) { $0 * $0 } }
      #expect(squares == (0..<37).map { $0 * $0 })
    }
    #expect(concurrentMap(0) { $0 }.isEmpty)
    #expect(processorCount >= 1)
  }
}
