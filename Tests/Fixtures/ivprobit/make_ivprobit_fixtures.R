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
write(toJSON(list(ivprobit = out), digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE), "ivprobit_reference.json")
