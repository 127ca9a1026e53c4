import ArgumentParser
import Foundation
import Strata

extension SavedFit {
  /// The saved estimates as tests and combinations need them (no data are read).
  func postEstimation(level: Double?) throws -> PostEstimation {
    let (spec, _) = try resolvedSpecification()
    let estimates = SavedEstimates(
      terms: terms, kept: kept, coefficients: coefficients, covariance: covarianceMatrix,
      degreesOfFreedom: degreesOfFreedom, varianceTitle: vceTitle, nobs: nobs)
    return PostEstimation(
      saved: estimates, recipe: recipe, specification: spec, variance: vce,
      level: level ?? report?.level ?? spec.level)
  }
}

/// `strata test RESULT.json 'ell, meals'`
struct TestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Wald test that terms of a saved fit are zero (R regTermTest, Stata test).",
    discussion: """
      Terms are separated by commas (or +): 'ell, meals'. A factor's name tests all its columns \
      ('stype' tests stypeH and stypeM), an interaction 'a:b' (either order) all of its columns; a \
      column name ('stypeH', '(Intercept)') tests that coefficient alone. Columns dropped for \
      collinearity are left out (a term with none left is an error). The test uses the saved covariance (classical, robust, cluster or \
      design-based): F = W/q on (q, df) with df the fit's residual df (design df - p + 1 for a \
      design-based fit, n - k for least squares, G - 1 when clustered); chi2(q) = W for z-test models \
      (GLMs with classical or robust variance); under --convention stata a design-based fit gets \
      Stata's adjusted F, (d - q + 1) W / (d q) on (q, d - q + 1). No data are read.
      """)

  @Argument(help: "A fit saved with strata fit ... --save.")
  var result: String

  @Argument(help: "Terms to test: 'ell, meals' (several arguments are joined).")
  var terms: [String] = []

  @OptionGroup var outputOptions: OutputOptions

  func run() throws {
    let saved = try SavedFit.load(from: result)
    let test = try saved.postEstimation(level: nil).test(terms: terms.flatMap { TermTest.termList($0) })
    switch outputOptions.format {
    case .text: try outputOptions.write("Model: \(saved.model): \(saved.formula)\n" + TestReport.text(test))
    case .json:
      try outputOptions.write(TestReport.json(test, model: saved.model, formula: saved.formula).serialized() + "\n")
    case .csv: try outputOptions.write(TestReport.csv(test))
    }
  }
}

/// The arguments shared by `strata lincom` and `strata nlcom`.
struct CombinationArguments: ParsableArguments {
  @Argument(help: "A fit saved with strata fit ... --save.")
  var result: String

  @Argument(help: "Expressions in the coefficient names, each optionally labelled: 'ell - meals' 'd=2*ell + meals'.")
  var expressions: [String] = []

  @Option(help: "Confidence level in percent (default: the fit's).")
  var level: Double?

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if let level, !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
  }

  func run(linear: Bool) throws {
    let saved = try SavedFit.load(from: result)
    let post = try saved.postEstimation(level: level)
    let estimates = try translatingAnalysisErrors {
      linear ? try post.lincom(expressions) : try post.nlcom(expressions)
    }
    switch outputOptions.format {
    case .text:
      try outputOptions.write(
        TestReport.combinationsText(estimates, linear: linear, model: "\(saved.model): \(saved.formula)"))
    case .json:
      try outputOptions.write(
        TestReport.combinationsJSON(estimates, model: saved.model, formula: saved.formula).serialized() + "\n")
    case .csv: try outputOptions.write(TestReport.combinationsCSV(estimates))
    }
  }
}

/// Shared help of the names in combinations.
private let combinationNames = """
  Names are the fit's coefficient names (as in its output). A name that is not a plain R name goes in \
  backquotes, as in R: '`factor(edu)2` - `factor(edu)3`'; '(Intercept)', 'I(age^2)' and 'ell:stypeH' may \
  also be written as printed. Several expressions give several rows; 'name=expr' labels a row. \
  Standard errors by the delta method with the saved covariance; t tests on the fit's df (z for z-test \
  models), as R svycontrast and Stata lincom/nlcom.
  """

/// `strata lincom RESULT.json 'ell - meals'`
struct LincomCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lincom",
    abstract: "Linear combinations of the coefficients of a saved fit (Stata lincom, R svycontrast).",
    discussion: """
      Sums of coefficients times numbers: 'ell - meals', '2*ell + meals', '(ell + meals)/2'. Constants \
      are allowed: 'ell + 0.5*meals - 1' estimates ell + 0.5 meals - 1 (the test is that it is zero). \
      Products, ratios and functions of coefficients are refused here (use strata nlcom).
      """ + " " + combinationNames)

  @OptionGroup var arguments: CombinationArguments

  func run() throws { try arguments.run(linear: true) }
}

/// `strata nlcom RESULT.json 'ell / meals'`
struct NlcomCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nlcom",
    abstract: "Nonlinear combinations of the coefficients of a saved fit by the delta method (Stata nlcom, R svycontrast).",
    discussion: """
      Expressions with + - * / ^ and exp, log, log10, sqrt, abs, pnorm, dnorm, plogis (invlogit): \
      'ell / meals', 'exp(ell)', 'ell * meals'. Derivatives are analytic.
      """ + " " + combinationNames)

  @OptionGroup var arguments: CombinationArguments

  func run() throws { try arguments.run(linear: false) }
}
