import Foundation
import Strata
import Testing

/// A GLM on a compact model matrix (`ModelFrameOptions.compactFactor`: the largest factor's
/// dummies kept as level codes) is the same fit as on the full matrix, bit for bit: the passes
/// read the same numbers in the same order. Slow paths (the QR of aliased columns, separation at
/// the boundary, sandwich covariances) expand the matrix and agree too.
@Suite("GLMs on a compact model matrix")
struct GLMCompactFactorTests {
  /// 20,000 rows (above the 2¹⁴ rows where factor structures are used), a 7-level factor between
  /// numeric regressors, a binary outcome that depends on both.
  static func frame(rows n: Int = 20_000, separatedBy cut: Double? = nil) -> DataFrame {
    let levels = ["a", "b", "c", "d", "e", "f", "g"]
    let g = (0..<n).map { Int32(($0 + $0 / 7) % levels.count) }
    let z = (0..<n).map { Double(($0 * 37) % 101) / 10 }
    let u = (0..<n).map { Double(($0 * 53) % 97) / 97 }
    let y = (0..<n).map { i -> Double in
      if let cut { return z[i] > cut ? 1 : 0 }
      let eta: Double = -1 + 0.3 * z[i] - 0.2 * Double(g[i]) + u[i]
      let p: Double = 1 / (1 + exp(-eta))
      return Double((i * 7919) % 1000) / 1000 < p ? 1 : 0
    }
    let w = (0..<n).map { 1 + Double($0 % 4) / 2 }
    return DataFrame(
      columns: [
        Column(name: "y", storage: .numeric(NumericColumn(values: y))),
        Column(name: "z", storage: .numeric(NumericColumn(values: z))),
        Column(name: "u", storage: .numeric(NumericColumn(values: u))),
        Column(name: "g", storage: .factor(FactorColumn(codes: g, levels: levels))),
        Column(name: "w", storage: .numeric(NumericColumn(values: w))),
      ], source: "test")
  }

  static func matrices(_ formula: String, _ data: DataFrame) throws -> (compact: ModelMatrix, full: ModelMatrix) {
    let f = try Formula.parse(formula)
    return (
      try ModelMatrix.build(formula: f, data: data, options: .init(weights: "w", compactFactor: true)),
      try ModelMatrix.build(formula: f, data: data, options: .init(weights: "w"))
    )
  }

  @Test(arguments: [GLMModel.logit, .probit])
  func sameFitAsTheFullMatrix(model: GLMModel) throws {
    let data = Self.frame()
    let formula = "y ~ z + g + I(z^2) + u"
    let (cm, fm) = try Self.matrices(formula, data)
    let compact = try #require(cm.$x.compact)
    #expect(compact.matrix.cols == 4 && cm.$x.cols == 10 && cm.nobs == 20_000 && !cm.$x.isExpanded)
    #expect(compact.structure.indicatorColumns == Array(2...7))

    let a = try GeneralizedLinearModel.fit(cm, model: model, formula: formula)
    let b = try GeneralizedLinearModel.fit(fm, model: model, formula: formula)
    #expect(a.coefficients == b.coefficients && a.bread.storage == b.bread.storage)
    #expect(a.scoreMultipliers == b.scoreMultipliers && a.glm?.deviance == b.glm?.deviance)
    #expect(a.glm?.iterations == b.glm?.iterations && a.nobs == b.nobs)
    // The fit shares the compact matrix; nothing has expanded it.
    #expect(a.$x.compact != nil && !a.$x.isExpanded)
    #expect(a.indicatorStructure?.indicatorColumns == b.indicatorStructure?.indicatorColumns)

    // Read in full, the fit's matrix is the model matrix (expanded once, then kept).
    #expect(a.x.storage == fm.x.storage && a.$x.isExpanded && cm.$x.isExpanded)
    #expect(cm.x.storage == fm.x.storage)

    // A warm start from a nearby estimate reaches the same fixed point on either matrix.
    let near = a.coefficients.enumerated().map { $0.element + 0.02 * Double($0.offset % 3 - 1) }
    let (cm2, _) = try Self.matrices(formula, data)
    let warmA = try GeneralizedLinearModel.fit(cm2, model: model, formula: formula, start: near)
    let warmB = try GeneralizedLinearModel.fit(fm, model: model, formula: formula, start: near)
    #expect(warmA.coefficients == warmB.coefficients && warmA.bread.storage == warmB.bread.storage)
  }

  /// An aliased column (u2 = 2u) sends the first solve to the QR, which needs the full matrix:
  /// the compact fit expands it and drops the same column as the full fit.
  @Test func aliasedColumnExpandsAndAgrees() throws {
    var data = Self.frame()
    let u = try data.numericValues(of: "u").values
    data = DataFrame(
      columns: data.columns + [Column(name: "u2", storage: .numeric(NumericColumn(values: u.map { 2 * $0 })))],
      source: "test")
    let formula = "y ~ z + g + u + u2"
    let (cm, fm) = try Self.matrices(formula, data)
    #expect(cm.$x.compact != nil)
    let a = try GeneralizedLinearModel.fit(cm, model: .logit, formula: formula)
    let b = try GeneralizedLinearModel.fit(fm, model: .logit, formula: formula)
    #expect(a.kept == b.kept && a.kept.count == a.terms.count - 1)
    #expect(a.coefficients[a.terms.count - 1].isNaN)
    for j in b.kept { #expect(abs(a.coefficients[j] - b.coefficients[j]) <= 1e-12 * max(abs(b.coefficients[j]), 1)) }
  }

  /// A numeric regressor that separates the outcome is reported from the compact matrix's stored
  /// column, exactly as from the full matrix.
  @Test func separationByANumericColumnIsTheSameError() throws {
    let data = Self.frame(separatedBy: 5)
    let formula = "y ~ g + z"
    let (cm, fm) = try Self.matrices(formula, data)
    #expect(cm.$x.compact != nil)
    var messages: [String] = []
    for mm in [cm, fm] {
      do {
        _ = try GeneralizedLinearModel.fit(mm, model: .logit, formula: formula)
        Issue.record("expected separation")
      } catch let e as EstimationError {
        messages.append(String(describing: e))
      }
    }
    #expect(messages.count == 2 && messages[0] == messages[1])
    #expect(messages.first?.contains("'z' > 5") == true)
  }
}
