import Strata

// svyglm(sch.wide ~ ell + meals + mobility, svydesign(~1, strata = ~stype, weights = ~pw,
// fpc = ~fpc, data = apistrat), family = quasibinomial())
let data = try DataFrame(contentsOf: "datasets/apistrat.csv")
let design = try SurveyDesign(data: data, weights: "pw", strata: "stype", fpc: "fpc")
let fit = try design.fit(.logit, "sch.wide ~ ell + meals + mobility")
for c in fit.coefficients {
  let estimate = String(describing: c.estimate ?? .nan)
  let stdError = String(describing: c.stdError ?? .nan)
  print("\(c.term)\t\(estimate)\t\(stdError)")
}
