import StrataData
import StrataDesign

extension SurveyDesign {
  /// Describes the design `specification` declares on `data`. Singleton strata are listed
  /// rather than rejected, whatever the lonely-PSU rule.
  ///
  /// - Throws: `DesignError` for weights or columns the design cannot use; `DataError` for unknown columns.
  public static func describe(data: DataFrame, specification: DesignSpecification) throws -> DesignDescription {
    if specification.replicateWeights != nil {
      let design = try SampleDesign(specification, data: data)
      return DesignDescription(strata: nil, weights: WeightDistribution(design.weights))
    }
    var relaxed = specification
    relaxed.buildReplicates = nil
    if relaxed.lonelyPSU == .fail { relaxed.lonelyPSU = .certainty }
    let design = try LinearizationDesign(relaxed, data: data)
    return DesignDescription(strata: design.strataDescription, weights: WeightDistribution(design.weights))
  }
}
