import Foundation
import Strata

/// The population the shipped `datasets/flexwork/flexwork.csv` was drawn from (CODEBOOK §6):
/// 200,000 workers, seed 7. Drawn once per test process.
let shippedPopulation: Result<FlexworkPopulation, Error> = Result { try FlexworkPopulation(size: 200_000, seed: 7) }

/// The design declaration of every flexwork sample: two stages (sampling points, then workers),
/// each with its FPC.
let flexworkDesign = DesignSpecification(
  weights: "weight", strata: "stratum", psu: ["psu", "id"], fpc: ["n_points", "point_size"])

/// A probit of the pension equation with its covariance: design-based when `design` is given
/// (sampling weights, linearization), otherwise unweighted with the classical variance.
func pensionProbit(_ data: DataFrame, design: DesignSpecification?) throws -> (fit: Fit, covariance: CovarianceEstimate) {
  guard let design else {
    let fit = try GeneralizedLinearModel.fit(FlexworkModel.pensionFormula, model: .probit, data: data)
    return (fit, try covariance(of: fit, spec: .classical))
  }
  return try pensionProbits(data, design: design).design
}

/// The design-based and the naive (unweighted, classical) pension probits of one sample, sharing
/// one model matrix.
func pensionProbits(_ data: DataFrame, design: DesignSpecification) throws -> (
  design: (fit: Fit, covariance: CovarianceEstimate), naive: (fit: Fit, covariance: CovarianceEstimate)
) {
  let sampleDesign = try SampleDesign(design, data: data)
  let formula = FlexworkModel.pensionFormula
  var mm = try ModelMatrix.build(
    formula: Formula.parse(formula), data: data,
    options: ModelFrameOptions(weights: design.weights, allowsCategoricalResponse: true))
  let fit = try GeneralizedLinearModel.fit(mm, model: .probit, formula: formula)
  let spec = CovarianceSpec.design(DesignVariance(design: sampleDesign, refit: { _ in [] }))
  mm.weights = nil
  let naive = try GeneralizedLinearModel.fit(mm, model: .probit, formula: formula)
  return ((fit, try covariance(of: fit, spec: spec)), (naive, try covariance(of: naive, spec: .classical)))
}
