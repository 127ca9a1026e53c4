import Testing

import StrataLinalg
@testable import StrataModels

/// The one-pass column scan behind the single-term separation check, against the plain loop it
/// replaced (first three distinct values, outcome counts of each, range within each outcome).
@Suite("Separation column scan")
struct SeparationScanTests {
  /// The reference: every row matched against the distinct values found so far.
  func plainScan(_ column: [Double], _ y: [Double]) -> ColumnScan {
    var s = ColumnScan()
    for (v, yi) in zip(column, y) {
      var k = 0
      while k < s.values.count && s.values[k] != v { k += 1 }
      if k == s.values.count && s.values.count < 3 { s.values.append(v) }
      if k < 3 { if yi == 1 { s.ones[k] += 1 } else { s.zeros[k] += 1 } }
      if yi == 1 {
        if v < s.min1 { s.min1 = v }
        if v > s.max1 { s.max1 = v }
      } else {
        if v < s.min0 { s.min0 = v }
        if v > s.max0 { s.max0 = v }
      }
    }
    return s
  }

  @Test func matchesThePlainLoop() {
    var state: UInt64 = 42
    func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    for n in [1, 2, 5, 300, 70_000] {
      let y = (0..<n).map { _ in Double(next() % 2) }
      let columns: [[Double]] = [
        Array(repeating: 1, count: n),  // intercept
        (0..<n).map { _ in Double(next() % 2) },  // dummy
        (0..<n).map { i in i % 97 == 0 ? 1 : 0 },  // rare dummy
        (0..<n).map { _ in Double(next() % 3) - 1 },  // three values
        (0..<n).map { _ in Double(next() % 1000) / 7 },  // continuous
        (0..<n).map { i in i < n / 2 ? 5 : (i % 3 == 0 ? .nan : 2) },  // NaN cells
        (0..<n).map { i in y[i] == 1 ? 3 + Double(i % 4) : -Double(i % 5) },  // separated ranges
      ]
      let x = Matrix(columns: columns)
      let scans = ColumnScan.all(x, y: y)
      for (j, column) in columns.enumerated() {
        let a = scans[j]
        let b = plainScan(column, y)
        let note = "n \(n) column \(j)"
        #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(note)")
        if b.values.count < 3 {
          #expect(a.ones == b.ones && a.zeros == b.zeros, "\(note)")
        }
        #expect([a.min0, a.max0, a.min1, a.max1] == [b.min0, b.max0, b.min1, b.max1], "\(note)")
      }
    }
  }
}

@Suite("Separation check with the dummies of a factor")
struct SeparationIndicatorTests {
  /// A 12-level factor's dummies (level 0 the reference) beside a numeric column: the check judged
  /// from per-level counts gives the same verdict as the column scans, with and without a level
  /// whose rows all have y = 1 (which must be named, with its row count).
  @Test func indicatorCountsGiveTheScansVerdict() throws {
    let n = 20_000
    for separatingLevel in [nil, 7] as [Int?] {
      var x = Matrix(rows: n, cols: 2 + 11)
      var y = [Double](repeating: 0, count: n)
      for i in 0..<n {
        let level = (i + i / 12) % 12
        x[i, 0] = 1
        x[i, 1] = Double((i * 37) % 101) / 10
        for l in 1..<12 { x[i, 1 + l] = level == l ? 1 : 0 }
        y[i] = level == separatingLevel ? 1 : Double((i / 3) % 2)
      }
      let names = ["(Intercept)", "z"] + (1..<12).map { "g\($0)" }
      let structure = try #require(x.indicatorStructure())
      #expect(structure.indicatorColumns == Array(2..<13))
      let plain = Separation.singleTerm(x: x, names: names, y: y, hasIntercept: true)
      let counted = Separation.singleTerm(x: x, names: names, y: y, hasIntercept: true, structure: structure)
      #expect(plain?.description == counted?.description)
      #expect((counted != nil) == (separatingLevel != nil), "\(String(describing: counted)) plain \(String(describing: plain))")
      let scans = ColumnScan.all(x, y: y)
      let fromCounts = ColumnScan.all(x, y: y, structure: structure)
      for j in 0..<x.cols {
        #expect(Set(scans[j].values) == Set(fromCounts[j].values), "column \(j)")
        for v in scans[j].values {
          let a = try #require(scans[j].values.firstIndex(of: v))
          let b = try #require(fromCounts[j].values.firstIndex(of: v))
          #expect(scans[j].ones[a] == fromCounts[j].ones[b] && scans[j].zeros[a] == fromCounts[j].zeros[b], "column \(j) value \(v)")
        }
        #expect(scans[j].min0 == fromCounts[j].min0 && scans[j].max0 == fromCounts[j].max0, "column \(j) ranges")
        #expect(scans[j].min1 == fromCounts[j].min1 && scans[j].max1 == fromCounts[j].max1, "column \(j) ranges")
      }
    }
  }
}
