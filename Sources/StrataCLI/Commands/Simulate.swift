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

/// `strata simulate flexwork --population N --sample n --seed S --out FILE [--census]`.
struct SimulateFlexworkCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flexwork",
    abstract: "Platform workers' social-insurance participation: a finite population and a complex sample from it.",
    discussion: """
      Draws a population of platform workers from the model in datasets/flexwork/CODEBOOK.md, then a \
      stratified two-stage sample (strata = region x city tier, PSUs = sampling points, informative \
      unequal selection, FPC, item non-response) and writes it as CSV. The data are simulated. \
      Design: --weights weight --strata stratum --psu psu,id --fpc n_points,point_size.

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

  func run() throws {
    let pop = try FlexworkPopulation(size: population, seed: seed)
    let frame = census ? pop.census() : try pop.sample(size: sample, seed: seed)
    try OutputFile.write(Data(CSVWriter.text(of: frame).utf8), to: out)
    if OutputFile.isStandardStream(out) { return }
    let what = census ? "census of \(frame.rowCount) workers" : "sample of \(frame.rowCount) workers"
    print("Wrote \(out): simulated \(what) (population \(population), seed \(seed), \(pop.pointCount) sampling points).")
    if !census { print("Design: --weights weight --strata stratum --psu psu,id --fpc n_points,point_size") }
  }
}
