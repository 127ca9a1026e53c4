import Testing
@testable import StrataModels

/// The one convergence rule (`IRLSRule`) as the batched replicate refits use it
/// (`fixedInformationVerdict`), and the batched driver (`NewtonLoop.runBatched`).
@Suite("One IRLS rule: the fixed-information verdict and the batched driver")
struct IRLSRuleTests {
  let rule = IRLSRule(tolerance: 1e-10)

  @Test func convergedNeedsSmallDecrementAndPolish() {
    // Decrement 1e-22 on a deviance of 100: 1e-22 ≤ 1e-20 × 100.1 (small), above rounding level.
    // Step 1e-11 standard errors: polished.
    #expect(rule.fixedInformationVerdict(
      step: 1e-11, previousStep: 1e-6, decrement: 1e-22, deviance: 100, growingSteps: 0) == .converged)
    // Same decrement, step 1e-9 SE after 1e-6 (ρ = 1e-3): remaining 1e-12 SE ≤ tol, polished.
    #expect(rule.fixedInformationVerdict(
      step: 1e-9, previousStep: 1e-6, decrement: 1e-22, deviance: 100, growingSteps: 0) == .converged)
    // Step 1e-9 after 2e-9 (ρ = 0.5): the contraction does not vouch for it, not polished.
    #expect(rule.fixedInformationVerdict(
      step: 1e-9, previousStep: 2e-9, decrement: 1e-22, deviance: 100, growingSteps: 0)
      == .iterating(growingSteps: 0))
    // First step (no previous): only the step itself or a rounding-level decrement polishes.
    #expect(rule.fixedInformationVerdict(
      step: 1e-9, previousStep: .infinity, decrement: 1e-22, deviance: 100, growingSteps: 0)
      == .iterating(growingSteps: 0))
    // Decrement at rounding level (≤ 1e-30 × 100.1): polished whatever the step.
    #expect(rule.fixedInformationVerdict(
      step: 1e-9, previousStep: .infinity, decrement: 1e-29, deviance: 100, growingSteps: 0) == .converged)
    // A tiny step with a decrement that is not small: not converged.
    #expect(rule.fixedInformationVerdict(
      step: 1e-12, previousStep: 1e-6, decrement: 1e-15, deviance: 100, growingSteps: 0)
      == .iterating(growingSteps: 0))
  }

  @Test func growingStepsEndAsDiverging() {
    #expect(rule.fixedInformationVerdict(
      step: 2, previousStep: 1, decrement: 1, deviance: 100, growingSteps: 0) == .iterating(growingSteps: 1))
    #expect(rule.fixedInformationVerdict(
      step: 2, previousStep: 1, decrement: 1, deviance: 100, growingSteps: 1) == .iterating(growingSteps: 2))
    #expect(rule.fixedInformationVerdict(
      step: 2, previousStep: 1, decrement: 1, deviance: 100, growingSteps: 2) == .diverging)
    // A shrinking step resets the count.
    #expect(rule.fixedInformationVerdict(
      step: 0.5, previousStep: 1, decrement: 1, deviance: 100, growingSteps: 2) == .iterating(growingSteps: 0))
  }

  @Test func batchedDriverSharesOnePassAndStopsAtMaxPasses() {
    // Problem i finishes after i + 1 steps; each pass is called once with all still active.
    var remaining = [1, 2, 3, 10]
    var passes: [[Int]] = []
    let left = NewtonLoop.runBatched(
      active: [0, 1, 2, 3], maxPasses: 5,
      pass: { active in
        passes.append(active)
        return active.map { Double($0) }
      },
      step: { index, score in
        #expect(score == Double(index))
        remaining[index] -= 1
        return remaining[index] > 0
      })
    #expect(passes == [[0, 1, 2, 3], [1, 2, 3], [2, 3], [3]])
    #expect(left == [3])
    #expect(remaining == [0, 0, 0, 6])
  }
}
