// The command line's words for the options that library error messages point to: the library
// renders its errors (StrataReport/Errors) with an `ErrorVocabulary`, and the CLI passes this one,
// so a message says `--maxiter` here where a Swift caller reads `maxIterations`.

import Strata

extension ErrorVocabulary {
  /// Options as `strata` flags, `--vce classical`.
  static let commandLine = ErrorVocabulary { option, value in
    let flag = commandLineFlags[option] ?? "--\(option.rawValue)"
    guard let value else { return flag }
    return "\(flag) \(value)"
  }
}

/// The flag (or command) for each option a library message can name.
let commandLineFlags: [ErrorOption: String] = [
  .nest: "--nest",
  .lonelyPSU: "--lonely-psu",
  .fpc: "--fpc",
  .psu: "--psu",
  .replicates: "--reps",
  .replicateType: "--replicate",
  .scale: "--scale",
  .rscales: "--rscales",
  .rho: "--rho",
  .maxIterations: "--maxiter",
  .variance: "--vce",
  .base: "--base",
  .at: "--at",
  .discrete: "--discrete",
  .marginsVariance: "--margins-vce",
  .atMeans: "--atmeans",
  .split: "--split",
  .by: "--by",
  .convention: "--convention",
  .instrumentalVariables: "'strata fit iv'",
  .bounds: "--bounds",
  .distance: "--calfun",
  .totals: "--totals",
]

/// A usage problem the CLI itself finds (not a library error).
struct CommandLineError: Error, CustomStringConvertible {
  let description: String
}
