import ArgumentParser
import Foundation
import Strata

/// `strata mean|total|prop|ratio|tab --data postgresql://…`: the sums run as aggregate SQL in the
/// server (`StrataPostgres.Pushdown.descriptives`); the estimates, the variance and the report
/// are the in-memory path's (`DescriptiveReport`).
extension DescriptiveCommandOptions {
  /// The design flags the pushdown does not take, refused by name.
  func pushdownRefusals() -> String? {
    let s = designOptions.structure
    if s.replicate != nil { return "--replicate" }
    if DesignOptions.list(s.psu).count > 1 { return "--psu with several stages" }
    if DesignOptions.list(s.fpc).count > 1 { return "--fpc with several stages" }
    return nil
  }

  /// Refuses a command or flag that has no PostgreSQL pushdown.
  func refuseWithPostgres(_ what: String) throws -> Never {
    throw ValidationError(
      "\(what) is not available with a PostgreSQL --data (mean, total, prop, ratio and tab are; see Guides/Scale.md)")
  }

  /// The pushdown request of `statistic` for `variables`, its flags checked.
  func pushdownSpecification(_ statistic: DescriptiveStatistic, variables: [String]) throws
    -> DescriptivePushdownSpecification
  {
    if let flag = pushdownRefusals() {
      throw ValidationError("\(flag) is not available with a PostgreSQL --data (see Guides/Scale.md)")
    }
    let spec = try designOptions.specification()
    if spec.calibration != nil {
      throw ValidationError("calibration is not available with a PostgreSQL --data (see Guides/Scale.md)")
    }
    return DescriptivePushdownSpecification(
      statistic: statistic, variables: variables, design: spec, by: groups, subpop: designOptions.structure.subpop,
      level: level, convention: convention, partitionKey: partitionKey, exactSums: exactSums)
  }

  /// `strata tab A B --data postgresql://…`: the table, its shares and the source as printed.
  func tabulatePushdown(_ row: String, by column: String) throws -> (AggregateTabulation, String) {
    let spec = try pushdownSpecification(.proportion, variables: [])
    let source = try PostgresSource(uri: data, sql: sql)
    let pushed = try translatingAnalysisErrors { try Pushdown.tabulate(row, by: column, spec: spec, source: source) }
    return (pushed.tabulation, pushed.source)
  }

  func runPushdown(_ statistic: DescriptiveStatistic, variables: [String]) throws {
    let spec = try pushdownSpecification(statistic, variables: variables)
    let source = try PostgresSource(uri: data, sql: sql)
    let pushed = try translatingAnalysisErrors { try Pushdown.descriptives(spec, source: source) }
    switch outputOptions.format {
    case .text: try outputOptions.write(DescriptiveReport.text(pushed.result, dataSource: pushed.source, labels: .none))
    case .json:
      try outputOptions.write(
        DescriptiveReport.json(pushed.result, dataSource: pushed.source, labels: .none).serialized() + "\n")
    case .csv: try outputOptions.write(DescriptiveReport.csv(pushed.result))
    }
  }
}
