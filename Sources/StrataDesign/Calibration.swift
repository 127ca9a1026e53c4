import Foundation
import StrataData
import StrataFormula
import StrataLinalg

/// Weights adjusted to known population totals: calibration (GREG and its generalizations),
/// post-stratification and raking, as R `survey::calibrate`, `postStratify` and `rake`
/// (Stata `svycal`, `svyset, poststrata()`).
///
///     // R calibrate(d, ~stype + enroll, population = c(`(Intercept)` = 6194, stypeH = 755, ...))
///     let cal = CalibrationSpecification.calibrate(
///       formula: "~ stype + enroll",
///       totals: ["(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "enroll": 3811472])
///     var spec = DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"])
///     spec.calibration = cal
///
/// The totals are stored as values, so a saved declaration (`strata svyset --save`) is complete.
public struct CalibrationSpecification: Sendable, Codable, Equatable {
  /// Which adjustment.
  public enum Method: String, Sendable, Codable, CaseIterable {
    /// R `calibrate()`: g-weights from a distance function, totals of model-matrix columns.
    case calibrate
    /// R `postStratify()`: weights scaled to the total of each cell.
    case poststratify
    /// R `rake()`: iterative post-stratification to several margins (iterated to convergence).
    case rake
  }

  /// The distance function of `calibrate` (R `calfun =`).
  public enum DistanceFunction: String, Sendable, Codable, CaseIterable {
    /// g = 1 + xᵀλ (GREG), truncated to the bounds.
    case linear
    /// g = exp(xᵀλ), truncated to the bounds (multiplicative; raking ratio).
    case raking
    /// Logistic between the bounds, which must be finite.
    case logit
  }

  /// A population total: of a model-matrix column (`calibrate`), or of a level (post-strata, rake).
  public struct Total: Sendable, Codable, Equatable {
    /// Model-matrix column name (R's, e.g. `(Intercept)`, `stypeH`) or level label.
    public var name: String
    public var value: Double
    public init(name: String, value: Double) {
      self.name = name
      self.value = value
    }
  }

  /// A margin: the cells of one or more categorical columns (their combinations named with `.`
  /// between levels, as R's `interaction`) and a total per cell.
  public struct Margin: Sendable, Codable, Equatable {
    public var variables: [String]
    public var totals: [Total]
    public init(variables: [String], totals: [Total]) {
      self.variables = variables
      self.totals = totals
    }
    /// The margin as written in messages (`stype`, `stype:sch.wide`).
    public var label: String { variables.joined(separator: ":") }
  }

  public var method: Method
  /// Calibration formula (one-sided, `~ stype + enroll`); `calibrate` only.
  public var formula: String?
  /// Totals keyed by model-matrix column name; `calibrate` only.
  public var totals: [Total]
  /// The post-strata (one margin) or the raking margins in order.
  public var margins: [Margin]
  /// Distance function of `calibrate`.
  public var distance: DistanceFunction
  /// Bounds on the g-weights (R `bounds = c(lo, hi)`); nil for none.
  public var lowerBound: Double?
  public var upperBound: Double?
  /// Convergence: the largest |achieved − target| / (1 + |target|) allowed.
  public var epsilon: Double
  /// Newton iterations (`calibrate`) or raking sweeps (`rake`) allowed.
  public var maxIterations: Int

  public init(
    method: Method, formula: String? = nil, totals: [Total] = [], margins: [Margin] = [],
    distance: DistanceFunction = .linear, lowerBound: Double? = nil, upperBound: Double? = nil,
    epsilon: Double? = nil, maxIterations: Int? = nil
  ) {
    self.method = method
    self.formula = formula
    self.totals = totals
    self.margins = margins
    self.distance = distance
    self.lowerBound = lowerBound
    self.upperBound = upperBound
    self.epsilon = epsilon ?? 1e-10
    self.maxIterations = maxIterations ?? (method == .rake ? 1000 : 50)
  }

  /// R `calibrate(design, formula, population = totals, calfun =, bounds =)`.
  public static func calibrate(
    formula: String, totals: [Total], distance: DistanceFunction = .linear, bounds: (lower: Double, upper: Double)? = nil,
    epsilon: Double? = nil, maxIterations: Int? = nil
  ) -> CalibrationSpecification {
    CalibrationSpecification(
      method: .calibrate, formula: formula, totals: totals, distance: distance, lowerBound: bounds?.lower,
      upperBound: bounds?.upper, epsilon: epsilon, maxIterations: maxIterations)
  }

  /// R `postStratify(design, ~a + b, population)`: one total per cell of the listed columns.
  public static func poststratify(_ variables: [String], totals: [Total]) -> CalibrationSpecification {
    CalibrationSpecification(method: .poststratify, margins: [Margin(variables: variables, totals: totals)])
  }

  /// R `rake(design, list(~a, ~b), list(...))`, iterated until every margin is met to `epsilon`.
  public static func rake(_ margins: [Margin], epsilon: Double? = nil, maxIterations: Int? = nil) -> CalibrationSpecification {
    CalibrationSpecification(method: .rake, margins: margins, epsilon: epsilon, maxIterations: maxIterations)
  }

  /// The data columns the adjustment reads.
  public var variables: [String] { margins.flatMap(\.variables) }

  private enum CodingKeys: String, CodingKey {
    case method, formula, totals, margins, distance, lowerBound, upperBound, epsilon, maxIterations
  }

  /// Decodes a saved calibration; keys other than `method` may be left out (a hand-written
  /// declaration): they take the defaults of `init`.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      method: try c.decode(Method.self, forKey: .method), formula: try c.decodeIfPresent(String.self, forKey: .formula),
      totals: try c.decodeIfPresent([Total].self, forKey: .totals) ?? [],
      margins: try c.decodeIfPresent([Margin].self, forKey: .margins) ?? [],
      distance: try c.decodeIfPresent(DistanceFunction.self, forKey: .distance) ?? .linear,
      lowerBound: try c.decodeIfPresent(Double.self, forKey: .lowerBound),
      upperBound: try c.decodeIfPresent(Double.self, forKey: .upperBound),
      epsilon: try c.decodeIfPresent(Double.self, forKey: .epsilon),
      maxIterations: try c.decodeIfPresent(Int.self, forKey: .maxIterations))
  }
}

/// What a calibration did, for `svyset` and the library: g-weights, totals reproduced, iterations.
public struct CalibrationSummary: Sendable, Equatable {
  /// A total asked and the total the final weights give.
  public struct Target: Sendable, Equatable {
    public var name: String
    public var target: Double
    public var achieved: Double
  }

  public var method: CalibrationSpecification.Method
  public var distance: CalibrationSpecification.DistanceFunction?
  /// g = final weight / design weight, over rows with a non-zero design weight.
  public var gMinimum: Double
  public var gMaximum: Double
  public var gMean: Double
  /// Newton iterations (`calibrate`), raking sweeps (`rake`), 1 for post-stratification.
  public var iterations: Int
  /// The largest |achieved − target| / (1 + |target|) at the end.
  public var largestError: Double
  public var targets: [Target]
  /// Rows whose final weight is negative (possible with `linear`, as in R).
  public var negativeWeights: Int
}

/// The variance adjustment a calibration leaves in the design (R's `design$postStrata`).
enum CalibrationAdjustment: Sendable {
  /// GREG residuals: x ← w_cal (x/w_cal − X B), B by weighted least squares with W₀ (R `greg_calibration`).
  case regression(qr: QRDecomposition, scale: [Double])
  /// Post-strata: x ← x − w_ps · (W₀-weighted cell mean of x/w_ps).
  case postStratify(cells: [Int], cellCount: Int, weights: [Double], oldWeights: [Double])
  /// Raking (R `rake()`'s variance): 10 sweeps over the margins of x ← x − wₘ · (cell mean of x/wₘ).
  case rake([RakeMargin])

  struct RakeMargin: Sendable {
    var cells: [Int]
    var cellCount: Int
    var weights: [Double]
  }

  /// Adjusts an n × p matrix of influence values (all design rows).
  func adjust(_ x: Matrix) -> Matrix {
    let n = x.rows
    let p = x.cols
    var out = x.storage
    switch self {
    case .regression(let qr, let scale):
      for j in 0..<p {
        let u = (0..<n).map { i in scale[i] == 0 ? 0 : out[j * n + i] / scale[i] }
        let r = qr.residuals(for: u)
        for i in 0..<n { out[j * n + i] = r[i] * scale[i] }
      }
    case .postStratify(let cells, let cellCount, let weights, let oldWeights):
      var psw = weights
      for i in 0..<n where psw[i] == 0 && oldWeights[i] == 0 { psw[i] = 1 }
      var denominators = [Double](repeating: 0, count: cellCount)
      for i in 0..<n { denominators[cells[i]] += oldWeights[i] }
      for j in 0..<p {
        var sums = [Double](repeating: 0, count: cellCount)
        for i in 0..<n where psw[i] != 0 { sums[cells[i]] += out[j * n + i] * oldWeights[i] / psw[i] }
        for i in 0..<n {
          let d = denominators[cells[i]]
          if d != 0 { out[j * n + i] -= sums[cells[i]] / d * psw[i] }
        }
      }
    case .rake(let margins):
      for _ in 0..<10 {
        for m in margins {
          var counts = [Double](repeating: 0, count: m.cellCount)
          for i in 0..<n { counts[m.cells[i]] += 1 }
          for j in 0..<p {
            var sums = [Double](repeating: 0, count: m.cellCount)
            for i in 0..<n where m.weights[i] != 0 { sums[m.cells[i]] += out[j * n + i] / m.weights[i] }
            for i in 0..<n { out[j * n + i] -= m.weights[i] * sums[m.cells[i]] / counts[m.cells[i]] }
          }
        }
      }
    }
    return Matrix(rows: n, cols: p, columnMajor: out)
  }
}

/// The result of calibrating one set of weights.
struct CalibratedWeights {
  var weights: [Double]
  var summary: CalibrationSummary
  var adjustment: CalibrationAdjustment
}

/// Resolved calibration inputs for a data set: the model matrix or the cells, checked once and
/// applied to the full-sample weights and to each replicate's.
struct CalibrationProblem {
  let specification: CalibrationSpecification
  /// `calibrate`: the model matrix (n × k) and the totals in its column order.
  var matrix: Matrix?
  var columnNames: [String] = []
  var population: [Double] = []
  /// post-strata / rake: cell codes of each margin and the total of each code.
  var margins: [(label: String, cells: [Int], names: [String], totals: [Double])] = []

  init(_ spec: CalibrationSpecification, data: DataFrame) throws {
    self.specification = spec
    let n = data.rowCount
    if !(spec.epsilon > 0 && spec.epsilon.isFinite) || spec.maxIterations < 1 {
      throw DesignError.invalidCalibrationControl(epsilon: spec.epsilon, maxIterations: spec.maxIterations)
    }
    switch spec.method {
    case .calibrate:
      guard let formula = spec.formula else { throw DesignError.calibrationNeedsFormula }
      let (lo, hi) = (spec.lowerBound ?? -.infinity, spec.upperBound ?? .infinity)
      if !(lo < 1 && hi > 1) {
        throw DesignError.invalidCalibrationBounds(lower: lo, upper: hi)
      }
      if spec.distance == .logit, !(spec.lowerBound?.isFinite ?? false) || !(spec.upperBound?.isFinite ?? false) {
        throw DesignError.logitNeedsBounds
      }
      let mm = try ModelMatrix.build(formula: formula, data: data)
      if mm.rows.count < n {
        let kept = Set(mm.rows)
        let row = (0..<n).first { !kept.contains($0) } ?? 0
        let variable = data.names.first { name in
          (try? data.column(named: name).isMissing(row)) == true && formulaMentions(formula, name)
        }
        throw DesignError.calibrationMissingValue(variable: variable ?? formula, row: row + 1)
      }
      let names = mm.columnNames
      var byName: [String: Double] = [:]
      for t in spec.totals {
        guard names.contains(t.name) else { throw DesignError.calibrationUnknownTerm(term: t.name, columns: names) }
        if byName[t.name] != nil { throw DesignError.calibrationDuplicateTotal(name: t.name) }
        guard t.value.isFinite else { throw DesignError.calibrationNonFiniteTotal(name: t.name) }
        byName[t.name] = t.value
      }
      var population: [Double] = []
      for name in names {
        guard let v = byName[name] else { throw DesignError.calibrationTotalMissing(term: name, columns: names) }
        population.append(v)
      }
      self.matrix = mm.x
      self.columnNames = names
      self.population = population
    case .poststratify, .rake:
      if spec.margins.isEmpty || (spec.method == .poststratify && spec.margins.count != 1) {
        throw DesignError.calibrationNeedsMargins(method: spec.method.rawValue)
      }
      let allRows = Array(0..<n)
      for margin in spec.margins {
        guard !margin.variables.isEmpty else { throw DesignError.calibrationNeedsMargins(method: spec.method.rawValue) }
        // Codes of each variable, then of their combination; names as R's interaction(): a.b.
        var combined: [Int]?
        var labelsOf: [[String]] = []
        var perVariable: [[Int]] = []
        for v in margin.variables {
          let c = try codes(of: v, in: data, rows: allRows)
          perVariable.append(c.codes)
          labelsOf.append(c.names)
          combined = combined.map { pairCodes($0, c.codes) } ?? c.codes
        }
        let firstSeen = combined ?? []
        var seenNames = [String](repeating: "", count: (firstSeen.max() ?? -1) + 1)
        for i in 0..<n where seenNames[firstSeen[i]].isEmpty {
          seenNames[firstSeen[i]] = perVariable.indices.map { labelsOf[$0][perVariable[$0][i]] }.joined(separator: ".")
        }
        // Cells in sorted order (numerically when every label is a number), as R's tables.
        let numeric = seenNames.allSatisfy { Double($0) != nil }
        let order = seenNames.indices.sorted { a, b in
          numeric ? Double(seenNames[a])! < Double(seenNames[b])! : seenNames[a] < seenNames[b]
        }
        var rank = [Int](repeating: 0, count: order.count)
        for (k, code) in order.enumerated() { rank[code] = k }
        let cells = firstSeen.map { rank[$0] }
        let names = order.map { seenNames[$0] }
        var totals = [Double](repeating: .nan, count: names.count)
        for t in margin.totals {
          guard let k = names.firstIndex(of: t.name) else {
            if t.value == 0 { continue }  // a cell absent from sample and population (R drops it)
            throw DesignError.calibrationUnknownLevel(variable: margin.label, level: t.name, levels: names)
          }
          if !totals[k].isNaN { throw DesignError.calibrationDuplicateTotal(name: "\(margin.label):\(t.name)") }
          guard t.value.isFinite, t.value >= 0 else { throw DesignError.calibrationNonFiniteTotal(name: "\(margin.label):\(t.name)") }
          totals[k] = t.value
        }
        // A sampled level needs a positive total (R: "Strata in sample absent from population").
        if let k = totals.firstIndex(where: { $0.isNaN || $0 == 0 }) {
          throw DesignError.calibrationLevelWithoutTotal(variable: margin.label, level: names[k])
        }
        self.margins.append((margin.label, cells, names, totals))
      }
    }
  }

  /// Calibrates `base` (design or replicate weights, one per data row).
  func calibrate(_ base: [Double]) throws -> CalibratedWeights {
    let spec = specification
    switch spec.method {
    case .calibrate:
      guard let x = matrix else { preconditionFailure("calibrate without a matrix") }
      let result = try gWeights(x: x, weights: base, population: population, spec: spec, names: columnNames)
      let w = zip(base, result.g).map { $0 * $1 }
      let achieved = x.multiplied(by: w, transpose: true)
      let targets = columnNames.indices.map {
        CalibrationSummary.Target(name: columnNames[$0], target: population[$0], achieved: achieved[$0])
      }
      let whalf = base.map { $0.squareRoot() }
      let qr = try QRDecomposition(x.scalingRows(by: whalf))
      let scale = zip(result.g, whalf).map { $0 * $1 }
      return CalibratedWeights(
        weights: w,
        summary: summary(base: base, final: w, iterations: result.iterations, targets: targets),
        adjustment: .regression(qr: qr, scale: scale))
    case .poststratify:
      let m = margins[0]
      let w = try postStratified(base, cells: m.cells, names: m.names, totals: m.totals, label: m.label)
      let targets = achievedTargets(w, margin: m, prefix: false)
      return CalibratedWeights(
        weights: w, summary: summary(base: base, final: w, iterations: 1, targets: targets),
        adjustment: .postStratify(cells: m.cells, cellCount: m.names.count, weights: w, oldWeights: base))
    case .rake:
      var w = base
      var lastSweep: [CalibrationAdjustment.RakeMargin] = []
      var sweeps = 0
      var gap = Double.infinity
      while sweeps < spec.maxIterations {
        sweeps += 1
        lastSweep = []
        for m in margins {
          w = try postStratified(w, cells: m.cells, names: m.names, totals: m.totals, label: m.label)
          lastSweep.append(.init(cells: m.cells, cellCount: m.names.count, weights: w))
        }
        gap = margins.map { m in
          achievedTargets(w, margin: m, prefix: true).map { abs($0.achieved - $0.target) / (1 + abs($0.target)) }
            .max() ?? 0
        }.max() ?? 0
        if gap < spec.epsilon { break }
      }
      let targets = margins.flatMap { achievedTargets(w, margin: $0, prefix: true) }
      if gap >= spec.epsilon {
        let worst = targets.max { abs($0.achieved - $0.target) / (1 + abs($0.target)) < abs($1.achieved - $1.target) / (1 + abs($1.target)) }
        throw DesignError.calibrationDidNotConverge(
          method: "rake", iterations: sweeps, gap: gap, term: worst?.name ?? "")
      }
      return CalibratedWeights(
        weights: w, summary: summary(base: base, final: w, iterations: sweeps, targets: targets),
        adjustment: .rake(lastSweep))
    }
  }

  private func achievedTargets(
    _ w: [Double], margin m: (label: String, cells: [Int], names: [String], totals: [Double]), prefix: Bool
  ) -> [CalibrationSummary.Target] {
    var sums = [Double](repeating: 0, count: m.names.count)
    for i in w.indices { sums[m.cells[i]] += w[i] }
    return m.names.indices.map {
      CalibrationSummary.Target(
        name: prefix ? "\(m.label):\(m.names[$0])" : m.names[$0], target: m.totals[$0], achieved: sums[$0])
    }
  }

  private func summary(base: [Double], final: [Double], iterations: Int, targets: [CalibrationSummary.Target])
    -> CalibrationSummary
  {
    var gs: [Double] = []
    for i in base.indices where base[i] != 0 { gs.append(final[i] / base[i]) }
    let gap = targets.map { abs($0.achieved - $0.target) / (1 + abs($0.target)) }.max() ?? 0
    return CalibrationSummary(
      method: specification.method, distance: specification.method == .calibrate ? specification.distance : nil,
      gMinimum: gs.min() ?? .nan, gMaximum: gs.max() ?? .nan,
      gMean: gs.isEmpty ? .nan : gs.reduce(0, +) / Double(gs.count), iterations: iterations, largestError: gap,
      targets: targets, negativeWeights: final.filter { $0 < 0 }.count)
  }
}

/// `formula` names `variable` as a whole word.
private func formulaMentions(_ formula: String, _ variable: String) -> Bool {
  var search = formula.startIndex..<formula.endIndex
  while let r = formula.range(of: variable, range: search) {
    let before = r.lowerBound == formula.startIndex ? nil : formula[formula.index(before: r.lowerBound)]
    let after = r.upperBound == formula.endIndex ? nil : formula[r.upperBound]
    let isName: (Character?) -> Bool = { c in c.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ?? false }
    if !isName(before) && !isName(after) { return true }
    search = r.upperBound..<formula.endIndex
  }
  return false
}

/// Weights scaled so each cell's weights sum to its total (R `postStratify`'s reweighting).
private func postStratified(_ w: [Double], cells: [Int], names: [String], totals: [Double], label: String) throws -> [Double] {
  var sums = [Double](repeating: 0, count: names.count)
  for i in w.indices { sums[cells[i]] += w[i] }
  for k in names.indices where sums[k] == 0 && totals[k] != 0 {
    throw DesignError.calibrationEmptyCell(variable: label, level: names[k])
  }
  return w.indices.map { i in
    let k = cells[i]
    return sums[k] == 0 ? 0 : w[i] * totals[k] / sums[k]
  }
}

/// R `grake`: Newton iterations on λ for g = 1 + F(Xλ) until every total is met to `epsilon`
/// (relative to 1 + |target|); the Newton matrix is inverted as R's `MASS::ginv`.
func gWeights(
  x: Matrix, weights: [Double], population: [Double], spec: CalibrationSpecification, names: [String]
) throws -> (g: [Double], iterations: Int) {
  let n = x.rows
  let k = x.cols
  let lower = spec.lowerBound ?? -.infinity
  let upper = spec.upperBound ?? .infinity
  let distance = spec.distance
  var ww = weights
  var sampleTotal = x.multiplied(by: ww, transpose: true)
  // R rescales the weights when every total is more than 20 times its sample estimate.
  let scales = zip(population, sampleTotal).map { $0 / $1 }
  var scale: Double?
  if let m = scales.min(), m > 20 {
    let s = scales.reduce(0, +) / Double(scales.count)
    scale = s
    ww = ww.map { $0 * s }
    sampleTotal = sampleTotal.map { $0 * s }
  }

  func f(_ u: Double) -> Double {
    switch distance {
    case .linear: return Swift.min(Swift.max(u + 1, lower), upper) - 1
    case .raking: return Swift.min(Swift.max(Foundation.exp(u), lower), upper) - 1
    case .logit:
      let a = (upper - lower) / ((upper - 1) * (1 - lower))
      let e = Foundation.exp(a * u)
      return (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e) - 1
    }
  }
  func df(_ u: Double) -> Double {
    switch distance {
    case .linear: return (u < upper - 1 && u > lower - 1) ? 1 : 0
    case .raking: return (u < upper - 1 && u > lower - 1) ? Foundation.exp(u) : 0
    case .logit:
      let a = (upper - lower) / ((upper - 1) * (1 - lower))
      let e = Foundation.exp(a * u)
      let den = upper - 1 + (1 - lower) * e
      return upper * (1 - lower) * e * a / den - (lower * (upper - 1) + upper * (1 - lower) * e) * ((1 - lower) * e * a) / (den * den)
    }
  }
  func misfit(_ u: [Double]) -> [Double] {
    let fw = (0..<n).map { ww[$0] * f(u[$0]) }
    let t = x.multiplied(by: fw, transpose: true)
    return (0..<k).map { population[$0] - sampleTotal[$0] - t[$0] }
  }
  func relative(_ m: [Double]) -> [Double] { (0..<k).map { abs(m[$0]) / (1 + abs(population[$0])) } }

  var eta = [Double](repeating: 0, count: k)
  var u = [Double](repeating: 0, count: n)
  var deriv = u.map(df)
  var iterations = 1
  while true {
    let tmat = x.crossProduct(rowWeights: (0..<n).map { ww[$0] * deriv[$0] })
    let m = misfit(u)
    var deta = try pseudoInverse(tmat).multiplied(by: m)
    eta = zip(eta, deta).map { $0 + $1 }
    u = x.multiplied(by: eta)
    var g = u.map { 1 + f($0) }
    deriv = u.map(df)
    while iterations < spec.maxIterations && (g.contains { !$0.isFinite } || deriv.contains { !$0.isFinite }) {
      iterations += 1
      deta = deta.map { $0 / 2 }
      eta = zip(eta, deta).map { $0 - $1 }
      u = x.multiplied(by: eta)
      g = u.map { 1 + f($0) }
      deriv = u.map(df)
    }
    let rel = relative(misfit(u))
    if rel.allSatisfy({ $0 < spec.epsilon }) {
      if let scale { g = g.map { $0 * scale } }
      return (g, iterations)
    }
    iterations += 1
    if iterations > spec.maxIterations {
      let worst = rel.indices.max { rel[$0] < rel[$1] } ?? 0
      let gap = rel[worst]
      if lower.isFinite || upper.isFinite {
        throw DesignError.calibrationBoundsInfeasible(
          term: names[worst], lower: lower, upper: upper, iterations: iterations - 1, gap: gap.isNaN ? .infinity : gap)
      }
      throw DesignError.calibrationDidNotConverge(
        method: distance.rawValue, iterations: iterations - 1, gap: gap.isNaN ? .infinity : gap, term: names[worst])
    }
  }
}

/// Moore–Penrose inverse of a symmetric matrix as `MASS::ginv(tol = 256 ε)`: singular values below
/// `tol × largest` are dropped.
private func pseudoInverse(_ a: Matrix) throws -> Matrix {
  let svd = try SVD(a)
  let s = svd.singularValues
  let top = s.max() ?? 0
  let tol = 256 * Double.ulpOfOne * top
  let k = a.rows
  var out = [Double](repeating: 0, count: k * k)
  for (r, sv) in s.enumerated() where sv > tol && sv > 0 {
    for j in 0..<k {
      let vj = svd.vt[r, j] / sv
      for i in 0..<k { out[j * k + i] += vj * svd.u[i, r] }
    }
  }
  // out[i, j] = Σ_r v[i, r] u[j, r] / s_r  (A⁺ = V S⁻¹ Uᵀ)
  return Matrix(rows: k, cols: k, columnMajor: out).transposedSquare()
}

extension Matrix {
  fileprivate func transposedSquare() -> Matrix {
    var out = [Double](repeating: 0, count: rows * cols)
    for i in 0..<rows { for j in 0..<cols { out[i * cols + j] = self[i, j] } }
    return Matrix(rows: cols, cols: rows, columnMajor: out)
  }
}

extension ReplicateDesign {
  /// The design with the full-sample weights and every replicate's analysis weights calibrated
  /// (R `calibrate`/`postStratify`/`rake` of a `svyrep.design`): the replicates become combined
  /// weights; the variance is the replicates' spread as before.
  ///
  /// - Throws: the `DesignError`s of calibration (unknown terms or levels, missing totals,
  ///   non-convergence) for the full sample or for any replicate.
  public func calibrated(_ spec: CalibrationSpecification, data: DataFrame) throws -> ReplicateDesign {
    let problem = try CalibrationProblem(spec, data: data)
    let full = try problem.calibrate(weights)
    let allRows = Array(0..<rowCount)
    var storage: [Double] = []
    storage.reserveCapacity(rowCount * replicateCount)
    for r in 0..<replicateCount {
      storage += try problem.calibrate(analysisWeights(replicate: r, rows: allRows)).weights
    }
    var out = ReplicateDesign(
      weights: full.weights, replicateWeights: Matrix(rows: rowCount, cols: replicateCount, columnMajor: storage),
      combinedWeights: true, type: type, scale: scale, rscales: rscales, rho: rho, mse: mse, names: replicateNames)
    out.calibration = full.summary
    return out
  }
}
