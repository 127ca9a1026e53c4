import ArgumentParser
import Foundation
import Strata

/// `strata svyset --data FILE [design flags] [--save design.json]`: declare, check and save a design.
struct SvysetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "svyset",
    abstract: "Declare a survey design, check it against the data, print its summary and optionally save it.")

  @Option(help: "Data file the design is checked against.") var data: String
  @OptionGroup var designOptions: DesignOptions
  @Option(help: "Write the declaration to this JSON file (reuse with --design FILE).") var save: String?
  @OptionGroup var outputOptions: OutputOptions

  func run() throws {
    let frame = try loadData(data)
    let spec = try designOptions.specification()
    let design = try SurveyDesign(data: frame, specification: spec)
    if let save {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try OutputFile.write(try encoder.encode(spec), to: save)
    }
    let summary = design.summary
    switch outputOptions.format {
    case .json:
      try outputOptions.write(
        JSONValue.object([
          ("data", .string(data)), ("design", DescriptiveReport.designJSON(summary)),
          ("saved", save.map { .string($0) } ?? .null),
        ]).serialized() + "\n")
    case .text, .csv:
      var out = "Survey design for \(data) (\(summary.kind)), \(summary.observations) observations\n"
      out += "Design:  \(DescriptiveReport.designLine(summary))\n"
      var parts: [String] = []
      if let w = spec.weights { parts.append("weights \(w)") }
      if let s = spec.strata { parts.append("strata \(s)") }
      if !spec.psu.isEmpty { parts.append("PSU \(spec.psu.joined(separator: " > "))") }
      if !spec.fpc.isEmpty { parts.append("FPC \(spec.fpc.joined(separator: ", "))") }
      if spec.nest { parts.append("nested") }
      if let r = spec.replicateWeights { parts.append("replicate weights \(r.columns.joined(separator: ",")) (\(r.type.rawValue))") }
      if let b = spec.buildReplicates { parts.append("\(b.type.rawValue) replicates built from the design") }
      if !parts.isEmpty { out += "Declared: " + parts.joined(separator: "; ") + "\n" }
      if let save { out += "Saved to \(save)\n" }
      try outputOptions.write(out)
    }
  }
}
