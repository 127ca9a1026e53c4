import ArgumentParser
import Foundation
import Strata

@main
struct StrataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "strata",
    abstract: "Fast survey analysis: regression models with classical, robust, cluster and design-based errors.",
    version: "0.1.0",
    subcommands: [
      Fit.self, Describe.self, MeanCommand.self, TotalCommand.self, PropCommand.self, QuantileCommand.self,
      RatioCommand.self, TabCommand.self, SvysetCommand.self, MarginsCommand.self, PredictCommand.self,
      ElasticitiesCommand.self, TableCommand.self, PlotCommand.self, NotebookCommand.self, ReproduceCommand.self,
      MediateCommand.self, SimulateCommand.self,
    ])

  /// Parses, runs, and turns every error into one message and a non-zero exit code.
  static func main() {
    // ReadStat converts Stata/SPSS text through iconv, which needs the user's locale (C.UTF-8 or
    // similar) rather than the C locale a process starts in; without it Chinese labels fail.
    setlocale(LC_ALL, "")
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as CleanExit {
      exit(withError: error)
    } catch let error as ExitCode {
      exit(withError: error)
    } catch {
      if let message = ErrorMessage.render(error) {
        FileHandle.standardError.write(Data(("strata: error: " + message + "\n").utf8))
        Foundation.exit(1)
      }
      exit(withError: error)
    }
  }
}

/// The one place that renders library errors for people.
enum ErrorMessage {
  static func render(_ error: Error) -> String? {
    switch error {
    case let e as DataError: return e.description
    case let e as FormulaError: return e.description
    case let e as EstimationError: return e.description
    case let e as InferenceError: return e.description
    case let e as LinalgError: return e.description
    case let e as DesignError: return e.description
    case let e as OutputError: return e.description
    case let e as MarginsError: return e.description
    case let e as SavedFitError: return e.description
    case let e as ResultFileError: return e.description
    case let e as PlotError: return e.description
    case let e as ReportError: return e.description
    case let e as NotebookError: return e.description
    case let e as ReproduceError: return e.description
    case let e as SimulationError: return e.description
    case let e as SplitGroupError: return e.description
    case let e as NewdataError: return e.description
    default: return nil
    }
  }
}

/// Errors writing results.
enum OutputError: Error, CustomStringConvertible {
  case cannotWrite(path: String, reason: String)
  var description: String {
    switch self {
    case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
    }
  }
}
