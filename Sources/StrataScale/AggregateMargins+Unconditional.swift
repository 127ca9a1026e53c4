import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels

extension AggregateMargins {
  /// Checks, before any pass or refit, that margins with the covariates sampled exist for a
  /// streamed fit with this variance (as `ModelSetup.checkUnconditionalMargins` in memory).
  ///
  /// - Throws: `MarginsError.unconditionalReplicates` for replicate weights,
  ///   `.unconditionalNeedsRobust` for the classical and OIM variances.
  public static func checkUnconditional(_ variance: AggregateVariance, specification: ScaleSpecification) throws {
    switch variance {
    case .classical: throw MarginsError.unconditionalNeedsRobust(vce: CovarianceSpec.classical.name)
    case .oim: throw MarginsError.unconditionalNeedsRobust(vce: CovarianceSpec.oim.name)
    case .hc(let t): try InfluenceVariance.checkUnconditional(.hc(t))
    case .robust, .cluster: break
    case .design:
      if specification.design?.replicateWeights != nil { throw MarginsError.unconditionalReplicates }
    }
  }

  /// The covariance of the margins' (or comparisons') influence functions with the covariates
  /// sampled, from one more pass over the chunks of `source` (after the sums pass: the whole
  /// sample's estimates and gradients are known).
  ///
  /// Per chunk: each estimation row's coefficient influence `IFᵢ(β) = A⁻¹ uᵢ` (the fit's bread
  /// times the row's score `mᵢ xᵢ`, `RowKernel`'s multiplier at the estimate, as the fit's scores
  /// pass sums it), then `influence(model, IF)` gives ψ (rows × estimates), whose totals are
  /// kept by what the fit's variance sums over: the cross-product `ψᵀψ` (HC0, HC1, robust), the
  /// cells of the clustering columns (cluster), the design's units over every row of the sample
  /// (the domain's rows adding their ψ, the others zero). The covariance is then
  /// `InfluenceVariance.covariance(ofTotals:fit:spec:)`, the in-memory rules on totals.
  ///
  /// Memory: one chunk's ψ, and totals of O(units × estimates).
  static func influenceCovariance(
    _ model: FittedModel, sampling: (fit: Fit, covariance: CovarianceEstimate), source: ChunkedSource,
    _ influence: (PredictionModel, Matrix) throws -> Matrix
  ) throws -> Matrix {
    let spec = sampling.covariance.spec
    let (kept, beta, bread) = (model.kept, model.coefficients, sampling.fit.bread)
    var totals = InfluenceTotals(spec: spec, clusters: source.specification.clusters, units: source.units.count)
    source.passCount += 1  // the coding pass, the sums pass, this one
    try source.forEachPrepared(needsFrame: true) { chunk, frame in
      guard let frame, let firstLocal = chunk.local.first, let firstRow = chunk.rows.first else { return }
      let first = firstRow - firstLocal
      let full = chunk.fullX
      let x = kept.count == full.cols ? full : full.selectingColumns(kept)
      let eta = x.multiplied(by: beta)
      let prior = chunk.weights[0]
      var multipliers = [Double](repeating: 0, count: prior.count)
      for i in prior.indices where prior[i] > 0 {
        multipliers[i] =
          RowKernel.evaluate(model: source.specification.model, y: chunk.y[i], eta: eta[i], prior: prior[i]).multiplier
      }
      let coefficientInfluence = x.scalingRows(by: multipliers) * bread
      let predictionModel = PredictionModel(
        recipe: source.recipe, data: Margins.withFittedLevels(frame, recipe: source.recipe), rows: chunk.local,
        coefficients: beta, kept: kept, link: model.link, weights: source.options.weights == nil ? nil : prior)
      let psi: Matrix
      do {
        psi = try influence(predictionModel, coefficientInfluence)
      } catch let error as MarginsError {
        throw shifted(error, by: first)
      }
      try totals.add(psi, chunk: chunk, frame: frame)
    }
    return try InfluenceVariance.covariance(
      ofTotals: try totals.scoreTotals(units: source.units, design: source.specification.design, sampling.covariance),
      fit: sampling.fit, spec: spec)
  }
}

/// ψ's totals over the chunks, by what the fit's variance sums over.
private struct InfluenceTotals {
  enum Kind {
    case crossProduct
    case clusters([String])
    case units
  }

  let kind: Kind
  let unitCount: Int
  var columns = 0
  var crossProduct: Matrix?
  /// Cluster cells: each cell's key (the clustering columns' values) and totals.
  var cellIndex: [[Double]: Int] = [:]
  var cellTotals: [[Double]] = []
  /// Unit totals, column-major (unit u, estimate j at j × units + u), and the units with an
  /// estimation row of positive weight.
  var unitTotals: [Double] = []
  var inEstimation: [Bool]

  init(spec: CovarianceSpec, clusters: [String], units: Int) {
    switch spec {
    case .cluster: kind = .clusters(clusters)
    case .design: kind = .units
    default: kind = .crossProduct
    }
    unitCount = units
    inEstimation = [Bool](repeating: false, count: units)
  }

  mutating func add(_ psi: Matrix, chunk: ChunkData, frame: DataFrame) throws {
    let m = psi.rows
    if columns == 0 { columns = psi.cols }
    let prior = chunk.weights[0]
    switch kind {
    case .crossProduct:
      let cross = psi.crossProduct()
      crossProduct = crossProduct.map { $0 + cross } ?? cross
    case .clusters(let names):
      let clusterColumns = try names.map { try ChunkedSource.designColumn($0, in: frame) }
      for i in 0..<m where prior[i] > 0 {
        let key = try clusterColumns.indices.map { c -> Double in
          guard let v = ChunkedSource.value(clusterColumns[c], chunk.local[i], label: false) else {
            throw DesignError.missingValue(column: names[c], row: chunk.rows[i] + 1)
          }
          return v.key
        }
        let cell = cellIndex[key] ?? cellTotals.count
        if cell == cellTotals.count {
          cellIndex[key] = cell
          cellTotals.append([Double](repeating: 0, count: psi.cols))
        }
        for j in 0..<psi.cols { cellTotals[cell][j] += psi[i, j] }
      }
    case .units:
      guard let codes = chunk.units else {
        throw ScaleError.notStreamable(what: "design units without a linearization design")
      }
      if unitTotals.isEmpty { unitTotals = [Double](repeating: 0, count: unitCount * psi.cols) }
      for i in 0..<m where prior[i] > 0 { inEstimation[Int(codes[i])] = true }
      let values = psi.storage
      for j in 0..<psi.cols {
        let (column, target) = (j * m, j * unitCount)
        for i in 0..<m { unitTotals[target + Int(codes[i])] += values[column + i] }
      }
    }
  }

  /// The totals as the variance engine takes them.
  func scoreTotals(
    units: UnitTotals, design: DesignSpecification?, _ covariance: CovarianceEstimate
  ) throws -> ScoreTotals {
    switch kind {
    case .crossProduct:
      return .crossProduct(crossProduct ?? Matrix(rows: columns, cols: columns))
    case .clusters(let names):
      // Each clustering column's group of every cell (the fit's scores pass does the same).
      var totals = Matrix(rows: cellTotals.count, cols: columns)
      for (c, row) in cellTotals.enumerated() { for j in 0..<columns { totals[c, j] = row[j] } }
      var variables: [ClusterVariable] = []
      for (c, name) in names.enumerated() {
        var groups: [Double: Int] = [:]
        var codes = [Int](repeating: 0, count: cellTotals.count)
        for (key, cell) in cellIndex {
          let g = groups[key[c]] ?? groups.count
          groups[key[c]] = g
          codes[cell] = g
        }
        variables.append(ClusterVariable(name: name, codes: codes, count: groups.count))
      }
      return .clusters(totals, variables: variables)
    case .units:
      guard let design, let summary = covariance.design else {
        throw InferenceError.unsupportedForModel(model: "a fit without a design", variance: "design")
      }
      var u = units
      u.inEstimation = inEstimation
      let matrix = Matrix(rows: unitCount, cols: columns, columnMajor: unitTotals.isEmpty ? [Double](repeating: 0, count: unitCount * columns) : unitTotals)
      return .units(u, matrix, specification: design, summary: summary)
    }
  }
}
