import ArgumentParser
import Foundation
import Strata

extension LonelyPSURule: ExpressibleByArgument {}
extension ReplicateType: ExpressibleByArgument {}

/// The survey-design flags every design-aware command shares (R `svydesign`/`svrepdesign`,
/// Stata `svyset`): `--weights` plus the structure flags.
struct DesignOptions: ParsableArguments {
  @Option(help: "Sampling-weight column (R svydesign(weights =)); for replicate designs the full-sample weights.")
  var weights: String?

  @OptionGroup var structure: DesignStructureOptions

  static func list(_ s: String?) -> [String] { DesignStructureOptions.list(s) }

  /// Whether any design flag was given.
  var declaresDesign: Bool { weights != nil || structure.declaresDesign }

  /// The declaration the flags (or the saved file) describe.
  func specification() throws -> DesignSpecification { try structure.specification(weights: weights) }
}

/// The design flags other than the weights, shared by the descriptive commands (through
/// `DesignOptions`) and by `strata fit`, whose `--weights` serves both `lm(weights =)` and the design.
struct DesignStructureOptions: ParsableArguments {
  @Option(help: "Stratum column.")
  var strata: String?

  @Option(help: "PSU column, or one column per stage: --psu dnum,snum.")
  var psu: String?

  @Option(help: "FPC columns, one per stage: population sizes or sampling fractions (detected as R does).")
  var fpc: String?

  @Flag(help: "PSU ids are unique only within strata (R nest = TRUE).")
  var nest = false

  @Option(name: .customLong("lonely-psu"), help: "Single-PSU strata (R survey.lonely.psu); default fail.")
  var lonelyPSU: LonelyPSURule?

  @Option(help: "Domain (subpopulation) as an R expression; the full design is kept for the variance.")
  var subpop: String?

  @Option(help: "Replicate-weight columns: a comma list or a pattern such as 'repw*'.")
  var repweights: String?

  @Option(help: "Replicate type of --repweights.")
  var reptype: ReplicateType?

  @Option(help: "Replicate variance scale (svrepdesign scale =); defaults depend on --reptype.")
  var scale: Double?

  @Option(help: "Per-replicate scales, comma-separated (one value or one per replicate).")
  var rscales: String?

  @Option(help: "Fay's rho (--reptype fay or --replicate fay).")
  var rho: Double?

  @Flag(help: "Centre replicates at the full-sample estimate (svrepdesign mse = TRUE).")
  var mse = false

  @Option(help: "Build replicate weights from the design (R as.svrepdesign): jk1, brr, fay or bootstrap.")
  var replicate: ReplicateType?

  @Option(help: "Number of bootstrap replicates for --replicate bootstrap and `strata mediate` (default 50).")
  var reps: Int?

  @Option(help: "Seed of the bootstrap generator (--replicate bootstrap, `strata mediate`; default 1).")
  var seed: UInt64?

  @Option(help: "Read the design declaration saved by `strata svyset --save`.")
  var design: String?

  @OptionGroup var calibration: CalibrationOptions

  static func list(_ s: String?) -> [String] {
    (s ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// Whether any structure flag was given (a design without `--weights`: weights from the FPC or saved file).
  var declaresDesign: Bool {
    strata != nil || psu != nil || fpc != nil || repweights != nil || design != nil || replicate != nil
      || calibration.declaresCalibration
  }

  func validate() throws {
    if design != nil {
      let given: [(String, Bool)] = [
        ("--strata", strata != nil), ("--psu", psu != nil), ("--fpc", fpc != nil), ("--nest", nest),
        ("--lonely-psu", lonelyPSU != nil), ("--repweights", repweights != nil), ("--reptype", reptype != nil),
        ("--scale", scale != nil), ("--rscales", rscales != nil), ("--rho", rho != nil), ("--mse", mse),
        ("--replicate", replicate != nil),
      ]
      let clashing = given.filter(\.1).map(\.0)
      if !clashing.isEmpty {
        throw ValidationError(
          "--design reads a saved declaration; do not combine it with \(clashing.joined(separator: ", ")) "
            + "(save a new declaration with `strata svyset ... --save FILE` instead)")
      }
    }
    if repweights != nil && (strata != nil || psu != nil || fpc != nil || replicate != nil) {
      throw ValidationError("--repweights declares a replicate design; drop --strata/--psu/--fpc/--replicate")
    }
    if reptype != nil && repweights == nil { throw ValidationError("--reptype goes with --repweights") }
    if let reps, reps < 2 { throw ValidationError("--reps must be at least 2") }
    if let rho, !(rho >= 0 && rho < 1) { throw ValidationError("--rho must be in [0, 1)") }
    // Before any data is read (the design repeats these checks for saved declarations).
    if let scale, !(scale.isFinite && scale > 0) {
      throw ValidationError("--scale must be a finite positive number, not \(scale)")
    }
  }

  /// The declaration the flags (or the saved file) describe.
  func specification(weights: String?) throws -> DesignSpecification {
    if let design {
      if let weights {
        throw ValidationError(
          "--design \(design) carries its own weights; drop --weights \(weights) (or save a declaration with them)")
      }
      var spec = try DesignSpecification.load(from: design)
      // Calibration flags calibrate the saved design (replacing a saved calibration).
      if let cal = try calibration.specification() { spec.calibration = cal }
      return spec
    }
    var spec = DesignSpecification(
      weights: weights, strata: strata, psu: Self.list(psu), fpc: Self.list(fpc), nest: nest,
      lonelyPSU: lonelyPSU ?? .fail)
    if let repweights {
      var rs: [Double]?
      if rscales != nil {
        rs = try Self.list(rscales).map { text in
          guard let v = Double(text) else { throw ValidationError("--rscales: '\(text)' is not a number") }
          return v
        }
      }
      spec.replicateWeights = ReplicateSpecification(
        columns: Self.list(repweights), type: reptype ?? .brr, scale: scale, rscales: rs, rho: rho, mse: mse)
    }
    if let replicate {
      spec.buildReplicates = ReplicateConstruction(
        type: replicate, replicates: reps ?? 50, seed: seed ?? 1, rho: rho, mse: mse)
    }
    if let cal = try calibration.specification() { spec.calibration = cal }
    return spec
  }
}
