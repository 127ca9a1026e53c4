# Reference values for Strata's calibration, post-stratification and raking
# (Tests/StrataDesignTests/CalibrationReferenceTests.swift, Tests/StrataAnalysisTests/CalibrationLibraryTests.swift).
# Run from this folder:  Rscript make_calibration_fixtures.R   (writes calibration_reference.json)
#
# survey 4.1-1. Population totals from datasets/apipop.csv. Every calibration runs R's iterations to
# epsilon = 1e-13 (R's default is 1e-7), raking (`rake`) to control epsilon 1e-14 x sum(weights) with up
# to 1000 sweeps (R's default stops after 10), and every svyglm to glm.control(epsilon = 1e-14), so the
# references are the converged values, not R's default stopping points.
# For each case: the final weights (data row order), svymean(~api00), svytotal(~api00),
# svymean(~api00) in the domain sch.wide == "Yes" (subset of the calibrated design), svyratio(~api00, ~api99),
# the proportion of awards == "Yes" (svymean of the factor), svyquantile(~api00, 0.5) (R's defaults), svyglm gaussian
# api00 ~ ell + meals and quasibinomial sch.wide ~ ell + meals (coefficients and design SEs), and the
# average marginal effect of meals in the logit model with its design SE: the unconditional influence
# psi_i = a_i (m_i - theta) + IF_i(b)' J with a_i = w_i / sum(w) (w the calibrated weights) put through
# survey:::svyrecvar with the calibrated design's postStrata (as ../margins/make_margins_fixtures.R).
suppressMessages(library(survey))
ds <- "../../../datasets"
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")), stringsAsFactors = FALSE)
num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
obj <- function(fields) paste0("{", paste(paste0(str(names(fields)), ": ", unlist(fields)), collapse = ", "), "}")
named <- function(x) obj(setNames(as.list(num(unname(x))), names(x)))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
EPS <- 1e-13

pop <- rd("apipop")
types <- table(pop$stype)
schwide <- table(pop$sch.wide)
pop_stype_enroll <- c(`(Intercept)` = nrow(pop), stypeH = unname(types["H"]), stypeM = unname(types["M"]),
  enroll = sum(pop$enroll, na.rm = TRUE))
pop_stype_api99 <- c(`(Intercept)` = nrow(pop), stypeH = unname(types["H"]), stypeM = unname(types["M"]),
  api99 = sum(pop$api99))

designs <- list(
  strat = list(data = "apistrat", make = function(d) svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = d),
    spec = obj(list(weights = str("pw"), strata = str("stype"), psu = "[]", fpc = "[\"fpc\"]")),
    formula = "~stype + enroll", pop = pop_stype_enroll, bounds = c(0.8, 1.3)),
  clus1 = list(data = "apiclus1", make = function(d) svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = d),
    spec = obj(list(weights = str("pw"), psu = "[\"dnum\"]", fpc = "[\"fpc\"]")),
    formula = "~stype + enroll", pop = pop_stype_enroll, bounds = c(0.7, 1.7)),
  clus2 = list(data = "apiclus2", make = function(d) svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = d),
    spec = obj(list(weights = str("pw"), psu = "[\"dnum\", \"snum\"]", fpc = "[\"fpc1\", \"fpc2\"]")),
    formula = "~stype + api99", pop = pop_stype_api99, bounds = c(0.85, 1.4)))

calibrations <- list(
  linear = list(calfun = "linear", bounds = c(-Inf, Inf)),
  linear_bounded = list(calfun = "linear", bounds = NULL),   # the design's bounds (binding)
  raking = list(calfun = "raking", bounds = c(-Inf, Inf)),
  raking_bounded = list(calfun = "raking", bounds = NULL),
  logit = list(calfun = "logit", bounds = c(0.5, 2.5)))

estimates <- function(dc) {
  m <- svymean(~api00, dc)
  t <- svytotal(~api00, dc)
  dm <- svymean(~api00, subset(dc, sch.wide == "Yes"))
  r <- svyratio(~api00, ~api99, dc)
  p <- svymean(~awards, dc)
  q <- svyquantile(~api00, dc, 0.5)
  g1 <- svyglm(api00 ~ ell + meals, dc, control = ctl)
  g2 <- svyglm(sch.wide ~ ell + meals, dc, family = quasibinomial(), control = ctl)
  fields <- list(
    weights = vec(weights(dc, "sampling")),
    mean_api00 = vec(c(coef(m), SE(m))), total = vec(c(coef(t), SE(t))),
    domain_mean_api00 = vec(c(coef(dm), SE(dm))),
    ratio_api00_api99 = vec(c(coef(r), SE(r))), proportion_awards_yes = vec(c(coef(p)[2], SE(p)[2])),
    median_api00 = vec(c(coef(q), SE(q))),
    gaussian_coef = vec(coef(g1)), gaussian_se = vec(SE(g1)),
    logit_coef = vec(coef(g2)), logit_se = vec(SE(g2)))
  if (!inherits(dc, "svyrep.design")) {
    # Average marginal effect of meals in the logit model, unconditional design SE.
    X <- model.matrix(g2); b <- coef(g2); w <- weights(dc); a <- w / sum(w)
    eta <- drop(X %*% b); p <- plogis(eta); k <- which(colnames(X) == "meals")
    mi <- p * (1 - p) * b[k]; theta <- sum(a * mi)
    J <- colSums(a * (p * (1 - p) * (1 - 2 * p) * b[k]) * X); J[k] <- J[k] + sum(a * p * (1 - p))
    A <- solve(crossprod(X, X * g2$weights))   # the model's (X'WX)^-1 (svyglm's cov.unscaled is design-based)
    IFb <- (X * (residuals(g2, "working") * g2$weights)) %*% A
    psi <- a * (mi - theta) + drop(IFb %*% J)
    v <- survey:::svyrecvar(psi, dc$cluster, dc$strata, dc$fpc, postStrata = dc$postStrata)
    fields$ame_meals <- vec(c(theta, sqrt(v[1, 1])))
  }
  fields
}

out <- c()
for (dn in names(designs)) {
  dz <- designs[[dn]]
  d <- rd(dz$data)
  d$sch.wide <- factor(d$sch.wide, levels = c("No", "Yes"))
  d$stype <- factor(d$stype)
  des <- dz$make(d)
  for (cn in names(calibrations)) {
    cz <- calibrations[[cn]]
    if (is.null(cz$bounds)) cz$bounds <- dz$bounds
    dc <- calibrate(des, as.formula(dz$formula), population = dz$pop, calfun = cz$calfun, bounds = cz$bounds,
      epsilon = EPS, maxit = 100)
    g <- weights(dc, "sampling") / weights(des, "sampling")
    fields <- c(list(id = str(paste(dn, cn, sep = "_")), data = str(dz$data), design = dz$spec,
      method = str("calibrate"), formula = str(dz$formula), totals = named(dz$pop), calfun = str(cz$calfun),
      bounds = if (all(is.finite(cz$bounds))) vec(cz$bounds) else "null",
      g_min = num(min(g)), g_max = num(max(g))), estimates(dc))
    out <- c(out, obj(fields))
  }
}

# Post-stratification and raking of the one-stage cluster design.
d <- rd("apiclus1"); d$sch.wide <- factor(d$sch.wide, levels = c("No", "Yes")); d$stype <- factor(d$stype)
dclus1 <- designs$clus1$make(d)
ps <- postStratify(dclus1, ~stype, data.frame(stype = names(types), Freq = as.vector(types)))
out <- c(out, obj(c(list(id = str("clus1_poststratify"), data = str("apiclus1"), design = designs$clus1$spec,
  method = str("poststratify"), margins = paste0("[", obj(list(variables = "[\"stype\"]", totals = named(types))), "]")),
  estimates(ps))))
rk <- rake(dclus1, list(~stype, ~sch.wide),
  list(data.frame(stype = names(types), Freq = as.vector(types)),
       data.frame(sch.wide = names(schwide), Freq = as.vector(schwide))),
  control = list(maxit = 1000, epsilon = 1e-14))
out <- c(out, obj(c(list(id = str("clus1_rake"), data = str("apiclus1"), design = designs$clus1$spec,
  method = str("rake"), margins = paste0("[", obj(list(variables = "[\"stype\"]", totals = named(types))), ", ",
    obj(list(variables = "[\"sch.wide\"]", totals = named(schwide))), "]")),
  estimates(rk))))

# A calibrated JK1 replicate design: replicates from the uncalibrated design, then calibrated.
jk <- as.svrepdesign(dclus1, type = "JK1")
for (cn in c("linear", "raking")) {
  cz <- calibrations[[cn]]
  jc <- calibrate(jk, ~stype + enroll, population = pop_stype_enroll, calfun = cz$calfun, epsilon = EPS, maxit = 100)
  f <- estimates(jc)
  out <- c(out, obj(c(list(id = str(paste0("clus1_jk1_", cn)), data = str("apiclus1"),
    design = obj(list(weights = str("pw"), psu = "[\"dnum\"]", fpc = "[\"fpc\"]", replicate = str("jk1"))),
    method = str("calibrate"), formula = str("~stype + enroll"), totals = named(pop_stype_enroll),
    calfun = str(cz$calfun), bounds = "null"), f)))
}

writeLines(c("{\"cases\": [", paste(out, collapse = ",\n"), "]}"), "calibration_reference.json")
