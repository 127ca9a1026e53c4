import Foundation
import Strata
import Testing
import _StrataTestSupport

@testable import StrataCLI

/// The errors below the CLI are typed values without flag names; StrataReport renders them in the
/// library's words, and the CLI (one place, `ErrorMessage`) renders them with its flags, through
/// swift-argument-parser's error path with the prefix `strata: error: `.
@Suite("Error rendering: library words below, flags in the CLI")
struct ErrorRenderingTests {
  /// One value of every case of the four error families of StrataDesign, StrataModels and
  /// StrataInference.
  static let samples: [any Error & CustomStringConvertible] = {
    var out: [any Error & CustomStringConvertible] = []
    let design: [DesignError] = [
      .missingValue(column: "w", row: 3), .nonFiniteValue(column: "w", row: 2, value: .nan, count: 1),
      .negativeWeight(column: "w", row: 1, value: -1, count: 1), .allWeightsZero(column: "w"),
      .psuInSeveralStrata(column: "psu", psu: "1", strata: ["a", "b"]), .singlePSUStratum(stratum: "2", stage: 1),
      .singlePSU, .mixedFPC(column: "N", row: 1, value: 0.5),
      .fpcSmallerThanSample(column: "N", row: 1, populationSize: 2, sampleSize: 3),
      .fpcVariesWithinStratum(column: "N", stratum: "a", stage: 1, firstRow: 1, firstValue: 10, row: 4, value: 12),
      .fpcStageCount(fpc: 2, stages: 1), .noReplicateWeights(pattern: "rep*"),
      .hadamardReplicateCount(type: "brr", found: 3), .tooFewReplicates(type: "jk1", found: 1),
      .batchEstimateCount(expected: 4, found: 3), .negativeReplicateWeight(column: "r1", row: 2, value: -1),
      .missingReplicateOption(type: "fay", option: "rho"), .scaleNotApplicable(type: "brr"),
      .rscalesCount(given: 2, replicates: 3), .invalidScale(-1), .invalidRscale(index: 2, value: .infinity),
      .rscalesAllZero, .invalidRho(1), .tooFewReplicatesToBuild(type: "bootstrap", replicates: 1),
      .jackknifeOfStratifiedDesign, .jackknifeFPCVaries, .replicatesNeedStrata(type: "brr"),
      .halfSampleStratum(type: "brr", stratum: "a", psus: 3), .bootstrapPopulationTooLarge(stratum: "a", population: 1e17),
      .replicatesNotBuildable(type: "sdr"), .noReplicatesToBuild(type: "jkn"),
      .subsampleStratum(type: "subbootstrap", stratum: "a", psus: 1), .sdrReplicateCount(found: 50, suggested: [48, 60]),
      .noReplicatesDeclared, .sortNeedsData(columns: ["x"]),
      .tooManyRequestedReplicates(replicates: 5000, rows: 100_000, psus: 100, bytes: 4_004_000_000, limit: 4_000_000_000, most: 4995),
      .tooManyDesignReplicates(
        type: "jk1", replicates: 100_000, rows: 100_000, psus: 100_000, bytes: 160_000_000_000, limit: 4_000_000_000,
        most: 2500),
      .designFileUnreadable(path: "d.json", reason: "no such file or folder"),
      .notADesignFile(path: "d.json", reason: "not valid JSON"),
      .designFileUnwritable(path: "d.json", reason: "permission denied"), .tooManyGroups(variables: ["a", "b"]),
      .tableNeedsTwoLevels(row: "a", rowLevels: 1, column: "b", columnLevels: 2), .ratioNeedsTwoVariables,
      .emptyDomain(variable: "y"), .emptySample(label: "x > 3"),
    ]
    out += design
    let estimation: [EstimationError] = [
      .missingResponse, .constantResponse(name: "y", value: 1), .negativeWeights(count: 1, firstRow: 2),
      .noPositiveWeights, .noResidualDegreesOfFreedom(observations: 2, coefficients: 3),
      .notConverged(iterations: 2, lastChange: 0.1), .perfectSeparation(terms: ["x"]),
      .separatedByTerm(term: "d", condition: "'d' != 0", outcome: 1, observations: 3),
      .quasiSeparation(terms: ["x"], predictedOnes: 1, predictedZeros: 2),
      .responseNotBinary(name: "y", value: 2, row: 3), .responseLevels(name: "y", levels: ["a", "b", "c"]),
      .responseOutOfRange(name: "y", value: 1.5, row: 3), .negativeCount(name: "y", value: -1, row: 3),
      .stepHalvingFailed(iteration: 4), .observedInformationSingular, .leverageUndefined(model: "logit"),
      .unsupportedOption(model: "ivprobit (two-step)", option: "weights"),
      .tooFewOutcomeLevels(name: "y", levels: ["1"], minimum: 3),
      .unknownBaseOutcome(name: "y", base: "z", levels: ["a", "b"]), .invalidIVFormula(formula: "y ~ x"),
      .underidentified(instruments: [], endogenous: ["x"]), .fixedEffectsParts(formula: "y ~ x | a | b | c", parts: 4),
      .fixedEffectsWithIV(formula: "y ~ 1 | x ~ z"), .noFixedEffectVariable, .noFixedEffectsPart(formula: "y ~ x"),
      .noRegressorsBesideFixedEffects(formula: "y ~ 1 | g"), .noObservationsAfterSingletons,
      .regressorsCollinearWithFixedEffects, .demeaningNotConverged(iterations: 10_000),
    ]
    out += estimation
    let inference: [InferenceError] = [
      .singleCluster(variable: "g"), .clusterLengthMismatch(variable: "g", expected: 3, found: 2),
      .leverageOne(type: "hc2", observation: 4), .invalidLevel(120), .notCategorical(model: "ols"),
      .splitTooFewGroups(variable: "g", groups: 1), .splitNoCommonTerm, .splitSingularDifferences,
      .mediationTermMissing(term: "t", equation: "m ~ t"), .unsupportedWithFixedEffects("HC3"),
      .observedInformationWithFixedEffects(link: "probit"), .unsupportedForModel(model: "ivprobit", variance: "HC1"),
    ]
    out += inference
    let margins: [MarginsError] = [
      .notInModel(variable: "w", modelVariables: ["x"]), .missingRecipe,
      .atValueType(variable: "x", value: "abc", expected: .numberOrStatistic),
      .atUnknownLevel(variable: "k", level: "7", levels: ["0", "1"]), .atMissingEquals(text: "educ", piece: "educ"),
      .atMissingName(text: "=3"), .atEmptyValue(text: "x=", variable: "x"), .atNoVariable(text: ";"),
      .atRepeated(variable: "x"), .atGridTooLarge(points: 1e6, variables: ["z"], counts: [1e6], limit: 10_000),
      .zeroPrediction(variable: "x", type: "eyex", row: 3), .nonFinite(variable: "x", type: "eyex", row: nil),
      .elasticityOfDiscrete(variable: "k", type: "eyex"), .mixedRole(variable: "x"), .notDiscrete(variable: "x"),
      .notBinary(variable: "age", value: 32), .unconditionalNeedsRobust(vce: "classical"), .unconditionalAtMeans,
      .unconditionalReplicates, .groupMissing(variable: "g", row: 2), .zeroBaseline(scenario: "s"), .invalidLevel(0),
    ]
    out += margins
    return out
  }()

  @Test("The library's messages name no command-line flag; the CLI's differ only in the option names")
  func libraryMessagesHaveNoFlags() throws {
    let flag = try Regex("--[a-z]")
    #expect(Self.samples.count > 90)
    for error in Self.samples {
      let library = error.description
      #expect(!library.isEmpty && library.firstMatch(of: flag) == nil, "\(library)")
      let cli = try #require(ErrorMessage.render(error), "\(error)")
      #expect(cli.firstMatch(of: try Regex("`")) == nil, "\(cli)")
      if library.contains("`") {
        #expect(cli != library && cli.firstMatch(of: flag) != nil || cli.contains("'strata fit iv'"), "\(cli)")
      } else {
        #expect(cli == library)
      }
    }
  }

  @Test("The CLI's messages are today's, flags included")
  func commandLineMessagesKeepTheirFlags() {
    let cases: [(any Error, String)] = [
      (
        DesignError.psuInSeveralStrata(column: "psu", psu: "1", strata: ["a", "b"]),
        "PSU '1' of 'psu' appears in strata 'a', 'b'; PSU ids are reused across strata, so declare --nest (R: nest = TRUE)"
      ),
      (
        DesignError.singlePSUStratum(stratum: "2", stage: 1),
        "stratum '2' has only one PSU at stage 1; choose --lonely-psu certainty|remove|adjust|average"
      ),
      (
        DesignError.fpcStageCount(fpc: 2, stages: 1),
        "2 FPC column(s) for 1 sampling stage(s); give one --fpc column per --psu stage"
      ),
      (
        DesignError.rscalesCount(given: 2, replicates: 3),
        "--rscales has 2 values for 3 replicate-weight columns; give one value for all replicates or exactly one per replicate"
      ),
      (DesignError.missingReplicateOption(type: "fay", option: "rho"), "replicate type fay needs --rho"),
      (DesignError.invalidRho(1), "--rho (Fay's rho) must be in [0, 1), not 1.0"),
      (
        DesignError.tooManyDesignReplicates(
          type: "jk1", replicates: 100_000, rows: 100_000, psus: 100_000, bytes: 160_000_000_000,
          limit: 4_000_000_000, most: 2500),
        "jk1 replicates: 100000 replicates (one per PSU) × (100000 rows + 100000 PSUs) × 8 bytes = 160 GB of replicate "
          + "weights (the limit is 4 GB); use the linearization variance (drop --replicate), or --replicate bootstrap "
          + "with at most --reps 2500"
      ),
      (
        DesignError.tooManyRequestedReplicates(
          replicates: 5000, rows: 100_000, psus: 100, bytes: 4_004_000_000, limit: 4_000_000_000, most: 4995),
        "--reps 5000 needs 4 GB of replicate weights (5000 replicates × (100000 rows + 100 PSUs) × 8 bytes); "
          + "use at most --reps 4995 for these data (the limit is 4 GB)"
      ),
      (
        EstimationError.notConverged(iterations: 2, lastChange: 0.5),
        "the fit did not converge after 2 iterations (last relative deviance change 0.5); raise --maxiter, rescale "
          + "regressors with very different magnitudes, or look for separation (a term that predicts the outcome exactly)"
      ),
      (
        EstimationError.observedInformationSingular,
        "the observed information is not positive definite at the estimate; use --vce classical (expected information)"
      ),
      (
        EstimationError.unknownBaseOutcome(name: "y", base: "z", levels: ["a", "b"]),
        "--base 'z' is not a level of the response 'y' (levels: a, b)"
      ),
      (
        EstimationError.fixedEffectsWithIV(formula: "y ~ 1 | x ~ z"),
        "fixed effects: 'y ~ 1 | x ~ z' is an instrumental-variables formula; use 'strata fit iv' (fixed effects with "
          + "IV are not supported)"
      ),
      (
        InferenceError.observedInformationWithFixedEffects(link: "probit"),
        "a probit-link model with absorbed fixed effects has only the expected information: --vce oim and --convention "
          + "stata (observed-information bread) are not available; use --convention r (R's expected-information "
          + "bread), or a logit, where the two coincide"
      ),
      (
        InferenceError.splitNoCommonTerm,
        "cannot test equal coefficients across --split groups: no term is estimable in every group"
      ),
      (
        MarginsError.atMissingEquals(text: "educ", piece: "educ"),
        "--at 'educ': 'educ' has no '='; write e.g. 'educ=12,16; age=mean; region=north'"
      ),
      (MarginsError.notBinary(variable: "age", value: 32), "--discrete age: the variable takes the value 32.0, not only 0 and 1"),
      (
        MarginsError.unconditionalAtMeans,
        "--margins-vce unconditional applies to averages over the sample, not to --atmeans"
      ),
    ]
    for (error, expected) in cases {
      #expect(ErrorMessage.render(error) == expected)
    }
  }

  @Test("Every option a library message can name has a command-line flag")
  func everyOptionHasAFlag() {
    for option in ErrorOption.allCases {
      #expect(commandLineFlags[option] != nil, "\(option)")
    }
  }

  @Test("Parser, validation and library errors all print one prefix: strata: error:")
  func oneErrorPrefix() throws {
    let unknownFlag = try runStrata(["fit", "ols", "y ~ x", "--no-such-flag"])
    #expect(unknownFlag.status != 0 && unknownFlag.stderr.hasPrefix("strata: error: "), "\(unknownFlag.stderr)")
    let validation = try runStrata(["mean", "api00", "--data", "datasets/apistrat.csv", "--reps", "1"])
    #expect(validation.status != 0 && validation.stderr.hasPrefix("strata: error: --reps must be at least 2"), "\(validation.stderr)")
    let library = try runStrata(["mean", "api00", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--psu", "dnum"])
    #expect(library.status != 0 && library.stderr.hasPrefix("strata: error: PSU '"), "\(library.stderr)")
    #expect(library.stderr.contains("so declare --nest (R: nest = TRUE)"), "\(library.stderr)")
    #expect([unknownFlag, validation, library].allSatisfy { !$0.stderr.contains("Error: ") })
  }
}
