import Foundation
import StrataFormula
import StrataInference

extension ModelFit {
  /// The fit's estimates for tests and combinations.
  public var postEstimation: PostEstimation { PostEstimation(result: result) }

  /// The Wald test that the listed terms' coefficients are all zero (R `regTermTest`, Stata
  /// `test`): a factor's name means all its columns.
  ///
  ///     let t = try fit.test(["ell", "meals"])   // or fit.test("ell, meals")
  ///
  /// - Throws: `InferenceError.unknownTerm`, `.emptyTermList`, `.termAliased`, ...
  public func test(_ terms: [String]) throws -> TermTest { try postEstimation.test(terms: terms) }

  /// The Wald test of the terms listed in `text` (`ell, meals` or `ell + meals`).
  public func test(_ text: String) throws -> TermTest { try postEstimation.test(terms: TermTest.termList(text)) }

  /// Linear combinations of the coefficients (`ell - meals`, `2*ell + meals - 1`, `d = ell - meals`).
  public func lincom(_ expressions: [String]) throws -> [CombinationEstimate] {
    try postEstimation.lincom(expressions)
  }

  /// Nonlinear combinations of the coefficients by the delta method (`ell / meals`, `exp(ell)`).
  public func nlcom(_ expressions: [String]) throws -> [CombinationEstimate] {
    try postEstimation.nlcom(expressions)
  }
}

extension PostEstimation {
  /// Linear combinations (Stata `lincom`, R `svycontrast` with a linear expression): each text is
  /// an expression in the coefficient names, optionally `label=expression`. Constants are allowed
  /// (`ell + 0.5*meals - 1` tests that `ell + 0.5 meals` equals 1); products, ratios and
  /// functions of coefficients are not (`nlcom`).
  ///
  /// - Throws: `FormulaError.notLinear`, `.unknownCoefficient`, parse errors;
  ///   `AnalysisError.noCombination` for an empty list.
  public func lincom(_ expressions: [String]) throws -> [CombinationEstimate] {
    guard !expressions.isEmpty else { throw AnalysisError.noCombination }
    let names = keptColumns
    return try expressions.map { text in
      let (label, e) = try CoefficientExpression.labeled(text)
      let (constant, weights) = try e.linear(names: names, values: coefficients)
      let value = constant + zip(weights, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
      return try checked(combination(label: label, value: value, gradient: weights), text: text)
    }
  }

  /// Nonlinear combinations by the delta method with analytic derivatives (Stata `nlcom`, R
  /// `svycontrast(fit, quote(expr))`).
  ///
  /// - Throws: `FormulaError.unknownCoefficient`, `.unsupportedFunction`, parse errors;
  ///   `AnalysisError.nonFiniteCombination` when the value or its gradient is not finite
  ///   (`log` of a negative coefficient, a ratio over zero); `.noCombination`.
  public func nlcom(_ expressions: [String]) throws -> [CombinationEstimate] {
    guard !expressions.isEmpty else { throw AnalysisError.noCombination }
    let names = keptColumns
    return try expressions.map { text in
      let (label, e) = try CoefficientExpression.labeled(text)
      let (value, gradient) = try e.evaluate(names: names, values: coefficients)
      guard value.isFinite, gradient.allSatisfy(\.isFinite) else {
        throw AnalysisError.nonFiniteCombination(expression: text)
      }
      return try checked(combination(label: label, value: value, gradient: gradient), text: text)
    }
  }

  private func checked(_ c: CombinationEstimate, text: String) throws -> CombinationEstimate {
    guard c.estimate.isFinite, c.stdError.isFinite else { throw AnalysisError.nonFiniteCombination(expression: text) }
    return c
  }
}

extension PostEstimation {
  /// The estimates of a saved fit, with its model's terms from the saved recipe; `variance` is
  /// the saved variance's name (`design` for a design-based fit), which with the Stata
  /// convention makes term tests Stata's adjusted F on the design df (the saved df).
  public init(
    saved e: SavedEstimates, recipe: ModelRecipe, specification: FitSpecification?, variance: String, level: Double
  ) {
    var stataDF: Int?
    if let spec = specification, spec.isDesignBased, spec.convention == .stata, variance == "design",
      e.degreesOfFreedom.isFinite
    {
      stataDF = Int(e.degreesOfFreedom.rounded())
    }
    let matches = recipe.assign.count == e.terms.count
    self.init(
      columns: e.terms, kept: e.kept, coefficients: e.coefficients, covariance: e.covariance,
      degreesOfFreedom: e.degreesOfFreedom, termLabels: matches ? recipe.terms.labels : [],
      assign: matches ? recipe.assign : [], adjustedDesignDF: stataDF, level: level)
  }
}
