import ArgumentParser
import Foundation
import Strata

/// `strata fit ols|wls|logit|probit|cloglog|poisson|fraclogit|fracprobit --data postgresql://… [--margins …]`: the fit (and its
/// margins) runs as aggregate SQL in the server (`StrataPostgres.Pushdown`, a source of the aggregate-fit driver); only sums cross
/// the wire, and the report is the in-memory fit's (`RegressionReport`).
extension LinearModelOptions {
  /// The flags the pushdown does not take yet, refused by name.
  func pushdownRefusals() -> String? {
    if split != nil { return "--split" }
    if test != nil { return "--test" }
    if streaming.memory != nil { return "--memory" }
    if streaming.stream { return "--stream" }
    return nil
  }

  func runPushdown(_ model: ModelChoice) throws {
    if let flag = pushdownRefusals() {
      throw ValidationError("\(flag) is not available with a PostgreSQL --data yet (see Guides/Scale.md)")
    }
    switch model {
    case .leastSquares, .glm: break
    default:
      throw ValidationError(
        "with a PostgreSQL --data, fit ols, wls, logit, probit, cloglog, poisson, fraclogit and fracprobit are available (not \(model.kind.rawValue) yet)")
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
    // Margins are summed in the server after the fit: averages over the sample, covariates fixed.
    let selection = marginsOptions.selection
    if selection.isRequested && selection.at != nil {
      throw ValidationError("--at is not available with a PostgreSQL --data yet (margins are averaged over the sample)")
    }
    let marginsRequest = selection.isRequested ? try selection.options(level: spec.level) : nil
    let unconditional = selection.isRequested && selection.marginsVCE == .unconditional
    if let marginsRequest { try translatingAnalysisErrors { try Margins.checkSummable(marginsRequest) } }
    let source = try PostgresSource(uri: data, sql: sql)
    let plan: AggregatePlan
    do {
      plan = try translatingAnalysisErrors { try Model.aggregatePlan(spec) }
    } catch ScaleError.notStreamable(let what) {
      throw ValidationError("\(what) is not available with a PostgreSQL --data yet (see Guides/Scale.md)")
    }
    if unconditional {
      try translatingAnalysisErrors {
        try AggregateMargins.checkUnconditional(plan.variance, specification: plan.specification)
      }
    }
    // With the covariates sampled, the margins' and scores' sums by unit follow the fit.
    let fit = try translatingAnalysisErrors {
      try Pushdown.fit(
        plan.specification, variance: plan.variance, source: source, partitionKey: partitionKey, exactSums: exactSums,
        level: spec.level, control: plan.control, information: plan.information, margins: marginsRequest,
        unconditionalMargins: unconditional)
    }
    if let path = marginsOptions.save { try savePushedDown(fit, specification: spec, plan: plan, to: path) }
    try renderFitFromSums(
      fit.result.result, context: ReportContext(dataSource: fit.source, labels: [:]), margins: fit.margins)
  }
}
