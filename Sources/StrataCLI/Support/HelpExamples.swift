/// The examples each subcommand's `--help` ends with (swift-argument-parser `discussion:`).
enum HelpExamples {
  static let apistrat = "--data datasets/apistrat.csv --strata stype --weights pw --fpc fpc"

  static let fit = """
    Examples:
      strata fit logit 'sch.wide ~ ell + meals' \(apistrat) --save logit.json
      strata fit ols 'lwage ~ educ + exper + I(exper^2)' --data datasets/wage1.csv --vce hc1
      strata fit logit 'sch.wide ~ ell + meals' --data 'postgresql://me@db/surveys?table=apistrat' --weights pw --strata stype --fpc fpc
      strata fit logit 'sch.wide ~ ell + meals' \(apistrat) --memory 512M
    """
  static let describe = """
    Examples:
      strata describe datasets/apistrat.csv
    """
  static let mean = """
    Examples:
      strata mean api00 \(apistrat) --by stype
      strata mean api00 --data datasets/apiclus1.csv --psu dnum --weights pw --fpc fpc --replicate jk1
    """
  static let total = """
    Examples:
      strata total enroll \(apistrat)
    """
  static let prop = """
    Examples:
      strata prop sch.wide \(apistrat) --by stype
    """
  static let quantile = """
    Examples:
      strata quantile api00 \(apistrat) --quantiles 0.25,0.5,0.75
    """
  static let ratio = """
    Examples:
      strata ratio api00/api99 \(apistrat)
    """
  static let margins = """
    Examples:
      strata margins probit.json --margins dydx,eyex
      strata margins probit.json --at 'educ=10:16' --atmeans
    """
  static let predict = """
    Examples:
      strata predict probit.json --scenario 'nwifeinc = nwifeinc * 1.1'
    """
  static let elasticities = """
    Examples:
      strata elasticities probit.json logit.json
    """
  static let plotCoef = """
    Examples:
      strata plot coef lpm.json logit.json --names LPM,Logit --facet model -o coef.png
      strata plot coef logit.json --keep educ,exper --xlim=-0.5,0.5 --title 'Logit' -o coef.pdf
    """
  static let plotMargins = """
    Examples:
      strata margins probit.json --format json -o ame.json && strata plot margins ame.json -o ame.svg
    """
  static let plot = """
    PNG and PDF output (--output FILE.png or FILE.pdf) go through rsvg-convert (librsvg).

    Examples:
      strata plot coef lpm.json logit.json --facet model -o coef.png
      strata plot predict logit.json --x educ --by kidslt6 -o educ.pdf
    """
}
