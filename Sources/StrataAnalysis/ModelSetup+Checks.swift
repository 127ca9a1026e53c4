import StrataDesign
import StrataInference

extension PreparedModel {
  /// The variance a fit of this model uses: the specification's, else (absorbed fixed effects
  /// without a design) clustered by the first fixed effect as fixest, else the model's default.
  var resolvedVariance: Variance {
    specification.variance
      ?? (sampleDesign == nil ? defaultCluster.map { Variance.cluster([$0]) } : nil)
      ?? defaultVariance
  }
}

extension ModelSetup {
  /// The variance a fit of this setup uses (the specification's or the model's default).
  public var variance: Variance { prepared.resolvedVariance }

  /// Checks, before any fit or replicate refit, that margins with covariates sampled (Stata
  /// `vce(unconditional)`) exist for this setup's variance: robust, HC0/HC1, cluster or a
  /// linearization design.
  ///
  /// - Throws: `MarginsError.unconditionalReplicates` for a replicate-weight design,
  ///   `.unconditionalNeedsRobust` for classical, OIM, HC2 and HC3.
  public func checkUnconditionalMargins() throws {
    switch variance {
    case .design:
      if case .replicate? = prepared.sampleDesign { throw MarginsError.unconditionalReplicates }
    case .classical, .oim, .hc(.hc2), .hc(.hc3):
      throw MarginsError.unconditionalNeedsRobust(vce: variance.name)
    case .robust, .hc, .cluster:
      break
    }
  }
}
