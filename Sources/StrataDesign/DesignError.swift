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
  /// A replicate-weight design of `type` (`brr`, `fay`) whose replicate count is not 2 or a
  /// multiple of 4 (a Hadamard order).
  case hadamardReplicateCount(type: String, found: Int)
  /// Fewer than 2 replicate-weight columns for a `type` (`bootstrap`, `jk1`) design.
  case tooFewReplicates(type: String, found: Int)
  /// A batch of replicate refits returned `found` estimates for `expected` replicates.
  case batchEstimateCount(expected: Int, found: Int)
  /// A replicate weight is negative.
  case negativeReplicateWeight(column: String, row: Int, value: Double)
  /// An option the replicate type needs was not given (`option` is the parameter name: `rho` for
  /// Fay, `rscales` for JKn).
  case missingReplicateOption(type: String, option: String)
  /// A scale given for a replicate type whose scale is fixed (BRR, Fay, SDR).
  case scaleNotApplicable(type: String)
  /// `rscales` with a count other than 1 or the number of replicate-weight columns.
  case rscalesCount(given: Int, replicates: Int)
  /// A scale that is not a finite positive number.
  case invalidScale(Double)
  /// An `rscales` value (1-based `index`) that is not finite and non-negative.
  case invalidRscale(index: Int, value: Double)
  /// Every `rscales` value is zero.
  case rscalesAllZero
  /// Fay's rho outside [0, 1).
  case invalidRho(Double)
  /// Replicates of `type` cannot be built with fewer than 2 replicates.
  case tooFewReplicatesToBuild(type: String, replicates: Int)
  /// JK1 replicates asked of a stratified design.
  case jackknifeOfStratifiedDesign
  /// JK1 replicates asked of a design whose first-stage FPC takes more than one value.
  case jackknifeFPCVaries
  /// Replicates of `type` (BRR, Fay) need a stratified design.
  case replicatesNeedStrata(type: String)
  /// A stratum with 1 PSU or an odd number of PSUs, for BRR or Fay replicates (strata of more
  /// than 2 PSUs are split into pairs, which needs an even number).
  case halfSampleStratum(type: String, stratum: String, psus: Int)
  /// A without-replacement bootstrap stratum whose population (in PSUs) is too large to resample.
  case bootstrapPopulationTooLarge(stratum: String, population: Double)
  /// A replicate type that cannot be built from a design.
  case replicatesNotBuildable(type: String)
  /// No replicate could be built: every stratum was sampled exhaustively (FPC = sample size) or
  /// skipped as a single-PSU stratum.
  case noReplicatesToBuild(type: String)
  /// A stratum with fewer than 2 PSUs, for subsample bootstrap replicates (n_h − 1 draws).
  case subsampleStratum(type: String, stratum: String, psus: Int)
  /// A number of successive-difference replicates that is not a Hadamard order Strata builds
  /// (`suggested`: the nearest that are).
  case sdrReplicateCount(found: Int, suggested: [Int])
  /// Replicate weights asked of a design that declares none (neither replicate-weight columns
  /// nor replicates to build).
  case noReplicatesDeclared
  /// Successive-difference replicates sorted by `columns` were built without the data.
  case sortNeedsData(columns: [String])
  /// Asked replicates (`replicates`, the number requested) whose weights would exceed
  /// `ReplicateDesign.maximumReplicateBytes`: `bytes` (nil when the count overflows) for `rows`
  /// rows and `psus` PSUs, where at most `most` replicates fit.
  case tooManyRequestedReplicates(replicates: Int, rows: Int, psus: Int, bytes: Int?, limit: Int, most: Int)
  /// Replicates of `type` whose number follows from the design (`jk1`, `jkn`: one per PSU; BRR/Fay: a
  /// Hadamard order above the number of strata) and whose weights would exceed the limit.
  case tooManyDesignReplicates(type: String, replicates: Int, rows: Int, psus: Int, bytes: Int?, limit: Int, most: Int)
  /// A design file that could not be read (`reason`: the system's).
  case designFileUnreadable(path: String, reason: String)
  /// A file that is not a Strata design file (`reason`: where its JSON does not fit).
  case notADesignFile(path: String, reason: String)
  /// A design file that could not be written (`reason`: the system's).
  case designFileUnwritable(path: String, reason: String)
  /// A variance asked from influence totals by sampling unit (a database or streamed source) for a
  /// design whose variance needs the rows themselves (`reason`: e.g. "a calibrated design").
  case unitTotalsNeedRows(reason: String)
  /// Grouping variables whose combinations are too many to count.
  case tooManyGroups(variables: [String])
  /// A two-way table with fewer than two levels in its row or column variable.
  case tableNeedsTwoLevels(row: String, rowLevels: Int, column: String, columnLevels: Int)
  /// The ratio statistic asked of `Descriptives.estimate`, which takes one variable
  /// (use `Descriptives.ratio(numerator:denominator:)`).
  case ratioNeedsTwoVariables
  /// No observation in the domain of an estimate of `variable`.
  case emptyDomain(variable: String)
  /// No observation in the domain (`label` as the user wrote it; nil for the whole data).
  case emptySample(label: String?)
  /// A calibration model-matrix column (R's name) with no population total; `columns` are all of them.
  case calibrationTotalMissing(term: String, columns: [String])
  /// A total for a name that is not a column of the calibration model matrix.
  case calibrationUnknownTerm(term: String, columns: [String])
  /// A post-stratum or raking total for a level the variable does not have in the data.
  case calibrationUnknownLevel(variable: String, level: String, levels: [String])
  /// A level present in the sample with no population total.
  case calibrationLevelWithoutTotal(variable: String, level: String)
  /// A cell with a non-zero population total whose sample weights sum to zero.
  case calibrationEmptyCell(variable: String, level: String)
  /// The same total given twice.
  case calibrationDuplicateTotal(name: String)
  /// A total that is not a finite number (negative, for a cell count).
  case calibrationNonFiniteTotal(name: String)
  /// A calibration variable is missing at a (1-based) row.
  case calibrationMissingValue(variable: String, row: Int)
  /// `calibrate` without a formula.
  case calibrationNeedsFormula
  /// `poststratify` / `rake` without margins (post-stratification takes exactly one).
  case calibrationNeedsMargins(method: String)
  /// Bounds on the g-weights that do not surround 1 (lower < 1 < upper).
  case invalidCalibrationBounds(lower: Double, upper: Double)
  /// The logit distance without finite bounds.
  case logitNeedsBounds
  /// A calibration tolerance that is not a positive number, or fewer than 1 iteration.
  case invalidCalibrationControl(epsilon: Double, maxIterations: Int)
  /// Calibration iterations ended with a total `gap` (relative: |achieved − target| / (1 + |target|))
  /// still off, the worst at `term`.
  case calibrationDidNotConverge(method: String, iterations: Int, gap: Double, term: String)
  /// No g-weights within the bounds meet the totals: `term` (the margin with the largest gap) is still off.
  case calibrationBoundsInfeasible(term: String, lower: Double, upper: Double, iterations: Int, gap: Double)
}
