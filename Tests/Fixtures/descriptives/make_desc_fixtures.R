# Reference values for the descriptives of issue 19: svytotal of a factor, svyvar (with a
# covariance), svyciprop with all six methods, subpopulations written with is.na / %in% /
# ifelse, and the model-matrix column names R gives such terms.
# Run from this folder:  Rscript make_desc_fixtures.R
# R 4.2.2, survey 4.1-1. Writes desc_reference.json. Reads the shipped datasets/apiclus1.csv
# (the one-stage cluster sample of R's api data) so that R and Strata read the same file.
suppressMessages(library(survey))
stopifnot(as.character(packageVersion("survey")) == "4.1.1")
options(survey.lonely.psu = "fail")

# ---- minimal JSON writer (no jsonlite) -------------------------------------------------
esc <- function(s) gsub('"', '\\\\"', s)
js <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x)) && length(x) > 0) {
      return(paste0("{", paste0('"', names(x), '": ', vapply(x, js, ""), collapse = ", "), "}"))
    }
    return(paste0("[", paste0(vapply(x, js, ""), collapse = ", "), "]"))
  }
  if (is.character(x)) {
    if (length(x) == 1) return(paste0('"', esc(x), '"'))
    return(paste0("[", paste0('"', esc(x), '"', collapse = ", "), "]"))
  }
  if (is.logical(x) && length(x) == 1) return(if (is.na(x)) "null" else if (x) "true" else "false")
  v <- ifelse(is.finite(x), sprintf("%.17g", unname(x)), "null")
  if (length(x) == 1) return(v)
  paste0("[", paste0(v, collapse = ", "), "]")
}

ap <- read.csv("../../../datasets/apiclus1.csv", stringsAsFactors = TRUE, colClasses = c(cds = "character"))
dclus1 <- svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = ap)
srs <- suppressWarnings(svydesign(ids = ~1, data = ap))   # no design: equal weights, iid
cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

# ---- svytotal of a factor (one total per level), whole sample and a domain ---------------
tot <- function(id, design, subpop) {
  t <- svytotal(~stype, design, deff = TRUE)
  add(list(id = id, kind = "total", variable = "stype", subpop = subpop,
           levels = sub("^stype", "", names(coef(t))), estimate = coef(t), std_error = SE(t),
           deff = deff(t)))
}
tot("total_stype", dclus1, "")
tot("total_stype_both_yes", subset(dclus1, both == "Yes"), "both == \"Yes\"")

# ---- svyvar: one variance, a covariance matrix, and without a design ---------------------
vv <- function(id, design, vars, design_name) {
  v <- svyvar(as.formula(paste("~", paste(vars, collapse = " + "))), design)
  m <- as.matrix(v)
  se <- sqrt(diag(as.matrix(attr(v, "var"))))
  p <- length(vars)
  add(list(id = id, kind = "variance", design = design_name, variables = vars,
           variable = rep(vars, times = p), with = rep(vars, each = p),
           estimate = as.vector(m), std_error = unname(se)))
}
vv("var_api00", dclus1, "api00", "dclus1")
vv("cov_api00_api99_enroll", dclus1, c("api00", "api99", "enroll"), "dclus1")
vv("cov_api00_api99_srs", srs, c("api00", "api99"), "none")
# JK1 replicates built from the design (as `--replicate jk1`): the whole estimator per replicate.
vv("var_api00_jk1", as.svrepdesign(dclus1, type = "JK1"), "api00", "jk1")
# By groups (svyby, each group a domain).
b <- svyby(~api00, ~stype, dclus1, svyvar)
add(list(id = "var_api00_by_stype", kind = "variance_by", variable = "api00", by = "stype",
         groups = as.character(b$stype), estimate = b$api00, std_error = SE(b)))
b <- svyby(~stype, ~sch.wide, dclus1, svytotal)
add(list(id = "total_stype_by_sch.wide", kind = "total_by", variable = "stype", by = "sch.wide",
         groups = rep(as.character(b$sch.wide), times = 3), levels = rep(c("E", "H", "M"), each = 2),
         estimate = unname(coef(b)), std_error = as.vector(as.matrix(SE(b)))))

# ---- svyciprop, all six methods -----------------------------------------------------------
# The exact roots of svyglm's rescaled profile deviance, from R's own glm.fit (the deviance
# MASSprofile_glm profiles), solved with uniroot to 1e-14: the reference for Strata's exact
# likelihood interval. The svyglm is converged to 1e-14 (R's default 1e-8 leaves the working
# weights, and so the variance ratio lambda, off by about 1e-5 relative). svyciprop's own
# likelihood bounds (default convergence, a spline through the profile) differ from these in
# about the fifth digit; both are written.
exact_likelihood <- function(formula, design, level = 0.95) {
  m <- eval(bquote(svyglm(.(formula[[2]]) ~ 1, design, family = quasibinomial,
                          control = glm.control(epsilon = 1e-14, maxit = 100))))
  Y <- model.response(model.frame(m)); W <- model.weights(model.frame(m))
  D0 <- deviance(m); phi <- summary(m)$dispersion
  lambda <- diag(m$cov.unscaled) / diag(m$naive.cov)
  z <- qt((1 - level) / 2, df = degf(design)) * sqrt(lambda)
  b0 <- coef(m)[1]; se <- sqrt(vcov(m)[1, 1])
  X0 <- matrix(0, nrow = length(Y), ncol = 0)
  f <- function(b) {
    fm <- glm.fit(x = X0, y = Y, weights = W, offset = rep(b, length(Y)), family = quasibinomial(),
                  control = glm.control(epsilon = 1e-14, maxit = 100))
    as.numeric((fm$deviance - D0) / phi) - z^2
  }
  lo <- uniroot(f, c(b0 - 30 * se, b0), tol = 1e-14)$root
  hi <- uniroot(f, c(b0, b0 + 30 * se), tol = 1e-14)$root
  plogis(c(lo, hi))
}
ci <- function(id, formula, design, subpop, variable, level_name) {
  methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")
  low <- high <- numeric(length(methods))
  for (k in seq_along(methods)) {
    r <- svyciprop(formula, design, method = methods[k])
    low[k] <- attr(r, "ci")[1]; high[k] <- attr(r, "ci")[2]
    est <- as.numeric(r)
  }
  ex <- exact_likelihood(formula, design)
  m <- eval(bquote(svymean(~as.numeric(.(formula[[2]])), design)))
  add(list(id = id, kind = "ciprop", variable = variable, level = level_name, subpop = subpop,
           formula = paste(deparse(formula), collapse = ""), df = degf(design), n = nrow(design),
           estimate = est, std_error = unname(SE(m)), methods = methods, conf_low = low, conf_high = high,
           likelihood_exact = ex))
}
ci("ciprop_sch.wide_yes", ~I(sch.wide == "Yes"), dclus1, "", "sch.wide", "Yes")
ci("ciprop_sch.wide_no", ~I(sch.wide == "No"), dclus1, "", "sch.wide", "No")
ci("ciprop_both_yes", ~I(both == "Yes"), dclus1, "", "both", "Yes")
# A small domain near 0: year-round schools among elementary schools (9 of 144).
ci("ciprop_yr.rnd_yes_elementary", ~I(yr.rnd == "Yes"), subset(dclus1, stype == "E"), "stype == \"E\"",
   "yr.rnd", "Yes")
# A domain in 8 of the 15 PSUs (high schools): df 7, not the full design's 14.
ci("ciprop_sch.wide_yes_high", ~I(sch.wide == "Yes"), subset(dclus1, stype == "H"), "stype == \"H\"",
   "sch.wide", "Yes")

# ---- subpopulations written with is.na, %in% and ifelse ------------------------------------
sub_mean <- function(id, design, subpop, variable) {
  m <- svymean(as.formula(paste("~", variable)), design, deff = TRUE)
  add(list(id = id, kind = "mean", variable = variable, subpop = subpop, estimate = coef(m),
           std_error = SE(m), deff = deff(m), n = nrow(design)))
}
sub_mean("mean_api00_acs.k3_present", subset(dclus1, !is.na(acs.k3)), "!is.na(acs.k3)", "api00")
sub_mean("mean_api00_acs.k3_missing", subset(dclus1, is.na(acs.k3)), "is.na(acs.k3)", "api00")
sub_mean("mean_api00_stype_in_EM", subset(dclus1, stype %in% c("E", "M")), "stype %in% c(\"E\", \"M\")", "api00")
sub_mean("mean_api00_ifelse", subset(dclus1, ifelse(is.na(acs.k3), 0, acs.k3) > 18),
         "ifelse(is.na(acs.k3), 0, acs.k3) > 18", "api00")

# ---- a design-based regression with is.na, ifelse and %in% terms (column names as R) -------
fit <- svyglm(api00 ~ is.na(acs.k3) + ifelse(meals > 50, 1, 0) + I(stype %in% c("E", "M")) +
                I(ifelse(is.na(avg.ed), 0, avg.ed)), dclus1)
add(list(id = "svyglm_expressions", kind = "svyglm",
         formula = "api00 ~ is.na(acs.k3) + ifelse(meals > 50, 1, 0) + I(stype %in% c(\"E\", \"M\")) + I(ifelse(is.na(avg.ed), 0, avg.ed))",
         columns = names(coef(fit)), estimate = coef(fit), std_error = SE(fit), n = nobs(fit)))

# ---- qbeta: the beta quantiles behind method = "beta" (BetaDistribution.quantile) ----------
# (p near 1 only to 0.999: the JSON reader of the tests may be an ulp off in p, which 1 - p magnifies)
qb <- expand.grid(p = c(1e-10, 0.025, 0.5, 0.975, 0.999), a = c(0.05, 1.7, 40), b = c(0.3, 1, 250))
add(list(id = "qbeta", kind = "qbeta", p = qb$p, a = qb$a, b = qb$b, value = qbeta(qb$p, qb$a, qb$b)))

writeLines(c(
  "{",
  '  "generator": "Tests/Fixtures/descriptives/make_desc_fixtures.R",',
  sprintf('  "tool": "%s, survey %s",', R.version.string, packageVersion("survey")),
  '  "data": "datasets/apiclus1.csv",',
  '  "design": "svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)",',
  '  "cases": [',
  paste0("    ", vapply(cases, js, ""), collapse = ",\n"),
  "  ]",
  "}"), "desc_reference.json")
