import Foundation
import StrataModels

/// An elasticity table: variables in rows; `dy/dx`, `ey/ex` and the semi-elasticities `ey/dx`,
/// `dy/ex` in columns, each with its delta-method error.
///
///     let table = try Elasticities.table(model, variables: ["educ", "nwifeinc"], variance: dm,
///                                        degreesOfFreedom: v.degreesOfFreedom, varianceTitle: v.title)
///
/// Continuous variables get all four quantities averaged over the sample (or at the means);
/// factors and `--discrete` variables get their discrete changes under `dydx` and no elasticity.
public struct ElasticityTable: Sendable {
  /// One row: a variable (and, for a discrete change, its level against the base).
  public struct Row: Sendable {
    public var variable: String
    public var level: String?
    public var base: String?
    /// Estimates by kind (absent when the quantity does not exist for the variable).
    public var cells: [MarginKind: DeltaEstimate]
  }
  /// The quantities in column order.
  public var kinds: [MarginKind]
  public var rows: [Row]
  /// The margins the table was built from.
  public var margins: MarginsResult

  /// Rearranges margins into rows per variable (and level).
  public init(_ margins: MarginsResult, kinds: [MarginKind]) {
    self.kinds = kinds
    self.margins = margins
    var rows: [Row] = []
    for m in margins.estimates {
      if let i = rows.firstIndex(where: { $0.variable == m.variable && $0.level == m.level && $0.base == m.base }) {
        rows[i].cells[m.type] = m.result
      } else {
        rows.append(Row(variable: m.variable, level: m.level, base: m.base, cells: [m.type: m.result]))
      }
    }
    self.rows = rows
  }
}

/// Elasticity tables.
public enum Elasticities {
  /// The table of `kinds` (default all four) for `variables` (default every regressor column).
  public static func table(
    _ model: PredictionModel, variables: [String] = [], kinds: [MarginKind] = MarginKind.allCases,
    atMeans: Bool = false, discrete: [String] = [], variance: DeltaMethod, degreesOfFreedom: Double,
    varianceTitle: String, level: Double = 95
  ) throws -> ElasticityTable {
    let options = self.options(variables: variables, kinds: kinds, atMeans: atMeans, discrete: discrete, level: level)
    let result = try Margins.estimate(
      model, options: options, variance: variance, degreesOfFreedom: degreesOfFreedom, varianceTitle: varianceTitle)
    return ElasticityTable(result, kinds: kinds)
  }

  /// The margins a table of `kinds` is made of: those kinds and `dydx` (a factor's or
  /// `--discrete` variable's changes sit under it), for `variables`. A fit whose rows are read in
  /// parts computes these margins from sums (`AggregateMargins`) and rearranges them with
  /// `ElasticityTable(_:kinds:)`.
  public static func options(
    variables: [String] = [], kinds: [MarginKind] = MarginKind.allCases, atMeans: Bool = false,
    discrete: [String] = [], level: Double = 95
  ) -> MarginsOptions {
    var k = kinds
    if !k.contains(.dydx) { k.insert(.dydx, at: 0) }
    return MarginsOptions(variables: variables, kinds: k, atMeans: atMeans, discrete: discrete, level: level)
  }
}
