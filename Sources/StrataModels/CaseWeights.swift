/// The case-weight rules every estimator shares: a negative weight is an error, and rows with zero
/// weight are left out of the estimation sample (R's `lm`/`glm` leave them out of n and the residual
/// df), with a diagnostic saying how many.
///
/// - Parameters:
///   - weights: the model matrix's weights (nil when the fit is unweighted).
///   - dataRows: the data rows of the model matrix, for the error message.
///   - diagnostics: receives `.zeroWeightRowsDropped` when rows are left out.
/// - Returns: the positions (into the model-matrix rows) of the rows with positive weight, or nil
///   when every row is kept.
/// - Throws: `EstimationError.negativeWeights` (naming the first 1-based data row) or `.noPositiveWeights`.
func positiveWeightRows(_ weights: [Double]?, dataRows: [Int], diagnostics: inout [Diagnostic]) throws -> [Int]? {
  guard let w = weights else { return nil }
  let negatives = w.indices.filter { w[$0] < 0 }
  if let first = negatives.first {
    throw EstimationError.negativeWeights(count: negatives.count, firstRow: dataRows[first] + 1)
  }
  if w.allSatisfy({ $0 > 0 }) { return nil }
  let positive = w.indices.filter { w[$0] > 0 }
  if positive.isEmpty { throw EstimationError.noPositiveWeights }
  diagnostics.append(.zeroWeightRowsDropped(count: w.count - positive.count))
  return positive
}
