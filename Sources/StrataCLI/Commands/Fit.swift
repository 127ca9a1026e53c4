import ArgumentParser
import Foundation
import Strata

/// `strata fit MODEL FORMULA --data FILE ...`
struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a model from an R-style formula.",
    discussion: HelpExamples.fit,
    subcommands: [
      OLSCommand.self, WLSCommand.self, LogitCommand.self, ProbitCommand.self, CloglogCommand.self,
      PoissonCommand.self, NBRegCommand.self, FracLogitCommand.self, FracProbitCommand.self, IVCommand.self,
      IVProbitCommand.self, OLogitCommand.self, OProbitCommand.self, MLogitCommand.self,
    ])
}

/// Covariance choices on the command line.
enum VCEOption: String, ExpressibleByArgument, CaseIterable {
  case classical, oim, robust, hc0, hc1, hc2, hc3, cluster, design
}

/// Which program's defaults to follow.
enum ConventionOption: String, ExpressibleByArgument, CaseIterable {
  case r, stata
}

/// Options of the GLM commands (logit, probit, cloglog, poisson, fraclogit, fracprobit).
struct GLMOptions: ParsableArguments {
  @Option(help: "Maximum IRLS iterations.")
  var maxiter: Int = 100

  @Option(help: "Convergence tolerance on the relative deviance change (the scaled score must be below its square).")
  var tol: Double = 1e-10

  @Option(
    help: ArgumentHelp(
      "Exposure column (Stata's exposure()): adds offset(log(COLUMN)) to the formula, so the model is for the rate per unit of exposure; poisson only. Offsets can also be written in the formula, 'y ~ x + offset(log(t))'.",
      valueName: "column"))
  var exposure: String?

  func validate() throws {
    if maxiter < 1 { throw ValidationError("--maxiter must be at least 1") }
    if !(tol > 0 && tol < 1) { throw ValidationError("--tol must be between 0 and 1") }
  }
}

/// The estimator a command runs (translated into the library's `ModelKind` and `FitControl`).
enum ModelChoice {
  case leastSquares(requireWeights: Bool)
  case glm(GLMModel, GLMOptions)
  /// Negative binomial regression (`strata fit nbreg`).
  case nbreg(GLMOptions)
  /// Ordered logit/probit (`FitCategorical.swift`).
  case ordered(OrderedLink, CategoricalOptions)
  /// Multinomial logit (`FitCategorical.swift`).
  case multinomial(CategoricalOptions)
  /// Two-stage least squares (`strata fit iv`).
  case iv
}

extension ModelChoice {
  /// The library's model.
  var kind: ModelKind {
    switch self {
    case .leastSquares(let requireWeights): return requireWeights ? .wls : .ols
    case .glm(let m, _): return ModelKind(rawValue: m.rawValue) ?? .logit
    case .nbreg: return .nbreg
    case .ordered(let link, _): return link == .logit ? .ologit : .oprobit
    case .multinomial: return .mlogit
    case .iv: return .iv
    }
  }

  /// The library's iteration controls.
  var control: FitControl {
    switch self {
    case .leastSquares, .iv: return FitControl()
    case .glm(_, let o), .nbreg(let o): return FitControl(maxIterations: o.maxiter, tolerance: o.tol)
    case .ordered(_, let c), .multinomial(let c):
      return FitControl(maxIterations: c.maxiter, tolerance: c.tol, base: c.base)
    }
  }
}

extension VCEOption {
  /// The library's variance (`cluster` takes its columns from `--cluster`).
  var variance: Variance {
    switch self {
    case .classical: return .classical
    case .oim: return .oim
    case .robust: return .robust
    case .hc0: return .hc(.hc0)
    case .hc1: return .hc(.hc1)
    case .hc2: return .hc(.hc2)
    case .hc3: return .hc(.hc3)
    case .cluster: return .cluster([])
    case .design: return .design
    }
  }
}

/// Options shared by the least-squares commands.
struct LinearModelOptions: ParsableArguments {
  @Argument(help: "Model formula in R syntax, e.g. 'lwage ~ educ + exper + I(exper^2) + factor(region)'.")
  var formula: String

  @Option(help: "Data file (.csv, .tsv, .dta, .sav), or a PostgreSQL URI 'postgresql://user@host:port/db?table=schema.name' (the fit runs as aggregate SQL in the server, the report as in memory: ols/wls/logit/poisson; see Guides/Scale.md).")
  var data: String

  @Option(help: "With a PostgreSQL --data URI without ?table=: the query whose rows are the data.")
  var sql: String?

  @Option(help: "With a PostgreSQL --data: the table's partition or distribution key; each pass's sums are grouped by it, so a partitioned or sharded table is summed partition by partition on its own server (see Guides/Scale.md).")
  var partitionKey: String?

  @Flag(help: "With a PostgreSQL --data: sum over numeric (exact, slower) instead of double precision.")
  var exactSums = false

  @Option(help: "Case weights: a column or an expression such as '1/inc' (as lm(weights=) / glm(weights=)).")
  var weights: String?

  @Option(help: "Variance estimator.")
  var vce: VCEOption?

  @Option(help: "Cluster variable(s), comma-separated for multiway clustering (implies --vce cluster).")
  var cluster: String?

  @Option(help: "Keep rows where this R-style expression is TRUE, e.g. 'fsize == 1 & age > 25'.")
  var subset: String?

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @Option(help: "Fit the model in each group of this column, side by side, with a Wald test of equal coefficients.")
  var split: String?

  @Option(help: "Wald test that these terms are zero, after the fit's output: 'ell, meals' (a factor's name tests all its levels; as strata test).")
  var test: String?

  @Option(
    help: ArgumentHelp(
      "Defaults to follow: r (GLM: vcov(glm), expected-information bread, fractional hc0; design: svyglm df = design df - p + 1) or stata (GLM: oim, observed-information bread, robust = HC0 x n/(n-1), fractional robust; design: df = #PSUs - #strata).",
      valueName: "r|stata"))
  var convention: ConventionOption = .r

  @OptionGroup(title: "Survey design (with --weights as sampling weights)") var design: DesignStructureOptions

  @OptionGroup var outputOptions: OutputOptions

  @OptionGroup(title: "Margins, elasticities and saving (strata margins, elasticities, predict)")
  var marginsOptions: FitMarginsOptions

  @OptionGroup(title: "Files larger than memory") var streaming: StreamOptions

  /// Whether the fit is design-based: any design flag, or --vce design.
  var isDesignBased: Bool { design.declaresDesign || vce == .design }

  var clusterNames: [String] {
    (cluster ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  func validate() throws {
    if vce == .cluster && clusterNames.isEmpty {
      throw ValidationError("--vce cluster needs --cluster COLUMN[,COLUMN2]")
    }
    if let vce, vce != .cluster, !clusterNames.isEmpty {
      throw ValidationError("--cluster goes with --vce cluster, not --vce \(vce.rawValue)")
    }
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
    if isDesignBased && !clusterNames.isEmpty {
      throw ValidationError("with a survey design, declare clusters as PSUs (--psu), not --cluster")
    }
    if vce == .design && !design.declaresDesign && weights == nil {
      throw ValidationError("--vce design needs a design: --weights with --strata/--psu/--fpc, --repweights or --design")
    }
    if design.subpop != nil && !isDesignBased {
      throw ValidationError("--subpop is a domain of a survey design; without a design use --subset")
    }
    if test != nil && split != nil {
      throw ValidationError("--test does not combine with --split (the split output has its own tests)")
    }
    if test != nil && outputOptions.format == .csv {
      throw ValidationError("--test is reported in text and JSON output; with --format csv save the fit and run strata test")
    }
  }

  /// Reads the data, fits, estimates the covariance and renders the result.
  func run(requireWeights: Bool) throws {
    try run(.leastSquares(requireWeights: requireWeights))
  }

  /// Reads the data, fits the chosen model, estimates the covariance and renders the result
  /// (with margins and a saved result when asked: `finish`, in `Margins.swift`).
  func run(_ model: ModelChoice) throws {
    if ConnectionString.isPostgres(data) { return try runPushdown(model) }
    if sql != nil || partitionKey != nil || exactSums {
      throw ValidationError("--sql, --partition-key and --exact-sums go with a PostgreSQL --data URI (postgresql://…)")
    }
    if let split { return try runSplit(model, by: split) }
    if try streams(model) { return try runStreamed(model) }
    try finish(try fitModel(model))
  }

  /// The library specification the flags describe (`wls` without `--weights` is refused here,
  /// before the data are read).
  func specification(_ model: ModelChoice) throws -> FitSpecification {
    if case .leastSquares(true) = model, weights == nil { throw ValidationError("wls needs --weights") }
    var spec = FitSpecification(
      model: model.kind, formula: formula, data: DataSource(path: data), subset: subset,
      convention: convention == .stata ? .stata : .r, level: level, control: model.control)
    switch model {
    case .glm(_, let o), .nbreg(let o): spec.exposure = o.exposure
    default: break
    }
    if isDesignBased {
      spec.design = try design.specification(weights: weights)
      spec.subpop = design.subpop
    } else {
      spec.weights = weights
    }
    let names = clusterNames
    if !names.isEmpty {
      spec.variance = .cluster(names)
    } else if let vce {
      spec.variance = vce.variance
    }
    return spec
  }

  /// Reads the data and fits the chosen model through the library (`Model.fit`), with a
  /// progress line for replicate refits.
  func fitModel(_ model: ModelChoice) throws -> ModelFit {
    let spec = try specification(model)
    let frame = try loadData(data)
    // Replicate refits can take minutes: a progress line on a terminal's stderr, cleared at the end.
    let progressLine = ProgressLine.forStandardError()
    defer { progressLine?.finish() }
    return try translatingAnalysisErrors { try Model.fit(spec, data: frame, progress: progressLine?.handler) }
  }

  /// The report context of a fit: data source and variable labels.
  func reportContext(_ frame: DataFrame) -> ReportContext {
    var labels: [String: String] = [:]
    for c in frame.columns { if let l = c.label, !l.isEmpty { labels[c.name] = l } }
    return ReportContext(dataSource: data, labels: labels)
  }

  /// Renders a fit's report (with the instrument diagnostics of a 2SLS fit).
  func render(_ s: ModelFit, test: TermTest? = nil) throws {
    let context = reportContext(s.data)
    switch outputOptions.format {
    case .text:
      var text = RegressionReport.text(s.result, context: context)
      if let d = try s.ivDiagnostics() { text += "\n" + IVReport.text(d) }
      if let test { text += "\n" + TestReport.text(test) }
      try outputOptions.write(text)
    case .json:
      var document = RegressionReport.json(s.result, context: context)
      if let d = try s.ivDiagnostics(), case .object(var pairs) = document {
        pairs.append(("iv", IVReport.json(d)))
        document = .object(pairs)
      }
      if let test, case .object(var pairs) = document {
        pairs.append(("test", TestReport.jsonTest(test)))
        document = .object(pairs)
      }
      try outputOptions.write(document.serialized() + "\n")
    case .csv: try outputOptions.write(RegressionReport.csv(s.result))
    }
  }
}

struct OLSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ols", abstract: "Ordinary (or, with --weights, weighted) least squares, as R's lm().")
  @OptionGroup var options: LinearModelOptions
  func run() throws { try options.run(requireWeights: false) }
}

struct WLSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wls", abstract: "Weighted least squares (lm(weights =)); --weights is required.")
  @OptionGroup var options: LinearModelOptions
  func run() throws { try options.run(requireWeights: true) }
}

/// One GLM subcommand's shared body.
protocol GLMSubcommand: ParsableCommand {
  static var model: GLMModel { get }
  var options: LinearModelOptions { get }
  var glmOptions: GLMOptions { get }
}

extension GLMSubcommand {
  func run() throws { try options.run(.glm(Self.model, glmOptions)) }
}

struct LogitCommand: GLMSubcommand {
  static let configuration = CommandConfiguration(
    commandName: "logit", abstract: "Binary logit, as R's glm(family = binomial) (z tests).")
  static let model = GLMModel.logit
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
}

struct ProbitCommand: GLMSubcommand {
  static let configuration = CommandConfiguration(
    commandName: "probit", abstract: "Binary probit, as R's glm(family = binomial(link = 'probit')).")
  static let model = GLMModel.probit
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
}

struct CloglogCommand: GLMSubcommand {
  static let configuration = CommandConfiguration(
    commandName: "cloglog", abstract: "Binary complementary log-log, as R's glm(family = binomial(link = 'cloglog')).")
  static let model = GLMModel.cloglog
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
}

struct PoissonCommand: GLMSubcommand {
  static let configuration = CommandConfiguration(
    commandName: "poisson", abstract: "Poisson regression for counts, as R's glm(family = poisson).")
  static let model = GLMModel.poisson
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
}

struct NBRegCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nbreg",
    abstract: "Negative binomial (NB2) regression for overdispersed counts, as R's MASS::glm.nb (theta by ML; also reported as Stata's alpha = 1/theta).",
    discussion: """
      Alternates IRLS for the coefficients given theta and Newton steps for theta given the means, to R's maximum \
      likelihood. Every variance (classical, oim, hc0-hc3, robust, cluster, design) is that of the coefficients \
      conditional on theta, as sandwich() on a glm.nb fit; theta's standard error is its observed information's. \
      With --exposure COL the model is for the rate per unit of COL (offset(log(COL))).
      """)
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
  func run() throws { try options.run(.nbreg(glmOptions)) }
}

struct FracLogitCommand: GLMSubcommand {
  static let configuration = CommandConfiguration(
    commandName: "fraclogit",
    abstract: "Papke-Wooldridge fractional logit for outcomes in [0, 1] (glm(family = quasibinomial)); robust errors by default.")
  static let model = GLMModel.fraclogit
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
}

struct FracProbitCommand: GLMSubcommand {
  static let configuration = CommandConfiguration(
    commandName: "fracprobit",
    abstract: "Fractional probit for outcomes in [0, 1] (glm(family = quasibinomial(link = 'probit'))); robust errors by default.")
  static let model = GLMModel.fracprobit
  @OptionGroup var options: LinearModelOptions
  @OptionGroup var glmOptions: GLMOptions
}

extension String {
  /// nil for the empty string.
  var nilIfEmpty: String? { isEmpty ? nil : self }
}
