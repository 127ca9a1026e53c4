import ArgumentParser
import Foundation
import Strata

/// `strata fit ols|wls|logit|poisson --data postgresql://…`: the fit runs as aggregate SQL in
/// the server (`StrataPostgres.Pushdown`, a source of the aggregate-fit driver); only sums cross
/// the wire, and the report is the in-memory fit's (`RegressionReport`).
extension LinearModelOptions {
  /// The flags the pushdown does not take yet, refused by name.
  func pushdownRefusals() -> String? {
    if split != nil { return "--split" }
    if test != nil { return "--test" }
    if marginsOptions.selection.isRequested { return "--margins" }
    if streaming.memory != nil { return "--memory" }
    if streaming.stream { return "--stream" }
    return nil
  }

  func runPushdown(_ model: ModelChoice) throws {
    if let flag = pushdownRefusals() {
      throw ValidationError("\(flag) is not available with a PostgreSQL --data yet (see Guides/Scale.md)")
    }
    switch model {
    case .leastSquares, .glm(.logit, _), .glm(.probit, _), .glm(.cloglog, _), .glm(.poisson, _): break
    default:
      throw ValidationError(
        "with a PostgreSQL --data, fit ols, wls, logit, probit, cloglog and poisson are available (not \(model.kind.rawValue) yet)")
    }
    let spec = try specification(model)
    if let declared = spec.design {
      if declared.psu.count > 1 || declared.fpc.count > 1 {
        throw ValidationError("with a PostgreSQL --data, one-stage designs only (one --psu, one --fpc)")
      }
      if declared.calibration != nil || declared.buildReplicates != nil {
        throw ValidationError("with a PostgreSQL --data, calibration and --replicate are not available (give --repweights columns)")
      }
    }
    let source = try PostgresSource(uri: data, sql: sql)
    let plan: AggregatePlan
    do {
      plan = try translatingAnalysisErrors { try Model.aggregatePlan(spec) }
    } catch ScaleError.notStreamable(let what) {
      throw ValidationError("\(what) is not available with a PostgreSQL --data yet (see Guides/Scale.md)")
    }
    let fit = try Pushdown.fit(
      plan.specification, variance: plan.variance, source: source, partitionKey: partitionKey, exactSums: exactSums,
      level: spec.level, control: plan.control, information: plan.information)
    if let path = marginsOptions.save { try savePushedDown(fit, specification: spec, plan: plan, to: path) }
    let context = ReportContext(dataSource: fit.source, labels: [:])
    switch outputOptions.format {
    case .text: try outputOptions.write(RegressionReport.text(fit.result.result, context: context))
    case .json: try outputOptions.write(RegressionReport.json(fit.result.result, context: context).serialized() + "\n")
    case .csv: try outputOptions.write(RegressionReport.csv(fit.result.result))
    }
  }
}
