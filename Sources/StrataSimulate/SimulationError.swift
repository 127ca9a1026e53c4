/// Errors of the survey simulators.
public enum SimulationError: Error, CustomStringConvertible, Equatable {
  /// The population is too small for the design (every stratum needs two sampling points).
  case populationTooSmall(size: Int, minimum: Int)
  /// The requested sample is out of range for the population.
  case sampleSizeOutOfRange(size: Int, population: Int)
  /// Population totals were asked for a two-sided formula (they take `~ terms` only).
  case marginsFormulaHasResponse(formula: String)

  public var description: String {
    switch self {
    case .populationTooSmall(let size, let minimum):
      return "population of \(size) workers is too small: the design needs at least \(minimum)"
    case .sampleSizeOutOfRange(let size, let population):
      return "sample size \(size) is out of range: it must be between 100 and a quarter of the population (\(population / 4))"
    case .marginsFormulaHasResponse(let formula):
      return "margins formula '\(formula)' has a response: population totals take a one-sided formula such as '~ region * city_tier + female + platform'"
    }
  }
}
