import ArgumentParser
import Foundation
import Strata

/// `strata fit MODEL FORMULA --data FILE ...`
struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a model from an R-style formula.",
    subcommands: [
      OLSCommand.self, WLSCommand.self, LogitCommand.self, ProbitCommand.self, CloglogCommand.self,
      PoissonCommand.self, FracLogitCommand.self, FracProbitCommand.self, IVCommand.self,
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

  func validate() throws {
    if maxiter < 1 { throw ValidationError("--maxiter must be at least 1") }
    if !(tol > 0 && tol < 1) { throw ValidationError("--tol must be between 0 and 1") }
  }
}

/// The estimator a command runs.
enum ModelChoice {
  case leastSquares(requireWeights: Bool)
  case glm(GLMModel, GLMOptions)
  /// Ordered logit/probit (`FitCategorical.swift`).
  case ordered(OrderedLink, CategoricalOptions)
  /// Multinomial logit (`FitCategorical.swift`).
  case multinomial(CategoricalOptions)
  /// Two-stage least squares (`strata fit iv`).
  case iv
}

/// Options shared by the least-squares commands.
struct LinearModelOptions: ParsableArguments {
  @Argument(help: "Model formula in R syntax, e.g. 'lwage ~ educ + exper + I(exper^2) + factor(region)'.")
  var formula: String

  @Option(help: "Data file (.csv, .tsv, .dta, .sav).")
  var data: String

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

  @Option(
    help: ArgumentHelp(
      "Defaults to follow: r (GLM: vcov(glm), expected-information bread, fractional hc0; design: svyglm df = design df - p + 1) or stata (GLM: oim, observed-information bread, robust = HC0 x n/(n-1), fractional robust; design: df = #PSUs - #strata).",
      valueName: "r|stata"))
  var convention: ConventionOption = .r

  @OptionGroup(title: "Survey design (with --weights as sampling weights)") var design: DesignStructureOptions

  @OptionGroup var outputOptions: OutputOptions

  @OptionGroup(title: "Margins, elasticities and saving (strata margins, elasticities, predict)")
  var marginsOptions: FitMarginsOptions

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
  }

  /// Reads the data, fits, estimates the covariance and renders the result.
  func run(requireWeights: Bool) throws {
    try run(.leastSquares(requireWeights: requireWeights))
  }

  /// Reads the data, fits the chosen model, estimates the covariance and renders the result
  /// (with margins and a saved result when asked: `FitSession+Margins.swift`).
  func run(_ model: ModelChoice) throws {
    if let split { return try runSplit(model, by: split) }
    let session = try estimate(try prepare(model))
    try finish(session)
  }

  /// Reads the data and builds the design and model matrix, without fitting.
  func prepare(_ model: ModelChoice) throws -> PreparedFit {
    if case .leastSquares(true) = model, weights == nil { throw ValidationError("wls needs --weights") }
    var frame = try loadData(data)
    let names = clusterNames
    var options = ModelFrameOptions(subset: subset, weights: weights, extraVariables: names)
    var sampleDesign: SampleDesign?
    if isDesignBased {
      // The design is built on every row; the model is fitted on the domain (subset, subpop,
      // complete cases) with the design's sampling weights, as svyglm on subset(design, ...).
      let built = try design.build(on: frame, weights: weights)
      sampleDesign = built
      let column = "strata.design.weights"
      if frame.index(of: column) == nil {
        frame.columns.append(Column(name: column, storage: .numeric(NumericColumn(values: built.weights))))
      }
      options.weights = column
      options.subset = [subset, design.subpop].compactMap { $0.map { "(\($0))" } }.joined(separator: " & ").nilIfEmpty
    }
    var information = InformationMatrix.expected
    var defaultVCE = isDesignBased ? VCEOption.design : VCEOption.classical
    let mm: ModelMatrix
    let refit: @Sendable (ModelMatrix) throws -> StrataModels.Fit
    var defaultCluster: String?
    var replicateRefit: (@Sendable (ModelMatrix, [Double], [Double]) throws -> [Double])?
    var replicateBatch: (@Sendable (ModelMatrix, [Double]) -> @Sendable ([[Double]]) throws -> [[Double]])?
    if let fe = try prepareFixedEffects(model, frame: frame, options: options) {
      mm = fe.mm
      refit = fe.refit
      defaultCluster = fe.defaultCluster
      if case .glm = model, convention == .stata { information = .observed }
      if !isDesignBased, case .glm(let m, _) = model, m.family != .quasibinomial, convention == .stata {
        defaultVCE = .oim
      }
    } else {
    switch model {
    case .iv:
      if vce == .oim { throw ValidationError("--vce oim applies to likelihood models, not to 2SLS") }
      let (mx, mz) = try InstrumentalVariables.modelMatrices(formula, data: frame, options: options)
      mm = mx
      let (formula, subset) = (formula, options.subset)
      refit = { m in
        var z = mz
        z.weights = m.weights
        return try InstrumentalVariables.fit(regressors: m, instruments: z, formula: formula, subset: subset)
      }
    case .leastSquares:
      if vce == .oim {
        throw ValidationError("--vce oim applies to likelihood models (logit, probit, cloglog, poisson, fraclogit, fracprobit)")
      }
      mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
      let (formula, subset) = (formula, options.subset)
      refit = { try LeastSquares.fit($0, formula: formula, subset: subset) }
      replicateBatch = { m, start in
        let batch = LeastSquaresReplicateRefit(m, start: start)
        return { try batch.coefficients($0) }
      }
    case .glm(let glmModel, let glmOptions):
      options.allowsCategoricalResponse = glmModel.isBinary
      options.compactFactor = true  // IRLS and the design variance read a factor's dummies as codes
      mm = try ModelMatrix.build(formula: Formula.parse(formula), data: frame, options: options)
      let control = GLMControl(maxIterations: glmOptions.maxiter, tolerance: glmOptions.tol)
      let (formula, subset) = (formula, options.subset)
      refit = { try GeneralizedLinearModel.fit($0, model: glmModel, formula: formula, subset: subset, control: control) }
      replicateRefit = { m, weights, start in
        try GeneralizedLinearModel.refitCoefficients(m, model: glmModel, weights: weights, start: start, control: control)
      }
      replicateBatch = { m, start in
        let batch = GLMReplicateRefit(m, model: glmModel, start: start, control: control)
        return { try batch.coefficients($0) }
      }
      if convention == .stata { information = .observed }
      if !isDesignBased {
        switch (glmModel.family, convention) {
        case (.quasibinomial, _): defaultVCE = .robust
        case (_, .r): defaultVCE = .classical
        case (_, .stata): defaultVCE = .oim
        }
      }
    case .ordered, .multinomial:
      (mm, refit) = try prepareCategorical(model, frame: frame, options: options)
      if convention == .stata { information = .observed }
      if !isDesignBased { defaultVCE = .classical }
    }
    }
    return PreparedFit(
      frame: frame, mm: mm, refit: refit, sampleDesign: sampleDesign, information: information,
      defaultVCE: defaultVCE, link: model.link, defaultCluster: defaultCluster, replicateRefit: replicateRefit,
      replicateBatch: replicateBatch)
  }

  /// The batched replicate refit of a GLM under a replicate design (nil otherwise): replicate
  /// weights over the fit's rows, rows the fit dropped weighted 0, coefficients of the kept columns.
  func batchRefit(_ prepared: PreparedFit, fit: StrataModels.Fit, mm: ModelMatrix, fitIndex: [Int?])
    -> (@Sendable ([[Double]]) throws -> [[Double]])?
  {
    guard case .replicate = prepared.sampleDesign, let factory = prepared.replicateBatch else { return nil }
    let refit = factory(mm, fit.coefficients)
    let kept = fit.kept
    return { replicateWeights in
      let weights = replicateWeights.map { w in fitIndex.map { $0.map { w[$0] } ?? 0 } }
      return try refit(weights).map { coefficients in kept.map { coefficients[$0] } }
    }
  }

  /// Fits a prepared model and estimates its covariance.
  func estimate(_ prepared: PreparedFit) throws -> FitSession {
    let (frame, mm, refit, sampleDesign, information, defaultVCE) = (
      prepared.frame, prepared.mm, prepared.refit, prepared.sampleDesign, prepared.information, prepared.defaultVCE
    )
    // Absorbed fixed effects: cluster by the first fixed effect unless told otherwise (fixest).
    let names = clusterNames.isEmpty && vce == nil && !isDesignBased
      ? (prepared.defaultCluster.map { [$0] } ?? []) : clusterNames
    let fit = try refit(mm)
    // Replicate refits can take minutes: a progress line on a terminal's stderr, cleared at the end.
    let progressLine = ProgressLine.forStandardError()
    defer { progressLine?.finish() }
    let spec: CovarianceSpec
    switch vce ?? (names.isEmpty ? defaultVCE : .cluster) {
    case .design:
      guard let sampleDesign else { throw ValidationError("--vce design needs a declared design") }
      // Replicate weights arrive over the fit's rows; rows the fit dropped get weight 0.
      var position: [Int: Int] = [:]
      for (i, row) in fit.rows.enumerated() { position[row] = i }
      let fitIndex = mm.rows.map { position[$0] }
      let replicateRefit = prepared.replicateRefit
      spec = .design(
        DesignVariance(
          design: sampleDesign, convention: convention == .stata ? .stata : .r,
          refit: { [fit, mm] replicateWeights in
            let weights = fitIndex.map { $0.map { replicateWeights[$0] } ?? 0 }
            if let replicateRefit {
              let coefficients = try replicateRefit(mm, weights, fit.coefficients)
              return fit.kept.map { coefficients[$0] }
            }
            var m = mm
            m.weights = weights
            let again = try refit(m)
            return fit.kept.map { again.coefficients[$0] }
          },
          refitBatch: batchRefit(prepared, fit: fit, mm: mm, fitIndex: fitIndex), progress: progressLine?.handler))
    case .classical: spec = .classical
    case .oim: spec = .oim
    case .robust:
      // Least squares: HC1 (Stata's regress, robust); GLMs: sandwich::sandwich (HC0) or Stata's HC0 x n/(n-1).
      if fit.glm == nil && fit.categorical == nil { spec = .hc(.hc1) } else { spec = convention == .stata ? .robust : .hc(.hc0) }
    case .hc0: spec = .hc(.hc0)
    case .hc1: spec = .hc(.hc1)
    case .hc2: spec = .hc(.hc2)
    case .hc3: spec = .hc(.hc3)
    case .cluster:
      spec = .cluster(
        try names.map { name in
          let g = try frame.groupCodes(of: name, rows: fit.rows)
          return ClusterVariable(name: name, codes: g.codes, count: g.count)
        })
    }
    let result = try RegressionResult(
      fit: fit, covariance: covariance(of: fit, spec: spec, information: information), level: level)
    return FitSession(prepared: prepared, fit: fit, spec: spec, result: result)
  }

  /// The report context of a fit: data source and variable labels.
  func reportContext(_ frame: DataFrame) -> ReportContext {
    var labels: [String: String] = [:]
    for c in frame.columns { if let l = c.label, !l.isEmpty { labels[c.name] = l } }
    return ReportContext(dataSource: data, labels: labels)
  }

  /// Renders a fit's report.
  func render(_ result: RegressionResult, frame: DataFrame) throws {
    let context = reportContext(frame)
    switch outputOptions.format {
    case .text:
      var text = RegressionReport.text(result, context: context)
      if result.fit.iv != nil {
        text += "\n" + IVReport.text(try IVDiagnostics(fit: result.fit, spec: result.covariance.spec, information: result.covariance.information))
      }
      try outputOptions.write(text)
    case .json:
      var document = RegressionReport.json(result, context: context)
      if result.fit.iv != nil, case .object(var pairs) = document {
        let d = try IVDiagnostics(fit: result.fit, spec: result.covariance.spec, information: result.covariance.information)
        pairs.append(("iv", IVReport.json(d)))
        document = .object(pairs)
      }
      try outputOptions.write(document.serialized() + "\n")
    case .csv: try outputOptions.write(RegressionReport.csv(result))
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
