# Reference values for `strata test`, `strata lincom`, `strata nlcom` (Wald tests of terms and
# linear / nonlinear combinations of the coefficients of a saved fit) and for the slopes-only
# test of `strata fit ... --split G`.  Run from this folder:
#   Rscript make_test_fixtures.R   (writes tests_reference.json)
# R 4.2.2, survey 4.1-1, sandwich 3.0-2.
# - test:   survey::regTermTest(m, ~terms) (method = "Wald"): chisq = b' V^-1 b over the term's
#           columns; F = chisq / q on (q, df) with df = m$df.residual (svyglm: degf(design) + 1 - p;
#           lm: n - p).  The logit (z tests) uses regTermTest(..., df = Inf): the chi-squared form.
#           lm with HC1: the same Wald statistic with V = sandwich::vcovHC(m, "HC1"), F on n - p.
# - lincom/nlcom: survey::svycontrast(m, quote(expr)) (its delta method with deriv()); t on the
#           fit's df (svyglm, lm) or z (logit); CI estimate -/+ q * se at 95%.
# - split slopes: the slopes-equal test (intercepts free). Independent groups: d = (b_g - b_1)
#           over the slope terms only, W = d' (C blockdiag(V_g) C')^-1 d (HC1 per group). Domains of
#           one design: the interacted svyglm y ~ G * (x...), W = regTermTest chisq of the
#           G:x interactions (the G main effects, i.e. the intercept shifts, left free).
# - margins: lincom/nlcom of average marginal effects (strata margins --lincom/--nlcom), see 6.
suppressMessages({ library(survey); library(sandwich) })
ds <- "../../../datasets"
strat <- read.csv(file.path(ds, "apistrat.csv")); clus1 <- read.csv(file.path(ds, "apiclus1.csv"))
strat$stype <- factor(strat$stype); strat$sch.wide <- factor(strat$sch.wide)
clus1$yr.rnd <- factor(clus1$yr.rnd)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) paste0("[", paste(str(x), collapse = ", "), "]")
obj <- function(...) {
  a <- list(...)
  paste0("{", paste(sprintf("\"%s\": %s", names(a), unlist(a)), collapse = ", "), "}")
}
arr <- function(x) paste0("[", paste(x, collapse = ", "), "]")

# One regTermTest (or its by-hand HC1 form) as JSON.
term_test <- function(terms, chisq, q, df) {
  stat <- if (is.finite(df)) chisq / q else chisq
  p <- if (is.finite(df)) pf(stat, q, df, lower.tail = FALSE) else pchisq(chisq, q, lower.tail = FALSE)
  obj(terms = str(terms), chi2 = num(chisq), df_num = q, df_den = num(df), statistic = num(stat), p_value = num(p))
}
rtt <- function(m, f, terms, df = NULL) {
  r <- regTermTest(m, f, df = df)
  if (is.null(r$Ftest)) return(term_test(terms, drop(r$chisq), r$df, Inf))
  term_test(terms, drop(r$Ftest) * r$df, r$df, r$ddf)
}
# svycontrast estimates with t (df finite) or z tests and 95% intervals.
contrast <- function(m, exprs, df, V = NULL) {
  stat <- m
  if (!is.null(V)) stat <- structure(list(coefficients = coef(m), v = V), class = "hc1fit")
  sapply(names(exprs), function(label) {
    r <- svycontrast(stat, exprs[[label]])
    est <- unname(coef(r))[1]; se <- unname(sqrt(diag(as.matrix(vcov(r)))))[1]
    z <- est / se
    p <- if (is.finite(df)) 2 * pt(-abs(z), df) else 2 * pnorm(-abs(z))
    q <- if (is.finite(df)) qt(0.975, df) else qnorm(0.975)
    obj(expression = str(label), estimate = num(est), std_error = num(se), statistic = num(z), p_value = num(p),
        conf_low = num(est - q * se), conf_high = num(est + q * se))
  })
}
coef.hc1fit <- function(object, ...) object$coefficients
vcov.hc1fit <- function(object, ...) object$v

cases <- c()
emit <- function(id, args, df, tests, lincom, nlcom) {
  cases <<- c(cases, obj(id = str(id), args = strvec(args), df = num(df), tests = arr(tests),
    lincom = arr(lincom), nlcom = arr(nlcom)))
}
lin <- list("ell - meals" = quote(ell - meals), "2*ell + meals" = quote(2 * ell + meals),
  "`(Intercept)` + 20*ell + 30*meals" = quote(`(Intercept)` + 20 * ell + 30 * meals))
nl <- list("ell / meals" = quote(ell / meals), "exp(ell)" = quote(exp(ell)), "ell * meals" = quote(ell * meals))

# 1. svyglm (Gaussian) on the stratified design
m <- svyglm(api00 ~ ell + meals + stype, design = dstrat)
emit("apistrat_svyglm", c("ols", "api00 ~ ell + meals + stype", "--data", "datasets/apistrat.csv",
  "--weights", "pw", "--strata", "stype", "--fpc", "fpc"), m$df.residual,
  c(rtt(m, ~ell + meals, "ell, meals"), rtt(m, ~stype, "stype")),
  contrast(m, c(lin, list("stypeH - stypeM" = quote(stypeH - stypeM))), m$df.residual),
  contrast(m, c(nl, list("stypeH / stypeM" = quote(stypeH / stypeM))), m$df.residual))

# 2. lm, classical, with an interaction of a factor and a numeric variable
m <- lm(api00 ~ ell + meals + stype + ell:stype, data = strat)
emit("apistrat_lm", c("ols", "api00 ~ ell + meals + stype + ell:stype", "--data", "datasets/apistrat.csv"),
  m$df.residual,
  c(rtt(m, ~ell + meals, "ell, meals"), rtt(m, ~stype, "stype"), rtt(m, ~ell:stype, "stype:ell")),
  contrast(m, lin, m$df.residual), contrast(m, nl, m$df.residual))

# 3. lm with HC1 (sandwich): the saved covariance is the robust one
m <- lm(api00 ~ ell + meals + stype, data = strat)
V <- vcovHC(m, type = "HC1")
hc1 <- function(cols, terms) {
  b <- coef(m)[cols]
  term_test(terms, drop(b %*% solve(V[cols, cols], b)), length(cols), m$df.residual)
}
emit("apistrat_lm_hc1", c("ols", "api00 ~ ell + meals + stype", "--data", "datasets/apistrat.csv", "--vce", "hc1"),
  m$df.residual, c(hc1(c("ell", "meals"), "ell, meals"), hc1(c("stypeH", "stypeM"), "stype")),
  contrast(m, lin, m$df.residual, V), contrast(m, nl, m$df.residual, V))

# 4. glm logit, classical (z tests: the chi-squared form, regTermTest(df = Inf))
m <- glm(sch.wide ~ ell + meals + stype, data = strat, family = binomial(), control = ctl)
m <- glm(sch.wide ~ ell + meals + stype, data = strat, family = binomial(), control = ctl, start = coef(m))
emit("apistrat_logit", c("logit", "sch.wide ~ ell + meals + stype", "--data", "datasets/apistrat.csv"), Inf,
  c(rtt(m, ~ell + meals, "ell, meals", df = Inf), rtt(m, ~stype, "stype", df = Inf)),
  contrast(m, lin, Inf), contrast(m, nl, Inf))

# 5. split: slopes equal, intercepts free
splits <- c()
f <- api00 ~ ell + meals
fits <- lapply(levels(strat$stype), function(g) lm(f, data = strat[strat$stype == g, ]))
Vg <- lapply(fits, function(x) vcovHC(x, type = "HC1")[-1, -1]); b <- lapply(fits, function(x) coef(x)[-1])
d <- unlist(lapply(2:3, function(g) b[[g]] - b[[1]]))
S <- rbind(cbind(Vg[[2]] + Vg[[1]], Vg[[1]]), cbind(Vg[[1]], Vg[[3]] + Vg[[1]]))
W <- drop(d %*% solve(S, d))
splits <- c(splits, obj(id = str("apistrat_ols_hc1"), args = strvec(c("fit", "ols", "api00 ~ ell + meals", "--data",
  "datasets/apistrat.csv", "--split", "stype", "--vce", "hc1", "--format", "json")), statistic = num(W), df = 4,
  p_value = num(pchisq(W, 4, lower.tail = FALSE))))
full <- svyglm(api00 ~ yr.rnd * (ell + meals), design = dclus1)
r <- regTermTest(full, ~yr.rnd:ell + yr.rnd:meals, df = Inf)
splits <- c(splits, obj(id = str("apiclus1_ols_design"), args = strvec(c("fit", "ols", "api00 ~ ell + meals", "--data",
  "datasets/apiclus1.csv", "--split", "yr.rnd", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc", "--format", "json")),
  statistic = num(drop(r$chisq)), df = r$df, p_value = num(r$p)))

# 6. combinations of average marginal effects (covariates fixed): a design-based logit, AMEs of
#    ell and meals, AME_j = sum_i a_i mu_i (1 - mu_i) b_j with a_i = w_i / sum(w); their gradient
#    J_jk = sum_i a_i mu_i (1 - mu_i) (1 - 2 mu_i) x_ik b_j + [k = j] sum_i a_i mu_i (1 - mu_i);
#    joint covariance J V J' with V = vcov(svyglm); then the delta method as svycontrast.
m <- svyglm(sch.wide ~ ell + meals, design = dstrat, family = quasibinomial(), control = ctl)
m <- svyglm(sch.wide ~ ell + meals, design = dstrat, family = quasibinomial(), control = ctl, start = coef(m))
X <- model.matrix(m); mu <- fitted(m); a <- weights(dstrat) / sum(weights(dstrat)); b <- coef(m)
s <- a * mu * (1 - mu)
ame <- sapply(c("ell", "meals"), function(j) sum(s) * b[[j]])
J <- t(sapply(c("ell", "meals"), function(j) colSums(s * (1 - 2 * mu) * X) * b[[j]] + sum(s) * (names(b) == j)))
VA <- J %*% vcov(m) %*% t(J)
stat <- structure(list(coefficients = ame, v = VA), class = "hc1fit")
ames <- c()
for (e in list(list("ell - meals", quote(ell - meals), "lincom"), list("ell / meals", quote(ell / meals), "nlcom"))) {
  r <- svycontrast(stat, e[[2]])
  est <- unname(coef(r))[1]; se <- unname(sqrt(diag(as.matrix(vcov(r)))))[1]; df <- m$df.residual
  ames <- c(ames, obj(kind = str(e[[3]]), expression = str(e[[1]]), estimate = num(est), std_error = num(se),
    statistic = num(est / se), p_value = num(2 * pt(-abs(est / se), df)), conf_low = num(est - qt(0.975, df) * se),
    conf_high = num(est + qt(0.975, df) * se)))
}
ame_case <- obj(id = str("apistrat_logit_design_ame"), args = strvec(c("logit", "sch.wide ~ ell + meals", "--data",
  "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc")), ame = arr(num(ame)),
  se = arr(num(sqrt(diag(VA)))), combinations = arr(ames))

writeLines(c("{\"generator\": \"make_test_fixtures.R\",", paste0("\"cases\": [", paste(cases, collapse = ",\n"), "],"),
  paste0("\"split\": [", paste(splits, collapse = ",\n"), "],"), paste0("\"margins\": [", ame_case, "]}")),
  "tests_reference.json")
