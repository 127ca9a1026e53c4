// One fused pass of an iteratively reweighted fit: X β, the model's per-row quantities and the
// weighted Gram matrix, a block of rows at a time while the block of X is in cache.

import StrataSupport

/// The per-row work of a `Matrix.linearizedPass` on one block of rows: from the linear predictor
/// `eta` of rows `first ..< first + eta.count`, writes the mean `mu`, the working weights (≥ 0)
/// and the score multipliers of every one of those rows (the arrays are not initialized before),
/// and returns the block's contribution to the total (the deviance, for IRLS).
public typealias LinearizedKernel =
  @Sendable (
    _ first: Int, _ eta: Span<Double>, _ mu: inout MutableSpan<Double>, _ weights: inout MutableSpan<Double>,
    _ multipliers: inout MutableSpan<Double>
  ) -> Double

/// What `Matrix.linearizedPass` computes at one coefficient vector: per row η = Xβ, μ, the working
/// weights w and the score multipliers m; and `Xᵀ diag(w) X`, `Xᵀ m` and the kernel's total.
public struct LinearizedPass: Sendable {
  public var eta: [Double] = []
  public var mu: [Double] = []
  public var weights: [Double] = []
  public var multipliers: [Double] = []
  /// `Xᵀ diag(weights) X`, exactly symmetric.
  public var gram = Matrix(rows: 0, cols: 0)
  /// `Xᵀ multipliers`.
  public var score: [Double] = []
  /// The sum of the kernel's block totals (summed per part in row order, then over the parts of a
  /// fixed `RowPartition` in order: the same for any thread count).
  public var total = 0.0

  public init() {}
}

extension Matrix {
  /// One pass of an iteratively reweighted fit at `beta`, written into `out` (its arrays are reused
  /// when they have the right length):
  ///
  ///     x.linearizedPass(coefficients: beta, structure: s, kernel: logitKernel, into: &pass)
  ///     // pass.total is the deviance at beta; pass.gram and pass.score give the next Newton step
  ///
  /// Per block of rows (the parts of a fixed `RowPartition` on all cores for large `X`): η of the block by BLAS `dgemv` (over the
  /// dense columns and the rows' level coefficients when `structure` is given), then `kernel` on
  /// the block, then the block's `Xᵀ W X` and `Xᵀ m` exactly as `weightedGram(weights:vector:
  /// structure:)` forms them, while the block of `X` is still in cache. So `X` is read from memory
  /// once per pass instead of twice (once for η, once for the Gram matrix), and the per-row work
  /// runs on both cores. When the kernel writes non-finite weights the Gram matrix is not finite
  /// either; the caller checks `total` (and the weights) before using it.
  ///
  /// With a compact matrix (`structure.storesIndicators` false) the coefficients, `gram` and
  /// `score` are those of the full matrix (`structure.columnCount` columns).
  ///
  /// - Precondition: `beta.count` is the full column count; `structure` (if any) describes this
  ///   matrix.
  /// - Complexity: O(n d²) flops for the d dense columns, plus the kernel.
  public func linearizedPass(
    coefficients beta: [Double], structure: IndicatorStructure?, kernel: @escaping LinearizedKernel,
    into out: inout LinearizedPass
  ) {
    if let structure { precondition(structure.describes(self), "indicator structure of another matrix") }
    let n = rows
    let p = structure?.columnCount ?? cols
    precondition(beta.count == p, "vector length does not match matrix")
    // Every row of the four arrays is written by the pass (η by the block's products, the rest
    // by the kernel), so fresh ones are left unwritten: their pages are first touched by the
    // threads that fill them.
    func sized(_ a: inout [Double]) {
      if a.count != n { a = unwrittenArray(count: n) }
    }
    sized(&out.eta)
    sized(&out.mu)
    sized(&out.weights)
    sized(&out.multipliers)
    let partition = Matrix.partition(rows: n, accumulator: p * p + p)
    let parts = PartialSums(count: partition.count, size: p * p + p)
    var total = 0.0
    let runs = structure?.denseRuns ?? (p > 0 ? [DenseRun(first: 0, stored: 0, count: p)] : [])
    let levelBeta = structure.map { s in s.indicatorColumns.map { beta[$0] } } ?? []
    let codes = structure?.codes ?? []
    storage.withUnsafeBufferPointer { xs in
      beta.withUnsafeBufferPointer { bp in
        levelBeta.withUnsafeBufferPointer { lp in
          codes.withUnsafeBufferPointer { cp in
            out.eta.withUnsafeMutableBufferPointer { ep in
              out.mu.withUnsafeMutableBufferPointer { mup in
                out.weights.withUnsafeMutableBufferPointer { wp in
                  out.multipliers.withUnsafeMutableBufferPointer { mp in
                    let x = xs.baseAddress.unsafelyUnwrapped
                    let job = LinearizedJob(
                      x: x, beta: bp.baseAddress.unsafelyUnwrapped,
                      levelBeta: structure == nil ? nil : lp.baseAddress,
                      codes: structure == nil ? nil : cp.baseAddress, eta: ep.baseAddress.unsafelyUnwrapped,
                      mu: mup.baseAddress.unsafelyUnwrapped, w: wp.baseAddress.unsafelyUnwrapped,
                      m: mp.baseAddress.unsafelyUnwrapped, n: n, runs: runs, kernel: kernel,
                      gram: structure.map { s in
                        .indicator(
                          IndicatorGramJob(
                            x: x, w: wp.baseAddress.unsafelyUnwrapped, codes: cp.baseAddress.unsafelyUnwrapped,
                            v: mp.baseAddress, n: n, p: p, dense: s.denseColumns, denseStorage: s.storedDenseColumns,
                            indicators: s.indicatorColumns, denseRuns: runs))
                      }
                        ?? .plain(
                          GramJob(x: x, w: wp.baseAddress.unsafelyUnwrapped, v: mp.baseAddress, n: n, p: p)))
                    total = blockTotals(partition) { t, block in
                      parts.withPart(t) { job.run(block: block, gram: $0) }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    (out.gram, out.score) = parts.gramAndProduct(p: p)
    out.total = total
  }
}

/// The pointers and kernels of one linearized pass (valid for the pass).
private struct LinearizedJob: @unchecked Sendable {
  enum Gram {
    case plain(GramJob)
    case indicator(IndicatorGramJob)
  }
  let x: UnsafePointer<Double>
  let beta: UnsafePointer<Double>
  let levelBeta: UnsafePointer<Double>?
  let codes: UnsafePointer<Int32>?
  let eta: UnsafeMutablePointer<Double>
  let mu: UnsafeMutablePointer<Double>
  let w: UnsafeMutablePointer<Double>
  let m: UnsafeMutablePointer<Double>
  let n: Int
  let runs: [DenseRun]
  let kernel: LinearizedKernel
  let gram: Gram

  /// One block of rows: η, the kernel, then the block's Gram terms added to `acc`; returns the
  /// kernel's total.
  func run(block: Range<Int>, gram acc: UnsafeMutablePointer<Double>) -> Double {
    let (start, count) = (block.lowerBound, block.count)
    let e = eta + start
    e.update(repeating: 0, count: count)
    addRowProducts(x: x, n: n, rows: block, runs: runs, beta: beta, levelBeta: levelBeta, codes: codes, into: e)
    let etaSpan = Span(_unsafeElements: UnsafeBufferPointer(start: e, count: count))
    var muSpan = MutableSpan(_unsafeElements: UnsafeMutableBufferPointer(start: mu + start, count: count))
    var wSpan = MutableSpan(_unsafeElements: UnsafeMutableBufferPointer(start: w + start, count: count))
    var mSpan = MutableSpan(_unsafeElements: UnsafeMutableBufferPointer(start: m + start, count: count))
    let total = kernel(start, etaSpan, &muSpan, &wSpan, &mSpan)
    switch gram {
    case .plain(let job): job.accumulate(rows: block, into: acc)
    case .indicator(let job): job.accumulate(rows: block, into: acc)
    }
    return total
  }
}

/// An array of `count` doubles whose elements are not written: the caller writes each before
/// reading it (the pages of a large one are touched only by those writes).
func unwrittenArray(count: Int) -> [Double] {
  [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// Runs `body(k, block)` over the row blocks (`Matrix.rowBlock` rows) of each part `k` of
/// `partition`, in order within the part, and returns the sum of `body`'s results: per part in
/// row order, then over the parts in order (the same for any thread count).
private func blockTotals(_ partition: RowPartition, _ body: @Sendable (Int, Range<Int>) -> Double) -> Double {
  concurrentMap(partition.count) { t in
    var start = partition[t].lowerBound
    let end = partition[t].upperBound
    var sum = 0.0
    while start < end {
      let count = Swift.min(Matrix.rowBlock, end - start)
      sum += body(t, start..<(start + count))
      start += count
    }
    return sum
  }.reduce(0, +)
}

extension LinearizedPass {
  /// The kernel alone over the rows of `input` (no matrix): per block of rows, on all cores for
  /// large inputs (a fixed `RowPartition`), `kernel(first, input block, &mu, &weights, &multipliers)`; `eta` is `input`,
  /// `total` the sum of the block totals, `gram` and `score` stay empty.
  ///
  ///     let start = LinearizedPass(rowsOf: y, kernel: startingValues)   // IRLS's first step
  public init(rowsOf input: [Double], kernel: LinearizedKernel) {
    let n = input.count
    eta = input
    // Written by the kernel for every row (its contract), so not zeroed first.
    mu = unwrittenArray(count: n)
    weights = unwrittenArray(count: n)
    multipliers = unwrittenArray(count: n)
    let partition = Matrix.partition(rows: n)
    var total = 0.0
    input.withUnsafeBufferPointer { ip in
      mu.withUnsafeMutableBufferPointer { mup in
        weights.withUnsafeMutableBufferPointer { wp in
          multipliers.withUnsafeMutableBufferPointer { mp in
            let job = RowKernelJob(
              input: SendablePointer(ip.baseAddress.unsafelyUnwrapped),
              outputs: (
                SendableMutablePointer(mup.baseAddress.unsafelyUnwrapped),
                SendableMutablePointer(wp.baseAddress.unsafelyUnwrapped),
                SendableMutablePointer(mp.baseAddress.unsafelyUnwrapped)))
            total = blockTotals(partition) { _, block in job.apply(kernel, rows: block) }
          }
        }
      }
    }
    self.total = total
  }
}

/// The input and output pointers of `LinearizedPass(rowsOf:kernel:)` (valid for the pass).
private struct RowKernelJob: Sendable {
  let input: SendablePointer
  let outputs: (SendableMutablePointer, SendableMutablePointer, SendableMutablePointer)

  func apply(_ kernel: LinearizedKernel, rows: Range<Int>) -> Double {
    let (start, count) = (rows.lowerBound, rows.count)
    let inputSpan = Span(_unsafeElements: UnsafeBufferPointer(start: input.pointer + start, count: count))
    var a = MutableSpan(_unsafeElements: UnsafeMutableBufferPointer(start: outputs.0.pointer + start, count: count))
    var b = MutableSpan(_unsafeElements: UnsafeMutableBufferPointer(start: outputs.1.pointer + start, count: count))
    var c = MutableSpan(_unsafeElements: UnsafeMutableBufferPointer(start: outputs.2.pointer + start, count: count))
    return kernel(start, inputSpan, &a, &b, &c)
  }
}
