// The English rendering of `DesignError` (StrataDesign), shared by library users and the CLI.

import Foundation
import StrataDesign

extension DesignError: CustomStringConvertible {
  /// The message in the library's words (options as Swift parameter names).
  public var description: String { message(using: .library) }

  /// The message, naming options in `o`'s words (the CLI passes its flags).
  public func message(using o: ErrorVocabulary) -> String {
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
        + "PSU ids are reused across strata, so declare \(o(.nest)) (R: nest = TRUE)"
    case .singlePSUStratum(let stratum, let stage):
      return "stratum '\(stratum)' has only one PSU at stage \(stage); choose \(o(.lonelyPSU, "certainty|remove|adjust|average"))"
    case .singlePSU:
      return "the design has only one primary sampling unit"
    case .mixedFPC(let column, let row, let value):
      return "FPC '\(column)' mixes population sizes and sampling fractions (row \(row): \(value)); give all ≥ 1 or all ≤ 1"
    case .fpcSmallerThanSample(let column, let row, let n, let s):
      return "FPC '\(column)' at row \(row) implies a population of \(n) but \(s) units were sampled in its stratum (over 100% sampling)"
    case .fpcVariesWithinStratum(let column, let stratum, let stage, let firstRow, let firstValue, let row, let value):
      return "FPC '\(column)' varies within stratum '\(stratum)' at stage \(stage) (row \(firstRow): "
        + "\(plainNumber(firstValue)), row \(row): \(plainNumber(value))); give one population size or sampling "
        + "fraction per stratum (R survey warns and uses the stratum's first value)"
    case .fpcStageCount(let f, let s):
      return "\(f) FPC column(s) for \(s) sampling stage(s); give one \(o(.fpc)) column per \(o(.psu)) stage"
    case .noReplicateWeights(let pattern):
      return "no replicate-weight column matches '\(pattern)'"
    case .hadamardReplicateCount(let type, let found):
      let name = type == "brr" ? "BRR" : type == "fay" ? "Fay" : type
      return "wrong number of replicate weights: expected 2 or a multiple of 4 (a Hadamard order) for \(name), found \(found)"
    case .tooFewReplicates(let type, let found):
      let name = type == "jk1" ? "jackknife" : type
      return "wrong number of replicate weights: expected at least 2 \(name) replicates, found \(found)"
    case .batchEstimateCount(let expected, let found):
      return "wrong number of replicate weights: expected \(expected) estimates from a batch, found \(found)"
    case .negativeReplicateWeight(let column, let row, let value):
      return "replicate weight '\(column)' is negative at row \(row) (\(value))"
    case .missingReplicateOption(let type, let option):
      return "replicate type \(type) needs \(ErrorOption(rawValue: option).map { o($0) } ?? "`\(option)`")"
    case .scaleNotApplicable(let type):
      return "a scale does not apply to \(type) replicates: it is fixed (BRR 1/R, Fay 1/(R(1 - rho)^2), SDR 4/R); "
        + "drop \(o(.scale)), or use \(o(.rscales)) for per-replicate factors"
    case .rscalesCount(let given, let count):
      return "\(o(.rscales)) has \(given) values for \(count) replicate-weight columns; give one value for all "
        + "replicates or exactly one per replicate"
    case .invalidScale(let scale):
      return "\(o(.scale)) must be a finite positive number, not \(scale)"
    case .invalidRscale(let index, let value):
      return "\(o(.rscales)) value \(index) is \(value); replicate scales must be finite and non-negative"
    case .rscalesAllZero:
      return "\(o(.rscales)) are all zero: every replicate would be ignored"
    case .invalidRho(let rho):
      return "\(o(.rho)) (Fay's rho) must be in [0, 1), not \(rho)"
    case .tooFewReplicatesToBuild(let type, _):
      return "cannot build \(type) replicates: need at least 2 replicates (\(o(.replicates)))"
    case .jackknifeOfStratifiedDesign:
      return "cannot build jk1 replicates: the design is stratified; use \(o(.replicateType, "jkn")) (delete-one-PSU "
        + "within strata), brr or bootstrap"
    case .jackknifeFPCVaries:
      return "cannot build jk1 replicates: more than one first-stage FPC value"
    case .replicatesNeedStrata(let type):
      return "cannot build \(type) replicates: the design has no strata"
    case .halfSampleStratum(let type, let stratum, let psus):
      return "cannot build \(type) replicates: stratum '\(stratum)' has \(psus) PSU(s); BRR needs 2 PSUs per stratum "
        + "(strata with an even number above 2 are split into pairs, as R's brrweights); use "
        + "\(o(.replicateType, "jkn")) or \(o(.replicateType, "bootstrap")), or regroup the PSUs"
    case .bootstrapPopulationTooLarge(let stratum, let population):
      return "cannot build bootstrap replicates: stratum '\(stratum)' has a population of \(population) PSUs, too large "
        + "to resample without replacement; declare the design without \(o(.fpc)) (with-replacement bootstrap)"
    case .replicatesNotBuildable(let type):
      return "cannot build \(type) replicates from a design"
    case .noReplicatesToBuild(let type):
      return "cannot build \(type) replicates: every stratum was sampled exhaustively (FPC equal to the sample size) "
        + "or has a single PSU skipped by the \(o(.lonelyPSU)) rule, so there is no sampling variance to replicate"
    case .subsampleStratum(let type, let stratum, let psus):
      return "cannot build \(type) replicates: stratum '\(stratum)' has \(psus) PSU(s); the subsample bootstrap draws "
        + "n - 1 PSUs per stratum and needs at least 2; use \(o(.replicateType, "bootstrap")) or merge the stratum"
    case .sdrReplicateCount(let found, let suggested):
      return "cannot build sdr replicates: \(o(.replicates, "\(found)")) is not a Hadamard order Strata builds "
        + "(a power of 2, or 2^k (q + 1) with q a prime of the form 4m + 3, at least 4); use "
        + suggested.map { o(.replicates, "\($0)") }.joined(separator: " or ") + " (80 is the ACS's)"
    case .noReplicatesDeclared:
      return "the design has no replicate weights; build them with \(o(.replicateType)) (jk1, jkn, brr, fay, bootstrap, "
        + "subbootstrap, mrbbootstrap, sdr) or declare replicate-weight columns"
    case .sortNeedsData(let columns):
      return "cannot build sdr replicates sorted by \(columns.joined(separator: ", ")) without the data; build them with "
        + "ReplicateDesign(building:from:data:) or SurveyDesign"
    case .tooManyRequestedReplicates(let replicates, let rows, let psus, let bytes, let limit, let most):
      return "\(o(.replicates, "\(replicates)")) needs \(neededBytes(bytes)) of replicate weights (\(replicates) replicates × "
        + "(\(rows) rows + \(psus) PSUs) × 8 bytes); use at most \(o(.replicates, "\(most)")) for these data "
        + "(the limit is \(formatBytes(Double(limit))))"
    case .tooManyDesignReplicates(let type, let replicates, let rows, let psus, let bytes, let limit, let most):
      let why = type == "jk1" || type == "jkn" ? " (one per PSU)" : " (a Hadamard order above the number of strata or PSU pairs)"
      return "\(type) replicates: \(replicates) replicates\(why) × (\(rows) rows + \(psus) PSUs) × 8 bytes = "
        + "\(neededBytes(bytes)) of replicate weights (the limit is \(formatBytes(Double(limit)))); use the "
        + "linearization variance (drop \(o(.replicateType))), or \(o(.replicateType, "bootstrap")) with at most "
        + o(.replicates, "\(most)")
    case .designFileUnreadable(let path, let reason):
      return "design file \(path): cannot read (\(reason))"
    case .notADesignFile(let path, let reason):
      return "design file \(path): not a Strata design file (\(reason))"
    case .designFileUnwritable(let path, let reason):
      return "design file \(path): cannot write (\(reason))"
    case .unitTotalsNeedRows(let reason):
      return "the variance of \(reason) needs the data rows in memory; it cannot be computed from totals by sampling unit (read the data into memory, or drop the calibration)"
    case .tooManyGroups:
      return "too many combinations of the \(o(.by)) variables"
    case .tableNeedsTwoLevels(let row, let rowLevels, let column, let columnLevels):
      return "a two-way table needs at least two levels of each variable (\(row): \(rowLevels), \(column): \(columnLevels))"
    case .ratioNeedsTwoVariables:
      return "use Descriptives.ratio(numerator:denominator:) for ratios"
    case .emptyDomain(let variable):
      return "no observations in the domain of \(variable)"
    case .emptySample(let label):
      return "no observations in \(label ?? "the data")"
    case .calibrationTotalMissing(let term, let columns):
      return "no population total for calibration column '\(term)'; \(o(.totals)) needs one for each of "
        + columns.map { "'\($0)'" }.joined(separator: ", ")
    case .calibrationUnknownTerm(let term, let columns):
      return "'\(term)' in \(o(.totals)) is not a column of the calibration model matrix; its columns are "
        + columns.map { "'\($0)'" }.joined(separator: ", ")
    case .calibrationUnknownLevel(let variable, let level, let levels):
      return "'\(level)' in \(o(.totals)) is not a level of '\(variable)' in the data; its levels are "
        + levels.map { "'\($0)'" }.joined(separator: ", ")
    case .calibrationLevelWithoutTotal(let variable, let level):
      return "level '\(level)' of '\(variable)' is in the sample but has no population total in \(o(.totals))"
    case .calibrationEmptyCell(let variable, let level):
      return "level '\(level)' of '\(variable)' has a population total but no sample weight to scale"
    case .calibrationDuplicateTotal(let name):
      return "'\(name)' is given twice in \(o(.totals))"
    case .calibrationNonFiniteTotal(let name):
      return "the total of '\(name)' in \(o(.totals)) must be a finite number (and not negative for a count)"
    case .calibrationMissingValue(let variable, let row):
      return "calibration variable '\(variable)' is missing at row \(row); calibration needs it on every row of the sample"
    case .calibrationNeedsFormula:
      return "calibration needs a formula such as '~ stype + enroll'"
    case .calibrationNeedsMargins(let method):
      return method == "poststratify"
        ? "post-stratification needs the post-stratum variable(s) and a total per level"
        : "raking needs at least one margin and a total per level"
    case .invalidCalibrationBounds(let lower, let upper):
      return "\(o(.bounds)) \(plainNumber(lower)),\(plainNumber(upper)) must satisfy lower < 1 < upper"
    case .invalidCalibrationControl(let epsilon, let maxIterations):
      return "calibration needs a positive tolerance and at least 1 iteration (got epsilon \(epsilon), "
        + "\(o(.maxIterations)) \(maxIterations))"
    case .logitNeedsBounds:
      return "\(o(.distance, "logit")) needs finite \(o(.bounds)) (lower < 1 < upper), as R's cal.logit"
    case .calibrationDidNotConverge(let method, let iterations, let gap, let term):
      let what = method == "rake" ? "raking" : "calibration (\(method))"
      return "\(what) did not converge in \(iterations) iterations: the total of '\(term)' is still off by "
        + "\(gap) (relative to 1 + |total|); raise \(o(.maxIterations)) or check the totals"
    case .calibrationBoundsInfeasible(let term, let lower, let upper, let iterations, let gap):
      return "no g-weights within \(o(.bounds)) \(plainNumber(lower)),\(plainNumber(upper)) meet the totals: after "
        + "\(iterations) iterations the total of '\(term)' is still off by \(gap) (relative to 1 + |total|); "
        + "widen the bounds or check that total"
    }
  }
}

/// Replicate-weight bytes, or "more than …" when the count overflowed.
private func neededBytes(_ bytes: Int?) -> String {
  bytes.map { formatBytes(Double($0)) } ?? "more than \(formatBytes(Double(Int.max)))"
}

/// A byte count for messages: "16 GB", "512 MB" (decimal units, as `ls -h --si`).
private func formatBytes(_ bytes: Double) -> String {
  let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
  var value = bytes
  var unit = 0
  while value >= 1000 && unit < units.count - 1 {
    value /= 1000
    unit += 1
  }
  let rounded = value >= 100 || unit == 0 ? String(Int(value.rounded())) : String(format: "%.1f", value)
  return "\(rounded.hasSuffix(".0") ? String(rounded.dropLast(2)) : rounded) \(units[unit])"
}
