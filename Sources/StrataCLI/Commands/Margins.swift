import ArgumentParser
import Foundation
import Strata

extension ContrastKind: ExpressibleByArgument {}

/// Which variance the margins use.
enum MarginsVCEOption: String, ExpressibleByArgument, CaseIterable {
  /// Covariates held fixed: `J V Jᵀ` with the fit's coefficient covariance (Stata's default).
  case fixed
  /// Covariates sampled: the AME linearized through the fit's own variance (Stata `vce(unconditional)`).
  case unconditional
}

/// The margins flags shared by `strata fit` and `strata margins`.
struct MarginsSelection: ParsableArguments {
  @Option(
    name: .customLong("margins"),
    help: ArgumentHelp("Marginal quantities, a comma list of dydx, eyex, eydx, dyex.", valueName: "kinds"))
  var kinds: String?

  @Option(
    name: .customLong("margins-variables"),
    help: "Data columns to report, comma-separated (default: every column the regressors use).")
  var variables: String?

  @Flag(help: "Evaluate at the means (numeric columns at their mean, factors at their most frequent level).")
  var atmeans = false

  @Option(
    help: "Representative values, a grid: 'educ=12,16; age=mean; region=north'; 'educ=10:16' is a range (step 1); at most 10,000 points.")
  var at: String?

  @Option(help: "Report margins within the groups of this column.")
  var over: String?

  @Option(help: "Numeric 0/1 columns to treat as discrete (change from 0 to 1), comma-separated.")
  var discrete: String?

  @Option(help: "Discrete changes of factors: from the reference level, or between all pairs.")
  var contrast: ContrastKind = .reference

  @Option(
    name: .customLong("margins-vce"),
    help: "fixed: covariates held fixed (Stata's default); unconditional: covariates sampled (after robust, cluster or design fits).")
  var marginsVCE: MarginsVCEOption = .fixed

  /// Whether any margins flag asks for margins.
  var isRequested: Bool { kinds != nil }

  /// The library options, with `defaultKinds` when `--margins` is absent.
  func options(level: Double, defaultKinds: [MarginKind] = [.dydx]) throws -> MarginsOptions {
    var kinds = defaultKinds
    if let text = self.kinds {
      kinds = try list(text).map { name in
        guard let k = MarginKind(rawValue: name) else {
          throw ValidationError("--margins: '\(name)' is not one of dydx, eyex, eydx, dyex")
        }
        return k
      }
    }
    return MarginsOptions(
      variables: list(variables), kinds: kinds, atMeans: atmeans, at: try at.map { try AtGrid.parse($0) }, over: over,
      discrete: list(discrete), contrast: contrast, level: level)
  }

  func validate() throws {
    if atmeans && marginsVCE == .unconditional {
      throw ValidationError("--margins-vce unconditional applies to averages over the sample, not to --atmeans")
    }
  }
}

/// A comma list.
func list(_ text: String?) -> [String] {
  (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `strata fit`'s margins flags and `--save`.
struct FitMarginsOptions: ParsableArguments {
  @OptionGroup var selection: MarginsSelection

  @Option(help: "Save the fit (formula, data path, options, coefficients, vcov, recipe) for strata margins/predict/elasticities.")
  var save: String?

  func validate() throws {
    let s = selection
    if !s.isRequested && (s.variables != nil || s.atmeans || s.at != nil || s.over != nil || s.discrete != nil
      || s.marginsVCE == .unconditional)
    {
      throw ValidationError("--margins-variables, --atmeans, --at, --over, --discrete and --margins-vce go with --margins KINDS")
    }
  }
}

extension ModelChoice {
  /// The inverse link of the model's predictions (nil: least squares).
  var link: Link? {
    switch self {
    case .leastSquares, .iv: return nil
    case .glm(let m, _): return m.link
    case .nbreg: return .log
    case .ordered, .multinomial: return nil
    }
  }
}

/// What margins, elasticities and scenarios need from a fit, live or saved.
struct MarginsSource {
  var model: PredictionModel
  var covariance: Matrix
  var degreesOfFreedom: Double
  var varianceTitle: String
  /// `logit: inlf ~ ...`.
  var title: String
  var kind: String
  var formula: String
  var data: String
  /// Builds the covariate-sampling engine (a saved fit refits for it).
  var unconditional: () throws -> InfluenceVariance
  /// The data's variable and value labels, for the reports.
  var labels: DataLabels = .none

  func deltaMethod(_ vce: MarginsVCEOption) throws -> DeltaMethod {
    DeltaMethod(covariance: covariance, unconditional: vce == .unconditional ? try unconditional() : nil)
  }

  func margins(_ options: MarginsOptions, vce: MarginsVCEOption) throws -> MarginsResult {
    let variance = try deltaMethod(vce)
    // Many --over groups or --at points can take a while: progress on a terminal's stderr.
    let progressLine = ProgressLine.forStandardError()
    defer { progressLine?.finish() }
    return try Margins.estimate(
      model, options: options, variance: variance, degreesOfFreedom: degreesOfFreedom,
      varianceTitle: varianceTitle, progress: progressLine?.handler)
  }
}

extension LinearModelOptions {
  /// Saves the fit when asked, then renders the fit report with its margins (the library picks
  /// the margins path: per-outcome for ordered and multinomial fits).
  func finish(_ s: ModelFit) throws {
    if s.fit.fixedEffects != nil && (marginsOptions.save != nil || marginsOptions.selection.isRequested) {
      throw commandLineError(.marginsAfterFixedEffects)
    }
    let categorical = s.fit.categorical != nil
    if categorical && marginsOptions.save != nil {
      throw ValidationError("--save is not yet available for ologit, oprobit and mlogit fits")
    }
    if let path = marginsOptions.save { try SavedFit(session: s, options: self, savePath: path).write(to: path) }
    let selection = marginsOptions.selection
    let termTest = try test.map { t in try translatingAnalysisErrors { try s.test(t) } }
    guard selection.isRequested else { return try render(s, test: termTest) }
    let options = try selection.options(level: level)
    // Many --over groups or --at points can take a while: progress on a terminal's stderr.
    let progressLine = ProgressLine.forStandardError()
    let margins = try translatingAnalysisErrors {
      defer { progressLine?.finish() }
      return try s.margins(
        selecting: options, unconditional: selection.marginsVCE == .unconditional, progress: progressLine?.handler)
    }
    let context = reportContext(s.data)
    switch margins {
    case .outcomeAverages(let result):
      try renderWithMargins(
        s, context: context, text: OutcomeMarginsReport.text(result), json: [("margins", OutcomeMarginsReport.json(result))],
        csv: OutcomeMarginsReport.csv(result), test: termTest)
    case .margins(let result):
      // Ordered and multinomial fits are titled by the formula as given, and report no margins variance.
      let title = "\(s.fit.kind.rawValue): \(categorical ? formula : s.fit.formula)"
      func json() -> [(String, JSONValue)] {
        let vce = MarginsReport.jsonVCE(
          unconditional: result.unconditional, title: result.varianceTitle, df: result.degreesOfFreedom,
          level: result.level, atMeans: result.atMeans)
        // The data's labels of the model's variables, so `strata table` labels the rows.
        // And those of the --over groups, with their value labels.
        let groups = Array(Set(result.estimates.compactMap { $0.group?.variable })).sorted()
        let words = Set(s.fit.formula.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }.map(String.init) + groups)
        let used = context.labels.filter { words.contains($0.key) }.sorted { $0.key < $1.key }
        let labels: [(String, JSONValue)] = (used.isEmpty ? [] : [("labels", .object(used.map { ($0.key, .string($0.value)) }))])
          + DescriptiveReport.labelsJSON(DataLabels(s.data), of: groups).filter { $0.0 == "value_labels" }
        return (categorical ? [] : [("margins_vce", vce)]) + [("margins", MarginsReport.jsonEntries(result))] + labels
      }
      try renderWithMargins(
        s, context: context, text: MarginsReport.text(result, model: title, labels: DataLabels(s.data)), json: json(),
        csv: MarginsReport.csv(result), test: termTest)
    }
  }

  /// Writes the fit's report followed by its margins (text), with the margins' members added
  /// to the fit's document (JSON), or the margins alone (CSV).
  func renderWithMargins(
    _ s: ModelFit, context: ReportContext, text: @autoclosure () -> String,
    json: @autoclosure () -> [(String, JSONValue)], csv: @autoclosure () -> String, test: TermTest? = nil
  ) throws {
    // Only the requested format is rendered.
    switch outputOptions.format {
    case .text:
      let testText = test.map { "\n" + TestReport.text($0) } ?? ""
      try outputOptions.write(RegressionReport.text(s.result, context: context) + testText + "\n" + text())
    case .json:
      var document = RegressionReport.json(s.result, context: context)
      if case .object(var pairs) = document {
        if let test { pairs.append(("test", TestReport.jsonTest(test))) }
        pairs += json()
        document = .object(pairs)
      }
      try outputOptions.write(document.serialized() + "\n")
    case .csv:
      try outputOptions.write(csv())
    }
  }
}

/// `strata margins RESULT.json [--margins dydx,eyex] [--at ...] ...`
struct MarginsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "margins",
    abstract: "Marginal effects and elasticities of a saved fit (strata fit ... --save RESULT.json).",
    discussion: """
      Averages over the estimation sample (AME, weighted by the fit's weights), at the means (--atmeans), \
      at representative values (--at), by group (--over). Derivatives are with respect to the data column \
      through every transformation of the formula; factors get discrete changes. Standard errors by the \
      delta method with the fit's own variance, covariates fixed (Stata's default) or sampled \
      (--margins-vce unconditional).

      """ + HelpExamples.margins)

  @Argument(help: "A fit saved with strata fit ... --save.")
  var result: String

  @OptionGroup var selection: MarginsSelection

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @Flag(name: .customLong("allow-changed-data"), help: "Go on when the data file changed since the fit was saved (size or hash differ).")
  var allowChangedData = false

  @Option(
    help: ArgumentHelp(
      "A linear combination of the margins (repeatable), as strata lincom: 'knowledge + present_bias'; a margin is named by its variable (dydx), kind(variable) (eyex(income)) or variable and level (contractgig).",
      valueName: "expr"))
  var lincom: [String] = []

  @Option(help: ArgumentHelp("A nonlinear combination of the margins (repeatable), as strata nlcom: 'knowledge / present_bias'.", valueName: "expr"))
  var nlcom: [String] = []

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if !(lincom.isEmpty && nlcom.isEmpty) && outputOptions.format == .csv {
      throw ValidationError("--lincom and --nlcom are reported in text and JSON output, not CSV")
    }
  }

  func run() throws {
    let saved = try SavedFit.load(from: result)
    let options = try selection.options(level: level)
    // Streamed, pushed-down or in memory: `SavedFit.marginsResult` picks the path.
    let (margins, dataLabels) = try saved.marginsResult(
      options, vce: selection.marginsVCE, allowChangedData: allowChangedData)
    let title = "\(saved.model): \(saved.formula)"
    // Combinations of the margins (covariates fixed): their joint covariance G V Gᵀ.
    var combinations: [(linear: Bool, estimates: [CombinationEstimate])] = []
    if !(lincom.isEmpty && nlcom.isEmpty) {
      let post = try margins.postEstimation(covariance: saved.covarianceMatrix)
      try translatingAnalysisErrors {
        if !lincom.isEmpty { combinations.append((true, try post.lincom(lincom))) }
        if !nlcom.isEmpty { combinations.append((false, try post.nlcom(nlcom))) }
      }
    }
    switch outputOptions.format {
    case .text:
      var text = MarginsReport.text(margins, model: title, labels: dataLabels)
      for c in combinations {
        text += "\n" + TestReport.combinationsText(
          c.estimates, linear: c.linear, model: nil, of: "the margins above (covariates fixed)")
      }
      try outputOptions.write(text)
    case .json:
      var document = MarginsReport.json(margins, model: saved.model, formula: saved.formula, data: saved.data)
      if case .object(var pairs) = document {
        // The data's variable labels saved with the fit and those of the margins' variables and
        // groups, and the groups' value labels, so `strata table` and `strata plot margins`
        // label the rows.
        var merged = saved.report?.labels ?? [:]
        let groups = margins.estimates.compactMap { $0.group?.variable }
        for name in margins.estimates.map(\.variable) + groups where merged[name] == nil {
          let label = dataLabels.variable(name)
          if label != name { merged[name] = label }
        }
        let labels = merged.sorted { $0.key < $1.key }
        if !labels.isEmpty { pairs.append(("labels", .object(labels.map { ($0.key, .string($0.value)) }))) }
        pairs += DescriptiveReport.labelsJSON(dataLabels, of: Array(Set(groups)).sorted()).filter { $0.0 == "value_labels" }
        for c in combinations {
          if case .object(let members) = TestReport.combinationsJSON(c.estimates, model: saved.model, formula: saved.formula),
            let estimates = members.first(where: { $0.0 == "estimates" })?.1
          {
            pairs.append((c.linear ? "lincom" : "nlcom", estimates))
          }
        }
        document = .object(pairs)
      }
      try outputOptions.write(document.serialized() + "\n")
    case .csv: try outputOptions.write(MarginsReport.csv(margins))
    }
  }
}
