import ArgumentParser
import Foundation
import Strata

extension IntervalConvention: ExpressibleByArgument {}

/// Options of every descriptive command: data, design, groups, level and output.
struct DescriptiveCommandOptions: ParsableArguments {
  @Option(help: "Data file (.csv, .tsv, .dta, .sav).")
  var data: String

  @OptionGroup var designOptions: DesignOptions

  @Option(help: "Group variables, comma-separated (R svyby): each group is a domain of the full design.")
  var by: String?

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @Option(help: "Interval convention: r (normal intervals as svymean; t on domain df for quantiles) or stata (t on design df).")
  var convention: IntervalConvention = .r

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
  }

  /// Reads the data and builds the library design, restricted to the `--subpop` domain, under
  /// the `--convention` intervals.
  func design() throws -> SurveyDesign {
    let frame = try loadData(data)
    let design = try SurveyDesign(
      data: frame, specification: try designOptions.specification(), convention: convention == .stata ? .stata : .r)
    guard let subpop = designOptions.structure.subpop else { return design }
    return try design.subpopulation(subpop)
  }

  /// The `--by` groups.
  var groups: [String] { DesignOptions.list(by) }

  func render(_ result: DescriptiveResult) throws {
    switch outputOptions.format {
    case .text: try outputOptions.write(DescriptiveReport.text(result, dataSource: data))
    case .json: try outputOptions.write(DescriptiveReport.json(result, dataSource: data).serialized() + "\n")
    case .csv: try outputOptions.write(DescriptiveReport.csv(result))
    }
  }
}

/// Shared body of `mean`, `total`, `prop` and `quantile`.
protocol DescriptiveCommand: ParsableCommand {
  var variables: [String] { get }
  var options: DescriptiveCommandOptions { get }
  static var statistic: DescriptiveStatistic { get }
}

extension DescriptiveCommand {
  func runDescriptive(quantiles: [Double] = [0.5]) throws {
    let design = try options.design()
    let names = variables.flatMap { DesignOptions.list($0) }
    let result = try translatingAnalysisErrors {
      try design.estimate(
        Self.statistic, variables: names, by: options.groups, level: options.level, quantiles: quantiles)
    }
    try options.render(result)
  }
}

/// `strata mean VARS --data FILE [design] [--by G]`.
struct MeanCommand: DescriptiveCommand {
  static let configuration = CommandConfiguration(
    commandName: "mean", abstract: "Design-based means with SE, CI, deff and CV (R svymean).", discussion: HelpExamples.mean)
  static let statistic = DescriptiveStatistic.mean
  @Argument(help: "Numeric variables.") var variables: [String]
  @OptionGroup var options: DescriptiveCommandOptions
  func run() throws { try runDescriptive() }
}

/// `strata total VARS ...`.
struct TotalCommand: DescriptiveCommand {
  static let configuration = CommandConfiguration(
    commandName: "total", abstract: "Design-based population totals (R svytotal).", discussion: HelpExamples.total)
  static let statistic = DescriptiveStatistic.total
  @Argument(help: "Numeric variables.") var variables: [String]
  @OptionGroup var options: DescriptiveCommandOptions
  func run() throws { try runDescriptive() }
}

/// `strata prop VARS ...`.
struct PropCommand: DescriptiveCommand {
  static let configuration = CommandConfiguration(
    commandName: "prop", abstract: "Proportions of the levels of categorical variables (R svymean(~factor)).", discussion: HelpExamples.prop)
  static let statistic = DescriptiveStatistic.proportion
  @Argument(help: "Categorical variables (numeric ones are treated as categories).") var variables: [String]
  @OptionGroup var options: DescriptiveCommandOptions
  func run() throws { try runDescriptive() }
}

/// `strata quantile VARS --quantiles 0.25,0.5 ...`.
struct QuantileCommand: DescriptiveCommand {
  static let configuration = CommandConfiguration(
    commandName: "quantile", abstract: "Design-based quantiles with Woodruff intervals (R svyquantile defaults).", discussion: HelpExamples.quantile)
  static let statistic = DescriptiveStatistic.quantile
  @Argument(help: "Numeric variables.") var variables: [String]
  @Option(help: "Probabilities, comma-separated.") var quantiles: String = "0.5"
  @OptionGroup var options: DescriptiveCommandOptions

  func validate() throws {
    let ps = DesignOptions.list(quantiles).map { Double($0) }
    if ps.isEmpty || ps.contains(where: { $0 == nil || !($0! >= 0 && $0! <= 1) }) {
      throw ValidationError("--quantiles needs probabilities between 0 and 1, e.g. 0.25,0.5,0.75")
    }
  }

  func run() throws {
    try runDescriptive(quantiles: DesignOptions.list(quantiles).compactMap { Double($0) })
  }
}

/// `strata ratio 'NUM/DEN' ...`.
struct RatioCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ratio", abstract: "Ratio of two population totals (R svyratio).", discussion: HelpExamples.ratio)
  @Argument(help: "The ratio as 'numerator/denominator', e.g. 'api.stu/enroll'.") var ratio: String
  @OptionGroup var options: DescriptiveCommandOptions

  func validate() throws {
    if ratio.split(separator: "/").count != 2 { throw ValidationError("write the ratio as 'numerator/denominator'") }
  }

  func run() throws {
    let parts = ratio.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
    let design = try options.design()
    let result = try translatingAnalysisErrors {
      try design.ratio(parts[0], to: parts[1], by: options.groups, level: options.level)
    }
    try options.render(result)
  }
}
