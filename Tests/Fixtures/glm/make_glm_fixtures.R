# Reference values for Strata's GLM tests (logit, probit, cloglog, Poisson, fractional logit/probit).
# Run from this folder:  Rscript make_glm_fixtures.R   (writes glm_reference.json)
#
# Fits: glm(..., control = glm.control(epsilon = 1e-14, maxit = 100)) so that the estimates are the
# MLE to machine precision (R's default epsilon = 1e-8 leaves probit coefficients ~1e-5 off).
# Fractional models use family = quasibinomial (Papke-Wooldridge point estimates).
# Covariances:
#   classical   vcov(fit): dispersion x inverse EXPECTED information (X'WX)^-1 at the final weights
#               at the final estimate (glm's $weights are those at the start of its last iteration,
#               so every fit is refitted with start = the MLE; then vcov(fit) agrees to ~1e-10)
#   oim         inverse OBSERVED information, from hand-derived Hessians (probit: Greene's
#               -lambda (lambda + x'b), lambda = q dnorm(q x'b) / pnorm(q x'b), q = 2y - 1; cloglog: second derivative of y log(1 - exp(-e^eta)) - (1 - y) e^eta;
#               logit/Poisson: canonical links, observed = expected)
#   hc0..hc3    sandwich::vcovHC(fit, type =)
#   cluster     sandwich::vcovCL(fit, cluster = ~ v)  (GLM default: type "HC0", cadjust G/(G-1))
#   stata_robust / stata_cluster (probit only): Stata's vce(robust) / vce(cluster) for ML models:
#               H^-1 (sum s s') H^-1 with the OBSERVED Hessian H, times n/(n-1) (robust) or G/(G-1).
# Fit statistics: logLik (fractional: the Bernoulli quasi-log-likelihood sum w (y log mu + (1-y) log(1-mu))),
# deviance, null deviance, AIC, BIC (glm's), iterations of R (informative only).
suppressMessages(library(sandwich))
ds <- "../../../datasets"
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")))
data <- list(mroz = rd("mroz"), k401k = rd("k401k"), k401ksubs = rd("k401ksubs"))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

mroz_f <- "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + kidsge6"
k401_f <- "p401k ~ inc + I(inc^2) + age + I(age^2) + male + marr + fsize"
frac_f <- "I(prate/100) ~ mrate + log(totemp) + I(log(totemp)^2) + age + I(age^2) + sole"
all_v <- c("classical", "oim", "hc0", "hc1", "hc2", "hc3", "cluster")
cases <- list(
  list(id = "mroz_inlf_logit", data = "mroz", model = "logit", formula = mroz_f, vces = all_v, cluster = "age"),
  list(id = "mroz_inlf_probit", data = "mroz", model = "probit", formula = mroz_f,
       vces = c(all_v, "stata_robust", "stata_cluster"), cluster = "age"),
  list(id = "mroz_inlf_cloglog", data = "mroz", model = "cloglog", formula = mroz_f, vces = all_v, cluster = "age"),
  list(id = "k401ksubs_p401k_logit", data = "k401ksubs", model = "logit", formula = k401_f, vces = all_v, cluster = "age"),
  list(id = "k401ksubs_e401k_probit_weighted", data = "k401ksubs", model = "probit",
       formula = "e401k ~ inc + I(inc^2) + age + I(age^2) + male", weights = "fsize", vces = all_v, cluster = "age"),
  list(id = "k401k_prate_fraclogit", data = "k401k", model = "fraclogit", formula = frac_f,
       vces = c("classical", "hc0", "hc1", "hc2", "hc3", "cluster"), cluster = "age"),
  list(id = "k401k_prate_fracprobit", data = "k401k", model = "fracprobit", formula = frac_f,
       vces = c("classical", "hc0", "hc1", "cluster"), cluster = "age"),
  list(id = "mroz_kidsge6_poisson", data = "mroz", model = "poisson",
       formula = "kidsge6 ~ educ + age + I(age^2) + nwifeinc + huseduc + city", vces = all_v, cluster = "age")
)

family_of <- function(m) switch(m,
  logit = binomial("logit"), probit = binomial("probit"), cloglog = binomial("cloglog"),
  poisson = poisson("log"), fraclogit = quasibinomial("logit"), fracprobit = quasibinomial("probit"))

# Per-row weight of the observed information (minus the second derivative of the log-likelihood in eta).
observed_weights <- function(model, y, eta, mu, pw) {
  if (model %in% c("logit", "poisson")) {
    v <- if (model == "logit") mu * (1 - mu) else mu
    return(pw * v)
  }
  if (model == "probit") {
    q <- 2 * y - 1
    lambda <- q * dnorm(q * eta) / pnorm(q * eta)
    return(pw * lambda * (lambda + eta))
  }
  if (model == "cloglog") {
    t <- exp(eta)
    g <- t / expm1(t)                          # d/deta of y*log(1-exp(-t)) is y*g
    dg <- t * ((expm1(t)) - t * exp(t)) / expm1(t)^2
    return(-pw * (y * dg - (1 - y) * t))
  }
  stop("no observed information for ", model)
}

num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) if (length(x) == 0) "[]" else paste0("[", paste(str(x), collapse = ", "), "]")

out <- c()
for (cs in cases) {
  d <- data[[cs$data]]
  fam <- family_of(cs$model)
  d$.w <- if (is.null(cs$weights)) 1 else with(d, eval(parse(text = cs$weights)))
  fit0 <- glm(as.formula(cs$formula), family = fam, data = d, weights = .w, control = ctl)
  # Refit from the previous estimate until the coefficients stop moving (Fisher scoring converges
  # linearly for non-canonical links, so epsilon = 1e-14 on the deviance can still leave ~1e-7 in the
  # coefficients), so that glm's working weights (used by vcov and sandwich) are those at the MLE.
  fit <- fit0
  for (r in 1:100) {
    prev <- coef(fit)
    fit <- glm(as.formula(cs$formula), family = fam, data = d, weights = .w, control = ctl, start = prev)
    if (max(abs(coef(fit) - prev) / (abs(prev) + 1e-8)) < 1e-14) break
  }
  stopifnot(fit$converged)
  X <- model.matrix(fit); y <- fit$y; pw <- fit$prior.weights
  eta <- drop(X %*% coef(fit)); mu <- fam$linkinv(eta)
  n <- nobs(fit); k <- ncol(X)
  wexp <- pw * fam$mu.eta(eta)^2 / fam$variance(mu)
  Iexp <- solve(crossprod(X * sqrt(wexp)))
  phi <- if (cs$model %in% c("fraclogit", "fracprobit")) sum(pw * (y - mu)^2 / fam$variance(mu)) / df.residual(fit) else 1
  cl <- d[[cs$cluster]]
  H <- NULL
  if (any(c("oim", "stata_robust", "stata_cluster") %in% cs$vces)) {
    H <- solve(crossprod(X, X * observed_weights(cs$model, y, eta, mu, pw)))
  }
  s <- X * (pw * (y - mu) * fam$mu.eta(eta) / fam$variance(mu))
  if (cs$model %in% c("fraclogit", "fracprobit")) {
    ll <- sum(pw * (y * log(mu) + (1 - y) * log(1 - mu)))
    aic <- NA; bic <- NA
  } else {
    ll <- as.numeric(logLik(fit)); aic <- AIC(fit); bic <- BIC(fit)
  }
  for (vce in cs$vces) {
    V <- switch(vce,
      classical = phi * Iexp,
      oim = H,
      hc0 = vcovHC(fit, type = "HC0"), hc1 = vcovHC(fit, type = "HC1"),
      hc2 = vcovHC(fit, type = "HC2"), hc3 = vcovHC(fit, type = "HC3"),
      cluster = vcovCL(fit, cluster = cl),
      stata_robust = H %*% crossprod(s) %*% H * n / (n - 1),
      stata_cluster = { G <- length(unique(cl)); S <- rowsum(s, cl); H %*% crossprod(S) %*% H * G / (G - 1) })
    if (vce == "classical") cat(cs$id, "classical vs vcov(glm) max rel diff", max(abs(V / vcov(fit) - 1)), "\n")
    out <- c(out, paste0(
      "{\"id\": ", str(paste0(cs$id, "_", vce)), ", \"dataset\": ", str(cs$data), ", \"model\": ", str(cs$model),
      ", \"formula\": ", str(cs$formula), ", \"weights\": ", if (is.null(cs$weights)) "null" else str(cs$weights),
      ", \"vce\": ", str(vce), ", \"cluster\": ", strvec(if (vce %in% c("cluster", "stata_cluster")) cs$cluster else character(0)),
      ", \"terms\": ", strvec(colnames(X)), ", \"estimate\": ", vec(coef(fit)), ", \"std_error\": ", vec(sqrt(diag(V))),
      ", \"nobs\": ", n, ", \"logLik\": ", num(ll), ", \"deviance\": ", num(deviance(fit)),
      ", \"null_deviance\": ", num(fit$null.deviance), ", \"AIC\": ", num(aic), ", \"BIC\": ", num(bic),
      ", \"dispersion\": ", num(phi), ", \"pearson_chi2\": ", num(sum(pw * (y - mu)^2 / fam$variance(mu))),
      ", \"r_iterations\": ", fit0$iter, "}"))
  }
}
writeLines(c(paste0("{\"generated_with\": ", str(paste0(R.version.string, "; sandwich ", packageVersion("sandwich"))), ","),
             "\"cases\": [", paste(out, collapse = ",\n"), "]}"), "glm_reference.json")
