import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg

/// A descriptive request on a CSV file read in bounded chunks: `strata mean|total|prop|ratio
/// --data big.csv --stream`.
public struct StreamedDescriptiveSpecification: Sendable {
  /// `.mean`, `.total`, `.proportion` or `.ratio` (others are refused).
  public var statistic: DescriptiveStatistic
  /// Numeric variables (mean, total), categorical ones (proportion), or `[numerator, denominator]`.
  public var variables: [String]
  /// The survey design (nil: equal weights, each row its own PSU, as in memory).
  public var design: DesignSpecification?
  /// Group variables (R `svyby`).
  public var by: [String]
  /// A domain (R `subset(design, …)`): rows outside it count zero, every PSU is kept.
  public var subpop: String?
  public var level: Double
  public var convention: IntervalConvention
  /// Bytes of CSV per chunk.
  public var chunkBytes: Int

  public init(
    statistic: DescriptiveStatistic, variables: [String], design: DesignSpecification? = nil, by: [String] = [],
    subpop: String? = nil, level: Double = 95, convention: IntervalConvention = .r, chunkBytes: Int = 64 << 20
  ) {
    self.statistic = statistic
    self.variables = variables
    self.design = design
    self.by = by
    self.subpop = subpop
    self.level = level
    self.convention = convention
    self.chunkBytes = chunkBytes
  }
}

/// Design-based means, totals, proportions and ratios of a CSV file larger than memory: one
/// pass over the file in chunks (`CSVStream`, `.reparse`: nothing cached) adds the sums of
/// `DescriptiveLayout` by sampling unit (or weight set), domain group and level, and
/// `AggregateDescriptives.estimate` forms the estimates and the variance from them, as for a
/// PostgreSQL table. Memory: one chunk and O(units × groups × levels) sums (without a PSU column
/// every row is a unit).
public enum StreamedDescriptives {
  public static func estimate(path: String, _ spec: StreamedDescriptiveSpecification) throws -> DescriptiveResult {
    switch spec.statistic {
    case .mean, .total, .proportion: break
    case .ratio:
      guard spec.variables.count == 2 else { throw DesignError.ratioNeedsTwoVariables }
    case .quantile, .variance:
      throw ScaleError.notStreamable(what: "\(spec.statistic.rawValue) (mean, total, prop and ratio are streamed)")
    }
    let source = try CSVDescriptiveSource(path: path, spec: spec)
    return try AggregateDescriptives.estimate(
      spec.statistic, variables: spec.variables, source: source, level: spec.level, convention: spec.convention,
      domain: spec.subpop)
  }
}

extension StreamedDescriptives {
  /// A design-based two-way table of a CSV file larger than memory: two passes (the column
  /// variable's proportions by row level, the row variable's by column level), then
  /// `AggregateDescriptives.tabulate` (cells, margins, Rao–Scott test as R `svychisq`).
  ///
  /// - Parameters:
  ///   - spec: the design, domain, level, convention and chunk size (its statistic, variables
  ///     and `by` are not read; `by` must be empty).
  public static func tabulate(
    path: String, _ rowVariable: String, by columnVariable: String, _ spec: StreamedDescriptiveSpecification
  ) throws -> AggregateTabulation {
    guard spec.by.isEmpty else { throw ScaleError.notStreamable(what: "a table by groups (use a domain)") }
    func grouped(_ variable: String, _ other: String) throws -> CSVDescriptiveSource {
      var s = spec
      s.statistic = .proportion
      s.variables = [other]
      s.by = [variable]
      return try CSVDescriptiveSource(path: path, spec: s)
    }
    return try AggregateDescriptives.tabulate(
      rowVariable, by: columnVariable, byRow: try grouped(rowVariable, columnVariable),
      byColumn: try grouped(columnVariable, rowVariable), level: spec.level, convention: spec.convention,
      domain: spec.subpop)
  }
}

/// A CSV file as a `DescriptiveAggregateSource`: each request is one pass over the file.
final class CSVDescriptiveSource: DescriptiveAggregateSource {
  let path: String
  let spec: StreamedDescriptiveSpecification
  let design: DesignSpecification
  let header: [String]
  let replicateColumns: [String]
  let subpop: RowExpression?
  private(set) var descriptiveDesign: DescriptiveSumsDesign = .replicate(scale: 1, rscales: [], mse: false, df: 0)
  private(set) var dataTotals = DescriptiveDataTotals(
    rows: 0, zeroWeights: 0, weightTotal: 0,
    summary: DesignSummary(
      kind: "linearization", observations: 0, strata: nil, psus: nil, stages: nil, populationSize: 0, df: 0,
      replicates: nil, replicateType: nil, lonelyPSU: nil, zeroWeights: 0, weightSource: "", fpc: false))

  init(path: String, spec: StreamedDescriptiveSpecification) throws {
    self.path = path
    self.spec = spec
    let design = spec.design ?? DesignSpecification()
    self.design = design
    guard design.calibration == nil, design.buildReplicates == nil else {
      throw ScaleError.notStreamable(
        what: "calibrated designs and replicates built from the design (give the replicate-weight columns)")
    }
    guard design.psu.count <= 1, design.fpc.count <= 1 else {
      throw ScaleError.notStreamable(what: "multistage designs (one PSU column and one FPC column)")
    }
    if design.weights == nil && !design.fpc.isEmpty {
      throw ScaleError.notStreamable(what: "sampling weights derived from FPCs (give the weights column)")
    }
    var names: [String] = []
    _ = try FileChunks.open(path: path, chunkBytes: 1 << 16, mode: .reparse) { names.append($0); return false }
    header = names
    var expanded: [String] = []
    for pattern in design.replicateWeights?.columns ?? [] {
      if pattern.contains("*") || pattern.contains("?") {
        let matches = names.filter { fnmatch(pattern, $0, 0) == 0 }
        guard !matches.isEmpty else {
          throw DataError.unknownColumn(name: pattern, source: path, suggestions: [])
        }
        expanded += matches.filter { !expanded.contains($0) }
      } else if !expanded.contains(pattern) {
        expanded.append(pattern)
      }
    }
    replicateColumns = expanded
    if let s = spec.subpop { subpop = try RowExpression.parse(s) } else { subpop = nil }
    var used = [design.weights, design.strata].compactMap { $0 } + design.psu + design.fpc + expanded + spec.by
      + spec.variables
    used = used.filter { !$0.isEmpty }
    for name in used where !names.contains(name) {
      throw DataError.unknownColumn(
        name: name, source: path, suggestions: names.filter { $0.lowercased() == name.lowercased() })
    }
  }

  /// A cell's key: domain group, unit (or weight set 0), level (−1 without levels).
  struct Key: Hashable {
    var group: Int
    var unit: Int
    var level: Int
  }

  /// R's label of a number used as a category.
  static func numberLabel(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
  }

  func descriptiveSums(_ statistic: DescriptiveStatistic, variables: [String]) throws -> [DescriptiveSums] {
    // One pass; a column met as numbers then as text starts it again (`RestartWithText`).
    let needed = Set(
      [design.weights, design.strata, design.psu.first, design.fpc.first].compactMap { $0 } + replicateColumns
        + spec.by + variables)
    let stream = try FileChunks.open(path: path, chunkBytes: spec.chunkBytes, mode: .reparse) {
      self.subpop != nil || needed.contains($0)
    }
    while true {
      do {
        return try pass(stream, statistic, variables: variables)
      } catch is RestartWithText {
        continue
      }
    }
  }

  private func pass(_ stream: any ChunkProvider, _ statistic: DescriptiveStatistic, variables: [String]) throws
    -> [DescriptiveSums]
  {
    let replicated = !replicateColumns.isEmpty
    let r = replicateColumns.count
    let hasStrata = design.strata != nil && !replicated
    let psuColumn = replicated ? nil : design.psu.first
    let fpcColumn = replicated ? nil : design.fpc.first
    let layout: DescriptiveLayout =
      statistic == .proportion ? .levels(0) : (statistic == .ratio ? .ratio : .moments)
    // Full-sample width of a cell (levels: the level's weight goes to its own key), and the
    // replicate sums a slot r reads.
    let head = layout.fullWidth
    let step = layout.replicateStep
    let width = head + r * step
    let variableCount = statistic == .ratio ? 1 : variables.count
    var cells = [[Key: [Double]]](repeating: [:], count: variableCount)
    // Units.
    var unitIndex: [[String]: Int] = [:]
    var strataLabels: [String] = []
    var clusterLabels: [String] = []
    var fpcValues: [Double] = []
    var positive: [Bool] = []
    var perStratum: [String: Int] = [:]
    // Groups and levels (labels), rows of each group in the domain.
    var groupIndex: [[String]: Int] = [:]
    var groupLabels: [[String]] = []
    var groupRows: [Int] = []
    var levelIndex = [[String: Int]](repeating: [:], count: variableCount)
    var levelLabels = [[String]](repeating: [], count: variableCount)
    var levelNumeric = [Bool](repeating: false, count: variableCount)
    var byNumeric = [Bool](repeating: false, count: spec.by.count)
    var rows = 0
    var zero = 0
    var weightTotal = 0.0
    var gram = Matrix(rows: r, cols: r)
    // The domain's rows and units (a table's n and ν), and its replicate weights' cross-products.
    var domainRows = 0
    var unitsInDomain: [Bool] = []
    var domainGram = Matrix(rows: subpop != nil ? r : 0, cols: subpop != nil ? r : 0)

    /// A numeric column of the chunk whose first row is row `first` of the file. A column the
    /// stream reads as text (a text value somewhere in the file) is read as numbers in chunks
    /// where every value is one; its first text value is an error naming its line (row + 2:
    /// records without quoted line ends), as the in-memory reader's.
    func numeric(_ frame: DataFrame, _ name: String, _ first: Int) throws -> NumericColumn {
      guard let k = frame.index(of: name) else {
        throw DataError.unknownColumn(name: name, source: path, suggestions: [])
      }
      switch frame.columns[k].storage {
      case .numeric(let c): return c
      case .factor(let f):
        let n = f.codes.count
        var values = [Double](repeating: 0, count: n)
        var missing = [Bool](repeating: false, count: n)
        var numbers = 0
        var texts = 0
        var firstText: (row: Int, text: String)?
        for i in 0..<n {
          let c = f.codes[i]
          guard c >= 0 else {
            missing[i] = true
            continue
          }
          let label = f.levels[Int(c)]
          if let v = Double(label.trimmingCharacters(in: .whitespaces)) {
            values[i] = v
            numbers += 1
          } else {
            texts += 1
            if firstText == nil { firstText = (i, label) }
          }
        }
        guard let firstText else { return NumericColumn(values: values, missing: missing) }
        if texts > numbers, statistic == .total, variables.contains(name) {
          throw ScaleError.notStreamable(what: "the total of a text column ('\(name)'); use prop, or a 0/1 column")
        }
        if texts > numbers {
          throw DataError.notNumeric(name: name, source: path, levels: Array(f.levels.prefix(5)))
        }
        throw DataError.nonNumericValue(
          name: name, path: path,
          stray: StrayText(
            line: first + firstText.row + 2, field: (header.firstIndex(of: name) ?? 0) + 1, text: firstText.text,
            numericCount: numbers, textCount: texts))
      }
    }
    /// Labels of a column (nil: missing), numbers as R prints them as categories.
    func labels(_ frame: DataFrame, _ name: String) throws -> (labels: [String?], numeric: Bool) {
      guard let k = frame.index(of: name) else {
        throw DataError.unknownColumn(name: name, source: path, suggestions: [])
      }
      switch frame.columns[k].storage {
      case .numeric(let c):
        return (c.values.indices.map { c.missing[$0] ? nil : Self.numberLabel(c.values[$0]) }, true)
      case .factor(let f):
        return (f.codes.map { $0 < 0 ? nil : f.levels[Int($0)] }, false)
      }
    }

    try stream.forEachChunk { frame, first in
      let n = frame.rowCount
      let w = try design.weights.map { try numeric(frame, $0, first) }
      if let w, let i = (0..<n).first(where: { w.missing[$0] }) {
        throw DataError.missingValue(name: design.weights ?? "", source: path, row: first + i + 1)
      }
      let rw = try replicateColumns.map { try numeric(frame, $0, first) }
      for (k, c) in rw.enumerated() {
        if let i = (0..<n).first(where: { c.missing[$0] }) {
          throw DataError.missingValue(name: replicateColumns[k], source: path, row: first + i + 1)
        }
      }
      let strata = try hasStrata ? design.strata.map { try labels(frame, $0).labels } : nil
      let psu = try psuColumn.map { try labels(frame, $0).labels }
      let fpc = try fpcColumn.map { try numeric(frame, $0, first) }
      for (column, values) in [(design.strata, strata), (psuColumn, psu)] {
        if let column, let values, let i = values.firstIndex(where: { $0 == nil }) {
          throw DataError.missingValue(name: column, source: path, row: first + i + 1)
        }
      }
      if let fpcColumn, let fpc, let i = (0..<n).first(where: { fpc.missing[$0] }) {
        throw DataError.missingValue(name: fpcColumn, source: path, row: first + i + 1)
      }
      let inDomain: [Bool] = try subpop.map { e in try e.evaluate(on: frame).map { $0 == 1 } }
        ?? [Bool](repeating: true, count: n)
      var by: [[String?]] = []
      for (j, b) in spec.by.enumerated() {
        let l = try labels(frame, b)
        byNumeric[j] = l.numeric
        by.append(l.labels)
      }
      // Each variable's values: numbers (moments, ratio) or level labels (proportions).
      var values: [NumericColumn] = []
      var levels: [[String?]] = []
      if layout == .levels(0) {
        for (v, name) in variables.enumerated() {
          let l = try labels(frame, name)
          levelNumeric[v] = l.numeric
          levels.append(l.labels)
        }
      } else {
        values = try variables.map { try numeric(frame, $0, first) }
      }
      for i in 0..<n {
        let wi = w.map { $0.values[i] } ?? 1
        rows += 1
        if wi == 0 { zero += 1 }
        weightTotal += wi
        // Replicate analysis weights, and the cross-products for the design df.
        var a = [Double](repeating: 0, count: r)
        if replicated {
          let combined = design.replicateWeights?.combinedWeights ?? true
          for k in 0..<r { a[k] = combined ? rw[k].values[i] : wi * rw[k].values[i] }
          let square = combined ? 1.0 : wi * wi
          for j in 0..<r {
            for k in j..<r {
              let product = square * rw[j].values[i] * rw[k].values[i]
              gram[j, k] += product
              if subpop != nil && inDomain[i] { domainGram[j, k] += product }
            }
          }
        }
        // The unit.
        var unit = 0
        if !replicated {
          let stratum = strata?[i] ?? ""
          let key: [String]
          if let psu {
            key = [stratum, psu[i] ?? ""]
          } else {
            key = [stratum, "#\(rows)"]
          }
          if let u = unitIndex[key] {
            unit = u
          } else {
            unit = unitIndex.count
            unitIndex[key] = unit
            strataLabels.append(stratum)
            if let psu {
              clusterLabels.append(psu[i] ?? "")
            } else {
              let k = perStratum[stratum, default: 0] + 1
              perStratum[stratum] = k
              clusterLabels.append("\(stratum)#\(k)")
            }
            positive.append(false)
            unitsInDomain.append(false)
            if fpc != nil { fpcValues.append(.nan) }
          }
          if wi != 0 { positive[unit] = true }
          if let fpc {
            let f = fpc.values[i]
            if fpcValues[unit].isNaN {
              fpcValues[unit] = f
            } else if fpcValues[unit] != f {
              throw ScaleError.notStreamable(
                what: "an fpc ('\(fpcColumn ?? "")') that varies within PSU \(clusterLabels[unit]) (line \(first + i + 2))")
            }
          }
        }
        // A proportion's levels are every row's (the in-memory factor's), in the domain or not.
        if layout == .levels(0) {
          for v in 0..<variableCount {
            if let l = levels[v][i], levelIndex[v][l] == nil {
              levelIndex[v][l] = levelLabels[v].count
              levelLabels[v].append(l)
            }
          }
        }
        guard inDomain[i] else { continue }
        domainRows += 1
        if !replicated { unitsInDomain[unit] = true }
        var groupLabel: [String] = []
        var complete = true
        for j in spec.by.indices {
          guard let l = by[j][i] else {
            complete = false
            break
          }
          groupLabel.append(l)
        }
        guard complete else { continue }
        let g: Int
        if let known = groupIndex[groupLabel] {
          g = known
        } else {
          g = groupLabels.count
          groupIndex[groupLabel] = g
          groupLabels.append(groupLabel)
          groupRows.append(0)
        }
        groupRows[g] += 1
        for v in 0..<variableCount {
          var level = -1
          var cell = [Double](repeating: 0, count: width)
          switch layout {
          case .moments:
            guard !values[v].missing[i] else { continue }
            let y = values[v].values[i]
            cell[3] = wi * y
            cell[4] = wi * y * y
            for k in 0..<r {
              cell[head + 2 * k] = a[k]
              cell[head + 2 * k + 1] = a[k] * y
            }
          case .ratio:
            guard !values[0].missing[i], !values[1].missing[i] else { continue }
            let y = values[0].values[i]
            let x = values[1].values[i]
            cell[3] = wi * y
            cell[4] = wi * x
            cell[5] = wi * y * y
            cell[6] = wi * x * y
            cell[7] = wi * x * x
            for k in 0..<r {
              cell[head + 3 * k] = a[k]
              cell[head + 3 * k + 1] = a[k] * y
              cell[head + 3 * k + 2] = a[k] * x
            }
          case .levels:
            guard let l = levels[v][i] else { continue }
            if let known = levelIndex[v][l] {
              level = known
            } else {
              level = levelLabels[v].count
              levelIndex[v][l] = level
              levelLabels[v].append(l)
            }
            for k in 0..<r { cell[head + k] = a[k] }
          }
          cell[0] = 1
          cell[1] = wi != 0 ? 1 : 0
          cell[2] = wi
          let key = Key(group: g, unit: unit, level: level)
          if var old = cells[v][key] {
            for j in 0..<width { old[j] += cell[j] }
            cells[v][key] = old
          } else {
            cells[v][key] = cell
          }
        }
      }
    }

    // The design.
    if replicated, let rspec = design.replicateWeights {
      var resolved = rspec
      resolved.columns = replicateColumns
      var frameColumns = replicateColumns.map { Column(name: $0, storage: .numeric(NumericColumn(values: [1, 1]))) }
      if let w = design.weights { frameColumns.append(Column(name: w, storage: .numeric(NumericColumn(values: [1, 1])))) }
      let replicate = try ReplicateDesign(
        resolved, weights: design.weights, data: DataFrame(columns: frameColumns, source: path))
      for j in 0..<r { for k in 0..<j { gram[j, k] = gram[k, j] } }
      let df = gramRank(gram, tolerance: 1e-5, rows: rows) - 1
      var domainDF = df
      if subpop != nil {
        for j in 0..<r { for k in 0..<j { domainGram[j, k] = domainGram[k, j] } }
        domainDF = domainRows == 0 ? 0 : gramRank(domainGram, tolerance: 1e-5, rows: domainRows) - 1
      }
      descriptiveDesign = .replicate(scale: replicate.scale, rscales: replicate.rscales, mse: replicate.mse, df: df)
      dataTotals = DescriptiveDataTotals(
        rows: rows, zeroWeights: zero, weightTotal: weightTotal,
        summary: DesignSummary(
          kind: "replicate", observations: rows, strata: nil, psus: nil, stages: nil, populationSize: weightTotal,
          df: df, replicates: r, replicateType: replicate.type, lonelyPSU: nil, zeroWeights: zero,
          weightSource: "column", fpc: false, scale: replicate.scale, mse: replicate.mse),
        domainRows: domainRows, replicateDomainDF: domainDF)
    } else {
      let units = UnitTotals(
        strata: hasStrata ? strataLabels : [], clusters: [clusterLabels], fpc: fpcColumn != nil ? [fpcValues] : [],
        inEstimation: positive)
      let unitDesign = try units.design(specification: design)
      descriptiveDesign = .linearization(design, units: units)
      dataTotals = DescriptiveDataTotals(
        rows: rows, zeroWeights: zero, weightTotal: weightTotal,
        summary: DesignSummary(
          kind: "linearization", observations: rows, strata: unitDesign.strataCount, psus: unitDesign.psuCount,
          stages: unitDesign.stageCount, populationSize: weightTotal, df: 0, replicates: nil, replicateType: nil,
          lonelyPSU: design.lonelyPSU, zeroWeights: zero, weightSource: design.weights == nil ? "equal" : "column",
          fpc: fpcColumn != nil),
        domainRows: domainRows, unitsInDomain: unitsInDomain)
    }
    let slots = replicated ? 1 + r : unitIndex.count

    // Labels sorted as R sorts them: numbers by value, text in the C locale.
    func order(_ labels: [String], numeric: Bool) -> [String] {
      numeric
        ? labels.sorted { (Double($0) ?? .nan) < (Double($1) ?? .nan) }
        : labels.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
    // R's svyby order: sorted levels, the first variable varying fastest.
    let byLevels = spec.by.indices.map { j in order(Array(Set(groupLabels.map { $0[j] })), numeric: byNumeric[j]) }
    let rank = spec.by.indices.map { j in Dictionary(uniqueKeysWithValues: byLevels[j].enumerated().map { ($1, $0) }) }
    let sortedGroups = groupLabels.indices.sorted { a, b in
      for j in spec.by.indices.reversed() where groupLabels[a][j] != groupLabels[b][j] {
        return rank[j][groupLabels[a][j]] ?? 0 < rank[j][groupLabels[b][j]] ?? 0
      }
      return false
    }
    var groupPosition = [Int](repeating: 0, count: groupLabels.count)
    for (p, g) in sortedGroups.enumerated() { groupPosition[g] = p }

    var out: [DescriptiveSums] = []
    for v in 0..<variableCount {
      let levelNames = layout == .levels(0) ? order(levelLabels[v], numeric: levelNumeric[v]) : []
      let levelPosition = Dictionary(uniqueKeysWithValues: levelNames.enumerated().map { ($1, $0) })
      let levelOf = levelLabels[v].map { levelPosition[$0] ?? 0 }
      let cellWidth = layout == .levels(0) ? 3 + levelNames.count : layout.width
      var sums = [[[Double]]](
        repeating: [[Double]](repeating: [Double](repeating: 0, count: cellWidth), count: slots),
        count: groupLabels.count)
      for (key, m) in cells[v] {
        let level = key.level >= 0 ? levelOf[key.level] : nil
        DescriptiveSums.spread(
          m, layout: layout, level: level, replicates: r, into: &sums[groupPosition[key.group]], unit: key.unit)
      }
      let name = statistic == .ratio ? "\(variables[0])/\(variables[1])" : variables[v]
      out.append(
        DescriptiveSums(
          variable: name, layout: layout == .levels(0) ? .levels(levelNames.count) : layout, levels: levelNames,
          groups: sortedGroups.map { g in spec.by.indices.map { (spec.by[$0], groupLabels[g][$0]) } },
          groupRows: sortedGroups.map { groupRows[$0] }, cells: sums))
    }
    return out
  }
}
