# Reference values for per-outcome margins after `strata fit ologit|mlogit` with --atmeans, --at,
# --over, factor discrete changes and eyex (written to ordinal_margins_options_reference.json).
# Run from this folder:  Rscript make_ordinal_margins_fixtures.R
# R 4.2.2 with MASS 7.3, nnet 7.3 (Debian r-cran-* packages). The analytic log-likelihood
# derivatives and the Newton polishing are make_ordinal_fixtures.R's own (its function
# definitions are evaluated here, nothing else of it is run).
#
# Each margin is computed by formula from Pr(y = k | x): ordered Pr_k = F(zeta_k - eta) -
# F(zeta_{k-1} - eta), dPr_k/dv = -(f(zeta_k - eta) - f(zeta_{k-1} - eta)) * d eta/dv; multinomial
# Pr_k = softmax, dPr_k/dv = Pr_k (d eta_k/dv - sum_j Pr_j d eta_j/dv). Delta-method SEs use the
# analytic Jacobian of each margin in theta = (beta, zeta) or the stacked mlogit blocks (written
# out below) and the classical variance (-H)^-1; a central-difference Jacobian
# (h = 1e-5 max(1, |theta|)) is computed too and must agree to 1e-7 relative (checked here).
suppressMessages({ library(MASS); library(nnet) })
for (e in parse("make_ordinal_fixtures.R")) {
  if (is.call(e) && identical(e[[1]], as.name("<-")) && is.call(e[[3]]) && identical(e[[3]][[1]], as.name("function")))
    eval(e)
}
ds <- "../../../datasets"
clus1 <- read.csv(file.path(ds, "apiclus1.csv"))
clus1$stype <- factor(clus1$stype); clus1$sch.wide <- factor(clus1$sch.wide)
clus1$mealcat <- factor(1 + (clus1$meals > 25) + (clus1$meals > 50) + (clus1$meals > 75))
RESP <- "I(1 + (meals > 25) + (meals > 50) + (meals > 75))"

# ---- the two models ----
# ordered logit: theta = (beta, zeta); rows X without intercept
ofit <- polr(mealcat ~ avg.ed + mobility + stype, data = clus1, method = "logistic")
stopifnot(nrow(model.frame(ofit)) == 157)
oX <- model.matrix(ofit)[, -1]; oy <- model.response(model.frame(ofit))
opol <- polish(c(coef(ofit), ofit$zeta), function(par) oderiv(par, oX, oy, rep(1, nrow(oX)), "logit"))
oV <- solve(-opol$d$H)
orhs <- ~ avg.ed + mobility + stype
oprob <- function(th, X) {              # n x K probabilities and n x K densities f(zeta_k - eta) - f(zeta_{k-1} - eta)
  p <- ncol(X); beta <- th[1:p]; zeta <- th[p + 1:3]; eta <- drop(X %*% beta)
  Fm <- cbind(0, matrix(sapply(zeta, function(z) plogis(z - eta)), length(eta)), 1)
  fm <- cbind(0, matrix(sapply(zeta, function(z) dlogis(z - eta)), length(eta)), 0)
  list(P = Fm[, -1, drop = FALSE] - Fm[, -5, drop = FALSE], dP = -(fm[, -1, drop = FALSE] - fm[, -5, drop = FALSE]), eta = eta)
}
oslope <- function(th, X, D) { r <- oprob(th, X); r$S <- r$dP * drop(D %*% th[1:ncol(X)]); r }
# multinomial logit (base E): theta = stacked blocks (H, M) of (Intercept), I(api00/100), I(meals/10), sch.wideYes
mfit <- multinom(stype ~ I(api00/100) + I(meals/10) + sch.wide, data = clus1, trace = FALSE, maxit = 1000)
mX <- model.matrix(~ I(api00/100) + I(meals/10) + sch.wide, clus1); my <- clus1$stype
mpol <- polish(as.vector(t(coef(mfit))), function(par) mderiv(par, mX, my, rep(1, nrow(mX)), 1))
mV <- solve(-mpol$d$H)
mrhs <- ~ I(api00/100) + I(meals/10) + sch.wide
mslope <- function(th, X, D) {
  B <- cbind(0, matrix(th, ncol(X), 2)); eta <- X %*% B
  P <- exp(eta - apply(eta, 1, max)); P <- P / rowSums(P)
  s <- D %*% B
  list(P = P, S = P * (s - rowSums(P * s)))
}

build <- function(rhs, nd, drop_intercept) {
  xl <- list(stype = levels(clus1$stype), sch.wide = levels(clus1$sch.wide))
  X <- model.matrix(rhs, model.frame(rhs, nd, xlev = xl[intersect(names(xl), all.vars(rhs))]))
  if (drop_intercept) X[, -1, drop = FALSE] else X
}
# dX/dv by formula: the column of v's linear term, scaled as the formula scales it
dX <- function(X, col, scale) { D <- X * 0; D[, col] <- scale; D }

cases <- c()
jac <- function(fun, th) {
  sapply(seq_along(th), function(j) {
    h <- 1e-5 * max(1, abs(th[j])); u <- th; d <- th; u[j] <- u[j] + h; d[j] <- d[j] - h
    (fun(u) - fun(d)) / (2 * h)
  })
}
emit <- function(id, args, variable, type, outcome, level, base, group, fun, th, V, Janalytic) {
  est <- fun(th); Jn <- jac(fun, th)
  stopifnot(max(abs(Janalytic - Jn)) <= 1e-7 * max(1, max(abs(Janalytic))))
  se <- sqrt(diag(Janalytic %*% V %*% t(Janalytic)))
  stopifnot(all(abs(est) < 1e3))
  cases <<- c(cases, paste0("{\"id\": ", str(id), ", \"args\": ", strvec(c(args, "--format", "json")),
    ", \"variable\": ", strvec(variable), ", \"type\": ", strvec(type), ", \"outcome\": ", strvec(outcome),
    ", \"level\": ", strvec(level), ", \"base\": ", strvec(base), ", \"group\": ", strvec(group),
    ", \"estimate\": ", vec(est), ", \"std_error\": ", vec(se), "}"))
}

# Analytic Jacobians. Ordered: for m = sum_i a_i s(th, x_i) the derivative is taken through the
# densities; to keep the analytic part short it is written for the averaged functions as the
# exact derivative of the closed forms below (f' of the logistic is f (1 - 2F)).
ofp <- function(z) dlogis(z) * (1 - 2 * plogis(z))
# d/dtheta of Pr_k at each row: n x K x q
oJprob <- function(th, X, a) {       # gradient of sum_i a_i Pr_k(x_i): K x q
  p <- ncol(X); zeta <- th[p + 1:3]; eta <- drop(X %*% th[1:p]); q <- p + 3
  f <- matrix(sapply(zeta, function(z) dlogis(z - eta)), length(eta))   # n x 3
  J <- matrix(0, 4, q)
  for (k in 1:4) {
    fu <- if (k < 4) f[, k] else 0; fl <- if (k > 1) f[, k - 1] else 0
    J[k, 1:p] <- colSums(a * (-(fu - fl)) * X)
    if (k < 4) J[k, p + k] <- J[k, p + k] + sum(a * fu)
    if (k > 1) J[k, p + k - 1] <- J[k, p + k - 1] - sum(a * fl)
  }
  J
}
oJslope <- function(th, X, D, a, mult = rep(1, nrow(X)), divideByP = FALSE) {
  # gradient of sum_i a_i mult_i dPr_k/dv(x_i) [/ Pr_k(x_i)]: K x q
  p <- ncol(X); zeta <- th[p + 1:3]; beta <- th[1:p]; eta <- drop(X %*% beta); q <- p + 3
  sl <- drop(D %*% beta); r <- oprob(th, X)
  J <- matrix(0, 4, q)
  for (k in 1:4) {
    zu <- if (k < 4) zeta[k] - eta else NULL; zl <- if (k > 1) zeta[k - 1] - eta else NULL
    fu <- if (k < 4) dlogis(zu) else 0; fl <- if (k > 1) dlogis(zl) else 0
    gu <- if (k < 4) ofp(zu) else 0; gl <- if (k > 1) ofp(zl) else 0
    g <- -(fu - fl) * sl                                        # dPr/dv
    dg_beta <- (gu - gl) * sl * X - (fu - fl) * D                # n x p
    dg_zeta <- matrix(0, nrow(X), 3)
    if (k < 4) dg_zeta[, k] <- -gu * sl
    if (k > 1) dg_zeta[, k - 1] <- dg_zeta[, k - 1] + gl * sl
    dg <- cbind(dg_beta, dg_zeta)
    if (divideByP) {
      P <- r$P[, k]
      dP <- cbind(-(fu - fl) * X, matrix(0, nrow(X), 3))
      if (k < 4) dP[, p + k] <- fu
      if (k > 1) dP[, p + k - 1] <- dP[, p + k - 1] - fl
      dg <- dg / P - g * dP / P^2
    }
    J[k, ] <- colSums(a * mult * dg)
  }
  J
}
mJ <- function(th, X, D, a, discreteX = NULL) {
  # gradient of sum_i a_i dPr_k/dv (D given) or of sum_i a_i Pr_k(X) (D NULL): K x q, blocks (H, M)
  p <- ncol(X); B <- cbind(0, matrix(th, p, 2)); eta <- X %*% B
  P <- exp(eta - apply(eta, 1, max)); P <- P / rowSums(P)
  J <- matrix(0, 3, 2 * p)
  for (k in 1:3) for (b in 2:3) {
    idx <- (b - 2) * p + 1:p
    dPk <- P[, k] * ((k == b) - P[, b])                       # dPr_k/d eta_b
    if (is.null(D)) { J[k, idx] <- colSums(a * dPk * X); next }
    s <- D %*% B; sbar <- rowSums(P * s)
    # S_k = P_k (s_k - sbar); d/d B_b = dPk (s_k - sbar) x + P_k ((k==b) d - d sbar/dB_b)
    dsbar <- P[, b] * (s[, b] - sbar) * X + P[, b] * D       # n x p
    J[k, idx] <- colSums(a * (dPk * (s[, k] - sbar) * X + P[, k] * ((k == b) * D - dsbar)))
  }
  J
}

oargs <- c("fit", "ologit", paste(RESP, "~ avg.ed + mobility + stype"), "--data", "datasets/apiclus1.csv")
margs <- c("fit", "mlogit", "stype ~ I(api00/100) + I(meals/10) + sch.wide", "--data", "datasets/apiclus1.csv")
n <- nrow(clus1); a <- rep(1 / n, n)
L4 <- as.character(1:4); L3 <- levels(clus1$stype)
mode_of <- function(f) names(which.max(table(f)))

od <- clus1[as.integer(rownames(model.frame(ofit))), ]   # the estimation sample (complete rows)
stopifnot(nrow(od) == nrow(oX)); a <- rep(1 / nrow(od), nrow(od))
# (1) ologit MEMs of avg.ed and mobility
nd <- data.frame(avg.ed = mean(od$avg.ed), mobility = mean(od$mobility),
                 stype = factor(mode_of(od$stype), levels = levels(od$stype)))
X1 <- build(orhs, nd, TRUE); th <- opol$par
f1 <- function(t) c(colSums(oslope(t, X1, dX(X1, 1, 1))$S), colSums(oslope(t, X1, dX(X1, 2, 1))$S))
emit("ologit_mem", c(oargs, "--margins", "dydx", "--atmeans", "--margins-variables", "avg.ed,mobility"),
     rep(c("avg.ed", "mobility"), each = 4), rep("dydx", 8), rep(L4, 2), rep("", 8), rep("", 8), rep("", 8),
     f1, th, oV, rbind(oJslope(th, X1, dX(X1, 1, 1), 1), oJslope(th, X1, dX(X1, 2, 1), 1)))
# (2) ologit AME of mobility at avg.ed = 2, 3 (averaged over the sample with avg.ed set)
Xat <- lapply(c(2, 3), function(v) { d <- od; d$avg.ed <- v; build(orhs, d, TRUE) })
f2 <- function(t) unlist(lapply(Xat, function(X) colSums(a * oslope(t, X, dX(X, 2, 1))$S)))
emit("ologit_at", c(oargs, "--margins", "dydx", "--at", "avg.ed=2,3", "--margins-variables", "mobility"),
     rep("mobility", 8), rep("dydx", 8), rep(L4, 2), rep("", 8), rep("", 8), rep("", 8),
     f2, th, oV, do.call(rbind, lapply(Xat, function(X) oJslope(th, X, dX(X, 2, 1), a))))
# (3) ologit discrete change of the factor stype (H vs E, M vs E), averaged over the sample
Xl <- lapply(levels(od$stype), function(l) { d <- od; d$stype <- factor(l, levels = levels(od$stype)); build(orhs, d, TRUE) })
f3 <- function(t) { P <- lapply(Xl, function(X) colSums(a * oprob(t, X)$P)); c(P[[2]] - P[[1]], P[[3]] - P[[1]]) }
emit("ologit_factor", c(oargs, "--margins", "dydx", "--margins-variables", "stype"),
     rep("stype", 8), rep("dydx", 8), rep(L4, 2), rep(c("H", "M"), each = 4), rep("E", 8), rep("", 8),
     f3, th, oV, rbind(oJprob(th, Xl[[2]], a) - oJprob(th, Xl[[1]], a), oJprob(th, Xl[[3]], a) - oJprob(th, Xl[[1]], a)))
# (4) ologit AMEs of avg.ed over sch.wide groups, and eyex of avg.ed
gl <- levels(od$sch.wide)
ag <- lapply(gl, function(g) { w <- (od$sch.wide == g) * 1; w / sum(w) })
D1 <- dX(oX, 1, 1)
f4 <- function(t) unlist(lapply(ag, function(w) colSums(w * oslope(t, oX, D1)$S)))
emit("ologit_over", c(oargs, "--margins", "dydx", "--over", "sch.wide", "--margins-variables", "avg.ed"),
     rep("avg.ed", 8), rep("dydx", 8), rep(L4, 2), rep("", 8), rep("", 8), rep(gl, each = 4),
     f4, th, oV, do.call(rbind, lapply(ag, function(w) oJslope(th, oX, D1, w))))
f5 <- function(t) { r <- oslope(t, oX, D1); colSums(a * od$avg.ed * r$S / r$P) }
emit("ologit_eyex", c(oargs, "--margins", "eyex", "--margins-variables", "avg.ed"),
     rep("avg.ed", 4), rep("eyex", 4), L4, rep("", 4), rep("", 4), rep("", 4),
     f5, th, oV, oJslope(th, oX, D1, a, mult = od$avg.ed, divideByP = TRUE))

a <- rep(1 / n, n)
# mlogit (base E): MEMs, at-values, factor discrete change, over groups
th <- mpol$par
nd <- data.frame(api00 = mean(clus1$api00), meals = mean(clus1$meals),
                 sch.wide = factor(mode_of(clus1$sch.wide), levels = gl))
X1 <- build(mrhs, nd, FALSE)
f1 <- function(t) c(colSums(mslope(t, X1, dX(X1, 2, 1/100))$S), colSums(mslope(t, X1, dX(X1, 3, 1/10))$S))
emit("mlogit_mem", c(margs, "--margins", "dydx", "--atmeans", "--margins-variables", "api00,meals"),
     rep(c("api00", "meals"), each = 3), rep("dydx", 6), rep(L3, 2), rep("", 6), rep("", 6), rep("", 6),
     f1, th, mV, rbind(mJ(th, X1, dX(X1, 2, 1/100), 1), mJ(th, X1, dX(X1, 3, 1/10), 1)))
Xat <- lapply(c(20, 80), function(v) { d <- clus1; d$meals <- v; build(mrhs, d, FALSE) })
f2 <- function(t) unlist(lapply(Xat, function(X) colSums(a * mslope(t, X, dX(X, 2, 1/100))$S)))
emit("mlogit_at", c(margs, "--margins", "dydx", "--at", "meals=20,80", "--margins-variables", "api00"),
     rep("api00", 6), rep("dydx", 6), rep(L3, 2), rep("", 6), rep("", 6), rep("", 6),
     f2, th, mV, do.call(rbind, lapply(Xat, function(X) mJ(th, X, dX(X, 2, 1/100), a))))
Xl <- lapply(gl, function(l) { d <- clus1; d$sch.wide <- factor(l, levels = gl); build(mrhs, d, FALSE) })
f3 <- function(t) colSums(a * mslope(t, Xl[[2]], Xl[[2]] * 0)$P) - colSums(a * mslope(t, Xl[[1]], Xl[[1]] * 0)$P)
emit("mlogit_factor", c(margs, "--margins", "dydx", "--margins-variables", "sch.wide"),
     rep("sch.wide", 3), rep("dydx", 3), L3, rep(gl[2], 3), rep(gl[1], 3), rep("", 3),
     f3, th, mV, mJ(th, Xl[[2]], NULL, a) - mJ(th, Xl[[1]], NULL, a))
og <- sort(unique(clus1$both))
ab <- lapply(og, function(g) { w <- (clus1$both == g) * 1; w / sum(w) })
D2 <- dX(mX, 3, 1/10)
f4 <- function(t) unlist(lapply(ab, function(w) colSums(w * mslope(t, mX, D2)$S)))
emit("mlogit_over", c(margs, "--margins", "dydx", "--over", "both", "--margins-variables", "meals"),
     rep("meals", 6), rep("dydx", 6), rep(L3, 2), rep("", 6), rep("", 6), rep(og, each = 3),
     f4, th, mV, do.call(rbind, lapply(ab, function(w) mJ(th, mX, D2, w))))

writeLines(c("{\"generator\": \"make_ordinal_margins_fixtures.R\", \"cases\": [", paste(cases, collapse = ",\n"), "]}"),
           "ordinal_margins_options_reference.json")
