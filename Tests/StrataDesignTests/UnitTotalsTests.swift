import Foundation
import Strata
import Testing
import _StrataTestSupport

/// The design variance from influence totals by sampling unit (what a database or a streamed
/// file returns) equals the variance from the rows, for one- and two-stage designs with FPCs, a
/// domain, and lonely PSUs.
@Suite("Design variance from unit totals")
struct UnitTotalsTests {
  /// A synthetic sample: 5 strata, PSUs nested in strata, 4 SSUs per PSU, 3 rows per SSU.
  struct Sample {
    var frame: DataFrame
    var stratum: [Int]
    var psu: [Int]
    var ssu: [Int]
    var influence: Matrix
  }

  static func sample(lonely: Bool) -> Sample {
    var stratum: [Int] = []
    var psu: [Int] = []
    var ssu: [Int] = []
    var next = 0
    for h in 0..<5 {
      let psus = lonely && h == 4 ? 1 : 3 + h
      for _ in 0..<psus {
        for s in 0..<4 {
          for _ in 0..<3 {
            stratum.append(h)
            psu.append(next)
            ssu.append(s)
          }
        }
        next += 1
      }
    }
    let n = stratum.count
    let fpc1 = stratum.map { Double(20 + 10 * $0) }
    let fpc2 = psu.map { Double(10 + $0 % 3) }
    let frame = DataFrame(
      columns: [
        Column(name: "h", storage: .numeric(NumericColumn(values: stratum.map(Double.init)))),
        Column(name: "c", storage: .numeric(NumericColumn(values: psu.map(Double.init)))),
        Column(name: "s", storage: .numeric(NumericColumn(values: ssu.map(Double.init)))),
        Column(name: "f1", storage: .numeric(NumericColumn(values: fpc1))),
        Column(name: "f2", storage: .numeric(NumericColumn(values: fpc2))),
      ], source: "test")
    let p = 3
    var values = [Double](repeating: 0, count: n * p)
    for j in 0..<p {
      for i in 0..<n {
        let wave: Double = sin(Double(i * (j + 2)) * 0.7)
        values[j * n + i] = wave * Double(1 + (i % 5)) + Double(j)
      }
    }
    return Sample(frame: frame, stratum: stratum, psu: psu, ssu: ssu, influence: Matrix(rows: n, cols: p, columnMajor: values))
  }

  /// Units at the given stage depth: the totals of `influence` over `rows`, with every unit listed.
  static func units(
    _ s: Sample, rows: [Int], depth: Int, fpc: Bool
  ) -> (UnitTotals, Matrix) {
    var index: [[Int]: Int] = [:]
    var keys: [[Int]] = []
    var firstRow: [Int] = []
    for i in 0..<s.stratum.count {
      let key = depth == 1 ? [s.psu[i]] : [s.psu[i], s.ssu[i]]
      if index[key] == nil {
        index[key] = keys.count
        keys.append(key)
        firstRow.append(i)
      }
    }
    let p = s.influence.cols
    var totals = Matrix(rows: keys.count, cols: p)
    var inside = [Bool](repeating: false, count: keys.count)
    for (position, r) in rows.enumerated() {
      let key = depth == 1 ? [s.psu[r]] : [s.psu[r], s.ssu[r]]
      let u = index[key]!
      inside[u] = true
      for j in 0..<p { totals[u, j] += s.influence[position, j] }
    }
    let f1 = s.frame.columns[3], f2 = s.frame.columns[4]
    func values(_ c: Column) -> [Double] {
      guard case .numeric(let v) = c.storage else { return [] }
      return firstRow.map { v.values[$0] }
    }
    var clusters = [firstRow.map { String(s.psu[$0]) }]
    if depth == 2 { clusters.append(firstRow.map { String(s.ssu[$0]) }) }
    var fpcs: [[Double]] = []
    if fpc { fpcs = depth == 1 ? [values(f1)] : [values(f1), values(f2)] }
    let units = UnitTotals(
      strata: firstRow.map { String(s.stratum[$0]) }, clusters: clusters, fpc: fpcs, inEstimation: inside)
    return (units, totals)
  }

  static func expectClose(_ a: Matrix, _ b: Matrix) {
    #expect(a.rows == b.rows && a.cols == b.cols)
    for j in 0..<a.cols {
      for i in 0..<a.rows {
        let scale = max(abs(b[i, j]), (abs(b[i, i]) * abs(b[j, j])).squareRoot())
        #expect(abs(a[i, j] - b[i, j]) <= 1e-12 * scale, "(\(i), \(j)): \(a[i, j]) vs \(b[i, j])")
      }
    }
  }

  @Test(arguments: [false, true])
  func oneStageWithDomain(fpc: Bool) throws {
    let s = Self.sample(lonely: false)
    let spec = DesignSpecification(strata: "h", psu: ["c"], fpc: fpc ? ["f1"] : [])
    let design = try LinearizationDesign(spec, data: s.frame)
    // A domain: every third row, and none of PSU 0.
    let rows = (0..<s.stratum.count).filter { $0 % 3 != 1 && s.psu[$0] != 0 }
    var influence = Matrix(rows: rows.count, cols: s.influence.cols)
    for j in 0..<s.influence.cols {
      for (position, r) in rows.enumerated() { influence[position, j] = s.influence[r, j] }
    }
    let expected = try design.variance(influence: influence, rows: rows)
    var sub = s
    sub.influence = influence
    let (units, totals) = Self.units(sub, rows: rows, depth: 1, fpc: fpc)
    let got = try LinearizationDesign.variance(of: units, totals: totals, specification: spec)
    Self.expectClose(got.covariance, expected)
    #expect(got.df == design.degreesOfFreedom(rows: rows))
  }

  @Test func twoStageWithFPCs() throws {
    let s = Self.sample(lonely: false)
    let spec = DesignSpecification(strata: "h", psu: ["c", "s"], fpc: ["f1", "f2"])
    let design = try LinearizationDesign(spec, data: s.frame)
    let rows = Array(0..<s.stratum.count)
    let expected = try design.variance(influence: s.influence, rows: rows)
    let (units, totals) = Self.units(s, rows: rows, depth: 2, fpc: true)
    let got = try LinearizationDesign.variance(of: units, totals: totals, specification: spec)
    Self.expectClose(got.covariance, expected)
    #expect(got.df == design.degreesOfFreedom(rows: rows))
  }

  @Test(arguments: [LonelyPSURule.average, .certainty, .adjust, .remove])
  func lonelyPSU(rule: LonelyPSURule) throws {
    let s = Self.sample(lonely: true)
    let spec = DesignSpecification(strata: "h", psu: ["c"], lonelyPSU: rule)
    let design = try LinearizationDesign(spec, data: s.frame)
    let rows = Array(0..<s.stratum.count)
    let expected = try design.variance(influence: s.influence, rows: rows)
    let (units, totals) = Self.units(s, rows: rows, depth: 1, fpc: false)
    let got = try LinearizationDesign.variance(of: units, totals: totals, specification: spec)
    Self.expectClose(got.covariance, expected)
  }

  @Test func lonelyPSUFailsAsTheRowDesign() throws {
    let s = Self.sample(lonely: true)
    let spec = DesignSpecification(strata: "h", psu: ["c"])
    let (units, totals) = Self.units(s, rows: Array(0..<s.stratum.count), depth: 1, fpc: false)
    #expect(throws: DesignError.singlePSUStratum(stratum: "4", stage: 1)) {
      try LinearizationDesign.variance(of: units, totals: totals, specification: spec)
    }
  }

  @Test func calibratedDesignNeedsRows() throws {
    let s = Self.sample(lonely: false)
    var spec = DesignSpecification(strata: "h", psu: ["c"])
    spec.calibration = CalibrationSpecification(method: .calibrate, formula: "~ 1", totals: [.init(name: "(Intercept)", value: 100)])
    let (units, totals) = Self.units(s, rows: Array(0..<s.stratum.count), depth: 1, fpc: false)
    #expect(throws: DesignError.unitTotalsNeedRows(reason: "a calibrated design")) {
      try LinearizationDesign.variance(of: units, totals: totals, specification: spec)
    }
  }
}
