import ArgumentParser
import Foundation
import Strata

/// `strata mean|total|prop|ratio|tab --data big.csv --memory SIZE | --stream`: the sums are added in
/// one pass over the CSV in bounded chunks (`StreamedDescriptives`); the estimates, the variance
/// and the report are the in-memory path's (`DescriptiveReport`).
extension DescriptiveCommandOptions {
  /// Whether the statistic runs streamed: `--stream`, or a streamable file whose data frame would
  /// exceed the `--memory` budget (`StreamOptions.streams(path:inMemoryBytes:)`; a data frame
  /// holds 8 bytes a cell of every column, plus the text of a CSV read whole).
  func streams() throws -> Bool {
    try streaming.streams(path: data) { try FileChunks.estimatedInMemoryBytes(path: $0, extraColumns: 0) }
  }

  /// Refuses a command or flag that has no streamed path.
  func refuseStreamed(_ what: String) throws -> Never {
    throw ValidationError("\(what) is not available streamed (--stream, --memory; mean, total, prop, ratio and tab are; see Guides/Scale.md)")
  }

  /// The streamed request of `statistic` for `variables`, its flags checked.
  func streamedSpecification(_ statistic: DescriptiveStatistic, variables: [String]) throws
    -> StreamedDescriptiveSpecification
  {
    switch statistic {
    case .mean, .total, .proportion, .ratio: break
    default: try refuseStreamed(statistic.rawValue)
    }
    if streaming.streamMode != nil { try refuseStreamed("--stream-mode") }
    if streaming.streamTimings { try refuseStreamed("--stream-timings") }
    let s = designOptions.structure
    if s.replicate != nil { try refuseStreamed("--replicate (give the replicate-weight columns)") }
    if DesignOptions.list(s.psu).count > 1 { try refuseStreamed("--psu with several stages") }
    if DesignOptions.list(s.fpc).count > 1 { try refuseStreamed("--fpc with several stages") }
    let spec = try designOptions.specification()
    if spec.calibration != nil { try refuseStreamed("calibration") }
    let budget = streaming.budget
    let chunk = streaming.streamChunkBytes ?? max(1 << 16, min(64 << 20, budget / 8))
    return StreamedDescriptiveSpecification(
      statistic: statistic, variables: variables, design: spec, by: groups, subpop: s.subpop, level: level,
      convention: convention, chunkBytes: chunk)
  }

  /// `strata tab A B --data big.csv --stream`: the table and its shares, two passes.
  func tabulateStreamed(_ row: String, by column: String) throws -> AggregateTabulation {
    let spec = try streamedSpecification(.proportion, variables: [])
    return try translatingAnalysisErrors { try StreamedDescriptives.tabulate(path: data, row, by: column, spec) }
  }

  func runStreamed(_ statistic: DescriptiveStatistic, variables: [String]) throws {
    let spec = try streamedSpecification(statistic, variables: variables)
    let result = try translatingAnalysisErrors { try StreamedDescriptives.estimate(path: data, spec) }
    try render(result)
  }
}
