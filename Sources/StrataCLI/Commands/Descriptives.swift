import ArgumentParser
import Foundation
import Strata

extension IntervalConvention: ExpressibleByArgument {}
extension ProportionInterval: ExpressibleByArgument {}

/// Options of every descriptive command: data, design, groups, level and output.
struct DescriptiveCommandOptions: ParsableArguments {
  @Option(help: "Data file (.csv, .tsv, .dta, .sav), or a PostgreSQL URI 'postgresql://user@host:port/db?table=schema.name' (mean, total, prop and ratio run as aggregate SQL in the server; see Guides/Scale.md).")
  var data: String

  @Option(help: "With a PostgreSQL --data URI without ?table=: the query whose rows are the data.")
  var sql: String?

  @Option(help: "With a PostgreSQL --data: the table's partition or distribution key; the sums are grouped by it too, so a partitioned or sharded table is summed on its own servers.")
  var partitionKey: String?

  @Flag(help: "With a PostgreSQL --data: sum over numeric (exact, slower) instead of double precision.")
  var exactSums = false

  @OptionGroup var designOptions: DesignOptions

  @OptionGroup(title: "Files larger than memory (mean, total, prop, ratio on a CSV)") var streaming: StreamOptions

  @Option(
    help: ArgumentHelp(
      "Group variables, comma-separated (R svyby): each group is a domain of the full design.",
      discussion: "Text output shows the data's labels (.dta, .sav): a variable's label in the variable column, "
        + "value labels for levels and groups; JSON adds them as labels and value_labels (for strata table)."))
  var by: String?

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @Option(help: "Interval convention: r (normal intervals as svymean; t on domain df for quantiles) or stata (t on design df).")
  var convention: IntervalConvention = .r

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
    if !isPostgres && (sql != nil || partitionKey != nil || exactSums) {
      throw ValidationError("--sql, --partition-key and --exact-sums go with a PostgreSQL --data URI (postgresql://…)")
    }
    if isPostgres && (streaming.memory != nil || streaming.stream) {
      throw ValidationError("--memory and --stream read a file in chunks; with a PostgreSQL --data the server sums the rows (drop them)")
    }
  }

  /// Whether `--data` is a PostgreSQL URI (the statistic runs as aggregate SQL).
  var isPostgres: Bool { ConnectionString.isPostgres(data) }

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

  /// Writes the result; variables, levels and groups show the data's labels (`labels`).
  func render(_ result: DescriptiveResult, labels: DataLabels = .none) throws {
    switch outputOptions.format {
    case .text: try outputOptions.write(DescriptiveReport.text(result, dataSource: data, labels: labels))
    case .json: try outputOptions.write(DescriptiveReport.json(result, dataSource: data, labels: labels).serialized() + "\n")
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
    if options.isPostgres {
      return try options.runPushdown(Self.statistic, variables: variables.flatMap { DesignOptions.list($0) })
    }
    if try options.streams() {
      return try options.runStreamed(Self.statistic, variables: variables.flatMap { DesignOptions.list($0) })
    }
    let design = try options.design()
    let names = variables.flatMap { DesignOptions.list($0) }
    let result = try translatingAnalysisErrors {
      try design.estimate(
        Self.statistic, variables: names, by: options.groups, level: options.level, quantiles: quantiles)
    }
    try options.render(result, labels: DataLabels(design.data))
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
    commandName: "total",
    abstract: "Design-based population totals (R svytotal); a text column gives one total per level (svytotal(~factor)).",
    discussion: HelpExamples.total)
  static let statistic = DescriptiveStatistic.total
  @Argument(help: "Numeric variables, or text columns (one total per level).") var variables: [String]
  @OptionGroup var options: DescriptiveCommandOptions
  func run() throws { try runDescriptive() }
}

/// `strata prop VARS [--ci METHOD] ...`.
struct PropCommand: DescriptiveCommand {
  static let configuration = CommandConfiguration(
    commandName: "prop", abstract: "Proportions of the levels of categorical variables (R svymean(~factor), svyciprop).",
    discussion: """
      Without --ci, each proportion has the normal interval of confint(svymean(~factor)) (t on the \
      design df with --convention stata). With --ci METHOD, each level of a binary variable (0/1 or \
      two categories) gets the interval of R svyciprop(method = METHOD) on t quantiles with the \
      domain's design df (the full design's with --convention stata): logit (R's default; the Wald interval of the logit, also the best choice \
      near 0 or 1), likelihood (exact roots of svyglm's rescaled profile deviance), beta \
      (Korn-Graubard, effective sample size), mean (p +- t SE), asin (arcsine square root), xlogit \
      (delta-method logit).

      """ + HelpExamples.prop)
  static let statistic = DescriptiveStatistic.proportion
  @Argument(help: "Categorical variables (numeric ones are treated as categories).") var variables: [String]
  @Option(help: "Interval method of R svyciprop for binary variables: logit, likelihood, beta, mean, asin, xlogit.")
  var ci: ProportionInterval?
  @OptionGroup var options: DescriptiveCommandOptions

  func run() throws {
    guard let ci else { return try runDescriptive() }
    if options.isPostgres { try options.refuseWithPostgres("prop --ci \(ci.rawValue)") }
    if options.streaming.stream { try options.refuseStreamed("prop --ci \(ci.rawValue)") }
    let design = try options.design()
    let names = variables.flatMap { DesignOptions.list($0) }
    let result = try translatingAnalysisErrors {
      try design.proportion(names, interval: ci, by: options.groups, level: options.level)
    }
    try options.render(result, labels: DataLabels(design.data))
  }
}

/// `strata var VARS [--cov] ...`.
struct VarCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "var", abstract: "Design-based population variances and covariances (R svyvar).",
    discussion: """
      The estimate is n/(n-1) sum w (x - mean)^2 / sum w with n the domain's rows of non-zero weight \
      (R svyvar); its standard error is the design-based SE of that weighted mean. Each variable \
      uses its own non-missing rows; with --cov, the full covariance matrix is estimated on the rows \
      where every variable is present (R svyvar(~x + y, na.rm = TRUE)).
      """)
  @Argument(help: "Numeric variables.") var variables: [String]
  @Flag(help: "Report the covariance matrix of the variables (every ordered pair), not only their variances.")
  var cov = false
  @OptionGroup var options: DescriptiveCommandOptions

  func run() throws {
    if options.isPostgres { try options.refuseWithPostgres("var") }
    if options.streaming.stream { try options.refuseStreamed("var") }
    let design = try options.design()
    let names = variables.flatMap { DesignOptions.list($0) }
    let result = try translatingAnalysisErrors {
      try design.variance(names, covariance: cov, by: options.groups, level: options.level)
    }
    try options.render(result, labels: DataLabels(design.data))
  }
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
    if options.isPostgres { try options.refuseWithPostgres("quantile") }
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
    if options.isPostgres { return try options.runPushdown(.ratio, variables: parts) }
    if try options.streams() { return try options.runStreamed(.ratio, variables: parts) }
    let design = try options.design()
    let result = try translatingAnalysisErrors {
      try design.ratio(parts[0], to: parts[1], by: options.groups, level: options.level)
    }
    try options.render(result, labels: DataLabels(design.data))
  }
}
