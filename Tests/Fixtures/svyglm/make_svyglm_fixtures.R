# Reference values for `strata fit ... --vce design` (svyglm parity).
# Run from this folder:  Rscript make_svyglm_fixtures.R   (writes svyglm_reference.json)
# Each case stores the strata command-line arguments and what R survey 4.1-1 gives:
# coef(svyglm), SE(svyglm), and t tests/intervals on df = degf(design) + 1 - p (R convention,
# summary.svyglm) or df = degf(design) (Stata convention, svy:).
suppressMessages(library(survey))
ds <- "../../../datasets"
fx <- "../design"
strat <- read.csv(file.path(ds, "apistrat.csv"))
clus1 <- read.csv(file.path(ds, "apiclus1.csv"))
clus2 <- read.csv(file.path(ds, "apiclus2.csv"))
jk1 <- read.csv(file.path(fx, "apiclus1_jk1.csv"))
brr <- read.csv(file.path(fx, "apistrat_brr.csv"))
# Strata reads text columns as factors (levels in C-locale order); do the same for the outcome.
for (nm in c("strat", "clus1", "clus2", "jk1", "brr")) {
  d <- get(nm); d$sch.wide <- factor(d$sch.wide); d$stype <- factor(d$stype); assign(nm, d)
}

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
djk1 <- svrepdesign(data = jk1, repweights = "repw[0-9]+", weights = ~pw, type = "JK1", combined.weights = TRUE)
dbrr <- svrepdesign(data = brr, repweights = "repw[0-9]+", weights = ~pw, type = "BRR", combined.weights = TRUE)

num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) paste0("[", paste(str(x), collapse = ", "), "]")

out <- c()
add <- function(id, design, formula, family, args, convention = "r", full_df = NULL) {
  # IRLS to the actual optimum (glm's default epsilon = 1e-8 stops early); gaussian is closed form.
  fit <- svyglm(as.formula(formula), design = design, family = family,
                control = glm.control(epsilon = 1e-14, maxit = 100))
  b <- coef(fit); V <- vcov(fit)
  if (convention == "stata" && family$link == "probit") {
    # Stata's svy: probit uses the observed information as the bread (svyglm: the expected one,
    # which equals it for canonical links only): influence = scores %*% solve(H_observed), then
    # the same linearization (survey:::svyrecvar).
    X <- model.matrix(fit); y <- fit$y; eta <- drop(X %*% b); w <- weights(fit$survey.design)[!is.na(fit$fitted.values)]
    w <- fit$prior.weights
    P <- pnorm(eta); f <- dnorm(eta)
    score <- w * f * (y - P) / (P * (1 - P))
    d2 <- -f * (y * (f + eta * P) / P^2 + (1 - y) * (f - eta * (1 - P)) / (1 - P)^2)
    H <- -crossprod(X * (w * d2), X)
    infl <- (X * score) %*% solve(H)
    dsn <- fit$survey.design
    V <- survey:::svyrecvar(infl, dsn$cluster, dsn$strata, dsn$fpc, postStrata = dsn$postStrata)
    dimnames(V) <- list(names(b), names(b))
  }
  se <- sqrt(diag(V))
  dfd <- degf(fit$survey.design)  # the design after svyglm drops incomplete rows (a domain)
  # Stata's svy, subpop() keeps the full design's df (Strata's --convention stata).
  if (!is.null(full_df)) dfd <- full_df
  df <- if (convention == "r") fit$df.residual else dfd
  stopifnot(convention != "r" || df == dfd + 1 - length(b))
  t <- b / se; p <- 2 * pt(abs(t), df, lower.tail = FALSE); q <- qt(0.975, df)
  # The model Wald test of every non-intercept term: R's regTermTest(method = "Wald") (F = W/q on
  # the fit's residual df); under the Stata convention, svy's adjusted Wald F = (d - q + 1) W / (d q)
  # on (q, d - q + 1) with d the design df ([SVY] svy postestimation, test).
  labels <- attr(terms(fit), "term.labels")
  rt <- regTermTest(fit, as.formula(paste("~", paste(labels, collapse = " + "))), method = "Wald")
  nq <- rt$df
  slopes <- names(b) != "(Intercept)"
  W <- drop(t(b[slopes]) %*% solve(V[slopes, slopes], b[slopes]))  # with this case's V (Stata bread)
  stopifnot(convention != "r" || abs(W / nq - rt$Ftest) < 1e-8 * rt$Ftest)
  wf <- if (convention == "r") c(rt$Ftest, nq, rt$ddf) else c((dfd - nq + 1) * W / (dfd * nq), nq, dfd - nq + 1)
  stopifnot(convention != "r" || rt$ddf == df)
  out <<- c(out, paste0("{\"id\": ", str(id), ", \"args\": ", strvec(c(args, "--format", "json")),
    ", \"terms\": ", strvec(names(b)), ", \"estimate\": ", vec(b), ", \"std_error\": ", vec(se),
    ", \"statistic\": ", vec(t), ", \"p_value\": ", vec(p), ", \"conf_low\": ", vec(b - q * se),
    ", \"conf_high\": ", vec(b + q * se), ", \"df\": ", df, ", \"design_df\": ", dfd,
    ", \"nobs\": ", length(fit$y), ", \"wald_f\": ", vec(c(wf, pf(wf[1], wf[2], wf[3], lower.tail = FALSE))), "}"))
}
f1 <- "api00 ~ ell + meals + mobility"
add("apistrat_ols", dstrat, f1, gaussian(),
    c("fit", "ols", f1, "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc"))
add("apistrat_ols_stata", dstrat, f1, gaussian(),
    c("fit", "ols", f1, "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
      "--convention", "stata"), convention = "stata")
add("apiclus1_ols", dclus1, f1, gaussian(),
    c("fit", "ols", f1, "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"))
add("apiclus2_ols", dclus2, f1, gaussian(),
    c("fit", "ols", f1, "--data", "datasets/apiclus2.csv", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"))
add("apiclus2_ols_factor", dclus2, "api00 ~ ell + stype + log(enroll)", gaussian(),
    c("fit", "ols", "api00 ~ ell + stype + log(enroll)", "--data", "datasets/apiclus2.csv", "--psu", "dnum,snum",
      "--fpc", "fpc1,fpc2"))
f2 <- "sch.wide ~ ell + mobility"
add("apistrat_logit", dstrat, f2, quasibinomial(),
    c("fit", "logit", f2, "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc"))
add("apiclus1_logit", dclus1, "sch.wide ~ ell + meals", quasibinomial(),
    c("fit", "logit", "sch.wide ~ ell + meals", "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum",
      "--fpc", "fpc"))
add("apiclus1_probit", dclus1, "sch.wide ~ ell + meals", quasibinomial(link = "probit"),
    c("fit", "probit", "sch.wide ~ ell + meals", "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum",
      "--fpc", "fpc", "--convention", "r"))
add("apiclus1_probit_stata", dclus1, "sch.wide ~ ell + meals", quasibinomial(link = "probit"),
    c("fit", "probit", "sch.wide ~ ell + meals", "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum",
      "--fpc", "fpc", "--convention", "stata"), convention = "stata")
add("apistrat_ols_subpop_stata", subset(dstrat, ell > 10), "api00 ~ meals + mobility", gaussian(),
    c("fit", "ols", "api00 ~ meals + mobility", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype",
      "--fpc", "fpc", "--subpop", "ell > 10", "--convention", "stata"), convention = "stata", full_df = degf(dstrat))
# Domains: svyglm on subset(design, ...) keeps the full design.
add("apistrat_ols_subpop", subset(dstrat, ell > 10), "api00 ~ meals + mobility", gaussian(),
    c("fit", "ols", "api00 ~ meals + mobility", "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype",
      "--fpc", "fpc", "--subpop", "ell > 10"))
add("apiclus1_logit_subpop", subset(dclus1, stype != "E"), "sch.wide ~ ell + meals", quasibinomial(),
    c("fit", "logit", "sch.wide ~ ell + meals", "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum",
      "--fpc", "fpc", "--subpop", "stype != \"E\""))
# Replicate designs: coefficients refitted with each replicate's weights (svrVar).
add("apiclus1_jk1_ols", djk1, "api00 ~ ell + meals", gaussian(),
    c("fit", "ols", "api00 ~ ell + meals", "--data", "Tests/Fixtures/design/apiclus1_jk1.csv", "--weights", "pw", "--repweights", "repw*",
      "--reptype", "jk1"))
add("apiclus1_jk1_logit", djk1, "sch.wide ~ ell + meals", quasibinomial(),
    c("fit", "logit", "sch.wide ~ ell + meals", "--data", "Tests/Fixtures/design/apiclus1_jk1.csv", "--weights", "pw",
      "--repweights", "repw*", "--reptype", "jk1"))
add("apistrat_brr_ols", dbrr, "api00 ~ ell + meals", gaussian(),
    c("fit", "ols", "api00 ~ ell + meals", "--data", "Tests/Fixtures/design/apistrat_brr.csv", "--weights", "pw", "--repweights", "repw*",
      "--reptype", "brr"))
# The flagship data (datasets/flexwork): two-stage stratified design with both FPCs, probit of the
# pension equation with factor terms, I(), log() and item non-response (svyglm drops incomplete rows
# as a domain of the full design).
flex <- read.csv(file.path(ds, "flexwork/flexwork.csv"), stringsAsFactors = TRUE)
dflex <- svydesign(ids = ~psu + id, strata = ~stratum, fpc = ~n_points + point_size, weights = ~weight, data = flex)
fflex <- paste("pension ~ knowledge + know_channel + present_bias + discount + income_cv + burden + contract + copay",
  "+ union + migrant + algo_control + multihome + pilot + risk_aversion + trust + age + I(age^2)",
  "+ female + educ + married + children + log(income) + hours + tenure + platform + city_tier")
add("flexwork_probit", dflex, fflex, quasibinomial(link = "probit"),
    c("fit", "probit", fflex, "--data", "datasets/flexwork/flexwork.csv", "--weights", "weight", "--strata", "stratum",
      "--psu", "psu,id", "--fpc", "n_points,point_size"))
writeLines(c(paste0("{\"generated_with\": ", str(paste0(R.version.string, "; survey ", packageVersion("survey"))), ","),
             "\"cases\": [", paste(out, collapse = ",\n"), "]}"), "svyglm_reference.json")
