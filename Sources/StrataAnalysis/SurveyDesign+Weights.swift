import StrataDesign

extension SurveyDesign {
  /// The final analysis weights, one per data row in data order, and with `replicates` those of
  /// every replicate (R `weights(design, "analysis")`): what `strata weights` writes.
  ///
  ///     let w = try design.replicates(.jkn).analysisWeights(replicates: true)
  ///
  /// The weights are the built design's (after any adjustment the declaration asks for), not the
  /// weight column. A domain does not change them: the design keeps every row.
  ///
  /// - Throws: `DesignError.noReplicatesDeclared` when `replicates` is asked of a linearization design.
  public func analysisWeights(replicates: Bool = false) throws -> AnalysisWeights {
    try sampleDesign.analysisWeights(includingReplicates: replicates)
  }
}
