import Foundation
import StrataFormula
import StrataLinalg

// Margins and scenario comparisons with the covariates sampled (Stata `margins,
// vce(unconditional)`) when the sample is summed in parts (a file streamed in chunks).
//
// An average of the whole sample, θ = S/W, has the influence ψᵢ = wᵢ(fᵢ − θ)/W + J·IFᵢ(β)
// (`InfluenceVariance`): θ and J come from the sums of a first pass (`MarginSums`,
// `ScenarioSums`), so ψ is formed on each part in a second pass. On a part the in-memory engine
// gives the part's own data influence dᵢ = wᵢ(fᵢ − θ_c)/W_c (θ_c, W_c: the part's average and
// weight), so the whole sample's is (dᵢ W_c + wᵢ(θ_c − θ))/W on the group's rows. Differences
// and ratios combine these as in memory (`LinearizedEstimate.minus`, `dividedBy`). The totals of
// ψ by design unit, cluster cell or its cross-product then go to
// `InfluenceVariance.covariance(ofTotals:fit:spec:)`.

extension LinearizedEstimate {
  /// This average of a part of the sample (`partWeight` = Σ wᵢ over its group's rows) recast as
  /// `whole`, the same average over the whole sample (`wholeWeight`): `whole`'s value and
  /// gradient with the data influence of the part's rows (`rows` of them; the group's rows at
  /// `positions`, their weights `weights`, nil: 1).
  func recast(
    as whole: LinearizedEstimate, partWeight: Double, wholeWeight: Double, rows: Int, positions: [Int],
    weights: [Double]?
  ) -> LinearizedEstimate {
    var column = [Double](repeating: 0, count: rows)
    addInfluence(into: &column)
    for i in column.indices { column[i] *= partWeight }
    let shift = value - whole.value
    for p in positions { column[p] += (weights?[p] ?? 1) * shift }
    for i in column.indices { column[i] /= wholeWeight }
    return LinearizedEstimate(value: whole.value, gradient: whole.gradient, dataInfluence: column)
  }
}

/// The columns of ψ the delta-method engine hands to an `InfluenceVariance`, kept in order: how a
/// part's data influences are read from the in-memory margins engine. The engine calls the
/// variance closure synchronously; the lock makes the box safe to share anyway.
private final class InfluenceColumns: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [Double] = []
  private var columns = 0

  func append(_ m: Matrix) {
    lock.lock()
    defer { lock.unlock() }
    storage += m.storage
    columns += m.cols
  }

  func column(_ j: Int, rows: Int) -> [Double] {
    lock.lock()
    defer { lock.unlock() }
    return Array(storage[(j * rows)..<((j + 1) * rows)])
  }
}

extension MarginSums {
  /// The influence functions ψ of the whole sample's margins (these sums, all parts added) on
  /// the rows of one part, `model` (rows × margins, in `result`'s order).
  ///
  /// - Parameters:
  ///   - options: the options the sums were made with.
  ///   - coefficientInfluence: the part's rows × kept coefficients: each row's score times the
  ///     fit's bread, `IFᵢ(β)`.
  /// - Throws: as `Margins.estimate`.
  public func influence(
    of model: PredictionModel, options: MarginsOptions, coefficientInfluence: Matrix
  ) throws -> Matrix {
    let ordered = orderedEntries()
    var estimates = ordered.map(\.average)
    let n = model.rows.count
    if n > 0 {
      var position: [String: Int] = [:]
      for (j, e) in ordered.enumerated() { position[Self.key(e.estimate)] = j }
      // The part's margins with their data influences: the engine hands ψ (with a zero
      // coefficient part) to the variance closure, which keeps it.
      let p = model.coefficients.count
      let captured = InfluenceColumns()
      let engine = InfluenceVariance(coefficientInfluence: Matrix(rows: n, cols: p), rows: model.rows, title: "") {
        psi in
        captured.append(psi)
        return Matrix(rows: psi.cols, cols: psi.cols)
      }
      let part = try Margins.estimate(
        model, options: options, variance: DeltaMethod(covariance: Matrix(rows: p, cols: p), unconditional: engine),
        degreesOfFreedom: .infinity, varianceTitle: "")
      var groups: [String: (weight: Double, positions: [Int])] = [:]
      for g in try Margins.sampleGroups(model: model, over: options.over) {
        groups[g.label ?? ""] = (g.positions.reduce(0) { $0 + (model.weights?[$1] ?? 1) }, g.positions)
      }
      for (c, e) in part.estimates.enumerated() {
        guard let j = position[Self.key(e)], let g = groups[e.group?.label ?? ""] else {
          throw MarginsError.notSummable(what: "the margin of \(e.variable) (a part's margin the whole sample's sums lack)")
        }
        let own = LinearizedEstimate(
          value: e.result.estimate, gradient: [], dataInfluence: captured.column(c, rows: n))
        estimates[j] = own.recast(
          as: estimates[j], partWeight: g.weight, wholeWeight: ordered[j].weight, rows: n, positions: g.positions,
          weights: model.weights)
      }
    }
    return DeltaMethod.influence(of: estimates, coefficientInfluence: coefficientInfluence)
  }

  /// The margins of the whole sample with the covariates sampled: `covariance` is the
  /// estimates' covariance (`InfluenceVariance.covariance(ofTotals:fit:spec:)` of the totals of
  /// `influence(of:options:coefficientInfluence:)`).
  public func result(
    options: MarginsOptions, unconditionalCovariance covariance: Matrix, degreesOfFreedom: Double,
    varianceTitle: String
  ) throws -> MarginsResult {
    guard options.level > 0, options.level < 100 else { throw MarginsError.invalidLevel(options.level) }
    let ordered = orderedEntries()
    let ses = ordered.indices.map { Swift.max(covariance[$0, $0], 0).squareRoot() }
    return result(
      ordered, standardErrors: ses, gradients: nil, options: options, degreesOfFreedom: degreesOfFreedom,
      varianceTitle: varianceTitle)
  }
}

extension ScenarioSums {
  /// The influence functions ψ of the whole sample's comparisons (these sums, all parts added)
  /// on the rows of one part, `model` (rows × 4 per group and scenario: baseline, prediction,
  /// difference, ratio, in `result`'s order).
  ///
  /// - Parameter coefficientInfluence: the part's rows × kept coefficients, `IFᵢ(β)`.
  /// - Throws: `MarginsError.zeroBaseline`; as `Scenarios.compare`.
  public func influence(
    of model: PredictionModel, scenarios: [Scenario], by: String?, coefficientInfluence: Matrix
  ) throws -> Matrix {
    let n = model.rows.count
    var parts: [String: (weight: Double, positions: [Int], averages: [LinearizedEstimate])] = [:]
    if n > 0 {
      let groupRows = Dictionary(
        uniqueKeysWithValues: try Margins.sampleGroups(model: model, over: by).map { ($0.label ?? "", $0.positions) })
      for g in try Scenarios.groupAverages(model, scenarios: scenarios, by: by, keepsInfluence: true) {
        parts[g.label ?? ""] = (g.weight, groupRows[g.label ?? ""] ?? [], [g.baseline] + g.predicted)
      }
    }
    let (estimates, _) = try Self.comparisons(orderedGroups(), scenarios: scenarios, by: by) { group, k in
      let whole = group.average(k)
      guard let part = parts[group.label ?? ""] else { return whole }
      return part.averages[k.map { $0 + 1 } ?? 0].recast(
        as: whole, partWeight: part.weight, wholeWeight: group.weight, rows: n, positions: part.positions,
        weights: model.weights)
    }
    return DeltaMethod.influence(of: estimates, coefficientInfluence: coefficientInfluence)
  }

  /// The comparisons of the whole sample with the covariates sampled: `covariance` is the
  /// estimates' covariance (of the totals of `influence(of:scenarios:by:coefficientInfluence:)`).
  public func result(
    scenarios: [Scenario], by: String?, unconditionalCovariance covariance: Matrix, degreesOfFreedom: Double,
    varianceTitle: String, level: Double = 95
  ) throws -> ScenarioResult {
    guard level > 0, level < 100 else { throw MarginsError.invalidLevel(level) }
    let (estimates, labels) = try Self.comparisons(orderedGroups(), scenarios: scenarios, by: by) { $0.average($1) }
    let ses = estimates.indices.map { Swift.max(covariance[$0, $0], 0).squareRoot() }
    return result(
      estimates, labels: labels, standardErrors: ses, unconditional: true, degreesOfFreedom: degreesOfFreedom,
      varianceTitle: varianceTitle, level: level)
  }
}

extension MarginSums {
  /// The totals of the whole sample's margins' influence functions ψ by unit (a design unit or
  /// cluster cell), in `result`'s order (units × margins), from per-unit sums instead of rows:
  /// the sums of a database grouped by unit. A margin's ψᵢ = aᵢ(fᵢ − θ)/W + J·IFᵢ(β) is linear in
  /// the row's values, so its total over unit u is (Σᵤ aᵢfᵢ − θ Σᵤ aᵢ)/W + J·(Σᵤ uᵢ)·A⁻¹, the
  /// sums taken over the margin's group's rows.
  ///
  /// - Parameters:
  ///   - units: the number of units.
  ///   - unitSums: for one entry, `Σᵤ aᵢfᵢ` and `Σᵤ aᵢ` over its group's rows of each unit.
  ///   - coefficientInfluence: units × kept coefficients: each unit's score total times the fit's
  ///     bread.
  public func influenceTotals(
    units: Int, unitSums: (Entry) throws -> (values: [Double], weights: [Double]), coefficientInfluence: Matrix
  ) throws -> Matrix {
    let estimates = try orderedEntries().map { entry -> LinearizedEstimate in
      var whole = entry.average
      let (values, weights) = try unitSums(entry)
      whole.dataInfluence = (0..<units).map { (values[$0] - whole.value * weights[$0]) / entry.weight }
      return whole
    }
    return DeltaMethod.influence(of: estimates, coefficientInfluence: coefficientInfluence)
  }
}

extension MarginSums {
  /// The entries in `result`'s order (the columns of `influenceTotals`).
  public var entriesInResultOrder: [Entry] { orderedEntries() }
}

extension ScenarioSums {
  /// The totals of the whole sample's comparisons' influence functions ψ by unit (units × 4 per
  /// group and scenario, in `result`'s order), from per-unit sums instead of rows, as
  /// `MarginSums.influenceTotals`: a group's average has the unit total
  /// (Σᵤ aᵢμᵢ − θ Σᵤ aᵢ)/W + J·(Σᵤ uᵢ)·A⁻¹; differences and ratios combine them.
  ///
  /// - Parameters:
  ///   - unitSums: for a group and a scenario (nil: the data as observed), `Σᵤ aᵢμᵢ` and
  ///     `Σᵤ aᵢ` over the group's rows of each unit.
  ///   - coefficientInfluence: units × kept coefficients: each unit's score total times the bread.
  /// - Throws: `MarginsError.zeroBaseline`; errors of `unitSums`.
  public func influenceTotals(
    units: Int, scenarios: [Scenario], by: String?,
    unitSums: (_ group: String?, _ scenario: Int?) throws -> (values: [Double], weights: [Double]),
    coefficientInfluence: Matrix
  ) throws -> Matrix {
    let (estimates, _) = try Self.comparisons(orderedGroups(), scenarios: scenarios, by: by) { group, k in
      var whole = group.average(k)
      let (values, weights) = try unitSums(group.label, k)
      whole.dataInfluence = (0..<units).map { (values[$0] - whole.value * weights[$0]) / group.weight }
      return whole
    }
    return DeltaMethod.influence(of: estimates, coefficientInfluence: coefficientInfluence)
  }
}
