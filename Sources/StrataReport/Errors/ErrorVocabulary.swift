// How rendered error messages name the options they point to: library parameter names by default,
// command-line flags when the CLI renders them (StrataCLI/Support/ErrorHints.swift).

/// An option (or entry point) that an error message tells the user to set, drop or use.
///
/// The errors below the report layer carry no option names; their messages (rendered here, one
/// file per error family) name options through an ``ErrorVocabulary``, so the same message reads
/// `` `maxIterations` `` for a Swift caller and `--maxiter` on the command line.
public enum ErrorOption: String, Sendable, CaseIterable {
  /// PSU ids nested within strata (R `nest = TRUE`).
  case nest
  /// The rule for strata with one PSU.
  case lonelyPSU
  /// Finite population corrections.
  case fpc
  /// Primary (and later-stage) sampling units.
  case psu
  /// The number of replicates to build.
  case replicates
  /// The replicate type (jk1, brr, fay, bootstrap, …).
  case replicateType
  /// The replicate variance scale.
  case scale
  /// Per-replicate scales.
  case rscales
  /// Fay's rho.
  case rho
  /// The iteration limit of an iterative fit.
  case maxIterations
  /// The variance type of a fit.
  case variance
  /// The base outcome of a multinomial model.
  case base
  /// The evaluation points of margins.
  case at
  /// Variables treated as discrete (0/1) in margins.
  case discrete
  /// The variance of margins (delta method or unconditional).
  case marginsVariance
  /// Margins at the means of the covariates.
  case atMeans
  /// Estimation split by the groups of a variable.
  case split
  /// Grouping variables of descriptive statistics.
  case by
  /// The R or Stata conventions.
  case convention
  /// The instrumental-variables estimator.
  case instrumentalVariables
  /// Bounds on calibration g-weights.
  case bounds
  /// The calibration distance function (R `calfun`).
  case distance
  /// Population totals of a calibration.
  case totals
}

/// The words an error message uses for an ``ErrorOption``, optionally with a value
/// (`(.variance, "classical")`).
///
///     let text = error.message(using: .library)   // the same as error.description
public struct ErrorVocabulary: Sendable {
  /// The text for an option, with its value when the message gives one.
  public var name: @Sendable (_ option: ErrorOption, _ value: String?) -> String

  /// A vocabulary from a naming function.
  public init(name: @escaping @Sendable (_ option: ErrorOption, _ value: String?) -> String) {
    self.name = name
  }

  /// The library's words: Swift parameter names in backticks, `` `variance: classical` ``.
  public static let library = ErrorVocabulary { option, value in
    let label = option == .instrumentalVariables ? "InstrumentalVariables.fit" : option.rawValue
    guard let value else { return "`\(label)`" }
    return "`\(label): \(value)`"
  }

  /// The text for `option` (with `value`).
  func callAsFunction(_ option: ErrorOption, _ value: String? = nil) -> String { name(option, value) }
}

/// A number for messages: integers without a decimal point, others as Swift prints them.
func plainNumber(_ v: Double) -> String {
  v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
}

/// A count for messages: an integer up to 1e15, else in scientific notation.
func countText(_ x: Double) -> String {
  x < 1e15 ? String(Int(x)) : "\(x)"
}
