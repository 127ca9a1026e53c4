import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport

/// Gives a data set's rows in chunks, in order.
public protocol ChunkProvider: AnyObject {
  /// Calls `body` with each chunk: a frame of (at least) the needed columns, with the same column
  /// kinds and the same factor levels in every chunk, and the 0-based data row of its first row.
  func forEachChunk(_ body: (DataFrame, Int) throws -> Void) throws
  /// Told the number of the pass the next `forEachChunk` makes (for progress reports).
  func beginPass(_ number: Int)
}

extension ChunkProvider {
  public func beginPass(_ number: Int) {}
}

/// An in-memory frame given in chunks of `rowsPerChunk` rows: the reference provider (a
/// `ChunkedSource` over it is the aggregate path on data that fits in memory).
public final class FrameChunks: ChunkProvider {
  let frame: DataFrame
  let rowsPerChunk: Int

  public init(_ frame: DataFrame, rowsPerChunk: Int = 1 << 16) {
    self.frame = frame
    self.rowsPerChunk = Swift.max(1, rowsPerChunk)
  }

  public func forEachChunk(_ body: (DataFrame, Int) throws -> Void) throws {
    let n = frame.rowCount
    var start = 0
    while start < n {
      let end = Swift.min(n, start + rowsPerChunk)
      try body(start == 0 && end == n ? frame : frame.rows(Array(start..<end)), start)
      start = end
    }
  }
}

/// What an aggregate fit is asked to fit: the parts of `FitSpecification` a source needs.
public struct ScaleSpecification: Sendable {
  public var model: AggregateModel
  public var formula: String
  /// Case weights, a column or an expression (not with a design).
  public var weights: String?
  public var subset: String?
  public var design: DesignSpecification?
  /// A domain of the design.
  public var subpop: String?
  /// Clustering columns of a cluster-robust variance.
  public var clusters: [String]

  public init(
    model: AggregateModel, formula: String, weights: String? = nil, subset: String? = nil,
    design: DesignSpecification? = nil, subpop: String? = nil, clusters: [String] = []
  ) {
    self.model = model
    self.formula = formula
    self.weights = weights
    self.subset = subset
    self.design = design
    self.subpop = subpop
    self.clusters = clusters
  }

  /// The rows of the fit: subset and domain together, as `Model.prepare` combines them.
  var combinedSubset: String? {
    guard design != nil else { return subset }
    let parts = [subset, subpop].compactMap { $0.map { "(\($0))" } }
    return parts.isEmpty ? nil : parts.joined(separator: " & ")
  }
}

/// Why a fit cannot be computed from sums (yet).
public enum ScaleError: Error, Sendable, Equatable {
  /// A feature the streamed and pushed-down paths do not have yet (`what` says which).
  case notStreamable(what: String)
  /// A model-matrix level seen when the rows were read again that the first pass did not see
  /// (the data changed between passes).
  case dataChanged(path: String)
  /// A cache file in the temporary folder could not be created (a full or read-only disk).
  case cacheUnwritable(path: String)
}

/// An `AggregateSource` over any `ChunkProvider`: each pass walks the chunks and builds each
/// chunk's model matrix with the real formula machinery, coded as the whole estimation sample
/// is (`ModelMatrix.build(formula:data:options:recipe:responseLevels:)`, as predictions on new
/// data are), so every formula the in-memory fit takes (factors, interactions, `I()`,
/// transformations) gives the same columns.
///
/// The first pass (`init`) finds the estimation sample's factor levels (each categorical
/// column's first estimation row at each of its values goes into a small template frame, on
/// which the model matrix, R's column names and order, are built once), the design's sampling
/// units (the design is built on every row; the domain is the estimation rows), and checks the
/// design's columns. Memory held: one chunk, the template, and O(units × p) for the design.
public final class ChunkedSource: AggregateDesignSource {
  let chunks: ChunkProvider
  let specification: ScaleSpecification
  let formula: Formula
  let options: ModelFrameOptions
  let recipe: ModelRecipe
  let responseLevels: [String]?
  public let columnNames: [String]
  public let responseName: String
  public let hasIntercept: Bool
  public private(set) var replicateCount = 0
  public var subsetExpression: String? { specification.combinedSubset }
  /// Counts the passes (reported as progress by providers that stream).
  public internal(set) var passCount = 1
  /// Whether the first pass that builds the chunks' model matrices writes them to a cache that
  /// the IRLS passes read (`PreparedCache`), instead of building them again in every pass.
  let cachesModelMatrix: Bool
  let cacheDirectory: URL?
  /// Told each pass over the model-matrix cache's bytes (task `pass N`).
  let progress: ProgressHandler?
  var preparedCache: PreparedCache?
  var preparedComplete = false
  /// The summary pass's sums, when the first pass could take them (see `Speculation`).
  var presummed: SummarySums?
  /// Whether the first pass also did the summary pass's work (built, cached and summed the
  /// chunks' model matrices), so that the driver's summary reads nothing.
  public var summaryInFirstPass: Bool { presummed != nil }
  /// The bytes the model-matrix cache holds between chunks.
  public var bufferBytes: Int { preparedCache?.bufferCapacity ?? 0 }

  // The design.
  let designWeights: String?
  var unitIndex: [UnitKey: Int] = [:]
  var units = UnitTotals(clusters: [])
  var designRows = 0
  var designWeightTotal = 0.0
  var designZeroWeights = 0
  let replicate: ReplicateDesign?
  let replicateColumns: [String]
  var replicateGramAll: Matrix?
  var replicateGramEstimation: Matrix?
  var cachedSummary: SourceSummary?
  public internal(set) var design: SourceDesign = .linearization(
    DesignSpecification(), summary: DesignSummary(
      kind: "none", observations: 0, strata: nil, psus: nil, stages: nil, populationSize: 0, df: 0, replicates: nil,
      replicateType: nil, lonelyPSU: nil, zeroWeights: 0, weightSource: "", fpc: false))

  /// Reads the chunks once: levels, template, units.
  ///
  /// - Throws: `ScaleError.notStreamable` for what needs the rows in memory (calibration,
  ///   replicates built from the design, offsets, grouped responses, data-dependent bases such as
  ///   `poly()` or `scale()`, weights derived from FPCs); `FormulaError`, `DesignError` and
  ///   `EstimationError` as the in-memory fit.
  ///
  /// - Parameters:
  ///   - cachesModelMatrix: write the chunks' model matrices once and read them in later passes.
  ///   - cacheDirectory: where that cache's temporary folder goes (nil: the system's).
  public init(
    chunks: ChunkProvider, specification spec: ScaleSpecification, cachesModelMatrix: Bool = true,
    cacheDirectory: URL? = nil, progress: ProgressHandler? = nil
  ) throws {
    self.chunks = chunks
    self.progress = progress
    self.cachesModelMatrix = cachesModelMatrix
    self.cacheDirectory = cacheDirectory
    self.specification = spec
    let formula = try Formula.parse(spec.formula)
    self.formula = formula
    try Self.checkStreamable(spec)
    var options = ModelFrameOptions(subset: spec.combinedSubset, weights: spec.weights, extraVariables: spec.clusters)
    if case .glm(let m) = spec.model { options.allowsCategoricalResponse = m.isBinary }
    var weightsColumn: String?
    if let d = spec.design {
      if d.weights == nil && !d.fpc.isEmpty {
        throw ScaleError.notStreamable(what: "sampling weights derived from FPCs (give the weights column)")
      }
      weightsColumn = d.weights
      options.weights = d.weights
    }
    self.options = options
    designWeights = weightsColumn

    // Pass 1: template rows (each categorical column's values among the estimation rows),
    // design units and counts. Categorical: a text column, or a numeric one the formula makes a
    // factor of (`factor(x)`, `as.factor(x)`, `ordered(x)`, `as.character(x)`).
    let factorOf = Self.factorArguments(spec.formula)
    let categorical: (Column) -> Bool = { column in
      if case .factor = column.storage { return true }
      return factorOf.contains(column.name)
    }
    var template: DataFrame?
    var tracked: [String: Set<Double>] = [:]
    var untracked: Set<String> = []
    var replicateDesign: ReplicateDesign?
    var repColumns: [String] = []
    var unitIndex: [UnitKey: Int] = [:]
    var units = UnitTotals(strata: [], clusters: [], fpc: [])
    var rowsSeen = 0
    var weightTotal = 0.0
    var zeroWeights = 0
    let design = spec.design
    // The summary pass done within this one when the coding does not change after the first
    // chunk with estimation rows (`Speculation`); nil once it fails.
    var speculation: Speculation? = Speculation(caches: cachesModelMatrix)
    chunks.beginPass(1)
    try chunks.forEachChunk { frame, first in
      if let rep = design?.replicateWeights, replicateDesign == nil {
        replicateDesign = try ReplicateDesign(rep, weights: design?.weights, data: frame)
        repColumns = replicateDesign?.replicateNames ?? []
      }
      let estimation = try ModelMatrix.estimationRows(formula: formula, data: frame, options: options).rows
      // Template: the first estimation row of every value of each low-cardinality column.
      var picked: [Int] = []
      var pickedSet = Set<Int>()
      for column in frame.columns where !untracked.contains(column.name) && categorical(column) {
        var seen = tracked[column.name] ?? []
        switch column.storage {
        case .numeric(let c):
          for i in estimation {
            if c.missing[i] { continue }
            if seen.insert(c.values[i]).inserted, pickedSet.insert(i).inserted { picked.append(i) }
            if seen.count > Self.trackedValues { break }
          }
        case .factor(let f):
          // Codes seen so far (slot 0: missing, code −1), so that a row of a known level costs
          // one array read, not a set look-up.
          var known = [Bool](repeating: false, count: f.levels.count + 1)
          for key in seen where key >= -1 && Int(key) + 1 < known.count { known[Int(key) + 1] = true }
          for i in estimation {
            let slot = Int(f.codes[i]) + 1
            if known[slot] { continue }
            known[slot] = true
            if seen.insert(Double(slot - 1)).inserted, pickedSet.insert(i).inserted { picked.append(i) }
            if seen.count > Self.trackedValues { break }
          }
        }
        if seen.count > Self.trackedValues {
          untracked.insert(column.name)
          tracked[column.name] = nil
        } else {
          tracked[column.name] = seen
        }
      }
      if template == nil, let i = estimation.first, pickedSet.insert(i).inserted { picked.append(i) }
      if !picked.isEmpty {
        let rows = frame.rows(picked.sorted())
        template = template.map { Self.appending(rows, to: $0) } ?? rows
      }
      // The design on every row.
      if let design {
        try Self.collectUnits(
          design, frame: frame, first: first, weights: weightsColumn, index: &unitIndex, units: &units,
          weightTotal: &weightTotal, zeroWeights: &zeroWeights)
      }
      rowsSeen += frame.rowCount
      // A chunk before the first estimation row has no coding to be prepared with.
      if template == nil { speculation = nil }
      if let template, speculation != nil {
        // Any error here is left for the summary pass, which meets it again in the same order.
        do {
          try speculation?.add(
            frame, first: first, template: template, formula: formula, options: options, model: spec.model,
            replicate: replicateDesign, replicateColumns: repColumns, design: design, designWeights: weightsColumn,
            unitIndex: unitIndex, cacheDirectory: cacheDirectory)
        } catch {
          speculation = nil
        }
      }
    }
    guard let template else { throw FormulaError.noRowsLeft(droppedMissing: 0, droppedBySubset: 0) }
    // A column of numbers with some text, used as numbers: the in-memory reader's error.
    if let stream = chunks as? CSVStream {
      let words = StreamedFit.neededNames(ScaleSpecification(model: spec.model, formula: spec.formula)).words
      for (name, stray) in stream.strayText.sorted(by: { $0.key < $1.key })
      where words.contains(name) && !factorOf.contains(name) {
        throw DataError.nonNumericValue(name: name, path: template.source, stray: stray)
      }
    }
    let mm = try ModelMatrix.build(formula: formula, data: Self.sortingLevels(template), options: options)
    if mm.offset != nil { throw ScaleError.notStreamable(what: "offsets (offset() or --exposure)") }
    if mm.groupedCounts != nil { throw ScaleError.notStreamable(what: "a grouped response cbind(successes, failures)") }
    recipe = mm.recipe
    responseLevels = mm.responseLevels
    columnNames = mm.columnNames
    responseName = mm.responseName ?? "response"
    hasIntercept = mm.hasIntercept
    if let speculation, let sums = speculation.sums, speculation.holds(for: mm) {
      presummed = sums
      if let writer = speculation.writer {
        preparedCache = writer
        preparedComplete = true
      }
    }
    replicate = replicateDesign
    replicateColumns = repColumns
    replicateCount = repColumns.count
    self.unitIndex = unitIndex
    self.units = units
    designRows = rowsSeen
    designWeightTotal = weightTotal
    designZeroWeights = zeroWeights
    if let d = spec.design, d.replicateWeights == nil {
      units.inEstimation = nil
      let unitDesign = try units.design(specification: d)
      let summary = DesignSummary(
        kind: "linearization", observations: rowsSeen, strata: unitDesign.strataCount, psus: unitDesign.psuCount,
        stages: unitDesign.stageCount, populationSize: weightTotal, df: 0, replicates: nil, replicateType: nil,
        lonelyPSU: d.lonelyPSU, zeroWeights: zeroWeights, weightSource: weightsColumn == nil ? "equal" : "column",
        fpc: !d.fpc.isEmpty)
      self.design = .linearization(d, summary: summary)
    }
  }

  /// The names the formula makes factors of: the first argument of `factor(`, `as.factor(`,
  /// `ordered(`, `as.character(` and `interaction(` calls.
  static func factorArguments(_ formula: String) -> Set<String> {
    var names = Set<String>()
    let chars = Array(formula)
    for call in ["factor(", "ordered(", "as.character(", "interaction("] {
      let pattern = Array(call)
      var i = 0
      while i + pattern.count <= chars.count {
        if Array(chars[i..<(i + pattern.count)]) == pattern {
          var j = i + pattern.count
          var args = ""
          var depth = 1
          while j < chars.count && depth > 0 {
            if chars[j] == "(" { depth += 1 }
            if chars[j] == ")" { depth -= 1 }
            if depth > 0 { args.append(chars[j]) }
            j += 1
          }
          for word in args.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }) {
            names.insert(String(word))
          }
          i = j
        } else {
          i += 1
        }
      }
    }
    return names
  }

  /// Values tracked per column for the template (a column with more is not a factor's).
  static let trackedValues = 4096

  static func checkStreamable(_ spec: ScaleSpecification) throws {
    if let d = spec.design {
      if d.calibration != nil { throw ScaleError.notStreamable(what: "calibrated weights") }
      if d.buildReplicates != nil { throw ScaleError.notStreamable(what: "replicate weights built from the design") }
    }
    let text = spec.formula.replacingOccurrences(of: " ", with: "")
    for call in ["poly(", "scale(", "ns(", "bs(", "cut("] where text.contains(call) {
      if call == "poly(" && text.contains("raw=TRUE") { continue }
      throw ScaleError.notStreamable(what: "\(call)...) in the formula (its basis depends on all the rows)")
    }
  }

  /// The frame with each factor's levels in the C locale's order (UTF-8 bytes), as the
  /// in-memory reader orders them (chunk providers may number levels as they meet them).
  static func sortingLevels(_ frame: DataFrame) -> DataFrame {
    var columns = frame.columns
    for k in columns.indices {
      guard case .factor(let f) = columns[k].storage else { continue }
      let order = f.levels.indices.sorted { f.levels[$0].utf8.lexicographicallyPrecedes(f.levels[$1].utf8) }
      var remap = [Int32](repeating: 0, count: f.levels.count)
      for (new, old) in order.enumerated() { remap[old] = Int32(new) }
      columns[k].storage = .factor(
        FactorColumn(codes: f.codes.map { $0 < 0 ? $0 : remap[Int($0)] }, levels: order.map { f.levels[$0] }))
    }
    return DataFrame(columns: columns, source: frame.source)
  }

  /// The rows of `b` after those of `a` (same columns; factor levels equal in every chunk).
  static func appending(_ b: DataFrame, to a: DataFrame) -> DataFrame {
    var columns = a.columns
    for (k, column) in b.columns.enumerated() {
      switch (columns[k].storage, column.storage) {
      case (.numeric(var x), .numeric(let y)):
        x.values += y.values
        x.missing += y.missing
        columns[k].storage = .numeric(x)
      case (.factor(var x), .factor(let y)):
        x.codes += y.codes
        if y.levels.count > x.levels.count { x.levels = y.levels }
        columns[k].storage = .factor(x)
      default:
        preconditionFailure("chunk columns of different kinds")
      }
    }
    return DataFrame(columns: columns, source: a.source)
  }
}
