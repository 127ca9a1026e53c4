import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport
import Testing
import _StrataTestSupport

/// The variance engine refuses a fit paired with a design it does not belong to (other rows, other
/// weights): an `InferenceError.designMismatch`, never a silent standard error.
@Suite("Fits paired with another design's rows or weights")
struct DesignMismatchTests {
  static func isMismatch(_ error: any Error) -> Bool {
    if case InferenceError.designMismatch = error { return true }
    return false
  }

  /// The design-based logit of apistrat (weights pw, strata stype, FPC fpc).
  static func apistratFit() throws -> (fit: Fit, data: DataFrame) {
    let data = try FrameCache.shared.dataset("apistrat")
    let fit = try GeneralizedLinearModel.fit(
      "sch.wide ~ ell + meals + mobility", model: .logit, data: data, options: ModelFrameOptions(weights: "pw"))
    return (fit, data)
  }

  static func designVariance(_ spec: DesignSpecification, _ data: DataFrame) throws -> CovarianceSpec {
    .design(DesignVariance(design: try SampleDesign(spec, data: data), refit: { _ in [] }))
  }

  /// The matching design gives a covariance; the design's weights scaled by a constant too
  /// (IRLS normalizes the weights: one common factor is allowed).
  @Test func matchingDesignAndScaledWeightsAreAccepted() throws {
    let (fit, data) = try Self.apistratFit()
    let v = try covariance(of: fit, spec: Self.designVariance(DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"]), data))
    var scaled = fit
    scaled.weights = fit.weights?.map { $0 / 7.5 }
    let w = try covariance(
      of: scaled, spec: Self.designVariance(DesignSpecification(weights: "pw", strata: "stype", fpc: ["fpc"]), data))
    for k in 0..<fit.rank { expectClose(w.matrix[k, k], v.matrix[k, k], rtol: 1e-12, "variance \(k)") }
  }

  /// A design over other weights (the same rows, weights `api.stu`): an error.
  @Test func otherWeightsAreAnError() throws {
    let (fit, data) = try Self.apistratFit()
    let spec = try Self.designVariance(DesignSpecification(weights: "api.stu", strata: "stype"), data)
    #expect(performing: { try covariance(of: fit, spec: spec) }, throws: Self.isMismatch)
  }

  /// A design built from another data frame with fewer rows: the fit's rows lie outside it.
  @Test func designFromAnotherFrameIsAnError() throws {
    let (fit, _) = try Self.apistratFit()
    let other = try FrameCache.shared.dataset("apiclus1")  // 183 rows; apistrat has 200
    let spec = try Self.designVariance(DesignSpecification(weights: "pw", psu: ["dnum"]), other)
    #expect(performing: { try covariance(of: fit, spec: spec) }, throws: Self.isMismatch)
  }

  /// Replicate designs are checked the same way, before any refit.
  @Test func replicateDesignWithOtherWeightsIsAnError() throws {
    let (fit, data) = try Self.apistratFit()
    let spec = try Self.designVariance(
      DesignSpecification(weights: "api.stu", buildReplicates: ReplicateConstruction(type: .jk1)), data)
    #expect(performing: { try covariance(of: fit, spec: spec) }, throws: Self.isMismatch)
  }

  /// An unweighted fit paired with a weighted design (weights not one common multiple of 1).
  @Test func unweightedFitWithWeightedDesignIsAnError() throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let fit = try LeastSquares.fit("api00 ~ ell + meals", data: data)
    let spec = try Self.designVariance(DesignSpecification(weights: "pw", strata: "stype"), data)
    #expect(performing: { try covariance(of: fit, spec: spec) }, throws: Self.isMismatch)
  }

  /// The unconditional margins' design variance checks the pairing too.
  @Test func unconditionalMarginsCheckTheDesign() throws {
    let (fit, data) = try Self.apistratFit()
    let design = try LinearizationDesign(DesignSpecification(weights: "api.stu", strata: "stype"), data: data)
    #expect(performing: { try InfluenceVariance.design(fit: fit, design: design) }, throws: Self.isMismatch)
  }

  /// The engine's check directly: lengths, rows outside the design, repeated rows, weights.
  @Test func engineCheckNamesTheProblem() throws {
    let w = [1.0, 2, 3, 4]
    let s = Scores(dense: Matrix(rows: 3, cols: 1), rows: [0, 1, 2], weights: [2, 4, 6])
    #expect(try VarianceEngine.checkedRows(s, designRowCount: 4, designWeights: w) == [0, 1, 2])
    #expect(throws: InferenceError.designMismatch(.rowCount(scores: 3, rows: 2))) {
      try VarianceEngine.checkedRows(
        Scores(dense: Matrix(rows: 3, cols: 1), rows: [0, 1]), designRowCount: 4, designWeights: w)
    }
    #expect(throws: InferenceError.designMismatch(.rowOutsideDesign(row: 4, designRows: 4))) {
      try VarianceEngine.checkedRows(
        Scores(dense: Matrix(rows: 2, cols: 1), rows: [0, 4]), designRowCount: 4, designWeights: w)
    }
    #expect(throws: InferenceError.designMismatch(.repeatedRow(row: 1))) {
      try VarianceEngine.checkedRows(
        Scores(dense: Matrix(rows: 2, cols: 1), rows: [1, 1], weights: [2, 2]), designRowCount: 4, designWeights: w)
    }
    #expect(throws: InferenceError.designMismatch(.weightsDiffer(row: 2, fit: 6.000001, design: 3))) {
      try VarianceEngine.checkedRows(
        Scores(dense: Matrix(rows: 3, cols: 1), rows: [0, 1, 2], weights: [2, 4, 6.000001]), designRowCount: 4,
        designWeights: w)
    }
    #expect(throws: InferenceError.designMismatch(.rowsUnknown)) {
      try VarianceEngine.checkedRows(Scores(dense: Matrix(rows: 1, cols: 1)), designRowCount: 4, designWeights: w)
    }
  }
}
