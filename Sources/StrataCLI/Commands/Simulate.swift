import ArgumentParser
import Foundation
import Strata

/// `strata simulate MODEL ...`: documented survey simulators.
struct SimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Simulated survey data from documented models (datasets/*/CODEBOOK.md).",
    subcommands: [SimulateFlexworkCommand.self])
}

/// `strata simulate flexwork --population N --sample n --seed S --out FILE [--census]
/// [--margins FILE [--margins-formula F]] [--truth FILE]`.
struct SimulateFlexworkCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flexwork",
    abstract: "Platform workers' social-insurance participation: a finite population and a complex sample from it.",
    discussion: """
      Draws a population of platform workers from the model in datasets/flexwork/CODEBOOK.md, then a \
      stratified two-stage sample (strata = region x city tier, PSUs = sampling points, informative \
      unequal selection, FPC, item non-response) and writes it as CSV. The data are simulated. \
      Design: --weights weight --strata stratum --psu psu,id --fpc n_points,point_size.

      --margins FILE writes the population totals of the columns of the calibration formula's \
      model matrix (CSV term,total, terms named as R's model.matrix names them), for \
      --calibrate FORMULA --totals FILE; --truth FILE writes the population values a sample \
      estimates (CSV term,value: pension, medical and injury rates overall and by platform, and \
      the pension probit's average marginal effects at the true coefficients), which strata table \
      sets beside estimates. Both come from the same population as the sample (same --population \
      and --seed, same bytes). The shipped files:
        strata simulate flexwork --population 200000 --sample 8000 --seed 7 \\
          --out datasets/flexwork/flexwork.csv \\
          --margins datasets/flexwork/population_margins.csv \\
          --truth datasets/flexwork/population_truth.csv

      Examples:
        strata simulate flexwork --population 200000 --sample 8000 --seed 7 --out flexwork.csv
      """)

  @Option(help: "Number of workers in the population.")
  var population: Int = 200_000

  @Option(help: "Expected sample size (the realised size is random around it).")
  var sample: Int = 8_000

  @Option(help: "Seed: the same seed gives the same bytes.")
  var seed: UInt64 = 7

  @Option(help: "Output CSV file.")
  var out: String

  @Flag(help: "Write the whole population (no sampling, no non-response, weight 1) instead of a sample.")
  var census = false

  @Option(help: "Also write the population totals of the calibration formula's model-matrix columns (CSV term,total) to this file.")
  var margins: String?

  @Option(
    name: .customLong("margins-formula"),
    help: ArgumentHelp("The one-sided calibration formula of --margins.", valueName: "formula"))
  var marginsFormula: String = FlexworkModel.calibrationFormula

  @Option(help: "Also write the population values (rates, true average marginal effects; CSV term,value) to this file.")
  var truth: String?

  func validate() throws {
    let paths = [out] + [margins, truth].compactMap { $0 }
    if Set(paths).count < paths.count { throw ValidationError("--out, --margins and --truth must be different files") }
    if margins == nil && marginsFormula != FlexworkModel.calibrationFormula {
      throw ValidationError("--margins-formula needs --margins FILE")
    }
  }

  func run() throws {
    let pop = try FlexworkPopulation(size: population, seed: seed)
    let frame = census ? pop.census() : try pop.sample(size: sample, seed: seed)
    // Every file is computed before any is written, so a bad --margins-formula writes nothing.
    let totals = try margins.map { _ in try pop.totalsFrame(formula: marginsFormula) }
    let values = truth.map { _ in pop.truthFrame() }
    try OutputFile.write(frame, to: out)
    if let margins, let totals { try OutputFile.write(totals, to: margins) }
    if let truth, let values { try OutputFile.write(values, to: truth) }
    // Messages go to standard output, so none when a file went there.
    if ([out] + [margins, truth].compactMap { $0 }).contains(where: OutputFile.isStandardStream) { return }
    let what = census ? "census of \(frame.rowCount) workers" : "sample of \(frame.rowCount) workers"
    print("Wrote \(out): simulated \(what) (population \(population), seed \(seed), \(pop.pointCount) sampling points).")
    if !census { print("Design: --weights weight --strata stratum --psu psu,id --fpc n_points,point_size") }
    if let margins, let totals {
      print("Wrote \(margins): population totals of the \(totals.rowCount) model-matrix columns of \(marginsFormula).")
    }
    if let truth, let values {
      print("Wrote \(truth): \(values.rowCount) population values (rates; average marginal effects at the true coefficients).")
    }
  }
}
