import ArgumentParser
import Foundation
import Strata

@main
struct StrataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "strata",
    abstract: "Fast survey analysis: regression models with classical, robust, cluster and design-based errors.",
    version: StrataVersion.text,
    subcommands: [
      Fit.self, Describe.self, MeanCommand.self, TotalCommand.self, PropCommand.self, QuantileCommand.self,
      VarCommand.self,
      RatioCommand.self, TabCommand.self, SvysetCommand.self, MarginsCommand.self, PredictCommand.self,
      ElasticitiesCommand.self, TableCommand.self, PlotCommand.self, NotebookCommand.self, ReproduceCommand.self,
      MediateCommand.self, SimulateCommand.self, TestCommand.self, LincomCommand.self, NlcomCommand.self,
      WeightsCommand.self,
    ])

  /// Every error message starts with this (swift-argument-parser's error prefix, used for its own
  /// parse and validation errors as for the library's).
  static var _errorPrefix: String { "strata: error: " }

  /// Parses, runs, and turns every error into one message and a non-zero exit code, through
  /// swift-argument-parser's own error path (`exit(withError:)`): library errors are rendered
  /// first by `ErrorMessage`, with the command line's flags in their hints.
  static func main() {
    // ReadStat converts Stata/SPSS text through iconv, which needs the user's locale (C.UTF-8 or
    // similar) rather than the C locale a process starts in; without it Chinese labels fail.
    setlocale(LC_ALL, "")
    do {
      var command = try parseAsRoot()
      try OutputSafety.check(command, arguments: Array(CommandLine.arguments.dropFirst()))
      try TextWidthOptions.running(command) { try command.run() }
    } catch {
      guard let message = ErrorMessage.render(error) else { exit(withError: error) }
      let code = exitCode(for: error)
      if code == .validationFailure {
        // A usage error given a suggestion ("did you mean") keeps its exit code, without the usage text.
        FileHandle.standardError.write(Data((_errorPrefix + message + "\n").utf8))
        exit(withError: code)
      }
      exit(withError: RenderedError(description: message))
    }
  }
}

/// A library error rendered for the command line (its message is printed after the prefix).
struct RenderedError: Error, CustomStringConvertible {
  let description: String
}

/// The one place that renders library errors for people: StrataReport's renderers with the
/// command line's flags (`ErrorVocabulary.commandLine`), and the CLI's own errors.
enum ErrorMessage {
  static func render(_ error: Error) -> String? {
    switch error {
    case let e as DataError: return e.description
    case let e as FormulaError: return e.description
    case let e as EstimationError: return e.message(using: .commandLine)
    case let e as InferenceError: return e.message(using: .commandLine)
    case let e as LinalgError: return e.description
    case let e as DesignError: return e.message(using: .commandLine)
    case let e as OutputError: return e.description
    case let e as MarginsError: return e.message(using: .commandLine)
    case let e as SavedFitError: return e.description
    case let e as ResultFileError: return e.description
    case let e as PlotError: return e.description
    case let e as ReportError: return e.description
    case let e as NotebookError: return e.description
    case let e as ReproduceError: return e.description
    case let e as SimulationError: return e.description
    case let e as SplitGroupError: return e.description
    case let e as NewdataError: return e.description
    case let e as CommandLineError: return e.description
    case let e as PostgresError: return e.description
    case let e as ScaleError: return e.description
    case let e as AnalysisError:
      let rendered = commandLineError(e)
      return (rendered as? ValidationError)?.message ?? ErrorMessage.render(rendered) ?? e.description
    default:
      // A misspelled subcommand or option value: the nearest known word.
      return DidYouMean.message(for: error, arguments: Array(CommandLine.arguments.dropFirst()))
    }
  }
}

/// Runs a library call, turning its `AnalysisError`s into the messages of the flags that caused
/// them (the library's own descriptions name no flags).
func translatingAnalysisErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as AnalysisError {
    throw commandLineError(error)
  }
}

/// The command-line message of a library error.
func commandLineError(_ error: AnalysisError) -> Error {
  switch error {
  case .weightsRequired(let m): return ValidationError("\(m.rawValue) needs --weights")
  case .observedInformationNotApplicable(let m):
    return ValidationError(
      m == .iv
        ? "--vce oim applies to likelihood models, not to 2SLS"
        : "--vce oim applies to likelihood models (logit, probit, cloglog, poisson, fraclogit, fracprobit)")
  case .fixedEffectsNotAvailable(let m):
    return ValidationError(
      [.ologit, .oprobit, .mlogit].contains(m)
        ? "absorbed fixed effects ('| fe') are available for ols, wls, logit, probit and poisson"
        : "absorbed fixed effects ('| fe') are available for ols, wls, logit, probit and poisson, not \(m.rawValue)")
  case .varianceNotAvailableWithFixedEffects(let v):
    return ValidationError(
      "--vce \(v.name) is not available with absorbed fixed effects; use classical, robust, hc0, hc1, cluster or design")
  case .baseOutcomeNotApplicable:
    return ValidationError("--base applies to mlogit; ordered models have cut points instead")
  case .designRequired: return ValidationError("--vce design needs a declared design")
  case .clusterWithDesign: return ValidationError("with a survey design, declare clusters as PSUs (--psu), not --cluster")
  case .subpopulationWithoutDesign:
    return ValidationError("--subpop is a domain of a survey design; without a design use --subset")
  case .invalidLevel: return ValidationError("--level must be between 0 and 100")
  case .splitGroupFailed(let variable, let group, let exclusion, let underlying):
    return SplitGroupError(
      variable: variable, group: group,
      reason: ErrorMessage.render(underlying) ?? StrataCommand.message(for: underlying), exclusion: exclusion)
  case .splitWithReplicateDesign:
    return ValidationError("--split with replicate-weight designs is not supported; declare strata/PSUs")
  case .marginsAfterFixedEffects:
    return ValidationError(
      "margins, predictions and --save are not available after absorbing fixed effects: predictions need the "
        + "fixed-effect estimates, which are projected out (in a linear model the marginal effects are the coefficients)")
  case .unconditionalOutcomeMargins:
    return ValidationError(
      "ordered and multinomial fits support margins with covariates fixed only (not --margins-vce unconditional)")
  case .notAnOutcomeEquation:
    return ValidationError("the formula must be the outcome equation 'y ~ treatment + mediator + controls'")
  case .mediationWithReplicateDesign:
    return ValidationError("mediate --reps resamples PSUs; replicate-weight designs are not supported")
  default: return ValidationError(error.description)
  }
}

/// Errors writing results (`OutputFile`, `OutputSafety`).
enum OutputError: Error, CustomStringConvertible {
  case cannotWrite(path: String, reason: String)
  case folderPath(path: String)
  case isFolder(path: String)
  case missingFolder(path: String, folder: String)
  case notFolder(path: String, folder: String)
  case noPermission(path: String, folder: String)
  case overwritesInput(option: String, path: String, input: String)
  case sameOutputTwice(first: OutputTarget, second: OutputTarget)
  case outsideNotebookFolder(option: String, path: String, folder: String)

  var description: String {
    switch self {
    case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
    case .folderPath(let path):
      return "cannot write \(path): a path ending in / names a folder; give a file name (for example \(path)results.txt)"
    case .isFolder(let path):
      return "cannot write \(path): it is a folder; give a file name inside it (for example \(path)/results.txt)"
    case .missingFolder(let path, let folder):
      return "cannot write \(path): the folder \(folder) does not exist; create it first (mkdir -p \(folder)) or choose another path"
    case .notFolder(let path, let folder):
      return "cannot write \(path): \(folder) is a file, not a folder; choose another path"
    case .noPermission(let path, let folder):
      return "cannot write \(path): no permission to create files in the folder \(folder); choose a folder you can write to"
    case .overwritesInput(let option, let path, let input):
      return "\(option) \(path) is the input file \(input); writing it would destroy the input. Choose another output file"
    case .sameOutputTwice(let first, let second):
      return "\(first.option) \(first.path) and \(second.option) \(second.path) name the same file; give them different files"
    case .outsideNotebookFolder(let option, let path, let folder):
      return "\(option) \(path) is outside the run's folder \(folder); in a notebook, write to $WORK/NAME, "
        + "or put `allow-outside-writes: true` in the notebook's front matter (between --- lines at its top)"
    }
  }
}
