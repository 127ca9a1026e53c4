import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport

/// A sampling unit's identity: its stratum and clusters (codes or values), or its row; up to
/// four parts held inline (no allocation per row), more in `rest`.
struct UnitKey: Hashable {
  var p0 = 0.0, p1 = 0.0, p2 = 0.0, p3 = 0.0
  var count = 0
  var rest: [Double] = []

  mutating func append(_ v: Double) {
    switch count {
    case 0: p0 = v
    case 1: p1 = v
    case 2: p2 = v
    case 3: p3 = v
    default: rest.append(v)
    }
    count += 1
  }
}

/// One chunk's estimation rows, ready for a pass.
struct ChunkData {
  /// 0-based data rows.
  var rows: [Int]
  /// Positions (into the chunk frame) of the rows.
  var local: [Int]
  var x: Matrix
  var y: [Double]
  /// The prior weights of each weight set (set 0: the full sample's; r: replicate r's analysis
  /// weights), on their own scale.
  var weights: [[Double]]
  /// Rows of the chunk dropped for missing values, and by the subset.
  var droppedMissing: Int
  var droppedBySubset: Int
  /// When `x` is compact (read from the model-matrix cache): the factor dummies it leaves out,
  /// as level codes (`IndicatorStructure`, not storing the indicators).
  var structure: IndicatorStructure? = nil
  /// Each row's sampling unit (index into the source's units) under a linearization design.
  var units: [Int32]? = nil

  /// The full model matrix.
  var fullX: Matrix { structure.map { x.expandingIndicators($0) } ?? x }
}

extension ChunkedSource {
  /// A design column's value on a row: a key and a label; nil when missing.
  static func value(_ column: Column, _ i: Int, label: Bool = true) -> (key: Double, label: String)? {
    switch column.storage {
    case .numeric(let c):
      if c.missing[i] || c.values[i].isNaN { return nil }
      let v = c.values[i]
      guard label else { return (v, "") }
      return (v, v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v))
    case .factor(let f):
      let code = f.codes[i]
      return code < 0 ? nil : (Double(code), label ? f.levels[Int(code)] : "")
    }
  }

  static func designColumn(_ name: String, in frame: DataFrame) throws -> Column {
    guard let k = frame.index(of: name) else {
      throw FormulaError.unknownVariable(name: name, suggestions: frame.suggestions(for: name))
    }
    return frame.columns[k]
  }

  /// A chunk's design columns, found once per chunk.
  struct DesignColumns {
    var strata: (name: String, column: Column)?
    var psu: [(name: String, column: Column)]
    var fpc: [(name: String, column: Column)]

    init(_ design: DesignSpecification, frame: DataFrame) throws {
      strata = try design.strata.map { ($0, try designColumn($0, in: frame)) }
      psu = try design.psu.map { ($0, try designColumn($0, in: frame)) }
      fpc = try design.fpc.map { ($0, try designColumn($0, in: frame)) }
    }
  }

  /// The unit of row `i` of a chunk (and its labels when `labels`), or a `DesignError` for a
  /// missing value.
  static func unitKey(_ columns: DesignColumns, row i: Int, first: Int, labels: Bool) throws
    -> (key: UnitKey, stratum: String?, clusters: [String], fpc: [Double])
  {
    var parts = UnitKey()
    var stratum: String?
    if let (name, column) = columns.strata {
      guard let v = value(column, i, label: labels) else { throw DesignError.missingValue(column: name, row: first + i + 1) }
      parts.append(v.key)
      stratum = v.label
    }
    var clusters: [String] = []
    if columns.psu.isEmpty {
      parts.append(Double(first + i))
      if labels { clusters.append(String(first + i + 1)) }
    }
    for (name, column) in columns.psu {
      guard let v = value(column, i, label: labels) else { throw DesignError.missingValue(column: name, row: first + i + 1) }
      parts.append(v.key)
      if labels { clusters.append(v.label) }
    }
    var fpc: [Double] = []
    if labels {
      for (name, column) in columns.fpc {
        guard let v = value(column, i, label: false) else { throw DesignError.missingValue(column: name, row: first + i + 1) }
        fpc.append(v.key)
      }
    }
    return (parts, stratum, clusters, fpc)
  }

  /// The design on every row of a chunk: weights checked and summed, units listed.
  static func collectUnits(
    _ design: DesignSpecification, frame: DataFrame, first: Int, weights: String?, index: inout [UnitKey: Int],
    units: inout UnitTotals, weightTotal: inout Double, zeroWeights: inout Int
  ) throws {
    let n = frame.rowCount
    if let weights {
      guard case .numeric(let w) = try designColumn(weights, in: frame).storage else {
        throw FormulaError.nonNumeric(variable: weights, term: weights)
      }
      for i in 0..<n {
        if w.missing[i] || w.values[i].isNaN { throw DesignError.missingValue(column: weights, row: first + i + 1) }
        let v = w.values[i]
        if !v.isFinite { throw DesignError.nonFiniteValue(column: weights, row: first + i + 1, value: v, count: 1) }
        if v < 0 { throw DesignError.negativeWeight(column: weights, row: first + i + 1, value: v, count: 1) }
        weightTotal += v
        if v == 0 { zeroWeights += 1 }
      }
    } else {
      weightTotal += Double(n)
    }
    guard design.replicateWeights == nil else { return }
    let stages = Swift.max(design.psu.count, 1)
    if units.clusters.isEmpty { units.clusters = Array(repeating: [], count: stages) }
    let columns = try DesignColumns(design, frame: frame)
    // Rows of one unit usually come together: the previous row's unit needs no look-up.
    var previous: UnitKey?
    for i in 0..<n {
      let key = try unitKey(columns, row: i, first: first, labels: false).key
      if key == previous { continue }
      previous = key
      if index[key] == nil {
        let u = try unitKey(columns, row: i, first: first, labels: true)
        index[u.key] = units.clusters[0].count
        if let s = u.stratum { units.strata.append(s) }
        for k in 0..<stages { units.clusters[k].append(u.clusters[k]) }
        if !u.fpc.isEmpty {
          if units.fpc.isEmpty { units.fpc = Array(repeating: [], count: u.fpc.count) }
          for k in u.fpc.indices { units.fpc[k].append(u.fpc[k]) }
        }
      }
    }
  }

  /// A chunk's estimation rows: its model matrix with the sample's coding, the response and
  /// every weight set.
  func prepare(_ frame: DataFrame, first: Int) throws -> ChunkData {
    try Self.prepare(
      frame, first: first, formula: formula, options: options, recipe: recipe, responseLevels: responseLevels,
      replicate: replicate, replicateColumns: replicateColumns, design: specification.design, unitIndex: unitIndex)
  }

  /// `prepare(_:first:)` with the coding, the replicate columns and the design units given (the
  /// first pass calls it before the source is complete).
  static func prepare(
    _ frame: DataFrame, first: Int, formula: Formula, options: ModelFrameOptions, recipe: ModelRecipe,
    responseLevels: [String]?, replicate: ReplicateDesign?, replicateColumns: [String],
    design: DesignSpecification?, unitIndex: [UnitKey: Int]
  ) throws -> ChunkData {
    let mm = try ModelMatrix.build(
      formula: formula, data: frame, options: options, recipe: recipe, responseLevels: responseLevels)
    let local = mm.rows
    guard let y = mm.response else { throw EstimationError.missingResponse }
    let w0 = mm.weights ?? [Double](repeating: 1, count: local.count)
    var weights = [w0]
    if let replicate, !replicateColumns.isEmpty {
      for name in replicateColumns {
        guard case .numeric(let c) = try designColumn(name, in: frame).storage else {
          throw FormulaError.nonNumeric(variable: name, term: name)
        }
        var w = [Double](repeating: 0, count: local.count)
        for (k, i) in local.enumerated() {
          if c.missing[i] || !c.values[i].isFinite { throw DesignError.missingValue(column: name, row: first + i + 1) }
          if c.values[i] < 0 {
            throw DesignError.negativeReplicateWeight(column: name, row: first + i + 1, value: c.values[i])
          }
          w[k] = replicate.combinedWeights ? c.values[i] : c.values[i] * w0[k]
        }
        weights.append(w)
      }
    }
    var unitCodes: [Int32]?
    if let design, design.replicateWeights == nil {
      let columns = try DesignColumns(design, frame: frame)
      var codes = [Int32](repeating: 0, count: local.count)
      var previous: (key: UnitKey, unit: Int32)?
      for (k, i) in local.enumerated() {
        let u = try unitKey(columns, row: i, first: first, labels: false).key
        if let previous, previous.key == u {
          codes[k] = previous.unit
          continue
        }
        guard let unit = unitIndex[u] else { throw ScaleError.dataChanged(path: frame.source) }
        codes[k] = Int32(unit)
        previous = (u, Int32(unit))
      }
      unitCodes = codes
    }
    return ChunkData(
      rows: local.map { first + $0 }, local: local, x: mm.x, y: y, weights: weights,
      droppedMissing: mm.droppedMissing, droppedBySubset: mm.droppedBySubset, units: unitCodes)
  }

  /// Walks every chunk's prepared rows: from the provider (with the chunk's frame) when
  /// `needsFrame` or before the prepared cache is complete (the first such pass writes it), else
  /// from the cache (frame nil).
  func forEachPrepared(needsFrame: Bool, _ body: (ChunkData, DataFrame?) throws -> Void) throws {
    passCount += 1
    if !needsFrame, let prepared = preparedCache, preparedComplete {
      let task = "pass \(passCount)"
      try prepared.forEachChunk(
        progress: { done in self.progress?(WorkProgress(task: task, completed: done, total: prepared.size, unit: .bytes)) }
      ) { try body($0, nil) }
      return
    }
    chunks.beginPass(passCount)
    var writer: PreparedCache?
    if cachesModelMatrix && !preparedComplete {
      preparedCache = nil
      writer = try PreparedCache(directory: cacheDirectory)
    }
    try chunks.forEachChunk { frame, first in
      let chunk = try prepare(frame, first: first)
      try writer?.append(chunk)
      try body(chunk, frame)
    }
    if let writer {
      preparedCache = writer
      preparedComplete = true
    }
  }

  public func summary(model: AggregateModel) throws -> SourceSummary {
    // The first pass summed the chunks it prepared (`SummarySums`) when its coding held to the end.
    if let presummed, presummed.model == model { return try finishSummary(presummed) }
    var sums = SummarySums(model: model, columns: columnNames.count, sets: 1 + replicateCount, replicates: replicateCount)
    try forEachPrepared(needsFrame: true) { chunk, frame in
      guard let frame else { return }
      try sums.add(
        chunk, frame: frame, responseName: responseName, replicate: replicate, replicateColumns: replicateColumns,
        designWeights: designWeights)
    }
    return try finishSummary(sums)
  }

  /// The summary from the chunks' sums: the checks of the whole sample, and a replicate design's
  /// degrees of freedom.
  func finishSummary(_ s: SummarySums) throws -> SourceSummary {
    if s.negative > 0 { throw EstimationError.negativeWeights(count: s.negative, firstRow: s.firstNegative) }
    if s.rows == 0 {
      throw FormulaError.noRowsLeft(droppedMissing: s.droppedMissing, droppedBySubset: s.droppedBySubset)
    }
    if s.positive[0] == 0 { throw EstimationError.noPositiveWeights }
    if let replicate, let gramAll = s.gramAll, let gramEstimation = s.gramEstimation {
      let summary = DesignSummary(
        kind: "replicate", observations: designRows, strata: nil, psus: nil, stages: nil,
        populationSize: designWeightTotal, df: 0, replicates: replicateCount, replicateType: replicate.type,
        lonelyPSU: nil, zeroWeights: designZeroWeights, weightSource: "column", fpc: false, scale: replicate.scale,
        mse: replicate.mse)
      design = .replicate(
        type: replicate.type, scale: replicate.scale, rscales: replicate.rscales, mse: replicate.mse,
        estimationDF: gramRank(gramEstimation, tolerance: 1e-5, rows: s.positive[0]) - 1,
        fullDF: gramRank(gramAll, tolerance: 1e-5, rows: designRows) - 1, summary: summary)
    }
    return SourceSummary(
      positiveCount: s.positive, weightTotal: s.total, weightedResponse: s.weightedY, rows: s.rows,
      droppedMissing: s.droppedMissing, droppedBySubset: s.droppedBySubset,
      responseRange: s.low <= s.high ? s.low...s.high : 0...0, columnSums: s.sums, columnSquares: s.squares)
  }

  public func pass(_ request: PassRequest) throws -> [PassSums] {
    let k = request.columns.count
    var out = request.weightSets.map { _ in PassSums(columns: k) }
    let all = request.columns.count == columnNames.count
    try forEachPrepared(needsFrame: false) { chunk, _ in
      let m = chunk.y.count
      guard m > 0 else { return }
      // A compact chunk keeps its factor's dummies as codes when every column is used.
      let structure = all ? chunk.structure : nil
      let x = structure != nil ? chunk.x : (all ? chunk.fullX : chunk.fullX.selectingColumns(request.columns))
      for (s, set) in request.weightSets.enumerated() {
        let scale = request.weightScales[s]
        let prior = chunk.weights[set].map { $0 / scale }
        var w = [Double](repeating: 0, count: m)
        var v = [Double](repeating: 0, count: m)
        var deviance = 0.0
        switch request.point {
        case .start:
          for i in 0..<m where prior[i] > 0 {
            let r = RowKernel.start(model: request.model, y: chunk.y[i], prior: prior[i])
            w[i] = r.weight
            v[i] = r.weight * r.response
            deviance += r.deviance
          }
        case .coefficients(let betas):
          let eta = Self.linearPredictor(x, structure: structure, coefficients: betas[s])
          for i in 0..<m where prior[i] > 0 {
            let r = RowKernel.evaluate(model: request.model, y: chunk.y[i], eta: eta[i], prior: prior[i])
            w[i] = r.weight
            v[i] = r.multiplier
            deviance += r.deviance
          }
        }
        let (gram, product) = x.weightedGram(weights: w, vector: v, structure: structure)
        out[s].add(PassSums(gram: gram, score: product, deviance: deviance))
      }
    }
    return out
  }

  /// `Xβ` of a full matrix, or of a compact one (its dense columns, plus each row's level's
  /// coefficient).
  static func linearPredictor(_ x: Matrix, structure: IndicatorStructure?, coefficients beta: [Double]) -> [Double] {
    guard let structure else { return x.multiplied(by: beta) }
    var eta = x.multiplied(by: structure.denseColumns.map { beta[$0] })
    let levels = structure.indicatorColumns.map { beta[$0] }
    let codes = structure.levelCodes
    for i in eta.indices where codes[i] >= 0 { eta[i] += levels[Int(codes[i])] }
    return eta
  }

  public func scores(_ request: ScoresRequest) throws -> ScoresResult {
    let k = request.columns.count
    var statistics = FitSums()
    var cross = Matrix(rows: k, cols: k)
    var ones = 0
    var zeros = 0
    // Clusters: cells of the clustering columns' values.
    var cellIndex: [[Double]: Int] = [:]
    var cellTotals: [[Double]] = []
    var groupIndex: [[Double: Int]] = []
    var cellGroups: [[Int]] = []
    if case .clusters(let names) = request.totals {
      groupIndex = Array(repeating: [:], count: names.count)
      cellGroups = Array(repeating: [], count: names.count)
    }
    // Unit totals, column-major (unit u, column j at j × units + u).
    let unitCount = units.count
    var unitTotals = [Double](repeating: 0, count: request.totals == .units ? unitCount * k : 0)
    var inEstimation = [Bool](repeating: false, count: unitCount)
    let binomial: Bool = {
      if case .glm(let m) = request.model { return m.family != .poisson }
      return false
    }()
    let eps = 10 * Double.ulpOfOne
    let needsFrame: Bool
    switch request.totals {
    case .none, .crossProduct, .units: needsFrame = false
    case .clusters: needsFrame = true
    }
    let all = k == columnNames.count
    try forEachPrepared(needsFrame: needsFrame) { chunk, frame in
      let m = chunk.y.count
      guard m > 0 else { return }
      // A compact chunk (from the model-matrix cache) keeps its factor's dummies as level codes:
      // Xβ and the unit totals are taken from it as the IRLS passes take X'WX, with no full matrix.
      let structure = all ? chunk.structure : nil
      let x = structure != nil ? chunk.x : (all ? chunk.fullX : chunk.fullX.selectingColumns(request.columns))
      let eta = Self.linearPredictor(x, structure: structure, coefficients: request.coefficients)
      let prior = chunk.weights[0]
      var multipliers = [Double](repeating: 0, count: m)
      for i in 0..<m where prior[i] > 0 {
        let r = RowKernel.evaluate(model: request.model, y: chunk.y[i], eta: eta[i], prior: prior[i])
        multipliers[i] = r.multiplier
        RowKernel.statistics(
          model: request.model, y: chunk.y[i], eta: eta[i], prior: prior[i], nullMean: request.nullMean,
          into: &statistics)
        if binomial {
          if r.mu > 1 - eps { ones += 1 }
          if r.mu < eps { zeros += 1 }
        }
      }
      switch request.totals {
      case .none:
        break
      case .crossProduct:
        let full = structure.map { x.expandingIndicators($0) } ?? x
        cross = cross + full.crossProduct(rowWeights: multipliers.map { $0 * $0 })
      case .clusters(let names):
        guard let frame else { return }
        let full = structure.map { x.expandingIndicators($0) } ?? x
        let columns = try names.map { try Self.designColumn($0, in: frame) }
        for i in 0..<m where prior[i] > 0 {
          var key: [Double] = []
          for (c, column) in columns.enumerated() {
            guard let v = Self.value(column, chunk.local[i]) else {
              throw DesignError.missingValue(column: names[c], row: chunk.rows[i] + 1)
            }
            key.append(v.key)
          }
          let cell: Int
          if let existing = cellIndex[key] {
            cell = existing
          } else {
            cell = cellTotals.count
            cellIndex[key] = cell
            cellTotals.append([Double](repeating: 0, count: k))
            for (c, value) in key.enumerated() {
              let g = groupIndex[c][value] ?? groupIndex[c].count
              groupIndex[c][value] = g
              cellGroups[c].append(g)
            }
          }
          for j in 0..<k { cellTotals[cell][j] += multipliers[i] * full[i, j] }
        }
      case .units:
        guard let codes = chunk.units else { throw ScaleError.notStreamable(what: "design units without a linearization design") }
        for i in 0..<m where prior[i] > 0 { inEstimation[Int(codes[i])] = true }
        // Column by column; each unit's total still adds its rows in row order.
        let values = x.storage
        let stored = structure?.denseColumns ?? Array(0..<k)
        for (c, j) in stored.enumerated() {
          let column = c * m
          let target = j * unitCount
          for i in 0..<m { unitTotals[target + Int(codes[i])] += multipliers[i] * values[column + i] }
        }
        if let structure {
          let levelCodes = structure.levelCodes
          let targets = structure.indicatorColumns.map { $0 * unitCount }
          for i in 0..<m where levelCodes[i] >= 0 {
            unitTotals[targets[Int(levelCodes[i])] + Int(codes[i])] += multipliers[i]
          }
        }
      }
    }
    var result = ScoresResult(statistics: statistics, boundaryOnes: ones, boundaryZeros: zeros)
    switch request.totals {
    case .none: break
    case .crossProduct: result.crossProduct = cross
    case .clusters(let names):
      var totals = Matrix(rows: cellTotals.count, cols: k)
      for (c, row) in cellTotals.enumerated() { for j in 0..<k { totals[c, j] = row[j] } }
      result.cells = (
        totals, names.indices.map { ClusterCells(name: names[$0], codes: cellGroups[$0], count: groupIndex[$0].count) }
      )
    case .units:
      var u = units
      u.inEstimation = inEstimation
      result.units = (u, Matrix(rows: unitCount, cols: k, columnMajor: unitTotals))
    }
    return result
  }
}
