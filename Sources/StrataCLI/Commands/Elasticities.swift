import ArgumentParser
import Foundation
import Strata

/// `strata elasticities RESULT.json [RESULT2.json ...]`
struct ElasticitiesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "elasticities",
    abstract: "Elasticity table of saved fits: dy/dx, ey/ex and the semi-elasticities ey/dx, dy/ex, side by side.",
    discussion: HelpExamples.elasticities)

  @Argument(help: "Fits saved with strata fit ... --save (several are shown side by side).")
  var results: [String]

  @Option(help: "Data columns (default: every column the regressors use), comma-separated.")
  var variables: String?

  @Option(help: "Quantities, a comma list of dydx, eyex, eydx, dyex.")
  var kinds: String = "dydx,eyex,eydx,dyex"

  @Flag(help: "Evaluate at the means instead of averaging over the sample.")
  var atmeans = false

  @Option(help: "Numeric 0/1 columns to treat as discrete, comma-separated.")
  var discrete: String?

  @Option(name: .customLong("margins-vce"), help: "fixed or unconditional (covariates sampled).")
  var marginsVCE: MarginsVCEOption = .fixed

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @Flag(name: .customLong("allow-changed-data"), help: "Go on when the data file changed since the fit was saved (size or hash differ).")
  var allowChangedData = false

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if results.isEmpty { throw ValidationError("give at least one saved fit") }
    for k in list(kinds) where MarginKind(rawValue: k) == nil {
      throw ValidationError("--kinds: '\(k)' is not one of dydx, eyex, eydx, dyex")
    }
  }

  func run() throws {
    let kindList = list(kinds).compactMap { MarginKind(rawValue: $0) }
    var tables: [(name: String, table: ElasticityTable)] = []
    var labels = DataLabels.none
    for path in results {
      let saved = try SavedFit.load(from: path)
      let title: String
      let table: ElasticityTable
      if saved.isStreamed {
        // The data file is streamed (the margins from sums), as `strata margins` does.
        (title, table) = try translatingAnalysisErrors {
          try saved.streamedElasticities(
            variables: list(variables), kinds: kindList, atMeans: atmeans, discrete: list(discrete), vce: marginsVCE,
            level: level, allowChangedData: allowChangedData)
        }
      } else {
        let source = try saved.source(allowChangedData: allowChangedData)
        if labels.isEmpty { labels = source.labels }
        title = source.title
        table = try Elasticities.table(
          source.model, variables: list(variables), kinds: kindList, atMeans: atmeans, discrete: list(discrete),
          variance: try source.deltaMethod(marginsVCE), degreesOfFreedom: source.degreesOfFreedom,
          varianceTitle: source.varianceTitle, level: level)
      }
      tables.append((results.count > 1 ? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent : title, table))
    }
    switch outputOptions.format {
    case .text: try outputOptions.write(MarginsReport.elasticityText(tables, labels: labels))
    case .json: try outputOptions.write(MarginsReport.elasticityJSON(tables, labels: labels).serialized() + "\n")
    case .csv:
      try outputOptions.write(tables.map { MarginsReport.csv($0.table.margins) }.joined(separator: "\n"))
    }
  }
}
