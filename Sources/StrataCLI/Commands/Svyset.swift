import ArgumentParser
import Foundation
import Strata

/// `strata svyset --data FILE [design flags] [--save design.json]`: declare, check and save a design.
struct SvysetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "svyset",
    abstract: "Declare a survey design, check it against the data, print its summary and optionally save it.",
    discussion: """
      --describe lists each stratum with its PSUs, observations (fewest, mean and most per PSU) and
      weight sum, flags singleton strata (one PSU), and summarizes the weights (Stata's svydescribe).

      Examples:
        strata svyset --data datasets/apistrat.csv --strata stype --weights pw --fpc fpc --describe
        strata svyset --data nhanes.csv --strata sdmvstra --psu sdmvpsu --weights wtmec2yr --nest --save design.json
      """)

  @Option(help: "Data file the design is checked against.") var data: String
  @OptionGroup var designOptions: DesignOptions
  @Option(help: "Write the declaration to this JSON file (reuse with --design FILE).") var save: String?
  @Flag(help: "Describe the design: one row per stratum (PSUs, observations, weight sum; singletons flagged) and a weight summary.")
  var describe = false
  @OptionGroup var outputOptions: OutputOptions

  func run() throws {
    let frame = try loadData(data)
    let spec = try designOptions.specification()
    let description = describe ? try SurveyDesign.describe(data: frame, specification: spec) : nil
    let design: SurveyDesign
    do {
      design = try SurveyDesign(data: frame, specification: spec)
    } catch let error as DesignError {
      // Singleton strata stop the design, but --describe is how one finds them: describe, then say so.
      guard let description, case .singlePSUStratum = error else { throw error }
      let note = "The design as declared stops here: " + (ErrorMessage.render(error) ?? "\(error)") + "\n"
      switch outputOptions.format {
      case .json:
        try outputOptions.write(
          JSONValue.object([
            ("data", .string(data)), ("describe", DesignDescriptionReport.json(description)), ("error", .string(note)),
          ]).serialized() + "\n")
      case .text, .csv: try outputOptions.write(DesignDescriptionReport.text(description) + "\n" + note)
      }
      return
    }
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
        ] + (description.map { [("describe", DesignDescriptionReport.json($0))] } ?? [])).serialized() + "\n")
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
      if let c = spec.calibration { parts.append(Self.calibrationDeclared(c)) }
      if !parts.isEmpty { out += "Declared: " + parts.joined(separator: "; ") + "\n" }
      if let c = summary.calibration { out += Self.calibrationTable(c) }
      if let save { out += "Saved to \(save)\n" }
      if let description { out += "\n" + DesignDescriptionReport.text(description) }
      try outputOptions.write(out)
    }
  }

  /// `calibrate ~ stype + enroll (linear, bounds 0.7,1.7)`, `poststratify stype`, `rake stype; sch.wide`.
  static func calibrationDeclared(_ c: CalibrationSpecification) -> String {
    switch c.method {
    case .calibrate:
      var s = "calibrate \(c.formula ?? "") (\(c.distance.rawValue)"
      if let lo = c.lowerBound, let hi = c.upperBound { s += ", bounds \(NumberFormat.significant(lo, 6)),\(NumberFormat.significant(hi, 6))" }
      return s + ")"
    case .poststratify: return "poststratify \(c.margins.first?.label ?? "")"
    case .rake: return "rake \(c.margins.map(\.label).joined(separator: "; "))"
    }
  }

  /// The g-weights, iterations and the totals reproduced (target vs achieved).
  static func calibrationTable(_ c: CalibrationSummary) -> String {
    let sig = NumberFormat.significant
    var out = "Calibration: g-weights min \(sig(c.gMinimum, 6)), mean \(sig(c.gMean, 6)), max \(sig(c.gMaximum, 6)); "
    out += c.method == .rake ? "\(c.iterations) raking sweeps" : c.method == .calibrate ? "\(c.iterations) iterations" : "one step"
    // Below 1e-12 the last digits depend on the BLAS kernel and threads: print a bound, so that
    // reports are the same on every machine.
    let gap = c.largestError < 1e-12 ? "below 1e-12" : sig(c.largestError, 3)
    out += ", largest remaining error \(gap) (relative to 1 + |total|)\n"
    if c.negativeWeights > 0 {
      out += "Warning: \(c.negativeWeights) calibrated weight(s) are negative (as R warns for calfun linear); "
        + "bound them with --bounds LO,HI or use --calfun raking\n"
    }
    // The totals as a table (a notebook renders it as a Markdown/HTML table).
    var table = Table(columns: [.init("Total", alignment: .left), .init("Target"), .init("Achieved")])
    table.rows = c.targets.map { [$0.name, sig($0.target, 10), sig($0.achieved, 10)] }
    out += TextRenderer.render(table)
    return out
  }
}
