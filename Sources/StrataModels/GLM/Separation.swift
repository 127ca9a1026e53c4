import Foundation
import StrataLinalg
import StrataSupport

/// Detection of complete and quasi-complete separation in binary-outcome models.
///
/// Two checks, so that separation is reported instead of diverging estimates:
/// - before fitting, each term alone (Stata's check): a two-valued term one of whose values always
///   comes with the same outcome ("x != 0 predicts success perfectly"), or a term whose values for
///   y = 0 and y = 1 do not overlap ("x > c predicts success");
/// - after fitting, fitted probabilities numerically 0 or 1 (R's `glm.fit` warning threshold,
///   10 × machine epsilon): separation by a combination of terms, named by the largest
///   standardized estimates |β_j|·sd(x_j), along which the likelihood keeps rising.
enum Separation {
  /// The first term that separates the outcome on its own, as an error; nil when none does.
  ///
  /// With `structure` (the dummies of a factor in `x`), the dummy columns are judged from one pass
  /// of per-level outcome counts instead of a scan each.
  static func singleTerm(
    x: Matrix, names: [String], y: [Double], hasIntercept: Bool, structure: IndicatorStructure? = nil
  ) -> EstimationError? {
    let n = x.rows
    let scans = ColumnScan.all(x, y: y, structure: structure)
    for j in 0..<(structure?.columnCount ?? x.cols) {
      let values = scans[j].values
      let ones = scans[j].ones
      let zeros = scans[j].zeros
      let (min0, max0, min1, max1) = (scans[j].min0, scans[j].max0, scans[j].min1, scans[j].max1)
      if values.count < 2 { continue }  // the intercept or a constant column
      let name = names[j]
      if values.count == 2 {
        let sorted = values.sorted()
        for (a, b) in [(sorted[0], sorted[1]), (sorted[1], sorted[0])] where b == 0 || hasIntercept {
          guard let k = values.firstIndex(of: a) else { continue }
          let count = ones[k] + zeros[k]
          if count > 0 && (ones[k] == 0 || zeros[k] == 0) {
            let outcome = ones[k] > 0 ? 1.0 : 0.0
            let condition = b == 0 ? "'\(name)' != 0" : "'\(name)' == \(format(a))"
            return .separatedByTerm(term: name, condition: condition, outcome: Int(outcome), observations: count)
          }
        }
        continue
      }
      guard hasIntercept else { continue }
      // More than two values: a dense column, stored in `x` (a compact one holds no indicators).
      let stored: Int? = structure.map { $0.storedColumn(of: j) } ?? j
      guard let stored else { continue }
      if max0 <= min1 {
        let count = (0..<n).filter { x[$0, stored] > max0 }.count
        return .separatedByTerm(
          term: name, condition: "'\(name)' > \(format(max0))", outcome: 1, observations: count)
      }
      if max1 <= min0 {
        let count = (0..<n).filter { x[$0, stored] > max1 }.count
        return .separatedByTerm(
          term: name, condition: "'\(name)' > \(format(max1))", outcome: 0, observations: count)
      }
    }
    return nil
  }

  /// Separation found after fitting: fitted probabilities numerically 0 or 1; nil when none are.
  static func atBoundary(mu: [Double], beta: [Double], x full: () -> Matrix, kept: [Int], names: [String])
    -> EstimationError?
  {
    let eps = 10 * Double.ulpOfOne
    let ones = mu.filter { $0 > 1 - eps }.count
    let zeros = mu.filter { $0 < eps }.count
    if ones + zeros == 0 { return nil }
    let x = full()
    let n = Double(x.rows)
    var standardized: [(name: String, size: Double)] = []
    for (position, column) in kept.enumerated() {
      let c = x.column(column)
      let mean = c.reduce(0, +) / n
      let sd = (c.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
      if sd > 0 { standardized.append((names[column], abs(beta[position]) * sd)) }
    }
    let largest = standardized.map(\.size).max() ?? 0
    let terms = standardized.filter { $0.size >= 0.5 * largest }.sorted { $0.size > $1.size }.map(\.name)
    return .quasiSeparation(terms: terms, predictedOnes: ones, predictedZeros: zeros)
  }

  private static func format(_ v: Double) -> String { String(format: "%g", v) }
}

/// One pass over a column for the single-term separation check: its first distinct values (up to
/// three), the outcome counts of the first two (y is 0/1), and its range within each outcome.
struct ColumnScan: Sendable {
  var values: [Double] = []
  var ones = [0, 0, 0]
  var zeros = [0, 0, 0]
  var min0 = Double.infinity
  var max0 = -Double.infinity
  var min1 = Double.infinity
  var max1 = -Double.infinity

  /// An empty scan (a placeholder until a column's scan is stored).
  init() {}

  /// The scans of all columns of `x`, on up to two threads (columns split between them), in
  /// blocks of rows so that each block of `y` is read from cache by every column.
  static func all(_ x: Matrix, y: [Double], structure: IndicatorStructure?) -> [ColumnScan] {
    guard let structure else { return all(x, y: y) }
    let dense = all(x, y: y, columns: structure.storedDenseColumns)
    var scans = [ColumnScan](repeating: ColumnScan(), count: structure.columnCount)
    for (k, j) in structure.denseColumns.enumerated() { scans[j] = dense[k] }
    // Per level: rows with its dummy 1, and how many of them have y = 1 (y is 0/1 here).
    let levels = structure.indicatorColumns.count
    var count = [Int](repeating: 0, count: levels)
    var successes = [Int](repeating: 0, count: levels)
    var totalSuccesses = 0
    let codes = structure.levelCodes
    for i in 0..<x.rows {
      let one = y[i] == 1 ? 1 : 0
      totalSuccesses += one
      let c = Int(codes[i])
      if c >= 0 {
        count[c] += 1
        successes[c] += one
      }
    }
    let n = x.rows
    for (l, j) in structure.indicatorColumns.enumerated() {
      var scan = ColumnScan()
      let onesAtZero = totalSuccesses - successes[l]
      let zerosAtZero = (n - count[l]) - onesAtZero
      let zerosAtOne = count[l] - successes[l]
      // Values in order of appearance do not matter to the check (it looks values up).
      scan.values = count[l] == 0 ? [0] : (count[l] == n ? [1] : [0, 1])
      scan.ones = count[l] == n ? [successes[l], 0, 0] : [onesAtZero, successes[l], 0]
      scan.zeros = count[l] == n ? [zerosAtOne, 0, 0] : [zerosAtZero, zerosAtOne, 0]
      if onesAtZero > 0 { scan.min1 = 0 } else if successes[l] > 0 { scan.min1 = 1 }
      if successes[l] > 0 { scan.max1 = 1 } else if onesAtZero > 0 { scan.max1 = 0 }
      if zerosAtZero > 0 { scan.min0 = 0 } else if zerosAtOne > 0 { scan.min0 = 1 }
      if zerosAtOne > 0 { scan.max0 = 1 } else if zerosAtZero > 0 { scan.max0 = 0 }
      scans[j] = scan
    }
    return scans
  }

  /// The scans of all columns of `x` (every column scanned).
  static func all(_ x: Matrix, y: [Double]) -> [ColumnScan] { all(x, y: y, columns: Array(0..<x.cols)) }

  /// The scans of the listed columns of `x`, in list order (read in place, no copy).
  static func all(_ x: Matrix, y: [Double], columns list: [Int]) -> [ColumnScan] {
    let count = list.count
    let threads = x.rows * count >= 1 << 18 ? Swift.min(WorkerThreads.count, count) : 1
    let n = x.rows
    guard count > 0 else { return [] }
    // Each column is scanned by one thread, so the scans do not depend on the thread count.
    return concurrentMap(threads) { t -> [ColumnScan] in
      let part = (t * count / threads)..<((t + 1) * count / threads)
      var states = [ScanState](repeating: ScanState(), count: part.count)
      let storage = x.storage.span
      let outcome = y.span
      for start in stride(from: 0, to: n, by: 4096) {
        let rows = start..<Swift.min(n, start + 4096)
        for (k, position) in part.enumerated() {
          states[k].consume(storage, offset: list[position] * n, rows: rows, outcome: outcome)
        }
      }
      return states.map(\.scan)
    }.flatMap { $0 }
  }
}

/// A column scan in progress, fed rows in order.
///
/// While at most two distinct values are known, rows are matched against them and counted by
/// outcome (with vector masks, no branch on the data); once a third appears the counts no longer
/// matter (a column with three or more values is judged by its ranges), and later rows only
/// update the ranges. The range updates select the outcome's bound without a branch on it.
private struct ScanState {
  var distinct = 0
  var known = SIMD2<Double>(0, 0)
  var third = 0.0
  var counts = SIMD2<Int64>(0, 0)
  var ones = SIMD2<Int64>(0, 0)
  var ranges = Ranges()

  /// Feeds rows `rows` of the column starting at `offset` in `storage`.
  mutating func consume(_ storage: Span<Double>, offset: Int, rows: Range<Int>, outcome: Span<Double>) {
    var ranges = self.ranges  // locals, so the loop keeps them in registers
    var i = rows.lowerBound
    // Until two distinct values are known.
    while i < rows.upperBound && distinct < 2 {
      let v = storage[offset + i]
      let one: Int64 = outcome[i] == 1 ? 1 : 0
      if distinct > 0 && v == known[0] {
        counts[0] += 1
        ones[0] += one
      } else if distinct == 0 {
        known[0] = v
        distinct = 1
        counts[0] += 1
        ones[0] += one
      } else {
        known[1] = v
        distinct = 2
        counts[1] += 1
        ones[1] += one
      }
      ranges.update(v, one: one == 1)
      i += 1
    }
    if distinct == 2 {
      var counts = self.counts
      var ones = self.ones
      let zero = SIMD2<Int64>(repeating: 0)
      while i < rows.upperBound {
        let v = storage[offset + i]
        let one = outcome[i] == 1
        let match = zero.replacing(with: 1, where: SIMD2<Double>(repeating: v) .== known)
        if match[0] | match[1] == 0 {
          third = v
          distinct = 3
          ranges.update(v, one: one)
          i += 1
          break
        }
        counts &+= match
        ones &+= match & SIMD2<Int64>(repeating: one ? 1 : 0)
        ranges.update(v, one: one)
        i += 1
      }
      self.counts = counts
      self.ones = ones
    }
    while i < rows.upperBound {
      ranges.update(storage[offset + i], one: outcome[i] == 1)
      i += 1
    }
    self.ranges = ranges
  }

  /// The finished scan.
  var scan: ColumnScan {
    var s = ColumnScan()
    s.values = distinct == 3 ? [known[0], known[1], third] : Array([known[0], known[1]].prefix(distinct))
    s.ones = [Int(ones[0]), Int(ones[1]), 0]
    s.zeros = [Int(counts[0] - ones[0]), Int(counts[1] - ones[1]), 0]
    (s.min0, s.max0, s.min1, s.max1) = (ranges.min0, ranges.max0, ranges.min1, ranges.max1)
    return s
  }
}

/// A column's range within each outcome.
private struct Ranges {
  var min0 = Double.infinity
  var max0 = -Double.infinity
  var min1 = Double.infinity
  var max1 = -Double.infinity

  /// Widens the outcome's range to `v`, selecting the outcome's bound without a branch.
  @inline(__always)
  mutating func update(_ v: Double, one: Bool) {
    if v < (one ? min1 : min0) {
      if one { min1 = v } else { min0 = v }
    }
    if v > (one ? max1 : max0) {
      if one { max1 = v } else { max0 = v }
    }
  }
}
