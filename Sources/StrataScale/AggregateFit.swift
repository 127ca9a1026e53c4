import Foundation
import StrataDesign
import StrataInference
import StrataLinalg
import StrataModels

/// How the variance of an aggregate fit is estimated.
public enum AggregateVariance: Sendable, Equatable {
  /// Model-based: `φ̂ (XᵀWX)⁻¹` (R `vcov(lm)`, `vcov(glm)`).
  case classical
  /// The inverse observed information (Stata's default): logit and Poisson only, where it is
  /// the expected one.
  case oim
  /// HC0 or HC1 (`sandwich::vcovHC`); HC2 and HC3 need each row's leverage and are not available.
  case hc(HCType)
  /// Stata's ML `vce(robust)`: HC0 × n/(n − 1).
  case robust
  /// Cluster-robust by these columns (`sandwich::vcovCL`; several columns: multiway).
  case cluster([String])
  /// The source's survey design (`AggregateSource.design`): linearization or replicate weights,
  /// with R's or Stata's degrees of freedom.
  case design(DesignDFConvention)
}

/// The survey design behind an aggregate source's weights, described by the source.
public enum SourceDesign: Sendable {
  /// A linearization design as declared (its nesting and lonely-PSU rule are used; the units and
  /// their totals come from the scores pass), with its counts for output.
  case linearization(DesignSpecification, summary: DesignSummary)
  /// A replicate design whose replicate analysis weights are the source's weight sets 1...R:
  /// R's `scale`, `rscales`, `mse`, and the degrees of freedom over the estimation rows (R) and
  /// over every row (Stata), with its counts for output.
  case replicate(
    type: ReplicateType, scale: Double, rscales: [Double], mse: Bool, estimationDF: Int, fullDF: Int,
    summary: DesignSummary)
}

/// A source that carries a survey design: its weight set 0 is the design's sampling weights over
/// the estimation rows (the domain), and `design` describes the rest.
public protocol AggregateDesignSource: AggregateSource {
  var design: SourceDesign { get }
}

/// What an aggregate fit returns: the fit (as `Fit(aggregateOf:...)`, no rows), its result (the
/// table the reports render, the same type as an in-memory fit's) and the passes it took.
public struct AggregateFitResult: Sendable {
  public var fit: Fit
  public var result: RegressionResult
  /// Passes over the source (summary, start, iterations, replicate passes, scores).
  public var passes: Int
}

/// The one aggregate-fit driver: a least-squares or GLM fit, and its variance, from sums asked
/// of an `AggregateSource` pass by pass, with the in-memory fit's numbers to rounding.
///
///     let source = try FrameSource(data: frame, formula: "sch.wide ~ ell + meals", model: .glm(.logit))
///     let r = try AggregateFit.fit(source, model: .glm(.logit), formula: "sch.wide ~ ell + meals",
///                                  variance: .hc(.hc0))
///
/// - **Fit**: R's starting values (`glm.fit`'s `mustart`) in one pass, then the in-memory GLM's
///   Newton loop itself (`NewtonLoop.run` with `IRLSRule`: relative deviance change and Newton
///   decrement, step halving, the final polishing step), one pass per evaluation, on the prior
///   weights divided by their mean as `IRLS.run` does. Least squares is the Gaussian identity
///   case of the same loop: its steps are increments from the score `Xᵀ W (y − Xβ)`, so the fixed
///   point is the root of the score as summed over the rows, not the rounding of one solve.
/// - **Aliased columns**: decided once at the starting weights, as the in-memory fit does, from
///   `XᵀWX` alone: the pivoted Cholesky walk in R's column order (`gramKeptColumns`, the walk of
///   LINPACK `dqrdc2` on the Gram matrix), a column being aliased when its downdated norm is below
///   `AggregateFit.aliasTolerance` (1e-6) of its norm. R's QR tolerance (1e-11) cannot be used on
///   a Gram matrix, which squares the condition number: exactly collinear columns are found as R
///   finds them; a column R keeps with a relative norm between 1e-11 and 1e-6 is aliased here.
/// - **Variance**: `covariance(of:spec:totals:)` (the one variance machinery) with the score
///   totals of one more pass; replicate designs refit every replicate, all replicates in the
///   same passes, each by the same rule from the full-sample estimate.
public enum AggregateFit {
  /// The relative downdated norm below which a column is aliased (see the type's notes).
  public static let aliasTolerance = 1e-6

  /// Fits `model` on `source`.
  ///
  /// - Parameters:
  ///   - formula: the formula as written (for the report).
  ///   - weighted: whether the fit has case or sampling weights (least squares: `wls` in the report).
  ///   - control: iteration limit and tolerance (the in-memory fit's defaults).
  ///   - information: the bread's information named in the sandwiches' titles (Stata's
  ///     convention: observed; equal to the expected one for logit and Poisson, the only links
  ///     it is accepted for).
  /// - Throws: `EstimationError` as the in-memory fit (constant response, no residual degrees of
  ///   freedom, separation, not converged, step halving failed); `InferenceError` and
  ///   `DesignError` from the variance; what the source throws.
  public static func fit(
    _ source: some AggregateSource, model: AggregateModel, formula: String, weighted: Bool,
    variance: AggregateVariance, level: Double = 95, control: GLMControl = GLMControl(),
    information: InformationMatrix = .expected
  ) throws -> AggregateFitResult {
    var passes = 0
    let p = source.columnNames.count
    let summary = try source.summary(model: model)
    passes += 1
    let n = summary.positiveCount[0]
    guard n > 0 else { throw EstimationError.noResidualDegreesOfFreedom(observations: 0, coefficients: p) }
    if summary.responseRange.lowerBound == summary.responseRange.upperBound {
      throw EstimationError.constantResponse(name: source.responseName, value: summary.responseRange.lowerBound)
    }
    var diagnostics: [Diagnostic] = []
    if let subset = source.subsetExpression, summary.droppedBySubset > 0 {
      diagnostics.append(.rowsDroppedBySubset(count: summary.droppedBySubset, expression: subset))
    }
    if summary.droppedMissing > 0 { diagnostics.append(.rowsDroppedForMissing(count: summary.droppedMissing)) }
    if summary.rows > n { diagnostics.append(.zeroWeightRowsDropped(count: summary.rows - n)) }

    // The full-sample fit.
    let scale = model == .leastSquares ? 1 : summary.weightScale(0)
    let estimate = try fitWeightSet(source, model: model, scale: scale, columns: p, control: control, passes: &passes)
    let kept = estimate.kept
    if kept.count < p {
      let keptSet = Set(kept)
      diagnostics.append(
        .collinearTermsDropped(terms: (0..<p).filter { !keptSet.contains($0) }.map { source.columnNames[$0] }))
    }

    // The scores pass: the variance's totals and the statistics.
    let totals: ScoresRequest.Totals
    switch variance {
    case .classical, .oim: totals = .none
    case .hc, .robust: totals = .crossProduct
    case .cluster(let names): totals = .clusters(names)
    case .design:
      guard let designSource = source as? any AggregateDesignSource else {
        throw InferenceError.unsupportedForModel(model: "a fit without a design", variance: "design")
      }
      if case .replicate = designSource.design { totals = .none } else { totals = .units }
    }
    let nullMean: Double
    switch model {
    case .leastSquares:
      nullMean = source.hasIntercept ? summary.weightedResponse[0] / summary.weightTotal[0] : 0
    case .glm(let m):
      nullMean = source.hasIntercept ? summary.weightedResponse[0] / summary.weightTotal[0] : m.link.inverse(0)
    }
    let scores = try source.scores(
      ScoresRequest(model: model, coefficients: estimate.beta, columns: kept, totals: totals, nullMean: nullMean))
    passes += 1
    if case .glm(let m) = model, m.family != .poisson, scores.boundaryOnes + scores.boundaryZeros > 0 {
      throw separation(
        beta: estimate.beta, kept: kept, names: source.columnNames, summary: summary, ones: scores.boundaryOnes,
        zeros: scores.boundaryZeros)
    }
    if !estimate.converged {
      throw EstimationError.notConverged(iterations: estimate.iterations, lastChange: estimate.change)
    }
    if n - kept.count <= 0 {
      throw EstimationError.noResidualDegreesOfFreedom(observations: n, coefficients: kept.count)
    }

    // The fit.
    var coefficients = [Double](repeating: .nan, count: p)
    for (position, column) in kept.enumerated() { coefficients[column] = estimate.beta[position] }
    let bread = estimate.bread * (1 / scale)
    let s = scores.statistics
    var glm: GLMDetails?
    var dispersion: Double
    var leastSquares: LeastSquaresSums?
    switch model {
    case .leastSquares:
      dispersion = s.rss / Double(n - kept.count)
      leastSquares = LeastSquaresSums(rss: s.rss, mss: s.mss, sumLogWeights: weighted ? s.sumLogW : 0)
    case .glm(let m):
      glm = GLMDetails(
        family: m.family, link: m.link, deviance: s.deviance, nullDeviance: s.nullDeviance,
        dfNull: n - (source.hasIntercept ? 1 : 0), logLik: s.logLik, nullLogLik: s.nullLogLik,
        pearsonChiSquare: s.pearson, iterations: estimate.iterations, converged: true,
        tolerance: control.tolerance, observedWeights: nil, linearPredictor: [])
      dispersion = m.family.estimatesDispersion ? s.pearson / Double(n - kept.count) : 1
    }
    let fit = Fit(
      aggregateOf: model.kind(weighted: weighted), formula: formula, responseName: source.responseName,
      terms: source.columnNames, coefficients: coefficients, kept: kept, bread: bread, nobs: n, weighted: weighted,
      dispersion: dispersion, hasIntercept: source.hasIntercept, diagnostics: diagnostics, glm: glm)

    // The variance.
    let spec: CovarianceSpec
    let scoreTotals: ScoreTotals
    switch variance {
    case .classical:
      (spec, scoreTotals) = (.classical, .none)
    case .oim:
      (spec, scoreTotals) = (.oim, .none)
    case .hc(let type):
      guard type == .hc0 || type == .hc1 else {
        throw InferenceError.unsupportedForModel(
          model: fit.kind.rawValue + " (fitted from sums)", variance: CovarianceSpec.hc(type).title)
      }
      (spec, scoreTotals) = (.hc(type), .crossProduct(scores.crossProduct ?? Matrix(rows: kept.count, cols: kept.count)))
    case .robust:
      (spec, scoreTotals) = (.robust, .crossProduct(scores.crossProduct ?? Matrix(rows: kept.count, cols: kept.count)))
    case .cluster:
      guard let cells = scores.cells else { throw InferenceError.unsupportedForModel(model: "source", variance: "cluster") }
      let variables = cells.variables
      (spec, scoreTotals) = (.cluster(variables), .clusters(cells.totals, variables: variables))
    case .design(let convention):
      let designSource = source as! any AggregateDesignSource
      switch designSource.design {
      case .linearization(let specification, let designSummary):
        guard let units = scores.units else {
          throw InferenceError.unsupportedForModel(model: "source", variance: "design")
        }
        let request = DesignVariance(
          design: .linearization(try units.units.design(specification: specification)), convention: convention,
          refit: { _ in throw InferenceError.unsupportedForModel(model: "source", variance: "refits") })
        (spec, scoreTotals) = (
          .design(request), .units(units.units, units.totals, specification: specification, summary: designSummary)
        )
      case .replicate(let type, let rscale, let rscales, let mse, let estimationDF, let fullDF, let designSummary):
        let thetas = try refitReplicates(
          source, model: model, summary: summary, start: estimate.beta, kept: kept, control: control, passes: &passes)
        let placeholder = ReplicateDesign(
          weights: [1], replicateWeights: Matrix(rows: 1, cols: rscales.count, repeating: 1), combinedWeights: true,
          type: type, scale: rscale, rscales: rscales, mse: mse)
        let request = DesignVariance(
          design: .replicate(placeholder), convention: convention,
          refit: { _ in throw InferenceError.unsupportedForModel(model: "source", variance: "refits") })
        (spec, scoreTotals) = (
          .design(request),
          .replicates(
            thetas, type: type, scale: rscale, rscales: rscales, mse: mse,
            df: convention == .r ? estimationDF : fullDF, summary: designSummary)
        )
      }
    }
    let cov = try covariance(of: fit, spec: spec, totals: scoreTotals, information: information)
    let result = try RegressionResult(aggregateFit: fit, covariance: cov, level: level, sums: leastSquares)
    return AggregateFitResult(fit: fit, result: result, passes: passes)
  }
}
