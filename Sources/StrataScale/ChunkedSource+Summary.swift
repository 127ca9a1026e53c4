import StrataData
import StrataDesign
import StrataFormula
import StrataLinalg
import StrataModels

/// The sums of the summary pass (`ChunkedSource.summary`), chunk by chunk: counts, weight totals,
/// the response's range and checks, the column sums and squares, and a replicate design's Gram
/// matrices. The first pass adds the chunks it prepares when it can (its coding is final), the
/// summary pass otherwise; either way the chunks are added in the same order with the same
/// arithmetic.
struct SummarySums {
  /// The model whose response checks were applied.
  let model: AggregateModel
  var positive: [Int]
  var total: [Double]
  var weightedY: [Double]
  var rows = 0
  var droppedMissing = 0
  var droppedBySubset = 0
  var low = Double.infinity
  var high = -Double.infinity
  var sums: [Double]
  var squares: [Double]
  var negative = 0
  var firstNegative = 0
  var gramAll: Matrix?
  var gramEstimation: Matrix?

  init(model: AggregateModel, columns p: Int, sets: Int, replicates r: Int) {
    self.model = model
    positive = [Int](repeating: 0, count: sets)
    total = [Double](repeating: 0, count: sets)
    weightedY = total
    sums = [Double](repeating: 0, count: p)
    squares = sums
    gramAll = r > 0 ? Matrix(rows: r, cols: r) : nil
    gramEstimation = gramAll
  }

  /// Adds a chunk prepared with the full model matrix (`chunk.x` not compact), with its frame.
  ///
  /// - Throws: `RowKernel.validate`'s error for a response the model cannot take (naming its row).
  mutating func add(
    _ chunk: ChunkData, frame: DataFrame, responseName: String, replicate: ReplicateDesign?,
    replicateColumns: [String], designWeights: String?
  ) throws {
    let sets = positive.count
    let p = sums.count
    droppedMissing += chunk.droppedMissing
    droppedBySubset += chunk.droppedBySubset
    rows += chunk.rows.count
    let w0 = chunk.weights[0]
    var positiveRows: [Int] = []
    for (k, row) in chunk.rows.enumerated() {
      let y = chunk.y[k]
      try RowKernel.validate(model: model, y: y, name: responseName, row: row + 1)
      if w0[k] < 0 {
        if negative == 0 { firstNegative = row + 1 }
        negative += 1
        continue
      }
      if w0[k] > 0 {
        positiveRows.append(k)
        low = Swift.min(low, y)
        high = Swift.max(high, y)
      }
      for s in 0..<sets where chunk.weights[s][k] > 0 {
        positive[s] += 1
        total[s] += chunk.weights[s][k]
        weightedY[s] += chunk.weights[s][k] * y
      }
    }
    let m = chunk.x.rows
    let x = chunk.x.storage
    for j in 0..<p {
      var (sum, square) = (0.0, 0.0)
      for k in positiveRows {
        let v = x[j * m + k]
        sum += v
        square += v * v
      }
      sums[j] += sum
      squares[j] += square
    }
    let r = replicateColumns.count
    if r > 0, let replicate, let all = gramAll, let estimation = gramEstimation {
      // R's degf(): the rank of the replicate analysis weights (dqrdc2 on their Gram matrix).
      var m = Matrix(rows: frame.rowCount, cols: r)
      var rowWeights = [Double](repeating: 0, count: frame.rowCount)
      let full = try designWeights.map { name -> NumericColumn in
        guard case .numeric(let c) = try ChunkedSource.designColumn(name, in: frame).storage else {
          throw FormulaError.nonNumeric(variable: name, term: name)
        }
        return c
      }
      for (j, name) in replicateColumns.enumerated() {
        guard case .numeric(let c) = try ChunkedSource.designColumn(name, in: frame).storage else {
          throw FormulaError.nonNumeric(variable: name, term: name)
        }
        for i in 0..<frame.rowCount { m[i, j] = c.missing[i] ? 0 : c.values[i] }
      }
      for i in 0..<frame.rowCount {
        let w = full.map { $0.values[i] } ?? 1
        rowWeights[i] = replicate.combinedWeights ? 1 : w * w
      }
      gramAll = all + m.crossProduct(rowWeights: rowWeights)
      var estimationWeights = [Double](repeating: 0, count: frame.rowCount)
      for k in positiveRows { estimationWeights[chunk.local[k]] = rowWeights[chunk.local[k]] }
      gramEstimation = estimation + m.crossProduct(rowWeights: estimationWeights)
    }
  }
}
