import Foundation
import StrataData
import StrataDesign
import StrataFormula
import StrataInference
import StrataLinalg
import StrataModels
import StrataSupport
import Testing
import _StrataTestSupport

/// `Margins.estimate` reports one step per evaluation point (`over` group × `at` setting),
/// monotone and ending at the total, and the handler changes no number.
@Suite("Margins progress")
struct MarginsProgressTests {
  final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [WorkProgress] = []
    var updates: [WorkProgress] { lock.withLock { received } }
    var handler: ProgressHandler { { [self] p in lock.withLock { received.append(p) } } }
  }

  @Test(arguments: [(nil, nil, 1), ("stype", nil, 3), ("stype", "ell=10,20", 6), (nil, "ell=10:14", 5)] as [(String?, String?, Int)])
  func oneStepPerEvaluationPoint(over: String?, at: String?, points: Int) throws {
    let data = try FrameCache.shared.dataset("apistrat")
    let fit = try GeneralizedLinearModel.fit(
      "sch.wide ~ ell + meals + stype", model: .logit, data: data, options: ModelFrameOptions(weights: "pw"))
    let v = try covariance(of: fit, spec: .hc(.hc0))
    let model = try PredictionModel(fit: fit, data: data)
    let options = MarginsOptions(variables: ["ell", "stype"], at: try at.map { try AtGrid.parse($0) }, over: over)
    let recorder = Recorder()
    let withProgress = try Margins.estimate(
      model, options: options, variance: DeltaMethod(covariance: v.matrix), degreesOfFreedom: .infinity,
      varianceTitle: v.title, progress: recorder.handler)
    let without = try Margins.estimate(
      model, options: options, variance: DeltaMethod(covariance: v.matrix), degreesOfFreedom: .infinity,
      varianceTitle: v.title)
    let task = over.map { "margins over \($0)" } ?? "margins"
    #expect(recorder.updates == (1...points).map { WorkProgress(task: task, completed: $0, total: points) })
    #expect(withProgress.estimates.count == without.estimates.count && withProgress.estimates.count >= 3 * points)
    for (a, b) in zip(withProgress.estimates, without.estimates) {
      #expect(a.result.estimate.bitPattern == b.result.estimate.bitPattern)
      #expect(a.result.stdError.bitPattern == b.result.stdError.bitPattern)
    }
  }
}
