/// Errors in declaring a survey design or estimating a design-based variance.
///
/// Every case names the column, row (1-based data row), stratum or stage involved.
public enum DesignError: Error, Sendable, Equatable {
  /// A design variable (weights, strata, PSU, FPC, replicate weights) is missing at a row.
  case missingValue(column: String, row: Int)
  /// A design variable (weights, strata, PSU, FPC, replicate weights) is NaN or ±Inf at a row;
  /// `count` is the number of such rows in the column.
  case nonFiniteValue(column: String, row: Int, value: Double, count: Int)
  /// Sampling weights must be non-negative.
  case negativeWeight(column: String, row: Int, value: Double, count: Int)
  /// Every sampling weight is zero.
  case allWeightsZero(column: String)
  /// PSU ids repeat across strata; the ids are only unique within strata.
  case psuInSeveralStrata(column: String, psu: String, strata: [String])
  /// A stratum has a single PSU and the lonely-PSU rule is `fail`.
  case singlePSUStratum(stratum: String, stage: Int)
  /// The design has one PSU in total.
  case singlePSU
  /// FPC values mix population sizes (> 1) with sampling fractions (< 1).
  case mixedFPC(column: String, row: Int, value: Double)
  /// The FPC implies a population smaller than the sample.
  case fpcSmallerThanSample(column: String, row: Int, populationSize: Double, sampleSize: Int)
  /// The FPC takes more than one value within a stratum (rows are 1-based data rows).
  case fpcVariesWithinStratum(column: String, stratum: String, stage: Int, firstRow: Int, firstValue: Double, row: Int, value: Double)
  /// FPC columns must match PSU stages one to one.
  case fpcStageCount(fpc: Int, stages: Int)
  /// A replicate-weight pattern or list selected no column.
  case noReplicateWeights(pattern: String)
  /// Replicate weights (or rscales) of the wrong number.
  case replicateCount(expected: String, found: Int)
  /// A replicate weight is negative.
  case negativeReplicateWeight(column: String, row: Int, value: Double)
  /// An option the replicate type needs was not given (`rho` for Fay, `rscales` for JKn).
  case missingReplicateOption(type: String, option: String)
  /// Replicates cannot be built this way from the design.
  case cannotBuildReplicates(type: String, reason: String)
  /// Replicate weights that would not fit the memory limit (`ReplicateDesign.maximumReplicateBytes`).
  case tooManyReplicates(String)
  /// A design file could not be read or written.
  case designFile(path: String, reason: String)
  /// An option that needs a declared design.
  case invalidOption(String)
  /// A domain or estimation sample with no rows.
  case emptyDomain(String)
}

extension DesignError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .missingValue(let column, let row):
      return "design variable '\(column)' is missing at row \(row); survey designs need complete weights, strata, PSUs and FPCs"
    case .nonFiniteValue(let column, let row, let value, let count):
      return "design variable '\(column)' is \(value.isNaN ? "NaN" : value > 0 ? "Inf" : "-Inf") at row \(row) "
        + "(\(count) non-finite value(s) in all); weights, strata, PSUs, FPCs and replicate weights must be finite "
        + "numbers: correct those rows or leave them out of the data"
    case .negativeWeight(let column, let row, let value, let count):
      return "sampling weight '\(column)' is negative at row \(row) (\(value)); \(count) negative weight(s) in all"
    case .allWeightsZero(let column):
      return "every sampling weight in '\(column)' is zero"
    case .psuInSeveralStrata(let column, let psu, let strata):
      return "PSU '\(psu)' of '\(column)' appears in strata \(strata.map { "'\($0)'" }.joined(separator: ", ")); "
        + "PSU ids are reused across strata, so declare --nest (R: nest = TRUE)"
    case .singlePSUStratum(let stratum, let stage):
      return "stratum '\(stratum)' has only one PSU at stage \(stage); choose --lonely-psu certainty|remove|adjust|average"
    case .singlePSU:
      return "the design has only one primary sampling unit"
    case .mixedFPC(let column, let row, let value):
      return "FPC '\(column)' mixes population sizes and sampling fractions (row \(row): \(value)); give all ≥ 1 or all ≤ 1"
    case .fpcSmallerThanSample(let column, let row, let n, let s):
      return "FPC '\(column)' at row \(row) implies a population of \(n) but \(s) units were sampled in its stratum (over 100% sampling)"
    case .fpcVariesWithinStratum(let column, let stratum, let stage, let firstRow, let firstValue, let row, let value):
      return "FPC '\(column)' varies within stratum '\(stratum)' at stage \(stage) (row \(firstRow): "
        + "\(formatNumber(firstValue)), row \(row): \(formatNumber(value))); give one population size or sampling "
        + "fraction per stratum (R survey warns and uses the stratum's first value)"
    case .fpcStageCount(let f, let s):
      return "\(f) FPC column(s) for \(s) sampling stage(s); give one --fpc column per --psu stage"
    case .noReplicateWeights(let pattern):
      return "no replicate-weight column matches '\(pattern)'"
    case .replicateCount(let expected, let found):
      return "wrong number of replicate weights: expected \(expected), found \(found)"
    case .negativeReplicateWeight(let column, let row, let value):
      return "replicate weight '\(column)' is negative at row \(row) (\(value))"
    case .missingReplicateOption(let type, let option):
      return "replicate type \(type) needs --\(option)"
    case .cannotBuildReplicates(let type, let reason):
      return "cannot build \(type) replicates: \(reason)"
    case .tooManyReplicates(let message):
      return message
    case .designFile(let path, let reason):
      return "design file \(path): \(reason)"
    case .invalidOption(let message):
      return message
    case .emptyDomain(let what):
      return "no observations in \(what)"
    }
  }
}

/// A number for messages: integers without a decimal point, others as Swift prints them.
func formatNumber(_ v: Double) -> String {
  v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
}
