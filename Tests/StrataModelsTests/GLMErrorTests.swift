import Foundation
import Strata
import Testing
import _StrataTestSupport

/// A small data frame from CSV text.
func frame(csv: String) throws -> DataFrame {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-glm-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let url = dir.appendingPathComponent("data.csv")
  try Data(csv.utf8).write(to: url)
  return try DataReader.read(path: url.path)
}

@Suite("GLM outcome rules, separation and convergence")
struct GLMErrorTests {
  /// Twelve rows: `d == 1` only ever comes with y = 1 (quasi-complete separation by a dummy).
  static let dummySeparated = "y,d,x\n1,1,0.5\n1,1,1.2\n1,0,0.3\n0,0,0.8\n1,0,1.5\n0,0,0.2\n0,0,1.1\n1,0,0.9\n0,0,0.4\n1,1,0.7\n0,0,1.3\n1,0,0.6\n"

  @Test func dummyThatPredictsSuccessIsReported() throws {
    let data = try frame(csv: Self.dummySeparated)
    #expect(throws: EstimationError.separatedByTerm(term: "d", condition: "'d' != 0", outcome: 1, observations: 3)) {
      try GeneralizedLinearModel.fit("y ~ d + x", model: .logit, data: data)
    }
  }

  @Test func continuousTermThatSeparatesIsReported() throws {
    let data = try frame(csv: "y,x,z\n0,1,3\n0,2,1\n0,3,4\n1,4,1\n1,5,5\n1,6,9\n0,2.5,2\n1,7,2\n")
    #expect(throws: EstimationError.separatedByTerm(term: "x", condition: "'x' > 3", outcome: 1, observations: 4)) {
      try GeneralizedLinearModel.fit("y ~ x + z", model: .probit, data: data)
    }
  }

  /// Separation by a combination (x1 + x2 > 0 ⇔ y = 1, neither alone separates) is caught after
  /// the fit from fitted probabilities numerically 0 or 1, never returned as huge estimates.
  @Test func separationByCombinationIsReported() throws {
    let data = try frame(
      csv: "y,x1,x2\n1,2,-1\n1,-1,2\n1,0.5,0.5\n0,-2,1\n0,1,-2\n0,-0.5,-0.5\n1,3,-2\n0,-3,2\n1,1,0.2\n0,0.2,-1\n")
    do {
      _ = try GeneralizedLinearModel.fit("y ~ x1 + x2", model: .logit, data: data)
      Issue.record("separated data were fitted")
    } catch let EstimationError.quasiSeparation(terms, ones, zeros) {
      #expect(Set(terms).isSubset(of: ["x1", "x2", "(Intercept)"]) && !terms.isEmpty)
      #expect(ones + zeros > 0)
    }
  }

  @Test func nonBinaryOutcomeToLogitIsAnError() throws {
    let data = try frame(csv: "y,x\n0,1\n1,2\n2,3\n1,4\n0,5\n")
    #expect(throws: EstimationError.responseNotBinary(name: "y", value: 2, row: 3)) {
      try GeneralizedLinearModel.fit("y ~ x", model: .logit, data: data)
    }
  }

  /// A two-level string outcome is binary with the second level (C-locale order) as 1, as R's
  /// `binomial()`; three levels are an error naming them.
  @Test func factorOutcomes() throws {
    let two = try frame(csv: "y,x\nno,1\nyes,2\nno,3\nyes,4\nyes,2.5\nno,3.5\n")
    let fit = try GeneralizedLinearModel.fit("y ~ x", model: .logit, data: two)
    #expect(fit.response == [0, 1, 0, 1, 1, 0])
    let three = try frame(csv: "y,x\nno,1\nyes,2\nmaybe,3\nyes,4\n")
    #expect(throws: EstimationError.responseLevels(name: "y", levels: ["maybe", "no", "yes"])) {
      try GeneralizedLinearModel.fit("y ~ x", model: .logit, data: three)
    }
    #expect(throws: FormulaError.self) {
      try GeneralizedLinearModel.fit("y ~ x", model: .poisson, data: two)
    }
  }

  /// A logical outcome (`x > 2`) is 0/1.
  @Test func logicalOutcome() throws {
    let data = try frame(csv: "y,x\n1,1\n5,2\n2,3\n4,4\n1,5\n3,6\n")
    let fit = try GeneralizedLinearModel.fit("I(y > 2) ~ x", model: .logit, data: data)
    #expect(fit.response == [0, 1, 0, 1, 0, 1])
  }

  @Test func negativeCountToPoissonIsAnError() throws {
    let data = try frame(csv: "y,x\n0,1\n3,2\n-1,3\n2,4\n")
    #expect(throws: EstimationError.negativeCount(name: "y", value: -1, row: 3)) {
      try GeneralizedLinearModel.fit("y ~ x", model: .poisson, data: data)
    }
  }

  @Test func nonIntegerCountsWarn() throws {
    let data = try frame(csv: "y,x\n0.5,1\n3,2\n1,3\n2.5,4\n4,5\n")
    let fit = try GeneralizedLinearModel.fit("y ~ x", model: .poisson, data: data)
    #expect(fit.diagnostics.contains(.nonIntegerCounts(name: "y", count: 2)))
  }

  @Test func fractionalOutcomeOutsideUnitIntervalIsAnError() throws {
    let data = try frame(csv: "y,x\n0.2,1\n0.5,2\n1.5,3\n0.7,4\n")
    #expect(throws: EstimationError.responseOutOfRange(name: "y", value: 1.5, row: 3)) {
      try GeneralizedLinearModel.fit("y ~ x", model: .fraclogit, data: data)
    }
  }

  /// Two IRLS iterations are not enough for the mroz probit: the error says how far it got.
  @Test func nonConvergenceIsAnErrorWithAdvice() throws {
    let data = try FrameCache.shared.dataset("mroz")
    do {
      _ = try GeneralizedLinearModel.fit(
        "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + kidsge6", model: .probit, data: data,
        control: GLMControl(maxIterations: 2))
      Issue.record("converged in 2 iterations")
    } catch let e as EstimationError {
      guard case .notConverged(let iterations, let change) = e else {
        Issue.record("unexpected error \(e)")
        return
      }
      #expect(iterations == 2)
      #expect(change > 1e-10)
      #expect(e.description.contains("raise `maxIterations`"))
    }
  }

  /// Scaling the weights leaves estimates and sandwich standard errors unchanged (glm(weights=)).
  @Test func rescaledWeightsChangeNothing() throws {
    let data = try FrameCache.shared.dataset("k401ksubs")
    let f = "e401k ~ inc + age + male"
    let a = try GeneralizedLinearModel.fit(f, model: .fraclogit, data: data, options: .init(weights: "fsize"))
    let b = try GeneralizedLinearModel.fit(f, model: .fraclogit, data: data, options: .init(weights: "3 * fsize"))
    let va = try covariance(of: a, spec: .hc(.hc0)).standardErrors
    let vb = try covariance(of: b, spec: .hc(.hc0)).standardErrors
    for i in a.kept.indices {
      // Same MLE up to IRLS rounding (1e-9); the sandwich is invariant to the scale of w.
      expectClose(b.coefficients[i], a.coefficients[i], rtol: 1e-9, atol: 1e-12, "coefficient \(i)")
      expectClose(vb[i], va[i], rtol: 1e-8, "HC0 se \(i)")
    }
  }
}
