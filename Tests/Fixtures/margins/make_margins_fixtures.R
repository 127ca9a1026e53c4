# Reference values for Strata's margins, elasticities and scenarios (Tests/StrataInferenceTests/Margins*).
# Run from this folder:  Rscript make_margins_fixtures.R   (writes margins_reference.json)
#
# Every quantity is an average over the estimation sample (weighted by the fit's prior/sampling
# weights), or a value at the means, of a smooth function of the coefficients:
#   prediction   mu_i = linkinv(x_i b)                       (least squares: x_i b)
#   dydx         dmu/dx = mu.eta(eta) * (dX_i/dx) b          (analytic dX/dx, written per formula below)
#   eyex, eydx, dyex   dydx * x / mu, dydx / mu, dydx * x
#   discrete     mu(x_i with g = level) - mu(x_i with g = base)  (factors: each level vs the first)
#   at values    the average with variables set on every row;  at means: numeric columns at their
#                (weighted) sample mean, categorical columns (factor(g)) at their most frequent value
#   scenario     mean mu under the changed data; difference and ratio to the baseline mean
# Standard errors (delta method), with J = d(theta)/d(b) analytic and checked against a central
# difference of theta(b) (stopifnot, relative 1e-6):
#   fixed covariates   sqrt(J V J'), V = vcov (classical), sandwich::vcovHC HC0/HC1, vcovCL
#                      (lm: HC1, G/(G-1)(n-1)/(n-k); glm: HC0, G/(G-1)), vcov(svyglm) (design)
#   unconditional      psi_i = a_i (m_i - theta) + (IF_i(b))' J,  a_i = w_i / sum(w),
#                      IF(b) = estfun(fit) %*% bread(fit) / n (= scores x (X'WX)^-1), then
#                      hc0: sum psi^2;  hc1: * n/(n-k);  cluster: sum_g (sum psi)^2 G/(G-1) (* (n-1)/(n-k) for lm);
#                      design: survey:::svyrecvar(psi, design$cluster, design$strata, design$fpc)
# GLMs are refitted from their own estimate with epsilon = 1e-14 until the coefficients stop
# moving (as in ../glm/make_glm_fixtures.R), so the working weights are those at the MLE.
suppressMessages({library(sandwich); library(survey)})
ds <- "../../../datasets"
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")), stringsAsFactors = FALSE)
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) if (length(x) == 0) "[]" else paste0("[", paste(str(x), collapse = ", "), "]")

family_of <- function(m) switch(m, ols = gaussian(), logit = binomial("logit"), probit = binomial("probit"),
  poisson = poisson("log"), fraclogit = quasibinomial("logit"))
# d mu.eta / d eta
mu_eta2 <- function(m, eta) switch(m, ols = 0 * eta,
  logit = , fraclogit = { p <- plogis(eta); p * (1 - p) * (1 - 2 * p) },
  probit = -eta * dnorm(eta), poisson = exp(eta))

mroz_f <- "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + kidsge6"
mroz_d <- list(
  nwifeinc = list(nwifeinc = quote(1)), educ = list(educ = quote(1)),
  exper = list(exper = quote(1), "I(exper^2)" = quote(2 * exper)), age = list(age = quote(1)),
  kidslt6 = list(kidslt6 = quote(1)), kidsge6 = list(kidsge6 = quote(1)))
mroz_fac_d <- mroz_d
mroz_fac_d$educ <- list(educ = quote(1), "educ:factor(city)1" = quote(as.numeric(city == 1)))
k401_f <- "e401k ~ inc * factor(marr) + I(inc^2) + age + I(age^2) + male"
k401_d <- list(
  inc = list(inc = quote(1), "I(inc^2)" = quote(2 * inc), "inc:factor(marr)1" = quote(as.numeric(marr == 1))),
  age = list(age = quote(1), "I(age^2)" = quote(2 * age)))
pois_f <- "totpart ~ mrate + log(totemp) + age + I(age^2) + sole"
pois_d <- list(mrate = list(mrate = quote(1)), totemp = list("log(totemp)" = quote(1 / totemp)),
  age = list(age = quote(1), "I(age^2)" = quote(2 * age)))
frac_f <- "I(prate/100) ~ mrate + log(totemp) + I(log(totemp)^2) + age + I(age^2) + sole"
frac_d <- list(mrate = list(mrate = quote(1)),
  totemp = list("log(totemp)" = quote(1 / totemp), "I(log(totemp)^2)" = quote(2 * log(totemp) / totemp)),
  age = list(age = quote(1), "I(age^2)" = quote(2 * age)))
strat_f <- "api00 ~ ell + meals + I(meals^2) + mobility + stype"
strat_d <- list(ell = list(ell = quote(1)), meals = list(meals = quote(1), "I(meals^2)" = quote(2 * meals)),
  mobility = list(mobility = quote(1)))
clus_f <- "sch.wide ~ ell + meals + log(api99) + mobility"
clus_d <- list(ell = list(ell = quote(1)), meals = list(meals = quote(1)), api99 = list("log(api99)" = quote(1 / api99)),
  mobility = list(mobility = quote(1)))

cases <- list(
  list(id = "mroz_ols", data = "mroz", model = "ols", formula = mroz_f, deriv = mroz_d, factors = list(), discrete = c(),
       vces = c("classical", "hc1", "cluster"), cluster = "age", at = list(var = "educ", set = "exper", values = c(5, 15)),
       scenario = "nwifeinc = nwifeinc * 1.1", sc = function(d) { d$nwifeinc <- d$nwifeinc * 1.1; d }),
  list(id = "mroz_logit", data = "mroz", model = "logit",
       formula = "inlf ~ nwifeinc + educ * factor(city) + exper + I(exper^2) + age + kidslt6 + kidsge6",
       deriv = mroz_fac_d, factors = list(city = c("0", "1")), discrete = c(),
       vces = c("classical", "hc0", "cluster"), cluster = "age", at = list(var = "educ", set = "exper", values = c(5, 15)),
       scenario = "nwifeinc = nwifeinc * 1.1", sc = function(d) { d$nwifeinc <- d$nwifeinc * 1.1; d }),
  list(id = "mroz_probit", data = "mroz", model = "probit", formula = mroz_f, deriv = mroz_d, factors = list(), discrete = c(),
       vces = c("classical", "hc0", "cluster"), cluster = "age", at = list(var = "nwifeinc", set = "kidslt6", values = c(0, 1)),
       scenario = "nwifeinc = nwifeinc * 1.1; educ = educ + 1",
       sc = function(d) { d$nwifeinc <- d$nwifeinc * 1.1; d$educ <- d$educ + 1; d }),
  list(id = "k401ksubs_logit", data = "k401ksubs", model = "logit", formula = k401_f, deriv = k401_d,
       factors = list(marr = c("0", "1")), discrete = c("male"),
       vces = c("classical", "hc0", "cluster"), cluster = "age", at = list(var = "inc", set = "marr", values = c(0, 1)),
       scenario = "inc = inc * 0.9", sc = function(d) { d$inc <- d$inc * 0.9; d }),
  list(id = "k401k_poisson", data = "k401k", model = "poisson", formula = pois_f, deriv = pois_d, factors = list(),
       discrete = c("sole"), vces = c("classical", "hc0", "cluster"), cluster = "age",
       at = list(var = "mrate", set = "age", values = c(5, 20)),
       scenario = "mrate = mrate + 0.25", sc = function(d) { d$mrate <- d$mrate + 0.25; d }),
  list(id = "k401k_fraclogit", data = "k401k", model = "fraclogit", formula = frac_f, deriv = frac_d, factors = list(),
       discrete = c("sole"), vces = c("hc0", "cluster"), cluster = "age",
       at = list(var = "mrate", set = "age", values = c(5, 20)),
       scenario = "mrate = mrate * 1.2", sc = function(d) { d$mrate <- d$mrate * 1.2; d }),
  list(id = "apistrat_svy_ols", data = "apistrat", model = "ols", formula = strat_f, deriv = strat_d,
       factors = list(stype = c("E", "H", "M")), discrete = c(), vces = c("design"),
       design = list(strata = "stype", psu = c(), fpc = c("fpc"), weights = "pw"),
       at = list(var = "meals", set = "ell", values = c(10, 40)),
       scenario = "meals = meals * 0.8", sc = function(d) { d$meals <- d$meals * 0.8; d }),
  list(id = "apiclus2_svy_logit", data = "apiclus2", model = "logit", formula = clus_f, deriv = clus_d,
       factors = list(), discrete = c(), vces = c("design"),
       design = list(strata = NULL, psu = c("dnum", "snum"), fpc = c("fpc1", "fpc2"), weights = "pw"),
       at = list(var = "meals", set = "ell", values = c(10, 40)),
       scenario = "api99 = api99 + 50", sc = function(d) { d$api99 <- d$api99 + 50; d })
)

jcase <- function(fields) paste0("{", paste(paste0(str(names(fields)), ": ", unlist(fields)), collapse = ", "), "}")

out <- c()
for (cs in cases) {
  d <- rd(cs$data)
  fam <- family_of(cs$model)
  design <- NULL
  if (cs$id == "apiclus2_svy_logit") d$sch.wide <- factor(d$sch.wide)
  if (!is.null(cs$design)) {
    dz <- cs$design
    ids <- if (length(dz$psu)) as.formula(paste("~", paste(dz$psu, collapse = "+"))) else ~1
    design <- svydesign(ids = ids, strata = if (is.null(dz$strata)) NULL else as.formula(paste("~", dz$strata)),
      fpc = as.formula(paste("~", paste(dz$fpc, collapse = "+"))), weights = as.formula(paste("~", dz$weights)), data = d)
    d$.w <- d[[dz$weights]]
  } else d$.w <- 1
  f <- as.formula(cs$formula)
  if (cs$model == "ols") {
    fit <- lm(f, data = d, weights = .w)
  } else {
    fit <- glm(f, family = fam, data = d, weights = .w, control = ctl)
    for (r in 1:100) {
      prev <- coef(fit)
      fit <- glm(f, family = fam, data = d, weights = .w, control = ctl, start = prev)
      if (max(abs(coef(fit) - prev) / (abs(prev) + 1e-8)) < 1e-14) break
    }
  }
  used <- as.integer(rownames(model.frame(fit)))          # 1-based data rows of the estimation sample
  de <- d[used, ]
  tt <- delete.response(terms(fit))
  xlev <- fit$xlevels
  mm <- function(dd) model.matrix(tt, model.frame(tt, dd, xlev = xlev))
  X <- mm(de); b <- coef(fit); n <- nrow(X); k <- ncol(X)
  stopifnot(max(abs(X - model.matrix(fit))) == 0)
  w <- if (is.null(cs$design)) rep(1, n) else de$.w
  a <- w / sum(w)
  linv <- if (cs$model == "ols") identity else fam$linkinv
  g1 <- if (cs$model == "ols") function(e) 1 + 0 * e else fam$mu.eta
  g2 <- function(e) mu_eta2(cs$model, e)
  # Influence of the coefficients: scores x (X'WX)^-1
  if (cs$model == "ols") {
    A <- solve(crossprod(X * sqrt(w))); IFb <- (X * (w * residuals(fit))) %*% A
  } else {
    A <- summary(fit)$cov.unscaled; IFb <- (X * (residuals(fit, "working") * fit$weights)) %*% A
  }
  dX <- function(dd, v) {
    D <- matrix(0, nrow(dd), k, dimnames = list(NULL, colnames(X)))
    for (col in names(cs$deriv[[v]])) D[, col] <- eval(cs$deriv[[v]][[col]], dd) + 0 * seq_len(nrow(dd))
    D
  }
  # theta(b) and its analytic gradient for each quantity; data part m_i for the unconditional variance
  deriv_q <- function(dd, v, type, aa) {
    Xd <- mm(dd); D <- dX(dd, v)
    th <- function(bb) {
      eta <- drop(Xd %*% bb); deta <- drop(D %*% bb); mu <- linv(eta); x <- dd[[v]]
      m <- switch(type, dydx = g1(eta) * deta, eyex = g1(eta) * deta * x / mu, eydx = g1(eta) * deta / mu,
                  dyex = g1(eta) * deta * x)
      list(theta = sum(aa * m), m = m)
    }
    eta <- drop(Xd %*% b); deta <- drop(D %*% b); mu <- linv(eta); x <- dd[[v]]
    fe <- switch(type, dydx = g2(eta) * deta, dyex = g2(eta) * deta * x,
      eydx = deta * (g2(eta) / mu - g1(eta)^2 / mu^2), eyex = deta * (g2(eta) / mu - g1(eta)^2 / mu^2) * x)
    fd <- switch(type, dydx = g1(eta), dyex = g1(eta) * x, eydx = g1(eta) / mu, eyex = g1(eta) * x / mu)
    J <- drop(t(Xd) %*% (aa * fe) + t(D) %*% (aa * fd))
    # numerical checks: dX/dx by central differences of the model matrix; J by central differences of theta
    h <- 1e-6 * (abs(dd[[v]]) + 1); up <- dd; dn <- dd; up[[v]] <- dd[[v]] + h; dn[[v]] <- dd[[v]] - h
    Dn <- (mm(up) - mm(dn)) / (2 * h)
    stopifnot(max(abs(Dn - D) / (abs(D) + 1e-3)) < 1e-5)
    Jn <- sapply(seq_len(k), function(j) { e <- rep(0, k); e[j] <- 1e-6 * (abs(b[j]) + 1e-3)
      (th(b + e)$theta - th(b - e)$theta) / (2 * e[j]) })
    stopifnot(all(abs(Jn - J) <= 1e-5 * abs(J) + 1e-7 * max(abs(J))))
    r <- th(b); list(theta = r$theta, J = J, m = r$m)
  }
  pred_q <- function(dd, aa) {
    Xd <- mm(dd); eta <- drop(Xd %*% b); mu <- linv(eta)
    list(theta = sum(aa * mu), J = drop(t(Xd) %*% (aa * g1(eta))), m = mu)
  }
  minus <- function(p, q) list(theta = p$theta - q$theta, J = p$J - q$J, infl = p$infl - q$infl)
  with_infl <- function(q, aa) { q$infl <- aa * (q$m - q$theta); q }
  setv <- function(dd, v, value) { dd[[v]] <- value; dd }
  # mean row: numeric at weighted mean, factor columns (cs$factors) at the most frequent value
  meanrow <- function() {
    r <- de[1, , drop = FALSE]
    for (v in unique(c(all.vars(tt)))) {
      if (v %in% names(cs$factors)) { tab <- table(de[[v]]); r[[v]] <- type.convert(names(tab)[which.max(tab)], as.is = TRUE) }
      else if (is.numeric(de[[v]])) r[[v]] <- sum(a * de[[v]])
    }
    r
  }
  rows <- list()
  add <- function(variable, type, q, level = NA, base = NA, at = NULL, atmeans = FALSE) {
    rows[[length(rows) + 1]] <<- list(variable = variable, type = type, q = q, level = level, base = base,
                                      at = at, atmeans = atmeans)
  }
  for (v in names(cs$deriv)) for (type in c("dydx", "eyex", "eydx", "dyex"))
    add(v, type, with_infl(deriv_q(de, v, type, a), a))
  for (v in names(cs$factors)) { lv <- cs$factors[[v]]
    for (l in lv[-1]) {
      val <- if (is.numeric(de[[v]])) as.numeric(l) else l
      valb <- if (is.numeric(de[[v]])) as.numeric(lv[1]) else lv[1]
      add(v, "dydx", minus(with_infl(pred_q(setv(de, v, val), a), a), with_infl(pred_q(setv(de, v, valb), a), a)), l, lv[1])
    } }
  for (v in cs$discrete)
    add(v, "dydx", minus(with_infl(pred_q(setv(de, v, 1), a), a), with_infl(pred_q(setv(de, v, 0), a), a)), "1", "0")
  mr <- meanrow()
  for (v in names(cs$deriv)) add(v, "dydx", deriv_q(mr, v, "dydx", 1), atmeans = TRUE)
  for (value in cs$at$values) {
    dd <- setv(de, cs$at$set, value)
    add(cs$at$var, "dydx", with_infl(deriv_q(dd, cs$at$var, "dydx", a), a), at = c(cs$at$set, value))
  }
  base <- with_infl(pred_q(de, a), a)
  scen <- with_infl(pred_q(cs$sc(de), a), a)
  ratio <- list(theta = scen$theta / base$theta, J = (scen$J * base$theta - scen$theta * base$J) / base$theta^2,
                infl = (scen$infl * base$theta - scen$theta * base$infl) / base$theta^2)
  sc_rows <- list(baseline = base, predicted = scen, difference = minus(scen, base), ratio = ratio)

  for (vce in cs$vces) {
    cl <- if (vce == "cluster") de[[cs$cluster]] else NULL
    V <- switch(vce, classical = vcov(fit), hc0 = vcovHC(fit, type = "HC0"), hc1 = vcovHC(fit, type = "HC1"),
      cluster = vcovCL(fit, cluster = cl), design = {
        v <- survey:::svyrecvar(IFb, design$cluster[used, , drop = FALSE], design$strata[used, , drop = FALSE],
          lapply(design$fpc, function(z) if (is.matrix(z)) z[used, , drop = FALSE] else z))
        sfit <- svyglm(f, design = design, family = if (cs$model == "ols") gaussian() else quasibinomial())
        stopifnot(max(abs(coef(sfit) - b) / abs(b)) < 1e-7, max(abs(vcov(sfit) - v) / abs(v)) < 1e-6)
        vcov(sfit) })
    unc <- function(psi) switch(vce, classical = NA,
      hc0 = sum(psi^2), hc1 = sum(psi^2) * n / (n - k),
      cluster = { G <- length(unique(cl)); sum(rowsum(psi, cl)^2) * G / (G - 1) * (if (cs$model == "ols") (n - 1) / (n - k) else 1) },
      design = survey:::svyrecvar(matrix(psi), design$cluster[used, , drop = FALSE], design$strata[used, , drop = FALSE],
          lapply(design$fpc, function(z) if (is.matrix(z)) z[used, , drop = FALSE] else z)))
    se <- function(q) sqrt(drop(t(q$J) %*% V %*% q$J))
    seu <- function(q) if (is.null(q$infl) || vce == "classical") NA else sqrt(drop(unc(q$infl + drop(IFb %*% q$J))))
    ms <- sapply(rows, function(r) jcase(list(variable = str(r$variable), type = str(r$type),
      level = if (is.na(r$level)) "null" else str(r$level), base = if (is.na(r$base)) "null" else str(r$base),
      at_variable = if (is.null(r$at)) "null" else str(r$at[1]), at_value = if (is.null(r$at)) "null" else num(as.numeric(r$at[2])),
      atmeans = if (r$atmeans) "true" else "false", estimate = num(r$q$theta), std_error = num(se(r$q)),
      std_error_unconditional = num(seu(r$q)))))
    ss <- sapply(names(sc_rows), function(nm) jcase(list(quantity = str(nm), estimate = num(sc_rows[[nm]]$theta),
      std_error = num(se(sc_rows[[nm]])), std_error_unconditional = num(seu(sc_rows[[nm]])))))
    out <- c(out, paste0(
      "{\"id\": ", str(paste0(cs$id, "_", vce)), ", \"dataset\": ", str(cs$data), ", \"model\": ", str(cs$model),
      ", \"formula\": ", str(cs$formula), ", \"vce\": ", str(vce),
      ", \"cluster\": ", strvec(if (vce == "cluster") cs$cluster else character(0)),
      ", \"design\": ", if (is.null(cs$design)) "null" else jcase(list(strata = if (is.null(cs$design$strata)) "null" else str(cs$design$strata),
          psu = strvec(cs$design$psu), fpc = strvec(cs$design$fpc), weights = str(cs$design$weights))),
      ", \"discrete\": ", strvec(cs$discrete), ", \"at\": ", jcase(list(variable = str(cs$at$var), set = str(cs$at$set), values = vec(cs$at$values))),
      ", \"scenario\": ", str(cs$scenario), ", \"nobs\": ", n, ", \"coefficients\": ", vec(b),
      ",\n \"margins\": [\n  ", paste(ms, collapse = ",\n  "), "],\n \"scenarios\": [", paste(ss, collapse = ", "), "]}"))
  }
  cat(cs$id, "ok\n")
}
writeLines(c(paste0("{\"generated_with\": ", str(paste0(R.version.string, "; sandwich ", packageVersion("sandwich"),
  "; survey ", packageVersion("survey"))), ","), "\"cases\": [", paste(out, collapse = ",\n"), "]}"), "margins_reference.json")
