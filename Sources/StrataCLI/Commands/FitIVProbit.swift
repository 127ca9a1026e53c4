import ArgumentParser
import Strata

/// `strata fit ivprobit 'y ~ exog | endog ~ instruments' --data FILE`
struct IVProbitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ivprobit",
    abstract: "Probit with continuous endogenous regressors: Newey's two-step estimator, as Stata's ivprobit, twostep.",
    discussion: """
      Formulas as 'strata fit iv': 'y ~ exog | endog ~ instruments' or 'y ~ exog + endog | exog + instruments'. \
      Steps: OLS first stages; control-function probit of y on the regressors and first-stage residuals; \
      reduced-form probit of y on the instruments and residuals; Newey's minimum chi-squared estimate and its \
      covariance. Reports the Rivers-Vuong Wald test of exogeneity and, when overidentified, the \
      Amemiya-Lee-Newey statistic. No weights, survey designs or robust variances (Stata: vce(twostep) only).
      """)

  @Argument(help: "Model formula, e.g. 'inlf ~ nwifeinc + kidslt6 + age | educ ~ motheduc + fatheduc'.")
  var formula: String

  @Option(help: "Data file (.csv, .tsv, .dta, .sav).")
  var data: String

  @Option(help: "Keep rows where this R-style expression is TRUE.")
  var subset: String?

  @Option(help: "Confidence level in percent.")
  var level: Double = 95

  @OptionGroup var glmOptions: GLMOptions
  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    if !(level > 0 && level < 100) { throw ValidationError("--level must be between 0 and 100") }
  }

  func run() throws {
    let frame = try loadData(data)
    let spec = FitSpecification(
      model: .ivprobit, formula: formula, data: DataSource(path: data), subset: subset, level: level,
      control: FitControl(maxIterations: glmOptions.maxiter, tolerance: glmOptions.tol))
    let fit = try translatingAnalysisErrors { try Model.fit(spec, data: frame) }
    guard let r = fit.ivProbit else { throw ValidationError("ivprobit: the two-step details are missing") }
    let result = fit.result
    var labels: [String: String] = [:]
    for c in frame.columns { if let l = c.label, !l.isEmpty { labels[c.name] = l } }
    let context = ReportContext(dataSource: data, labels: labels)
    switch outputOptions.format {
    case .text: try outputOptions.write(IVProbitReport.text(r, result: result, context: context))
    case .json: try outputOptions.write(IVProbitReport.json(r, result: result, context: context).serialized() + "\n")
    case .csv: try outputOptions.write(RegressionReport.csv(result))
    }
  }
}
