import Foundation
import StrataLinalg

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
  static func singleTerm(x: Matrix, names: [String], y: [Double], hasIntercept: Bool) -> EstimationError? {
    let n = x.rows
    for j in 0..<x.cols {
      // The first two distinct values (and whether there is a third), their outcome counts (y is
      // 0/1 here, so a two-valued column needs no second pass), and the column's range within
      // each outcome: one pass over the column.
      guard n > 0 else { continue }
      let column = x.storage.span
      let outcome = y.span
      let base = j * n
      let v0 = column[base]
      var v1 = v0
      var distinct = 1
      var ones = [0, 0]
      var zeros = [0, 0]
      var min0 = Double.infinity, max0 = -Double.infinity, min1 = Double.infinity, max1 = -Double.infinity
      for i in 0..<n {
        let v = column[base + i]
        let success = outcome[i] == 1
        if distinct < 3 {
          var k = v == v0 ? 0 : (distinct == 2 && v == v1 ? 1 : 2)
          if k == 2 && distinct == 1 {
            v1 = v
            distinct = 2
            k = 1
          } else if k == 2 {
            distinct = 3
          }
          if k < 2 {
            if success { ones[k] += 1 } else { zeros[k] += 1 }
          }
        }
        if success {
          min1 = Swift.min(min1, v)
          max1 = Swift.max(max1, v)
        } else {
          min0 = Swift.min(min0, v)
          max0 = Swift.max(max0, v)
        }
      }
      let values = distinct == 1 ? [v0] : (distinct == 2 ? [v0, v1] : [v0, v1, .nan])
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
      if max0 <= min1 {
        let count = (0..<n).filter { x[$0, j] > max0 }.count
        return .separatedByTerm(
          term: name, condition: "'\(name)' > \(format(max0))", outcome: 1, observations: count)
      }
      if max1 <= min0 {
        let count = (0..<n).filter { x[$0, j] > max1 }.count
        return .separatedByTerm(
          term: name, condition: "'\(name)' > \(format(max1))", outcome: 0, observations: count)
      }
    }
    return nil
  }

  /// Separation found after fitting: fitted probabilities numerically 0 or 1; nil when none are.
  static func atBoundary(mu: [Double], beta: [Double], x: Matrix, kept: [Int], names: [String]) -> EstimationError? {
    let eps = 10 * Double.ulpOfOne
    let ones = mu.filter { $0 > 1 - eps }.count
    let zeros = mu.filter { $0 < eps }.count
    if ones + zeros == 0 { return nil }
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
