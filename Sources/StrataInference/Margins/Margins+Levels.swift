import StrataData
import StrataFormula
import StrataLinalg
import StrataSupport

extension Margins {
  /// The kept-column positions whose values depend on `name`, when they depend on nothing else:
  /// every model variable that mentions `name` mentions no other data column, and every term
  /// holding such a variable holds only such variables (`factor(g)`, `g`, `I(d^2)`, not
  /// `x:factor(g)`). With `name` set to one value on every row those columns are then the same
  /// on every row. Nil otherwise.
  static func rowConstantPositions(of name: String, model: PredictionModel) -> [Int]? {
    let recipe = model.recipe
    let dataNames = Set(recipe.variables.map(\.name))
    var dependent = Set<Int>()
    for (k, mv) in recipe.modelVariables.enumerated() where mv.isInTerms {
      var names = Set<String>()
      collectNames(mv.expression, into: &names)
      let used = names.intersection(dataNames)
      guard used.contains(name) else { continue }
      guard used == [name] else { return nil }
      dependent.insert(k)
    }
    guard !dependent.isEmpty else { return nil }
    var dependentTerms = Set<Int>()  // 1-based, as `assign`
    for (j, term) in recipe.terms.terms.enumerated() {
      let variables = Set(term.variables)
      guard !variables.isDisjoint(with: dependent) else { continue }
      guard variables.isSubset(of: dependent) else { return nil }
      dependentTerms.insert(j + 1)
    }
    guard recipe.assign.count == recipe.columnNames.count else { return nil }
    return model.kept.indices.filter { model.kept[$0] < recipe.assign.count && dependentTerms.contains(recipe.assign[model.kept[$0]]) }
  }

  private static func collectNames(_ e: FormulaExpression, into names: inout Set<String>) {
    switch e.kind {
    case .name(let n): names.insert(n)
    case .number, .integer, .string, .logical, .missing: break
    case .parenthesized(let x), .unary(_, let x): collectNames(x, into: &names)
    case .binary(_, let l, let r):
      collectNames(l, into: &names)
      collectNames(r, into: &names)
    case .call(_, let args): for a in args { collectNames(a.value, into: &names) }
    }
  }

  /// The average prediction with `name` set to each of `levels` on every row of the point, from
  /// one linear predictor; nil when `name`'s columns are not row-constant
  /// (`rowConstantPositions`) or when evaluating the model fails (a non-finite term, a missing
  /// value), in which case the caller rebuilds the model matrix per level (and reports the error
  /// with its data row, as before).
  ///
  /// With `J` the columns that depend on `name` and `r_k` their (row-constant) values at level
  /// k, the linear predictor at level k is `ηᵢ − Xᵢ,J β_J + r_k β_J`: one matrix build of the
  /// point's rows serves every level. The gradient at level k is `Xᵀ(a ∘ μ′(η_k))` on the other
  /// columns (one matrix product of those columns for all levels per row block) and
  /// `r_k Σ aᵢ μ′(η_k,i)` on `J`.
  /// Rows go in blocks (`marginsRowBlock`) dealt to shares run on all cores, so memory is O(block × (p +
  /// levels)) plus, for the covariate-sampling variance only, one prediction per row and level.
  ///
  /// - Complexity: O(n p + n (p − |J|) L + n L) time for n rows, p columns and L levels (the
  /// middle term one BLAS product per block).
  static func levelAverages(
    model: PredictionModel, name: String, levels: [String], point: EvaluationPoint
  ) -> [String: LinearizedEstimate]? {
    guard let positions = rowConstantPositions(of: name, model: model), !levels.isEmpty,
      let first = point.rows.first
    else { return nil }
    let beta = model.coefficients
    let p = beta.count
    let levelCount = levels.count
    // Each level's values of the dependent columns, from one row set to that level.
    let one = point.data.rows([first])
    // An error (a level that makes a term non-finite, a missing value) is left to the caller's
    // per-level path, which names the data row; this one-row frame would say row 1.
    guard
      let levelValues = try? levels.map({ level -> [Double] in
        let x = try model.matrix(on: try setLevel(one, name, level), rows: [0])
        return positions.map { x[0, $0] }
      })
    else { return nil }
    let offsets = levelValues.map { r in zip(r, positions).reduce(0) { $0 + $1.0 * beta[$1.1] } }
    let dependent = Set(positions)
    let otherPositions = (0..<p).filter { !dependent.contains($0) }
    let m = point.rows.count
    let block = marginsRowBlock
    let keepInfluence = point.keepsInfluence && point.samplePositions != nil

    /// Sums over the blocks starting in `starts`: per level, Σ aμ, Σ aμ′ and Xᵀ(a ∘ μ′);
    /// with the data influence, each block's predictions.
    @Sendable func sums(_ starts: StrideTo<Int>) throws -> LevelSums {
      var s = LevelSums(
        value: [Double](repeating: 0, count: levelCount), slope: [Double](repeating: 0, count: levelCount),
        gradient: [Double](repeating: 0, count: p * levelCount), predictions: [])
      for lo in starts {
        let hi = Swift.min(lo + block, m)
        let mb = hi - lo
        let blockRows = Array(point.rows[lo..<hi])
        let x = try model.matrix(on: point.data, rows: blockRows)
        var base = try model.linearPredictor(x, on: point.data, rows: blockRows)
        for j in positions {
          let b = beta[j]
          let column = j * mb
          for i in 0..<mb { base[i] -= x.storage[column + i] * b }
        }
        var weights = [Double](repeating: 0, count: mb * levelCount)  // mb × L, column-major
        var predictions: [[Double]] = []
        for k in 0..<levelCount {
          let offset = offsets[k]
          var value = 0.0
          var slope = 0.0
          var mu = keepInfluence ? [Double](repeating: 0, count: mb) : []
          for i in 0..<mb {
            let eta = base[i] + offset
            let a = point.shares[lo + i]
            let mean = model.mean(eta)
            let d = a * model.meanDerivative(eta)
            value += a * mean
            slope += d
            weights[k * mb + i] = d
            if keepInfluence { mu[i] = mean }
          }
          s.value[k] += value
          s.slope[k] += slope
          if keepInfluence { predictions.append(mu) }
        }
        // The other columns' part, Xᵀ(a ∘ μ′) (p' × L); the dependent columns' part is r_k Σ a μ′.
        let other = positions.isEmpty ? x : x.selectingColumns(otherPositions)
        let g = other.crossProduct(with: Matrix(rows: mb, cols: levelCount, columnMajor: weights))
        for k in 0..<levelCount {
          for (c, j) in otherPositions.enumerated() { s.gradient[k * p + j] += g[c, k] }
        }
        if keepInfluence { s.predictions.append((lo, predictions)) }
      }
      return s
    }

    // Shares fixed by the row count alone (2 from 4 blocks, one per 2 blocks up to 16), run on all
    // cores: the sums are the same for any thread count.
    let shares = m >= 4 * block ? Swift.min(16, m / (2 * block)) : 1
    let parts = concurrentMap(shares) { t in
      Result { try sums(stride(from: t * block, to: m, by: shares * block)) }
    }
    // As above: on an error the caller's per-level path reports it, with the first bad row.
    var total = LevelSums(
      value: [Double](repeating: 0, count: levelCount), slope: [Double](repeating: 0, count: levelCount),
      gradient: [Double](repeating: 0, count: p * levelCount), predictions: [])
    for part in parts {
      guard let s = try? part.get() else { return nil }
      for k in 0..<levelCount {
        total.value[k] += s.value[k]
        total.slope[k] += s.slope[k]
      }
      for i in total.gradient.indices { total.gradient[i] += s.gradient[i] }
      total.predictions += s.predictions
    }

    var out: [String: LinearizedEstimate] = [:]
    for (k, level) in levels.enumerated() {
      var gradient = Array(total.gradient[(k * p)..<((k + 1) * p)])
      for (c, j) in positions.enumerated() { gradient[j] = levelValues[k][c] * total.slope[k] }
      let theta = total.value[k]
      var estimate = LinearizedEstimate(value: theta, gradient: gradient, dataInfluence: nil)
      if keepInfluence, let samplePositions = point.samplePositions {
        var influence = [Double](repeating: 0, count: m)
        for (lo, predictions) in total.predictions {
          for (i, mu) in predictions[k].enumerated() { influence[lo + i] = point.shares[lo + i] * (mu - theta) }
        }
        estimate.dataInfluence = influence
        estimate.influencePositions = samplePositions
      }
      out[level] = estimate
    }
    return out
  }
}

/// One thread's sums of `levelAverages`: per level (gradient: p × levels, column-major).
private struct LevelSums: Sendable {
  var value: [Double]
  var slope: [Double]
  var gradient: [Double]
  /// With the data influence: per block start, each level's predictions.
  var predictions: [(Int, [[Double]])]
}
