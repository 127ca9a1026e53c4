import ArgumentParser
import Foundation
import Strata

/// Making a saved fit from a fit session, and rebuilding margins from it (the file's fields,
/// reading and checking them: `SavedFit+Validation.swift`).
extension SavedFit {
  /// The fields every saved fit fills from its fit and covariance: model, formula, data, terms,
  /// kept columns, coefficients, covariance, degrees of freedom and variance title.
  private init(fit: StrataModels.Fit, covariance v: CovarianceEstimate, recipe: ModelRecipe, data: String) {
    model = fit.kind.rawValue
    formula = fit.formula
    self.data = data
    nobs = fit.nobs
    terms = fit.terms
    kept = fit.kept
    coefficients = fit.keptCoefficients
    vcov = (0..<v.matrix.rows).map { i in (0..<v.matrix.cols).map { v.matrix[i, $0] } }
    df = v.degreesOfFreedom.isFinite ? v.degreesOfFreedom : nil
    vce = v.spec.name
    vceTitle = v.title.isEmpty ? v.spec.title : v.title
    self.recipe = recipe
  }

  /// The saved fit of `s`, to be written at `savePath` (the data path is stored relative to
  /// its folder).
  init(session s: ModelFit, options: LinearModelOptions, savePath: String) throws {
    guard let recipe = s.fit.recipe else { throw MarginsError.missingRecipe }
    self.init(fit: s.fit, covariance: s.result.covariance, recipe: recipe, data: options.data)
    report = SavedReport(session: s)
    specification = Self.located(s.specification, options: options, savePath: savePath, fingerprint: &dataFingerprint)
  }

  /// The saved fit of a streamed fit `s`, with `recipe` read by one more pass over the file
  /// (`AggregateMargins.recipe`): its margins and scenarios stream the file again.
  init(streamed s: StreamedModelFit, recipe: ModelRecipe, options: LinearModelOptions, savePath: String) {
    self.init(fit: s.fit, covariance: s.result.covariance, recipe: recipe, data: options.data)
    report = SavedReport(result: s.result, dependent: recipe.responseName, labels: [:])
    streamed = true
    specification = Self.located(s.specification, options: options, savePath: savePath, fingerprint: &dataFingerprint)
  }

  /// The saved fit of a fit pushed down to PostgreSQL (`fit … --data postgresql://…`), with the
  /// `recipe` read from the source's levels (`Pushdown.recipe`): the source is recorded without
  /// any password (`pushdown`), and its scenarios run as aggregate SQL there again.
  init(pushedDown r: AggregateFitResult, recipe: ModelRecipe, specification spec: FitSpecification, source: SavedPushdown) {
    let shown = source.connection + (source.table.map { " table \($0)" } ?? " query")
    self.init(fit: r.fit, covariance: r.result.covariance, recipe: recipe, data: shown)
    report = SavedReport(result: r.result, dependent: recipe.responseName, labels: [:])
    pushdown = source
    var spec = spec
    spec.data = DataSource(path: source.connection)
    specification = spec
  }

  /// `spec` with its data file located relative to the saved file's folder and fingerprinted.
  private static func located(
    _ spec: FitSpecification, options: LinearModelOptions, savePath: String, fingerprint: inout DataFingerprint?
  ) -> FitSpecification {
    fingerprint = DataFingerprint.of(file: options.data)
    var spec = spec
    spec.data = DataSource(
      path: relativePath(of: options.data, from: folder(of: savePath)),
      fingerprint: fingerprint.map { FileFingerprint(size: $0.size, modified: $0.modified, hash: $0.hash) })
    return spec
  }

  /// Whether margins and scenarios stream the data (a fit saved from a streamed fit).
  var isStreamed: Bool { streamed ?? false }

  /// What `strata margins` runs on this saved fit: the streamed margins (the data file streamed
  /// again), the in-memory margins (the data read), or, for a fit pushed down to PostgreSQL, a
  /// refusal (margins pushdown is `fit … --margins`; wiring it here is the one line below).
  func marginsResult(_ options: MarginsOptions, vce: MarginsVCEOption, allowChangedData: Bool) throws -> (
    margins: MarginsResult, labels: DataLabels
  ) {
    if pushdown != nil { return (try pushedDownMargins(options, vce: vce), .none) }
    if isStreamed {
      return (try streamedMargins(options, vce: vce, allowChangedData: allowChangedData), .none)
    }
    let source = try source(allowChangedData: allowChangedData)
    return (try source.margins(options, vce: vce), source.labels)
  }

  /// What `strata predict --scenario` runs on this saved fit: aggregate SQL in the database for a
  /// pushed-down fit, the data file streamed again for a streamed fit, else the data read.
  func scenarioResult(
    _ scenarios: [Scenario], by: String?, vce: MarginsVCEOption, level: Double, allowChangedData: Bool
  ) throws -> ScenarioResult {
    if pushdown != nil { return try pushedDownScenarios(scenarios, by: by, vce: vce, level: level) }
    if isStreamed {
      // A streamed fit's scenarios stream its data again (memory bounded).
      return try streamedScenarios(scenarios, by: by, vce: vce, level: level, allowChangedData: allowChangedData)
    }
    let source = try source(allowChangedData: allowChangedData)
    return try Scenarios.compare(
      source.model, scenarios: scenarios, by: by, variance: try source.deltaMethod(vce),
      degreesOfFreedom: source.degreesOfFreedom, varianceTitle: source.varianceTitle, level: level)
  }

  /// What margins and scenarios of a saved pushed-down fit read: the saved source (reconnected,
  /// no password saved), the plan of its specification, and the fitted model.
  func pushedDownInputs() throws -> (
    saved: SavedPushdown, plan: AggregatePlan, source: PostgresSource, model: AggregateMargins.FittedModel
  ) {
    guard let saved = pushdown, let spec = specification else {
      throw SavedFitError.badField(path: path, field: "pushdown", reason: "is missing")
    }
    let plan = try translatingAnalysisErrors { try Model.aggregatePlan(spec) }
    let source = try PostgresSource(conninfo: saved.connection, table: saved.table, sql: saved.sql)
    let model = AggregateMargins.FittedModel(
      terms: terms, kept: kept, coefficients: coefficients, link: link, covariance: covarianceMatrix,
      degreesOfFreedom: degreesOfFreedom, varianceTitle: vceTitle)
    return (saved, plan, source, model)
  }

  /// Margins of a saved pushed-down fit, summed in the database again (covariates fixed, or
  /// sampled: the fit pushed down again for its bread and scores, as in memory it is refitted).
  func pushedDownMargins(_ options: MarginsOptions, vce: MarginsVCEOption) throws -> MarginsResult {
    let (saved, plan, source, fitted) = try pushedDownInputs()
    var model = fitted
    if vce == .unconditional {
      model = try pushedDownSampling(model, plan: plan, source: source, partitionKey: saved.partitionKey)
      return try translatingAnalysisErrors {
        try Pushdown.unconditionalMargins(
          of: model, plan.specification, variance: plan.variance, source: source, partitionKey: saved.partitionKey,
          options: options)
      }
    }
    return try translatingAnalysisErrors {
      try Pushdown.margins(
        plan.specification, variance: plan.variance, model: model, source: source, partitionKey: saved.partitionKey,
        options: options)
    }
  }

  /// Scenario comparisons of a fit pushed down to PostgreSQL: one aggregate statement over its
  /// rows there (`PushdownScenarios`), the comparisons formed by `ScenarioSums` (covariates fixed;
  /// sampled: the fit pushed down again, then the scenarios' and scores' sums by unit).
  func pushedDownScenarios(_ scenarios: [Scenario], by: String?, vce: MarginsVCEOption, level: Double) throws
    -> ScenarioResult
  {
    let (saved, plan, source, fitted) = try pushedDownInputs()
    if vce == .unconditional {
      let sampled = try pushedDownSampling(fitted, plan: plan, source: source, partitionKey: saved.partitionKey)
      return try translatingAnalysisErrors {
        try Pushdown.unconditionalScenarios(
          of: sampled, plan.specification, variance: plan.variance, source: source, partitionKey: saved.partitionKey,
          scenarios: scenarios, by: by, level: level)
      }
    }
    let model = PushdownScenarios.FittedModel(terms: terms, kept: kept, coefficients: coefficients)
    let sums = try PushdownScenarios.sums(
      plan.specification, model: model, source: source, partitionKey: saved.partitionKey, scenarios: scenarios,
      by: by)
    return try translatingAnalysisErrors {
      try sums.sums.result(
        scenarios: scenarios, by: by, covariance: covarianceMatrix, degreesOfFreedom: degreesOfFreedom,
        varianceTitle: vceTitle, level: level)
    }
  }

  /// What the streamed margins and scenarios read: the fitted model, the specification the
  /// chunks are coded with, and a stream of the data file with `extraColumns` (memory: the
  /// default budget, half the machine).
  func streamedInputs(extraColumns: [String], allowChangedData: Bool) throws -> (
    model: AggregateMargins.FittedModel, specification: ScaleSpecification, stream: CSVStream
  ) {
    let (spec, dataPath) = try resolvedSpecification()
    try checkData(dataPath, allowChanged: allowChangedData)
    let plan = try translatingAnalysisErrors { try Model.aggregatePlan(spec) }
    let model = AggregateMargins.FittedModel(
      terms: terms, kept: kept, coefficients: coefficients, link: link, covariance: covarianceMatrix,
      degreesOfFreedom: degreesOfFreedom, varianceTitle: vceTitle)
    let budget = Int(ProcessInfo.processInfo.physicalMemory / 2)
    let stream = try AggregateMargins.stream(
      path: dataPath, specification: plan.specification, extraColumns: extraColumns,
      chunkBytes: StreamedFit.chunkBytes(forMemory: budget))
    return (model, plan.specification, stream)
  }

  /// Margins of a streamed saved fit, streaming its data file (covariates fixed, or sampled:
  /// the fit streamed again for its bread and scores, as in memory it is refitted).
  func streamedMargins(_ options: MarginsOptions, vce: MarginsVCEOption, allowChangedData: Bool) throws
    -> MarginsResult
  {
    var input = try streamedInputs(extraColumns: [options.over].compactMap { $0 }, allowChangedData: allowChangedData)
    if vce == .unconditional { input.model = try streamedSampling(input.model) }
    return try restoringStreamed {
      try AggregateMargins.margins(
        of: input.model, specification: input.specification, chunks: input.stream, options: options,
        unconditional: vce == .unconditional)
    }
  }

  /// Scenario comparisons of a streamed saved fit, streaming its data file (covariates fixed or
  /// sampled).
  func streamedScenarios(
    _ scenarios: [Scenario], by: String?, vce: MarginsVCEOption, level: Double, allowChangedData: Bool
  ) throws -> ScenarioResult {
    let columns = scenarios.map(\.text) + [by].compactMap { $0 }
    var input = try streamedInputs(extraColumns: columns, allowChangedData: allowChangedData)
    if vce == .unconditional { input.model = try streamedSampling(input.model) }
    return try restoringStreamed {
      try AggregateMargins.scenarios(
        of: input.model, specification: input.specification, chunks: input.stream, scenarios: scenarios, by: by,
        level: level, unconditional: vce == .unconditional)
    }
  }

  /// The elasticity table of a streamed saved fit (its margins streamed, `streamedMargins`) and
  /// the fit's title.
  func streamedElasticities(
    variables: [String], kinds: [MarginKind], atMeans: Bool, discrete: [String], vce: MarginsVCEOption,
    level: Double, allowChangedData: Bool
  ) throws -> (title: String, table: ElasticityTable) {
    let options = Elasticities.options(
      variables: variables, kinds: kinds, atMeans: atMeans, discrete: discrete, level: level)
    let margins = try streamedMargins(options, vce: vce, allowChangedData: allowChangedData)
    return ("\(model): \(formula)", ElasticityTable(margins, kinds: kinds))
  }

  /// Names this saved fit when its data no longer code as the fit's columns.
  func restoringStreamed<T>(_ body: () throws -> T) throws -> T {
    do {
      return try translatingAnalysisErrors(body)
    } catch ScaleError.dataChanged {
      throw SavedFitError.dataChanged(path: path, reason: "the model matrix has other columns than the saved terms")
    }
  }

  /// The absolute folder of the file at `path` (`-`, standard output: the current directory).
  static func folder(of path: String) -> URL {
    if path == "-" { return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true) }
    return URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
  }

  /// `target` (absolute, or relative to the current directory) relative to `folder`, with `..`
  /// where needed (`../data/x.csv`).
  static func relativePath(of target: String, from folder: URL) -> String {
    let to = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
    let from = folder.standardizedFileURL.pathComponents
    var common = 0
    while common < to.count, common < from.count, to[common] == from[common] { common += 1 }
    let up = [String](repeating: "..", count: from.count - common)
    let parts = up + to[common...]
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }

  /// The specification of the saved fit and the data path to read, as the current directory
  /// sees it: version 3 resolves the stored path against this file's folder; versions 1 and 2
  /// re-parse the saved command (its `--data` path is relative to the current directory).
  func resolvedSpecification() throws -> (FitSpecification, String) {
    // A pushed-down fit's source is a connection, not a path.
    if let spec = specification, let p = pushdown { return (spec, p.connection) }
    if var spec = specification, let source = spec.data {
      let resolved =
        source.path.hasPrefix("/")
        ? source.path
        : URL(fileURLWithPath: source.path, relativeTo: Self.folder(of: path)).standardizedFileURL.path
      spec.data?.path = resolved
      return (spec, resolved)
    }
    let (options, choice) = try reparse()
    return (try options.specification(choice), options.data)
  }

  func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let bytes: Data
    do {
      bytes = try encoder.encode(self)
    } catch {
      throw OutputError.cannotWrite(
        path: path, reason: "the fit holds a number JSON cannot store (NaN or infinity); check the fit's warnings")
    }
    try OutputFile.write(bytes, to: path)
  }

  var link: Link? {
    ModelKind(rawValue: model)?.meanLink
  }

  /// Compares the data file with the fingerprint saved with the fit: a changed size or hash is
  /// an error (a note with `allowChanged`); a fit saved without one gets a note.
  func checkData(_ dataPath: String, allowChanged: Bool) throws {
    guard let saved = dataFingerprint else {
      progress("note: saved fit \(path) records no fingerprint of its data (saved by an older strata), so changes to \(dataPath) cannot be detected")
      return
    }
    // A missing or unreadable file is reported by the data reader.
    guard let current = DataFingerprint.of(file: dataPath), let change = saved.difference(from: current) else { return }
    if !allowChanged { throw SavedFitError.dataFileChanged(path: path, data: dataPath, reason: change) }
    progress("note: \(dataPath) changed since the fit \(path) was saved (\(change)); going on as --allow-changed-data asks")
  }

  /// The fit command's options and model, re-parsed.
  func reparse() throws -> (LinearModelOptions, ModelChoice) {
    let command: ParsableCommand
    do {
      command = try StrataCommand.parseAsRoot(self.command ?? [])
    } catch {
      throw SavedFitError.badCommand(path: path, reason: StrataCommand.message(for: error))
    }
    switch command {
    case let c as OLSCommand: return (c.options, .leastSquares(requireWeights: false))
    case let c as WLSCommand: return (c.options, .leastSquares(requireWeights: true))
    case let c as any GLMSubcommand: return (c.options, .glm(type(of: c).model, c.glmOptions))
    case let c as IVCommand: return (c.options, .iv)
    default: throw SavedFitError.badCommand(path: path, reason: "not a strata fit command")
    }
  }

  /// Rebuilds the model on its data (no refit) for margins, scenarios and elasticities. Stops
  /// when the data file changed since the fit was saved unless `allowChangedData`.
  func source(allowChangedData: Bool = false) throws -> MarginsSource {
    if let p = pushdown {
      throw ValidationError(
        "\(path) is a fit pushed down to PostgreSQL (\(p.table.map { "table \($0)" } ?? "a query")): its data are not read into memory; predict --scenario, table and show take it")
    }
    let (spec, dataPath) = try resolvedSpecification()
    try checkData(dataPath, allowChanged: allowChangedData)
    let frame = try loadData(dataPath)
    let setup = try translatingAnalysisErrors { try Model.setup(spec, data: frame) }
    let estimates = SavedEstimates(
      terms: terms, kept: kept, coefficients: coefficients, covariance: covarianceMatrix,
      degreesOfFreedom: degreesOfFreedom, varianceTitle: vceTitle, nobs: nobs)
    let restored = try restoring { try setup.restore(estimates) }
    return MarginsSource(
      model: restored.predictionModel, covariance: covarianceMatrix, degreesOfFreedom: degreesOfFreedom,
      varianceTitle: vceTitle, title: "\(self.model): \(formula)", kind: self.model, formula: formula, data: data,
      unconditional: { try restoring { try restored.influenceVariance() } }, labels: DataLabels(frame))
  }

  /// Runs a library call on this saved fit, naming the file when the data no longer match it.
  func restoring<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as AnalysisError {
      switch error {
      case .restoredColumnsDiffer(let columns):
        throw SavedFitError.dataChanged(
          path: path, reason: "the model matrix has columns \(columns.joined(separator: ", "))")
      case .restoredObservationsDiffer(let found, let saved):
        throw SavedFitError.dataChanged(path: path, reason: "\(found) observations instead of \(saved)")
      case .refittedCoefficientsDiffer:
        throw SavedFitError.dataChanged(path: path, reason: "refitted coefficients differ from the saved ones")
      default:
        throw commandLineError(error)
      }
    }
  }
}

extension LinearModelOptions {
  /// `fit … --data postgresql://… --save PATH`: the saved fit records the source without any
  /// password, and the recipe read from the source's levels (`Pushdown.recipe`).
  func savePushedDown(_ fit: PushdownFit, specification spec: FitSpecification, plan: AggregatePlan, to path: String)
    throws
  {
    let source = try PostgresSource(uri: data, sql: sql)
    let recipe = try Pushdown.recipe(
      plan.specification, terms: fit.result.fit.terms, source: source, partitionKey: partitionKey)
    let saved = SavedPushdown(
      connection: ConnectionString.removingPassword(source.conninfo), table: source.table, sql: source.sql,
      partitionKey: partitionKey)
    try SavedFit(pushedDown: fit.result, recipe: recipe, specification: spec, source: saved).write(to: path)
  }
}
