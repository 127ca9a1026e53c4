# Reference values for `strata fit ologit|oprobit|mlogit` (MASS::polr, survey::svyolr, nnet::multinom).
# Run from this folder:  Rscript make_ordinal_fixtures.R   (writes ordinal_reference.json)
# R 4.2.2 with MASS 7.3, nnet 7.3, survey 4.1-1, sandwich (Debian r-cran-* packages).
#
# polr and multinom stop early (polr's BFGS; multinom's reltol 1e-8) and polr's SEs come from a
# numerical Hessian, so each fit is polished here: Newton steps on the log-likelihood with the
# analytic gradient and Hessian (written below, independently of Strata), started from R's
# estimate, until the Newton decrement is below 1e-24. Variances then follow from the analytic
# pieces: classical = (-H)^-1; hc0 = B (S'S) B (sandwich's convention); Stata's robust =
# hc0 * n/(n-1); cluster = B (sum_g s_g s_g') B * G/(G-1) (vcovCL type HC0, Stata); design =
# svyrecvar(S B, design) exactly as svyolr computes it (survey:::svyolr.survey.design2) but with
# the analytic Hessian. R's own estimates/SEs are stored too (`r_estimate`, `r_std_error`) and
# must agree loosely (1e-3), which checks the polishing started at the same optimum.
suppressMessages({ library(MASS); library(nnet); library(survey) })
ds <- "../../../datasets"
clus1 <- read.csv(file.path(ds, "apiclus1.csv"))
strat <- read.csv(file.path(ds, "apistrat.csv"))
clus1$stype <- factor(clus1$stype); strat$stype <- factor(strat$stype)
mealcat <- function(m) factor(1 + (m > 25) + (m > 50) + (m > 75))
clus1$mealcat <- mealcat(clus1$meals); strat$mealcat <- mealcat(strat$meals)
RESP <- "I(1 + (meals > 25) + (meals > 50) + (meals > 75))"

num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) paste0("[", paste(str(x), collapse = ", "), "]")

# ---- ordered model: log-likelihood, gradient, Hessian, per-row scores in (beta, zeta) ----
oderiv <- function(par, X, y, w, link) {
  p <- ncol(X); K <- nlevels(y); k <- as.integer(y)
  beta <- par[seq_len(p)]; zeta <- par[p + seq_len(K - 1)]
  eta <- drop(X %*% beta)
  Fc <- if (link == "logit") plogis else pnorm
  f <- if (link == "logit") dlogis else dnorm
  fp <- if (link == "logit") function(z) dlogis(z) * (1 - 2 * plogis(z)) else function(z) -z * dnorm(z)
  zu <- c(zeta, Inf)[k] - eta; zl <- c(-Inf, zeta)[k] - eta
  P <- Fc(zu) - Fc(zl)
  fu <- ifelse(is.finite(zu), f(zu), 0); fl <- ifelse(is.finite(zl), f(zl), 0)
  fpu <- ifelse(is.finite(zu), fp(zu), 0); fpl <- ifelse(is.finite(zl), fp(zl), 0)
  lu <- fu / P; ll <- -fl / P
  luu <- fpu / P - lu^2; lll <- -fpl / P - ll^2; lul <- -lu * ll
  n <- length(k); q <- p + K - 1
  Du <- matrix(0, n, q); Dl <- matrix(0, n, q)          # gradients of u and l
  Du[, seq_len(p)] <- -X; Dl[, seq_len(p)] <- -X
  for (i in seq_len(n)) {
    if (k[i] < K) Du[i, p + k[i]] <- 1 else Du[i, ] <- 0
    if (k[i] > 1) Dl[i, p + k[i] - 1] <- 1 else Dl[i, ] <- 0
  }
  S <- w * (lu * Du + ll * Dl)
  H <- crossprod(Du, (w * luu) * Du) + crossprod(Dl, (w * lll) * Dl) +
       crossprod(Du, (w * lul) * Dl) + crossprod(Dl, (w * lul) * Du)
  list(ll = sum(w * log(P)), S = S, g = colSums(S), H = H)
}
# ---- multinomial logit in (level-major) blocks ----
mderiv <- function(par, X, y, w, base) {
  p <- ncol(X); lev <- levels(y); K <- length(lev); others <- setdiff(seq_len(K), base)
  B <- matrix(par, p, K - 1)
  eta <- matrix(0, nrow(X), K); eta[, others] <- X %*% B
  P <- exp(eta - apply(eta, 1, max)); P <- P / rowSums(P)
  Y <- outer(as.integer(y), seq_len(K), "==") * 1
  S <- do.call(cbind, lapply(others, function(k) w * (Y[, k] - P[, k]) * X))
  q <- p * (K - 1); H <- matrix(0, q, q)
  for (a in seq_along(others)) for (b in seq_along(others)) {
    ka <- others[a]; kb <- others[b]
    H[(a - 1) * p + 1:p, (b - 1) * p + 1:p] <- -crossprod(X, (w * P[, ka] * ((ka == kb) - P[, kb])) * X)
  }
  list(ll = sum(w * log(rowSums(Y * P))), S = S, g = colSums(S), H = H)
}
polish <- function(par, deriv) {
  for (it in 1:100) {
    d <- deriv(par); step <- solve(-d$H, d$g)
    if (sum(step * d$g) < 1e-24) break
    par <- par + step
  }
  d <- deriv(par); list(par = par, d = d)
}

out <- c()
emit <- function(id, args, terms, est, V, r_est, r_se, n, ll, extra = "") {
  se <- sqrt(diag(V))
  out <<- c(out, paste0("{\"id\": ", str(id), ", \"args\": ", strvec(c(args, "--format", "json")),
    ", \"terms\": ", strvec(terms), ", \"estimate\": ", vec(est), ", \"std_error\": ", vec(se),
    ", \"r_estimate\": ", vec(r_est), ", \"r_std_error\": ", vec(r_se),
    ", \"nobs\": ", n, ", \"logLik\": ", num(ll), extra, "}"))
}
variances <- function(pol, cluster = NULL, design = NULL, rows = seq_len(nrow(pol$d$S))) {
  B <- solve(-pol$d$H); S <- pol$d$S; n <- nrow(S)
  v <- list(classical = B, hc0 = B %*% crossprod(S) %*% B)
  v$stata_robust <- v$hc0 * n / (n - 1)
  if (!is.null(cluster)) {
    G <- length(unique(cluster)); U <- rowsum(S, cluster)
    v$cluster <- B %*% crossprod(U) %*% B * G / (G - 1)
  }
  if (!is.null(design)) {
    # Rows outside the estimation sample (missing values) are a domain: zero influence.
    inf <- matrix(0, nrow(design$variables), ncol(S)); inf[rows, ] <- S %*% B
    v$design <- svyrecvar(inf, design$cluster, design$strata, design$fpc, postStrata = design$postStrata)
  }
  v
}
vce_args <- list(classical = character(0), hc0 = c("--vce", "hc0"),
                 stata_robust = c("--vce", "robust", "--convention", "stata"))

# ---- ordered logit / probit on apiclus1 (weights pw; cluster dnum; design id=dnum, fpc) ----
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
for (link in c("logit", "probit")) {
  model <- if (link == "logit") "ologit" else "oprobit"
  f <- paste(RESP, "~ avg.ed + mobility + stype")
  rf <- mealcat ~ avg.ed + mobility + stype
  # unweighted
  for (weighted in c(FALSE, TRUE)) {
    fit <- if (weighted) polr(rf, data = clus1, weights = pw, method = if (link == "logit") "logistic" else "probit", Hess = TRUE)
           else polr(rf, data = clus1, method = if (link == "logit") "logistic" else "probit", Hess = TRUE)
    mf <- model.frame(fit); X <- model.matrix(fit)[, -1, drop = FALSE]; y <- model.response(mf)
    w <- if (weighted) mf$`(weights)` else rep(1, nrow(X))
    pol <- polish(c(coef(fit), fit$zeta), function(par) oderiv(par, X, y, w, link))
    terms <- c(colnames(X), names(fit$zeta))
    clusters <- clus1$dnum[as.integer(rownames(mf))]
    vs <- variances(pol, cluster = clusters)
    base <- c("fit", model, f, "--data", "datasets/apiclus1.csv", if (weighted) c("--weights", "pw"))
    for (v in names(vs)) {
      a <- if (v == "cluster") c(base, "--cluster", "dnum") else c(base, vce_args[[v]])
      emit(paste0("apiclus1_", model, if (weighted) "_w" else "", "_", v), a, terms, pol$par, vs[[v]],
           c(coef(fit), fit$zeta), sqrt(diag(vcov(fit))), nrow(X), pol$d$ll)
    }
  }
  # design-based, as svyolr
  sfit <- svyolr(rf, design = dclus1, method = if (link == "logit") "logistic" else "probit")
  mf <- model.frame(rf, clus1); X <- model.matrix(rf, mf)[, -1, drop = FALSE]; y <- model.response(mf)
  rows <- as.integer(rownames(mf))
  pol <- polish(c(coef(sfit)[seq_len(ncol(X))], sfit$zeta), function(par) oderiv(par, X, y, clus1$pw[rows], link))
  vs <- variances(pol, design = dclus1, rows = rows)
  # svyolr's t tests and regTermTest use df.residual = degf(design) - (number of slopes); the Wald
  # F of all slopes is W/q on that df (regTermTest(method = "Wald"), here with the polished fit).
  qs <- ncol(X); bs <- pol$par[seq_len(qs)]; Vs <- vs$design[seq_len(qs), seq_len(qs), drop = FALSE]
  W <- drop(t(bs) %*% solve(Vs, bs)); dfr <- sfit$df.residual
  stopifnot(dfr == degf(dclus1) - qs)
  emit(paste0("apiclus1_", model, "_design"),
       c("fit", model, f, "--data", "datasets/apiclus1.csv", "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"),
       c(colnames(X), names(sfit$zeta)), pol$par, vs$design, c(coef(sfit)[seq_len(ncol(X))], sfit$zeta),
       SE(sfit), nrow(X), pol$d$ll,
       paste0(", \"df\": ", dfr, ", \"wald_f\": ", vec(c(W / qs, qs, dfr, pf(W / qs, qs, dfr, lower.tail = FALSE)))))
}

# ---- multinomial logit: stype ~ I(api00/100) + I(meals/10) on apiclus1 (base E, and base H);
# regressors rescaled so that multinom's own numerical Hessian (r_std_error) is usable ----
for (base in c("E", "H")) {
  d <- clus1; d$stype <- relevel(d$stype, ref = base)
  fit <- multinom(stype ~ I(api00/100) + I(meals/10), data = d, trace = FALSE, Hess = TRUE, maxit = 1000)
  X <- model.matrix(~ I(api00/100) + I(meals/10), d); y <- d$stype
  cf <- coef(fit)
  pol <- polish(as.vector(t(cf)), function(par) mderiv(par, X, y, rep(1, nrow(X)), 1))
  terms <- as.vector(t(outer(rownames(cf), colnames(cf), paste, sep = ":")))
  vs <- variances(pol, cluster = d$dnum, design = dclus1)
  args0 <- c("fit", "mlogit", "stype ~ I(api00/100) + I(meals/10)", "--data", "datasets/apiclus1.csv",
             if (base != "E") c("--base", base))
  for (v in names(vs)) {
    a <- switch(v, cluster = c(args0, "--cluster", "dnum"),
                design = c(args0, "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"),
                c(args0, vce_args[[v]]))
    p <- pol; vv <- vs[[v]]
    if (v == "design") {   # design-based needs the sampling-weighted fit
      p <- polish(pol$par, function(par) mderiv(par, X, y, clus1$pw, 1))
      vv <- variances(p, design = dclus1)$design
    }
    emit(paste0("apiclus1_mlogit_base", base, "_", v), a, terms, p$par, vv, as.vector(t(cf)),
         sqrt(diag(vcov(fit))), nrow(X), p$d$ll)
  }
}

writeLines(c("{\"generator\": \"make_ordinal_fixtures.R\", \"r_version\": ", str(R.version.string), ",",
             " \"cases\": [", paste(out, collapse = ",\n"), "]}"), "ordinal_reference.json")

# ---- per-outcome average marginal effects (by formula; delta method with a central-difference
# Jacobian, h = 1e-5 max(1, |theta|), and the classical variance) ----
ame_out <- c()
jac <- function(fun, th) {
  sapply(seq_along(th), function(j) {
    h <- 1e-5 * max(1, abs(th[j])); u <- th; d <- th; u[j] <- u[j] + h; d[j] <- d[j] - h
    (fun(u) - fun(d)) / (2 * h)
  })
}
emit_ame <- function(id, args, vars, outcomes, est, V) {
  se <- sqrt(diag(V))
  ame_out <<- c(ame_out, paste0("{\"id\": ", str(id), ", \"args\": ", strvec(c(args, "--margins", "dydx", "--format", "json")),
    ", \"variable\": ", strvec(vars), ", \"outcome\": ", strvec(outcomes), ", \"estimate\": ", vec(est),
    ", \"std_error\": ", vec(se), "}"))
}
# ordered logit, unweighted: dP_k/dv = -(f(zeta_k - eta) - f(zeta_{k-1} - eta)) * beta_v
rf <- mealcat ~ avg.ed + mobility + stype
fit <- polr(rf, data = clus1, method = "logistic")
mf <- model.frame(fit); X <- model.matrix(fit)[, -1]; y <- model.response(mf)
pol <- polish(c(coef(fit), fit$zeta), function(par) oderiv(par, X, y, rep(1, nrow(X)), "logit"))
ord_ame <- function(th) {
  beta <- th[1:ncol(X)]; zeta <- th[ncol(X) + 1:3]; eta <- drop(X %*% beta)
  dens <- cbind(sapply(zeta, function(z) dlogis(z - eta)), 0)
  dP <- -(dens - cbind(0, dens[, 1:3]))              # n x K: dP_k/deta
  c(sapply(c("avg.ed", "mobility"), function(v) colMeans(dP * beta[v])))
}
est <- ord_ame(pol$par); J <- jac(ord_ame, pol$par)
emit_ame("apiclus1_ologit_ame", c("fit", "ologit", paste(RESP, "~ avg.ed + mobility + stype"), "--data",
  "datasets/apiclus1.csv"), rep(c("avg.ed", "mobility"), each = 4), rep(as.character(1:4), 2), est,
  J %*% solve(-pol$d$H) %*% t(J))
# multinomial logit (base E), cluster-robust: dP_k/dv = P_k (b_k dx/dv - sum_j P_j b_j dx/dv)
X <- model.matrix(~ I(api00/100) + I(meals/10), clus1); y <- clus1$stype
fit <- multinom(stype ~ I(api00/100) + I(meals/10), data = clus1, trace = FALSE, maxit = 1000)
pol <- polish(as.vector(t(coef(fit))), function(par) mderiv(par, X, y, rep(1, nrow(X)), 1))
ml_ame <- function(th) {
  B <- cbind(0, matrix(th, 3, 2)); eta <- X %*% B
  P <- exp(eta - apply(eta, 1, max)); P <- P / rowSums(P)
  c(sapply(list(api00 = c(0, 1/100, 0), meals = c(0, 0, 1/10)), function(dx) {
    s <- drop(dx %*% B)                                   # slope of each eta in v
    colMeans(P * (matrix(s, nrow(P), 3, byrow = TRUE) - drop(P %*% s)))
  }))
}
vs <- variances(pol, cluster = clus1$dnum)
est <- ml_ame(pol$par); J <- jac(ml_ame, pol$par)
emit_ame("apiclus1_mlogit_ame_cluster", c("fit", "mlogit", "stype ~ I(api00/100) + I(meals/10)", "--data",
  "datasets/apiclus1.csv", "--cluster", "dnum"), rep(c("api00", "meals"), each = 3), rep(levels(y), 2), est,
  J %*% vs$cluster %*% t(J))
writeLines(c("{\"generator\": \"make_ordinal_fixtures.R\", \"cases\": [", paste(ame_out, collapse = ",\n"), "]}"),
           "ordinal_margins_reference.json")
