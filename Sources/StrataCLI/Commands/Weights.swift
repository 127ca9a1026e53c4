import ArgumentParser
import Foundation
import Strata

/// `strata weights --data FILE [design flags] [--replicates] --output w.csv`: write the design's
/// final analysis weights (and replicate weights) for other tools.
struct WeightsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "weights",
    abstract: "Write the design's analysis weights (and replicate weights) as CSV, one row per data row.",
    discussion: """
      The CSV has a column `weight` (the design's final analysis weights: those of the built design, \
      not the weight column as read) and, with --replicates, the columns repw1 ... repwR: each \
      replicate's analysis weights (replicate multiplier x full-sample weight), from --replicate \
      TYPE or --repweights. Rows follow the data order. A short summary goes to standard error, or \
      to standard output as JSON with --format json.

      Example: strata weights --data apistrat.csv --weights pw --strata stype --fpc fpc \
      --replicate jkn --replicates --output repw.csv
      """)

  @Option(help: "Data file (.csv, .tsv, .dta, .sav).") var data: String
  @OptionGroup var designOptions: DesignOptions
  @Flag(help: "Add the replicate analysis weights repw1 ... repwR (needs --replicate TYPE or --repweights).")
  var replicates = false
  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if designOptions.structure.subpop != nil {
      throw ValidationError("--subpop does not apply: the weights are written for every data row; drop --subpop")
    }
    if outputOptions.format == .json && (outputOptions.output == nil || outputOptions.output == "-") {
      throw ValidationError("--format json prints the summary on standard output; give --output FILE for the weights")
    }
  }

  func run() throws {
    let frame = try loadData(data)
    let design = try SurveyDesign(data: frame, specification: try designOptions.specification())
    let weights = try design.analysisWeights(replicates: replicates)
    try outputOptions.write(WeightsReport.csv(weights), fitted: false)
    let destination = outputOptions.output ?? "standard output"
    switch outputOptions.format {
    case .json:
      let text = WeightsReport.json(weights, destination: destination).serialized() + "\n"
      if let capture = OutputCapture.current {
        capture.append(text)
      } else {
        FileHandle.standardOutput.write(Data(text.utf8))
      }
    case .text, .csv:
      FileHandle.standardError.write(Data(WeightsReport.summary(weights, destination: destination).utf8))
    }
  }
}
