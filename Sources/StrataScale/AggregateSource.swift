import StrataDesign
import StrataInference
import StrataLinalg
import StrataModels

/// The estimator an aggregate fit runs: least squares (the Gaussian identity GLM, solved by
/// Newton steps in increment form) or one of the GLMs of `GeneralizedLinearModel`.
public enum AggregateModel: Sendable, Equatable {
  case leastSquares
  case glm(GLMModel)

  /// The `Fit.Kind` reported (`ols`, or `wls` when `weighted`).
  func kind(weighted: Bool) -> Fit.Kind {
    switch self {
    case .leastSquares: return weighted ? .wls : .ols
    case .glm(let m): return m.kind
    }
  }
}

/// A data source that computes sums over its rows without handing them over: a file streamed in
/// chunks (`StreamedCSVSource`), a frame in memory (`FrameSource`, the reference), a database that
/// runs aggregate SQL. `AggregateFit` drives it: every number of a fit is a sum over the
/// estimation rows, asked for in passes.
///
/// The source owns the model matrix: it compiles the formula (R's column names and order,
/// `columnNames`), the estimation rows (domain, complete cases, positive weight) and the weights:
/// weight set 0 is the full sample's prior weights (1 without weights), weight sets 1...R the
/// analysis weights of the R replicates of a replicate design. Every per-row quantity is the one
/// `RowKernel` defines, so all sources agree with the in-memory GLM to rounding.
public protocol AggregateSource {
  /// The model matrix's columns, R order (`(Intercept)`, `x`, `regionB`, `x:z`, ...).
  var columnNames: [String] { get }
  /// The response as written in the formula.
  var responseName: String { get }
  /// Whether the model has an intercept.
  var hasIntercept: Bool { get }
  /// Replicate weight sets beyond the full sample (0 without a replicate design).
  var replicateCount: Int { get }
  /// The subset expression the estimation rows were restricted by (for the report's note).
  var subsetExpression: String? { get }

  /// Counts and first moments of the estimation rows, per weight set (one pass, or taken in the
  /// pass that built the source). Checks the response for the model (binary for binomial
  /// models, non-negative for Poisson) and the weights (no negative weight).
  ///
  /// - Throws: `EstimationError` (`responseNotBinary`, `negativeCount`, `negativeWeights`, ...)
  ///   naming the data row; the source's own errors for unreadable data.
  func summary(model: AggregateModel) throws -> SourceSummary

  /// One pass at given coefficients for several weight sets at once (`PassRequest`).
  ///
  /// - Returns: one `PassSums` per requested weight set, in the request's order.
  func pass(_ request: PassRequest) throws -> [PassSums]

  /// One pass at the estimate for the variance and the fit statistics (`ScoresRequest`).
  func scores(_ request: ScoresRequest) throws -> ScoresResult
}

extension AggregateSource {
  /// No subset expression to report.
  public var subsetExpression: String? { nil }
}

/// What `AggregateSource.summary` returns.
public struct SourceSummary: Sendable {
  /// Per weight set: rows of positive weight, their weight total, and `Σ wᵢ yᵢ` over them.
  public var positiveCount: [Int]
  public var weightTotal: [Double]
  public var weightedResponse: [Double]
  /// Rows of the estimation sample (complete cases in the domain), whatever their weight.
  public var rows: Int
  /// Rows dropped for missing values in the model's variables, and by the subset expression.
  public var droppedMissing: Int
  public var droppedBySubset: Int
  /// Smallest and largest response over the estimation rows (a constant response is an error).
  public var responseRange: ClosedRange<Double>
  /// Unweighted `Σ xᵢⱼ` and `Σ xᵢⱼ²` per column (the separation diagnosis standardizes by them).
  public var columnSums: [Double]
  public var columnSquares: [Double]

  public init(
    positiveCount: [Int], weightTotal: [Double], weightedResponse: [Double], rows: Int, droppedMissing: Int,
    droppedBySubset: Int, responseRange: ClosedRange<Double>, columnSums: [Double], columnSquares: [Double]
  ) {
    self.positiveCount = positiveCount
    self.weightTotal = weightTotal
    self.weightedResponse = weightedResponse
    self.rows = rows
    self.droppedMissing = droppedMissing
    self.droppedBySubset = droppedBySubset
    self.responseRange = responseRange
    self.columnSums = columnSums
    self.columnSquares = columnSquares
  }

  /// The mean positive weight of a set (1 when not a finite positive number): IRLS runs on the
  /// weights divided by it, as the in-memory fit does (`IRLS.weightScale`).
  public func weightScale(_ set: Int) -> Double {
    let mean = positiveCount[set] > 0 ? weightTotal[set] / Double(positiveCount[set]) : 1
    return mean.isFinite && mean > 0 ? mean : 1
  }
}

/// One pass of an aggregate fit.
public struct PassRequest: Sendable {
  /// Where the pass is taken.
  public enum Point: Sendable {
    /// R's starting values: μ from the family's `mustart` (`RowKernel.start`); the pass returns
    /// `Σ wᵢ xᵢxᵢᵀ` and `Σ wᵢ zᵢ xᵢ` (z the working response) over every column.
    case start
    /// Coefficients over `columns`, one vector per requested weight set.
    case coefficients([[Double]])
  }

  public var model: AggregateModel
  public var point: Point
  /// The weight sets (0 = full sample, r = replicate r).
  public var weightSets: [Int]
  /// Each set's prior weights are divided by its scale (`SourceSummary.weightScale`).
  public var weightScales: [Double]
  /// The model-matrix columns the coefficients and sums are over (ascending; all for `.start`).
  public var columns: [Int]

  public init(model: AggregateModel, point: Point, weightSets: [Int], weightScales: [Double], columns: [Int]) {
    self.model = model
    self.point = point
    self.weightSets = weightSets
    self.weightScales = weightScales
    self.columns = columns
  }
}

/// The sums of one pass for one weight set (prior weights divided by the set's scale).
public struct PassSums: Sendable {
  /// `Σ wᵢ xᵢxᵢᵀ` with the IRLS working weights `wᵢ` (columns × columns).
  public var gram: Matrix
  /// `Σ mᵢ xᵢ` (the score; at `.start`, `Σ wᵢ zᵢ xᵢ`).
  public var score: [Double]
  /// `Σ dᵢ`, the family's unit deviances (least squares: `Σ wᵢ eᵢ²`).
  public var deviance: Double

  public init(gram: Matrix, score: [Double], deviance: Double) {
    self.gram = gram
    self.score = score
    self.deviance = deviance
  }

  /// Zero sums over `p` columns.
  public init(columns p: Int) {
    self.init(gram: Matrix(rows: p, cols: p), score: [Double](repeating: 0, count: p), deviance: 0)
  }

  /// Adds another partial sum (sources that split their rows).
  public mutating func add(_ other: PassSums) {
    for i in gram.storage.indices { gram.storage[i] += other.gram.storage[i] }
    for j in score.indices { score[j] += other.score[j] }
    deviance += other.deviance
  }
}

/// The pass at the estimate: score totals for the variance, and the fit statistics.
public struct ScoresRequest: Sendable {
  /// Which score totals the variance needs.
  public enum Totals: Sendable, Equatable {
    /// None (classical variance).
    case none
    /// `Σ uᵢuᵢᵀ`.
    case crossProduct
    /// Totals by cell of these clustering columns (`ScoresResult.cells`).
    case clusters([String])
    /// Totals by sampling unit of the source's design (`ScoresResult.units`).
    case units
  }

  public var model: AggregateModel
  /// The estimate over `columns` (full sample).
  public var coefficients: [Double]
  public var columns: [Int]
  public var totals: Totals
  /// The null model's mean (the weighted mean response with an intercept, `g⁻¹(0)` without): the
  /// pass also sums the null deviance and log-likelihood there. Least squares: the weighted mean
  /// of the fitted values is taken from `Σ wᵢ ŷᵢ / Σ wᵢ` in the same pass, so this is unused.
  public var nullMean: Double

  public init(model: AggregateModel, coefficients: [Double], columns: [Int], totals: Totals, nullMean: Double) {
    self.model = model
    self.coefficients = coefficients
    self.columns = columns
    self.totals = totals
    self.nullMean = nullMean
  }
}

/// What the scores pass returns (weights on their own scale, not divided by the mean).
public struct ScoresResult: Sendable {
  /// `Σ uᵢuᵢᵀ` (`.crossProduct`).
  public var crossProduct: Matrix?
  /// Totals by cell and each clustering column's group of every cell (`.clusters`).
  public var cells: (totals: Matrix, variables: [ClusterCells])?
  /// The design's units and the score totals by unit (`.units`), with the design's counts.
  public var units: (units: UnitTotals, totals: Matrix)?
  /// The statistics of the fit at the estimate.
  public var statistics: FitSums
  /// Rows whose fitted probability is within 10ε of 0 or 1 (binomial models).
  public var boundaryOnes: Int
  public var boundaryZeros: Int

  public init(
    crossProduct: Matrix? = nil, cells: (totals: Matrix, variables: [ClusterCells])? = nil,
    units: (units: UnitTotals, totals: Matrix)? = nil, statistics: FitSums, boundaryOnes: Int = 0,
    boundaryZeros: Int = 0
  ) {
    self.crossProduct = crossProduct
    self.cells = cells
    self.units = units
    self.statistics = statistics
    self.boundaryOnes = boundaryOnes
    self.boundaryZeros = boundaryZeros
  }
}

/// One clustering column's group of every cell: the in-memory fit's `ClusterVariable`, its codes
/// indexing the cells of `ScoresResult.cells` (not rows), so the cluster sandwich takes the cells as
/// they come.
public typealias ClusterCells = ClusterVariable

/// The sums of the fit statistics (weights on their own scale).
public struct FitSums: Sendable {
  /// GLM: deviance, Pearson χ², log-likelihood, and null deviance and log-likelihood at `nullMean`.
  public var deviance = 0.0
  public var pearson = 0.0
  public var logLik = 0.0
  public var nullDeviance = 0.0
  public var nullLogLik = 0.0
  /// Least squares: `Σ wᵢ eᵢ²`, `Σ wᵢ (ŷᵢ − nullMean)²`, `Σ log wᵢ`.
  public var rss = 0.0
  public var mss = 0.0
  public var sumLogW = 0.0

  public init() {}

  public mutating func add(_ o: FitSums) {
    deviance += o.deviance
    pearson += o.pearson
    logLik += o.logLik
    nullDeviance += o.nullDeviance
    nullLogLik += o.nullLogLik
    rss += o.rss
    mss += o.mss
    sumLogW += o.sumLogW
  }
}
