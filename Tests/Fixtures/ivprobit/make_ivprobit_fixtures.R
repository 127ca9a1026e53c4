# Reference values for Strata's IV-probit (Newey two-step) and Cragg-Donald / Kleibergen-Paap tests.
# Run from this folder:  Rscript make_ivprobit_fixtures.R   (writes ivprobit_reference.json)
# R 4.x, jsonlite; everything else is hand-coded base R (no Stata here).
#
# Newey's (1987) minimum chi-squared two-step estimator, as Stata's ivprobit, twostep, describes it:
#   X = instruments (exogenous regressors + excluded instruments), y2 = endogenous regressors (n x p)
#   1. OLS y2 ~ X: Pi (L x p), V = residuals, Sigma = V'V / (n - L)
#   2. control-function probit y ~ x1 + y2 + V: beta = y2 coefficients, rho = V coefficients
#   3. reduced-form probit y ~ X + V: alpha (X part), lambda (V part), Jaa = alpha block of the
#      inverse observed information (analytic probit Hessian)
#   4. Omega = Jaa + (lambda - beta)' Sigma (lambda - beta) (X'X)^-1; D = [Pi for y2, selectors for x1]
#      delta = (D' Omega^-1 D)^-1 D' Omega^-1 alpha,  V(delta) = (D' Omega^-1 D)^-1
#   Rivers-Vuong exogeneity: rho' [inverse observed information of the CF probit]_rho^-1 rho ~ chi2(p)
#   Model Wald chi2(k - 1): delta[-1]' V[-1,-1]^-1 delta[-1]
#   Amemiya-Lee-Newey: (alpha - D delta)' Omega^-1 (alpha - D delta) ~ chi2(L - k)
# Probits: glm(binomial(probit)) with epsilon = 1e-14 (R's default leaves ~1e-5 in probit coefficients).
suppressMessages(library(jsonlite))
ds <- "../../../datasets"
mroz <- read.csv(file.path(ds, "mroz.csv"))
card <- read.csv(file.path(ds, "card.csv"))

probit_fit <- function(y, M) {
  m <- glm.fit(M, y, family = binomial(link = "probit"), control = glm.control(epsilon = 1e-15, maxit = 100))
  b <- m$coefficients
  eta <- drop(M %*% b)
  l1 <- exp(dnorm(eta, log = TRUE) - pnorm(eta, log.p = TRUE))
  l0 <- exp(dnorm(eta, log = TRUE) - pnorm(eta, lower.tail = FALSE, log.p = TRUE))
  w <- ifelse(y == 1, l1 * (l1 + eta), l0 * (l0 - eta))
  list(coef = b, vcov = solve(crossprod(M * sqrt(w))))
}

ivprobit2s <- function(d, y, exog, endog, inst) {
  cc <- complete.cases(d[, c(y, exog, endog, inst)])
  d <- d[cc, ]
  n <- nrow(d)
  yv <- d[[y]]
  X1 <- cbind(`(Intercept)` = 1, as.matrix(d[, exog, drop = FALSE]))
  Y2 <- as.matrix(d[, endog, drop = FALSE])
  X <- cbind(X1, as.matrix(d[, inst, drop = FALSE]))
  L <- ncol(X); p <- ncol(Y2)
  Pi <- solve(crossprod(X), crossprod(X, Y2))
  V <- Y2 - X %*% Pi
  colnames(V) <- paste0("resid(", endog, ")")
  Sigma <- crossprod(V) / (n - L)
  R <- cbind(X1, Y2)  # regressor order: exogenous then endogenous (as the 2SLS names)
  k <- ncol(R)
  cf <- probit_fit(yv, cbind(R, V))
  rf <- probit_fit(yv, cbind(X, V))
  beta <- cf$coef[(ncol(X1) + 1):k]
  rho <- cf$coef[(k + 1):(k + p)]
  alpha <- rf$coef[1:L]
  lambda <- rf$coef[(L + 1):(L + p)]
  Jaa <- rf$vcov[1:L, 1:L]
  dd <- lambda - beta
  Omega <- Jaa + drop(t(dd) %*% Sigma %*% dd) * solve(crossprod(X))
  D <- cbind(diag(L)[, 1:ncol(X1), drop = FALSE], Pi)
  Oi <- solve(Omega)
  Vd <- solve(t(D) %*% Oi %*% D)
  delta <- drop(Vd %*% t(D) %*% Oi %*% alpha)
  names(delta) <- colnames(R)
  dist <- alpha - D %*% delta
  overid <- if (L > k) drop(t(dist) %*% Oi %*% dist) else NULL
  Vr <- cf$vcov[(k + 1):(k + p), (k + 1):(k + p), drop = FALSE]
  rv <- drop(t(rho) %*% solve(Vr) %*% rho)
  sl <- 2:k  # model Wald chi2: every coefficient but the intercept
  wald <- drop(t(delta[sl]) %*% solve(Vd[sl, sl]) %*% delta[sl])
  list(n = n, terms = colnames(R), coefficients = unname(delta), std_errors = unname(sqrt(diag(Vd))),
       vcov = unname(Vd), cf_coefficients = unname(cf$coef), rho = unname(rho),
       rivers_vuong = rv, rivers_vuong_df = p, wald_chi2 = wald, overid = overid, overid_df = L - k)
}

cases <- list(
  list(id = "mroz_just", formula = "inlf ~ nwifeinc + kidslt6 + age | educ ~ motheduc",
       r = ivprobit2s(mroz, "inlf", c("nwifeinc", "kidslt6", "age"), "educ", "motheduc")),
  list(id = "mroz_over", formula = "inlf ~ nwifeinc + kidslt6 + age | educ ~ motheduc + fatheduc + huseduc",
       r = ivprobit2s(mroz, "inlf", c("nwifeinc", "kidslt6", "age"), "educ", c("motheduc", "fatheduc", "huseduc"))),
  list(id = "mroz_2endog", formula = "inlf ~ kidslt6 + age | educ + nwifeinc ~ motheduc + fatheduc + huseduc",
       r = ivprobit2s(mroz, "inlf", c("kidslt6", "age"), c("educ", "nwifeinc"), c("motheduc", "fatheduc", "huseduc"))),
  list(id = "card_proximity", formula = "enroll ~ exper + black + south + smsa | educ ~ nearc4 + nearc2",
       r = ivprobit2s(card, "enroll", c("exper", "black", "south", "smsa"), "educ", c("nearc4", "nearc2")))
)
out <- lapply(cases, function(c) c(list(id = c$id, formula = c$formula), c$r))

# Cragg-Donald and Kleibergen-Paap rk Wald F (ivreg2 / ranktest), from the textbook formulas:
#   Y, Z2 partialled on the included exogenous regressors X1 (with the constant); L = #instruments.
#   CD F = (n - L)/L2 * min eigenvalue of (Y'MY)^-1 Y'PY  (P: projection on Z2, M = I - P).
#   KP (Kleibergen & Paap 2006, eqs. 12-22) for H0: rank(Pi) = p - 1: Theta = G Pi F^-1 with the
#   Cholesky factors G'G = Z2'Z2, F'F = Y'Y; full SVD Theta = U S V'; A_perp, B_perp from the
#   partitioned U and V; lambda = (B_perp (x) A_perp') vec(Theta); Omega = (B_perp (x) A_perp') V_theta (...)'
#   with V_theta the HC0 (or cluster, no adjustment) covariance of vec(Theta); rk = lambda' Omega^-1 lambda.
#   F = rk/n * (n - L)/L2 (robust) or rk/(n-1) * (n - L) * (G-1)/G / L2 (cluster), as ivreg2.
sqrtm <- function(M) { e <- eigen(M, symmetric = TRUE); e$vectors %*% diag(sqrt(e$values), nrow(M)) %*% t(e$vectors) }
kp_rk <- function(Yt, Zt, cl = NULL) {
  p <- ncol(Yt); L2 <- ncol(Zt)
  ZZ <- crossprod(Zt); Pi <- solve(ZZ, crossprod(Zt, Yt)); E <- Yt - Zt %*% Pi
  H <- do.call(cbind, lapply(1:p, function(a) E[, a] * Zt))
  if (!is.null(cl)) H <- rowsum(H, cl)
  B <- kronecker(diag(p), solve(ZZ))
  Vpi <- B %*% crossprod(H) %*% B
  G <- chol(ZZ); Fh <- chol(crossprod(Yt))
  Theta <- G %*% Pi %*% solve(Fh)
  K <- kronecker(t(solve(Fh)), G)
  Vt <- K %*% Vpi %*% t(K)
  s <- svd(Theta, nu = L2, nv = p)
  q <- p - 1; U <- s$u; V <- s$v
  U12 <- U[seq_len(q), (q + 1):L2, drop = FALSE]; U22 <- U[(q + 1):L2, (q + 1):L2, drop = FALSE]
  V12 <- V[seq_len(q), (q + 1):p, drop = FALSE]; V22 <- V[(q + 1):p, (q + 1):p, drop = FALSE]
  Aperp <- rbind(U12, U22) %*% solve(U22) %*% sqrtm(U22 %*% t(U22))
  Bperp <- sqrtm(V22 %*% t(V22)) %*% solve(t(V22)) %*% t(rbind(V12, V22))
  W <- kronecker(Bperp, t(Aperp))
  lam <- W %*% c(Theta)
  drop(t(lam) %*% solve(W %*% Vt %*% t(W)) %*% lam)
}
rank_f <- function(d, exog, endog, inst, vce, cluster = NULL) {
  d <- d[complete.cases(d[, c(exog, endog, inst, cluster)]), ]
  n <- nrow(d)
  X1 <- cbind(1, as.matrix(d[, exog, drop = FALSE]))
  part <- function(M) M - X1 %*% solve(crossprod(X1), crossprod(X1, M))
  Yt <- part(as.matrix(d[, endog, drop = FALSE])); Zt <- part(as.matrix(d[, inst, drop = FALSE]))
  L <- ncol(X1) + length(inst); L2 <- length(inst)
  if (vce == "classical") {
    YPY <- crossprod(Yt, Zt) %*% solve(crossprod(Zt), crossprod(Zt, Yt))
    YMY <- crossprod(Yt) - YPY
    return(list(name = "Cragg-Donald Wald F", statistic = (n - L) / L2 * min(Re(eigen(solve(YMY) %*% YPY)$values))))
  }
  if (vce == "cluster") {
    cl <- d[[cluster]]; g <- length(unique(cl))
    rk <- kp_rk(Yt, Zt, cl)
    return(list(name = "Kleibergen-Paap rk Wald F", statistic = rk / (n - 1) * (n - L) * (g - 1) / g / L2))
  }
  list(name = "Kleibergen-Paap rk Wald F", statistic = kp_rk(Yt, Zt) / n * (n - L) / L2)
}
mroz_w <- mroz[mroz$inlf == 1, ]
rank_cases <- list()
for (v in c("classical", "hc0", "cluster")) {
  cl <- if (v == "cluster") "age" else NULL
  rank_cases[[length(rank_cases) + 1]] <- c(list(id = paste0("mroz_1endog_", v), data = "mroz",
    formula = "lwage ~ exper + expersq | educ ~ motheduc + fatheduc + huseduc", subset = "inlf == 1", vce = v, cluster = cl),
    rank_f(mroz_w, c("exper", "expersq"), "educ", c("motheduc", "fatheduc", "huseduc"), v, cl))
  rank_cases[[length(rank_cases) + 1]] <- c(list(id = paste0("mroz_2endog_", v), data = "mroz",
    formula = "lwage ~ exper + expersq | educ + nwifeinc ~ motheduc + fatheduc + huseduc", subset = "inlf == 1", vce = v, cluster = cl),
    rank_f(mroz_w, c("exper", "expersq"), c("educ", "nwifeinc"), c("motheduc", "fatheduc", "huseduc"), v, cl))
}
for (v in c("classical", "hc0")) {
  rank_cases[[length(rank_cases) + 1]] <- c(list(id = paste0("card_", v), data = "card",
    formula = "lwage ~ exper + expersq + black + south + smsa | educ ~ nearc4 + nearc2", vce = v),
    rank_f(card, c("exper", "expersq", "black", "south", "smsa"), "educ", c("nearc4", "nearc2"), v))
}
write(toJSON(list(ivprobit = out, rank = rank_cases), digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE), "ivprobit_reference.json")
