import StrataData
import StrataLinalg
import StrataSupport

extension Margins {
  /// Rows per block of the blocked margins: a block's model matrix and derivative matrix
  /// (rows × p each) stay a few megabytes.
  static let marginsRowBlock = 16_384

  /// Derivative margins of several continuous variables over a large evaluation point, in row
  /// blocks, or `nil` when the point is small (the unblocked path is then exact and cheap).
  ///
  /// Each block's regressors are evaluated once, for its model matrix (shared by every variable)
  /// and every derivative matrix; per variable and kind
  /// the block contributes `Σ aᵢ fᵢ` to the estimate and `Xᵀ(a ∘ ∂f/∂η) + Dᵀ(a ∘ ∂f/∂D)` to the
  /// gradient, so no n × p matrix (and no n × k × k array) is ever formed. Data influences are not
  /// kept: the caller uses this only for the variance at fixed covariates. On any error
  /// (a zero or non-finite prediction) it returns `nil`, so the unblocked path reports the error
  /// with its row, as before.
  ///
  /// - Returns: per variable, one estimate per entry of `kinds`.
  /// - Complexity: O(n p (1 + variables)) time, O(block × p) memory.
  static func blockedDerivativeMargins(
    model: PredictionModel, kinds: [MarginKind], names: [String], point: EvaluationPoint
  ) throws -> [String: [LinearizedEstimate]]? {
    let m = point.rows.count
    let block = marginsRowBlock
    guard !names.isEmpty, m > block else { return nil }
    let p = model.coefficients.count
    // Only the columns the regressors read, gathered once per block (each recipe call then
    // evaluates a block-sized frame instead of gathering from the full data again).
    let used = Set(model.variableNames + model.recipe.offsetVariables)
    let narrow = DataFrame(columns: point.data.columns.filter { used.contains($0.name) }, source: point.data.source)

    /// The value and gradient sums of the blocks that start in `starts`.
    @Sendable func sums(_ starts: StrideTo<Int>) throws -> BlockSums {
      var value = [String: [Double]]()
      var gradient = [String: [[Double]]]()
      for name in names {
        value[name] = [Double](repeating: 0, count: kinds.count)
        gradient[name] = Array(repeating: [Double](repeating: 0, count: p), count: kinds.count)
      }
      for lo in starts {
        let hi = Swift.min(lo + block, m)
        let sub = EvaluationPoint(
          data: narrow.rows(Array(point.rows[lo..<hi])), rows: Array(0..<(hi - lo)),
          shares: Array(point.shares[lo..<hi]), samplePositions: nil, sampleSize: point.sampleSize)
        // The regressors are evaluated once per block for the matrix and every derivative, and
        // the inverse link once per row for every variable.
        let (x, derivatives) = try model.matrixAndDerivatives(of: names, on: sub.data, rows: sub.rows)
        let eta = try model.linearPredictor(x, on: sub.data, rows: sub.rows)
        let meanValues = model.meanValues(eta)
        // Every (variable, kind)'s Xᵀ(weights) in one matrix product over the block.
        var etaWeights: [[Double]] = []
        var owners: [(name: String, kind: Int)] = []
        for (name, d) in zip(names, derivatives) {
          let xv = try sub.data.numericValues(of: name).values  // the block's rows, in order
          for (k, kind) in kinds.enumerated() {
            let e = try derivativeMarginParts(
              model: model, kind: kind, variable: name, eta: eta, d: d.values, values: xv, point: sub,
              meanValues: meanValues, dPositions: d.positions)
            value[name]?[k] += e.value
            for j in 0..<p { gradient[name]?[k][j] += e.partialGradient[j] }
            etaWeights.append(e.etaWeights)
            owners.append((name, k))
          }
        }
        if !owners.isEmpty {
          let products = x.crossProduct(with: Matrix(columns: etaWeights))  // p × (variables × kinds)
          for (c, owner) in owners.enumerated() {
            for j in 0..<p { gradient[owner.name]?[owner.kind][j] += products[j, c] }
          }
        }
      }
      return BlockSums(value: value, gradient: gradient)
    }

    // The blocks are dealt to the shares in turn (so each gets a fair part of a ragged last
    // block), each share with its own sums, added in share order.
    // Shares fixed by the row count alone (2 from 4 blocks, one per 2 blocks up to 16), run on all
    // cores: the sums are the same for any thread count.
    let shares = m >= 4 * block ? Swift.min(16, m / (2 * block)) : 1
    let parts = concurrentMap(shares) { t in
      Result { try sums(stride(from: t * block, to: m, by: shares * block)) }
    }
    var value = [String: [Double]]()
    var gradient = [String: [[Double]]]()
    do {
      for part in parts {
        let s = try part.get()
        for name in names {
          guard let v = s.value[name], let g = s.gradient[name] else { continue }
          if value[name] == nil {
            value[name] = v
            gradient[name] = g
            continue
          }
          for k in kinds.indices {
            value[name]?[k] += v[k]
            for j in 0..<p { gradient[name]?[k][j] += g[k][j] }
          }
        }
      }
    } catch is MarginsError {
      return nil
    }
    var out = [String: [LinearizedEstimate]]()
    for name in names {
      guard let v = value[name], let g = gradient[name] else { continue }
      out[name] = kinds.indices.map { LinearizedEstimate(value: v[$0], gradient: g[$0], dataInfluence: nil) }
    }
    return out
  }
}

/// One thread's sums of the blocked margins: per variable, per kind.
private struct BlockSums: Sendable {
  var value: [String: [Double]]
  var gradient: [String: [[Double]]]
}
