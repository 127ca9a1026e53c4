# Reference values for Strata's 2SLS and absorbed-fixed-effects tests.
# Run from this folder:  Rscript make_ivfe_fixtures.R   (writes ivfe_reference.json and fe_panel.csv)
# R 4.x, AER 1.2.10, sandwich 3.0.2, jsonlite. fixest is not available from Debian
# (apt-get install r-cran-fixest: "Unable to locate package"), so the fixed-effects references are
# lm/glm with factor() dummies on the sample after fixest-style pruning.
#
# IV: AER::ivreg(y ~ regressors | instruments); variances
#   classical vcov(m); hc0..hc3 sandwich::vcovHC(m, type =); cluster sandwich::vcovCL(m, cluster =, type = "HC1")
#   (HC1: G/(G-1) (n-1)/(n-k), as for lm; vcovCL's own default for ivreg objects is HC0).
#   Diagnostics: summary(m, vcov. = <same function>, diagnostics = TRUE) (classical: vcov. = NULL).
#   Hansen J: hand-coded two-step efficient GMM (ivreg2's robust / cluster J), see hansen_j().
# FE: singletons (and, for logit/Poisson, groups with constant outcome) removed iteratively; then
#   lm(y ~ x + factor(fe1) + factor(fe2)) / glm(..., control = glm.control(epsilon = 1e-14, maxit = 100)).
#   classical: vcov(); hc1: vcovHC(type = "HC1") on the dummy lm (n/(n-K), K counting all dummies);
#   cluster (by fe1): vcovCL(type = "HC0", cadjust = TRUE) x (n-1)/(n-Kc) for lm, Kc = p + (#FE params) - G1 + 1
#   (fixest's fixef.K = "nested"), and vcovCL(type = "HC0") for glm (G/(G-1) only).
suppressMessages({library(AER); library(sandwich); library(jsonlite)})
ds <- "../../../datasets"
mroz <- read.csv(file.path(ds, "mroz.csv"))

hansen_j <- function(m, cl = NULL) {
  X <- model.matrix(m, component = "regressors"); Z <- model.matrix(m, component = "instruments")
  y <- model.response(model.frame(m)); e <- residuals(m)
  S <- if (is.null(cl)) crossprod(Z * e) else crossprod(rowsum(Z * e, cl))
  Si <- solve(S)
  b <- solve(t(X) %*% Z %*% Si %*% t(Z) %*% X, t(X) %*% Z %*% Si %*% t(Z) %*% y)
  g <- t(Z) %*% (y - X %*% b)
  drop(t(g) %*% Si %*% g)
}

iv_cases <- list(
  list(id = "mroz_2inst_fixest", formula = "log(wage) ~ exper + I(exper^2) | educ ~ motheduc + fatheduc",
       aer = log(wage) ~ exper + I(exper^2) + educ | exper + I(exper^2) + motheduc + fatheduc, weights = NULL),
  list(id = "mroz_3inst_aer", formula = "lwage ~ exper + expersq + educ | motheduc + fatheduc + huseduc + exper + expersq",
       aer = lwage ~ exper + expersq + educ | motheduc + fatheduc + huseduc + exper + expersq, weights = NULL),
  list(id = "mroz_2endog", formula = "lwage ~ exper + expersq | educ + nwifeinc ~ motheduc + fatheduc + huseduc",
       aer = lwage ~ exper + expersq + educ + nwifeinc | exper + expersq + motheduc + fatheduc + huseduc, weights = NULL),
  list(id = "mroz_weighted", formula = "lwage ~ exper + expersq | educ ~ motheduc + fatheduc",
       aer = lwage ~ exper + expersq + educ | exper + expersq + motheduc + fatheduc, weights = "hours")
)
vfun <- list(classical = NULL, hc0 = function(x) vcovHC(x, type = "HC0"), hc1 = function(x) vcovHC(x, type = "HC1"),
             hc2 = function(x) vcovHC(x, type = "HC2"), hc3 = function(x) vcovHC(x, type = "HC3"))
out_iv <- list()
for (cs in iv_cases) {
  d <- mroz[mroz$inlf == 1, ]
  m <- if (is.null(cs$weights)) ivreg(cs$aer, data = d) else ivreg(cs$aer, data = d, weights = d[[cs$weights]])
  vl <- vfun
  if (!is.null(cs$weights)) vl <- vl[c("classical", "hc1")]
  cl <- d$age
  vl$cluster <- function(x) vcovCL(x, cluster = cl, type = "HC1")
  for (v in names(vl)) {
    f <- vl[[v]]
    V <- if (is.null(f)) vcov(m) else f(m)
    s <- summary(m, vcov. = f, diagnostics = TRUE)
    dg <- s$diagnostics
    case <- list(id = paste(cs$id, v, sep = "_"), formula = cs$formula, weights = cs$weights, vce = v,
                 cluster = if (v == "cluster") "age" else NULL, subset = "inlf == 1",
                 terms = names(coef(m)), estimate = unname(coef(m)), std_error = unname(sqrt(diag(V))),
                 sigma = m$sigma, r_squared = s$r.squared, nobs = nobs(m), df_residual = m$df.residual,
                 diagnostics = lapply(seq_len(nrow(dg)), function(i) list(name = rownames(dg)[i],
                   df1 = dg[i, 1], df2 = dg[i, 2], statistic = dg[i, 3], p_value = dg[i, 4])))
    if (v %in% c("hc0", "hc1", "hc2", "hc3") && is.null(cs$weights)) case$hansen_j <- hansen_j(m)
    if (v == "cluster" && is.null(cs$weights)) case$hansen_j <- hansen_j(m, cl)
    out_iv[[length(out_iv) + 1]] <- case
  }
}

# ---- fixed effects: a seeded synthetic panel with singletons ----
set.seed(20240609)
n <- 900
fe1 <- sample(1:80, n, replace = TRUE); fe2 <- sample(1:12, n, replace = TRUE)
a1 <- rnorm(80); a2 <- rnorm(12)
x1 <- rnorm(n) + a1[fe1] * 0.5; x2 <- runif(n) + a2[fe2] * 0.3
w <- runif(n, 0.5, 2)
y <- 1 + 0.7 * x1 - 0.4 * x2 + a1[fe1] + a2[fe2] + rnorm(n)
eta <- -0.3 + 0.6 * x1 - 0.5 * x2 + a1[fe1] * 0.8 + a2[fe2] * 0.5
yb <- as.integer(runif(n) < plogis(eta))
yc <- rpois(n, exp(0.2 + 0.3 * x1 - 0.2 * x2 + 0.5 * a1[fe1] + 0.3 * a2[fe2]))
# a few singletons and an all-zero-outcome group
fe1[1:3] <- 81:83; yc[fe1 == 5] <- 0; yb[fe1 == 6] <- 1
panel <- data.frame(y, yb, yc, x1, x2, w, fe1, fe2)
write.csv(panel, "fe_panel.csv", row.names = FALSE)

prune <- function(d, outcome, perfect) {
  repeat {
    before <- nrow(d)
    for (f in c("fe1", "fe2")) {
      cnt <- ave(rep(1, nrow(d)), d[[f]], FUN = sum); d <- d[cnt > 1, ]
      if (perfect != "none") {
        s <- ave(d[[outcome]], d[[f]], FUN = sum); k <- ave(rep(1, nrow(d)), d[[f]], FUN = sum)
        bad <- if (perfect == "poisson") s == 0 else (s == 0 | s == k)
        d <- d[!bad, ]
      }
    }
    if (nrow(d) == before) break
  }
  d
}
fe_params <- function(d) {
  # levels minus connected components of the fe1-fe2 bipartite graph (lm's rank of the dummies)
  X <- model.matrix(~ factor(fe1) + factor(fe2), d); qr(X)$rank
}
out_fe <- list()
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
fe_cases <- list(
  list(id = "ols", model = "ols", y = "y", perfect = "none", weights = NULL),
  list(id = "wls", model = "ols", y = "y", perfect = "none", weights = "w"),
  list(id = "logit", model = "logit", y = "yb", perfect = "binary", weights = NULL),
  list(id = "probit", model = "probit", y = "yb", perfect = "binary", weights = NULL),
  list(id = "poisson", model = "poisson", y = "yc", perfect = "poisson", weights = NULL))
for (cs in fe_cases) {
  d <- prune(panel, cs$y, cs$perfect)
  fml <- as.formula(paste(cs$y, "~ x1 + x2 + factor(fe1) + factor(fe2)"))
  wt <- if (is.null(cs$weights)) NULL else d[[cs$weights]]
  d$.w <- if (is.null(wt)) 1 else wt
  m <- if (cs$model == "ols") lm(fml, d, weights = .w) else {
    fam <- switch(cs$model, logit = binomial(), probit = binomial("probit"), poisson = poisson())
    m0 <- glm(fml, fam, d, control = ctl); glm(fml, fam, d, control = ctl, start = coef(m0))
  }
  p <- 2; K <- fe_params(d) + p; G1 <- length(unique(d$fe1)); nn <- nrow(d)
  Vc <- vcov(m)[2:3, 2:3]
  Vh <- vcovHC(m, type = if (cs$model == "ols") "HC1" else "HC0")[2:3, 2:3]
  Vcl <- vcovCL(m, cluster = ~fe1, type = "HC0", cadjust = TRUE)[2:3, 2:3]
  if (cs$model == "ols") Vcl <- Vcl * (nn - 1) / (nn - (K - G1 + 1))
  formula <- paste(cs$y, "~ x1 + x2 | fe1 + fe2")
  for (v in c("classical", "hc", "cluster")) {
    V <- switch(v, classical = Vc, hc = Vh, cluster = Vcl)
    out_fe[[length(out_fe) + 1]] <- list(
      id = paste(cs$id, v, sep = "_"), model = cs$model, formula = formula, weights = cs$weights,
      vce = if (v == "hc") (if (cs$model == "ols") "hc1" else "hc0") else v,
      terms = c("x1", "x2"), estimate = unname(coef(m)[2:3]), std_error = unname(sqrt(diag(V))),
      nobs = nn, removed = nrow(panel) - nn, df_residual = nn - K,
      fe_levels = c(length(unique(d$fe1)), length(unique(d$fe2))),
      r_squared = if (cs$model == "ols") summary(m)$r.squared else NULL,
      deviance = if (cs$model == "ols") NULL else deviance(m))
  }
}
writeLines(toJSON(list(generated_with = paste(R.version.string, "AER", packageVersion("AER"), "sandwich",
  packageVersion("sandwich")), iv = out_iv, fe = out_fe), auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
  "ivfe_reference.json")
