import Strata
@testable import StrataModels
import Testing
import _StrataTestSupport

/// One replicate design and model for the batched refit.
struct BatchRefitCase: CustomStringConvertible, Sendable {
  let name: String
  let dataset: String
  let formula: String
  let model: GLMModel
  let design: DesignSpecification
  /// Zero the full-sample weight of the first row (the fit drops it; replicates weight it 0).
  var zeroFirstRow = false
  var description: String { name }
}

/// The cases: JK1 (built from clusters), BRR (replicate columns), bootstrap (built), for logit,
/// probit and Poisson; a zero-weight row; a column aliased in the full sample; a column that one
/// jackknife replicate aliases (a dummy for one PSU, so the batch must hand it to the single refit).
let batchRefitCases: [BatchRefitCase] = {
  let jk1 = DesignSpecification(weights: "pw", psu: ["dnum"], buildReplicates: ReplicateConstruction(type: .jk1))
  let brr = DesignSpecification(
    weights: "pw", replicateWeights: ReplicateSpecification(columns: ["repw*"], type: .brr))
  let boot = DesignSpecification(
    weights: "pw", strata: "stype", buildReplicates: ReplicateConstruction(type: .bootstrap, replicates: 20, seed: 7))
  var cases: [BatchRefitCase] = []
  for model in [GLMModel.logit, .probit] {
    cases.append(.init(name: "jk1 \(model)", dataset: "apiclus1", formula: "sch.wide ~ ell + meals + mobility", model: model, design: jk1))
    cases.append(.init(name: "brr \(model)", dataset: "apistrat_brr", formula: "sch.wide ~ ell + meals", model: model, design: brr))
    cases.append(.init(name: "bootstrap \(model)", dataset: "apistrat", formula: "sch.wide ~ ell + meals", model: model, design: boot))
  }
  cases.append(.init(name: "jk1 poisson", dataset: "apiclus1", formula: "api.stu ~ ell + meals", model: .poisson, design: jk1))
  cases.append(.init(name: "brr poisson", dataset: "apistrat_brr", formula: "api.stu ~ ell + meals", model: .poisson, design: brr))
  cases.append(.init(name: "bootstrap poisson", dataset: "apistrat", formula: "api.stu ~ ell + meals", model: .poisson, design: boot))
  cases.append(.init(name: "jk1 logit zero-weight row", dataset: "apiclus1", formula: "sch.wide ~ ell + meals", model: .logit, design: jk1, zeroFirstRow: true))
  cases.append(.init(name: "jk1 logit aliased column", dataset: "apiclus1", formula: "sch.wide ~ ell + meals + I(ell + meals)", model: .logit, design: jk1))
  cases.append(.init(name: "jk1 probit replicate-aliased column", dataset: "apiclus1", formula: "sch.wide ~ ell + meals + I(dnum == 815)", model: .probit, design: jk1))
  return cases
}()

/// `GLMReplicateRefit` (all replicates iterated together with a fixed information each) equals
/// `refitCoefficients` one replicate at a time (warm-started IRLS): both are the root of the same
/// replicate score. Against single refits run to a tolerance of 1e-13: 1e-9 relative (the batch
/// stops on steps below 1e-10 relative and applies the last one). Against single refits at their
/// default tolerance 1e-10: 1e-8 relative, the accuracy that stopping rule leaves them (as in
/// `GLMWarmStartTests`).
struct GLMBatchRefitTests {
  @Test(arguments: batchRefitCases)
  func batchEqualsSingleRefits(_ c: BatchRefitCase) throws {
    let data = try c.dataset == "apistrat_brr"
      ? FrameCache.shared.frame("Tests/Fixtures/design/apistrat_brr.csv") : FrameCache.shared.dataset(c.dataset)
    guard case .replicate(let design) = try SampleDesign(c.design, data: data) else {
      Issue.record("not a replicate design")
      return
    }
    var mm = try ModelMatrix.build(
      formula: Formula.parse(c.formula), data: data,
      options: .init(weights: "pw", allowsCategoricalResponse: c.model.isBinary))
    if c.zeroFirstRow, var w = mm.weights {
      w[0] = 0
      mm.weights = w
    }
    let full = try GeneralizedLinearModel.fit(mm, model: c.model, formula: c.formula)
    var replicates = (0..<design.replicateCount).map { design.analysisWeights(replicate: $0, rows: mm.rows) }
    if c.zeroFirstRow { for r in replicates.indices { replicates[r][0] = 0 } }
    let batch = try GLMReplicateRefit(mm, model: c.model, start: full.coefficients).coefficients(replicates)
    #expect(batch.count == replicates.count)
    var aliased = 0
    for (r, weights) in replicates.enumerated() {
      let single = try GeneralizedLinearModel.refitCoefficients(
        mm, model: c.model, weights: weights, start: full.coefficients)
      let tight = try GeneralizedLinearModel.refitCoefficients(
        mm, model: c.model, weights: weights, start: full.coefficients, control: GLMControl(tolerance: 1e-13))
      #expect(batch[r].count == single.count)
      for j in single.indices {
        if single[j].isNaN {
          aliased += 1
          #expect(batch[r][j].isNaN, "replicate \(r) coefficient \(j) aliased")
          #expect(tight[j].isNaN)
        } else {
          expectClose(batch[r][j], tight[j], rtol: 1e-9, atol: 1e-15, "\(c) replicate \(r) coefficient \(j) (tight)")
          expectClose(batch[r][j], single[j], rtol: 1e-8, atol: 1e-15, "\(c) replicate \(r) coefficient \(j)")
        }
      }
    }
    if c.name.hasSuffix("aliased column") { #expect(aliased > 0) }
    // Only the replicates the single refit must handle (an aliased column) leave the batch.
    let batched = try #require(BatchedRefit(mm, model: c.model, start: full.coefficients, control: .init()))
    let solved = batched.solve(replicates)
    let left = solved.indices.filter { solved[$0] == nil }
    if c.name.hasSuffix("replicate-aliased column") {
      #expect(left.count == 1)
    } else {
      #expect(left.isEmpty, "\(c): replicates \(left) left the batch")
    }
  }
}

/// `LeastSquaresReplicateRefit` equals `LeastSquares.fit` (Householder QR) replicate by
/// replicate: both solve the replicate's weighted normal equations, the batch with one step of
/// iterative refinement after the first, so 1e-9 relative (rounding, cond(X)·ε, is ~1e-12).
struct LeastSquaresBatchRefitTests {
  static let cases: [BatchRefitCase] = batchRefitCases.filter { $0.model == .logit }.map { c in
    var formula = "api00 ~ ell + meals"
    if c.name.hasSuffix("aliased column") { formula += " + I(ell + meals)" }
    if c.dataset == "apiclus1" && !c.zeroFirstRow && !c.name.hasSuffix("aliased column") {
      formula += " + I(dnum == 815)"
    }
    return BatchRefitCase(
      name: c.name.replacingOccurrences(of: "logit", with: "ols"), dataset: c.dataset, formula: formula,
      model: c.model, design: c.design, zeroFirstRow: c.zeroFirstRow)
  }

  @Test(arguments: cases)
  func batchEqualsSingleFits(_ c: BatchRefitCase) throws {
    let data = try c.dataset == "apistrat_brr"
      ? FrameCache.shared.frame("Tests/Fixtures/design/apistrat_brr.csv") : FrameCache.shared.dataset(c.dataset)
    guard case .replicate(let design) = try SampleDesign(c.design, data: data) else {
      Issue.record("not a replicate design")
      return
    }
    var mm = try ModelMatrix.build(formula: Formula.parse(c.formula), data: data, options: .init(weights: "pw"))
    if c.zeroFirstRow, var w = mm.weights {
      w[0] = 0
      mm.weights = w
    }
    let full = try LeastSquares.fit(mm, formula: c.formula)
    var replicates = (0..<design.replicateCount).map { design.analysisWeights(replicate: $0, rows: mm.rows) }
    if c.zeroFirstRow { for r in replicates.indices { replicates[r][0] = 0 } }
    let batch = try LeastSquaresReplicateRefit(mm, start: full.coefficients).coefficients(replicates)
    #expect(batch.count == replicates.count)
    for (r, weights) in replicates.enumerated() {
      var m = mm
      m.weights = weights
      let single = try LeastSquares.fit(m, formula: c.formula).coefficients
      for j in single.indices {
        if single[j].isNaN {
          #expect(batch[r][j].isNaN, "replicate \(r) coefficient \(j) aliased")
        } else {
          expectClose(batch[r][j], single[j], rtol: 1e-9, atol: 1e-12, "\(c) replicate \(r) coefficient \(j)")
        }
      }
    }
    let batched = try #require(BatchedRefit(mm, model: nil, start: full.coefficients, control: .init()))
    let left = batched.solve(replicates).enumerated().filter { $0.element == nil }.map(\.offset)
    #expect(left.count == (c.formula.contains("dnum == 815") ? 1 : 0), "\(c): replicates \(left) left the batch")
  }
}
