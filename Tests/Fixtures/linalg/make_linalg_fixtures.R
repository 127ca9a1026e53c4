# Generates the reference values for Tests/StrataLinalgTests.
#
#   cd Tests/Fixtures/linalg && Rscript make_linalg_fixtures.R
#
# Writes qr_cases.json (R qr()/lm.fit()/hat()/chol2inv()) and
# distributions.json (pnorm/qnorm, pt/qt, pf/qf, pchisq/qchisq, pbeta,
# pgamma, densities). Numbers are written with %.17g; non-finite values as
# the strings "Inf", "-Inf", "NaN". Base R only (no jsonlite).

num <- function(v) {
  vapply(v, function(z) {
    if (is.na(z)) '"NaN"' else if (is.infinite(z)) (if (z > 0) '"Inf"' else '"-Inf"')
    else sprintf("%.17g", z)
  }, "")
}
arr <- function(v) paste0("[", paste(num(as.numeric(v)), collapse = ","), "]")
iarr <- function(v) paste0("[", paste(as.integer(v), collapse = ","), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf('"%s":%s', names(kv), unlist(kv)), collapse = ","), "}")
}
str <- function(s) paste0('"', gsub('"', '\\\\"', s), '"')

generator <- str(paste(R.version.string, "-", "make_linalg_fixtures.R"))

# ---------------------------------------------------------------- QR cases
set.seed(20240601)
qr_case <- function(name, X, y, tol = 1e-7) {
  q <- qr(X, tol = tol)
  k <- q$rank
  fit <- lm.fit(X, y, tol = tol)
  kept <- q$pivot[seq_len(k)]
  coefs <- fit$coefficients[kept]
  cov <- if (k > 0) chol2inv(qr.R(q)[seq_len(k), seq_len(k), drop = FALSE]) else matrix(0, 0, 0)
  h <- if (k > 0) rowSums(qr.qy(q, diag(1, nrow = nrow(X), ncol = k))^2) else rep(0, nrow(X))
  obj(
    name = str(name), n = nrow(X), p = ncol(X), tol = num(tol),
    x = arr(X), y = arr(y), rank = k, pivot = iarr(q$pivot - 1L),
    coefficients = arr(coefs), qty = arr(qr.qty(q, y)),
    unscaledCov = arr(cov), hat = arr(h),
    fitted = arr(fit$fitted.values), residuals = arr(fit$residuals)
  )
}

n <- 50
x1 <- rnorm(n); x2 <- runif(n); x5 <- x2 + 1e-3 * rnorm(n)
x4 <- x1 + 1e-9 * rnorm(n)
A <- cbind(1, x1, 0, x2, x1, x4, x1 + 2 * x2, x5)
yA <- 1 + 2 * x1 - x2 + 0.5 * x5 + rnorm(n)

B <- cbind(1, 1e6 * rnorm(30), 1e-6 * rnorm(30), rnorm(30), rexp(30))
yB <- drop(B %*% c(1, 2e-6, 3e5, -1, 0.5)) + rnorm(30)

C <- matrix(rnorm(5 * 8), 5, 8)
yC <- rnorm(5)

# Model matrix of a factor with all dummies plus intercept (last dummy aliased),
# and an interaction column that duplicates a main effect.
g <- factor(sample(letters[1:4], 40, replace = TRUE))
z <- rnorm(40)
D <- cbind(1, model.matrix(~ g - 1), z, z * (g == "a"), z)
yD <- rnorm(40)

# Aliased first column (zero), then full rank.
E <- cbind(0, rnorm(20), rnorm(20))
yE <- rnorm(20)

cases <- c(
  qr_case("collinear_mix", A, yA),
  qr_case("collinear_mix_tol1e-12", A, yA, tol = 1e-12),
  qr_case("full_rank_badly_scaled", B, yB),
  qr_case("wide_p_gt_n", C, yC),
  qr_case("factor_dummies", D, yD),
  qr_case("leading_zero_column", E, yE)
)
writeLines(paste0('{"generator":', generator, ',"cases":[', paste(cases, collapse = ",\n"), "]}"),
           "qr_cases.json")

# ------------------------------------------------------- distributions
rows <- character(0)
qrows <- character(0)
add <- function(dist, p1, p2, x, cdf, sf, dens) {
  rows <<- c(rows, obj(dist = str(dist), p1 = num(p1), p2 = num(p2), x = num(x),
                       cdf = num(cdf), sf = num(sf), density = num(dens)))
}
# R 4.2's qt/qf/qbeta can be far from the root of R's own (accurate)
# pt/pf in extreme tails, and qf(p, df1, df2) returns qchisq(p, df1)/df1 for
# df2 > 4e5. So each quantile is also polished by Newton's method on the log
# of the relevant tail, using R's pt/pf/pchisq(log.p = TRUE) and d-functions:
# `lower`/`upper` are the polished roots, `lower_r`/`upper_r` what q*() gave.
polish <- function(q, p, lower, pfun, dfun, positive) {
  if (!is.finite(q) || p <= 0 || p >= 1) return(q)
  for (i in 1:100) {
    lp <- pfun(q, lower.tail = lower, log.p = TRUE)
    g <- lp - log(p)
    slope <- (if (lower) 1 else -1) * exp(dfun(q, log = TRUE) - lp)
    step <- g / slope
    if (!is.finite(step)) break
    qn <- q - step
    if (positive && qn <= 0) qn <- q / 2
    done <- abs(qn - q) <= 1e-16 * abs(q)
    q <- qn
    if (done) break
  }
  q
}
addq <- function(dist, p1, p2, p, lower, upper, pfun, dfun, positive = TRUE) {
  qrows <<- c(qrows, obj(dist = str(dist), p1 = num(p1), p2 = num(p2), p = num(p),
                         lower = num(polish(lower, p, TRUE, pfun, dfun, positive)),
                         upper = num(polish(upper, p, FALSE, pfun, dfun, positive)),
                         lower_r = num(lower), upper_r = num(upper)))
}
pgrid <- c(1e-300, 1e-200, 1e-100, 1e-50, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05,
           0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.999, 1 - 1e-10)

for (x in c(-38.4, -37.5, -30, -20, -10, -8.3, -5, -3, -1.96, -1, -0.5, -1e-10, 0, 0.3, 1,
            2.5, 5, 10, 20, 37.5))
  add("normal", 0, 0, x, pnorm(x), pnorm(x, lower.tail = FALSE), dnorm(x))
for (p in pgrid) addq("normal", 0, 0, p, qnorm(p), qnorm(p, lower.tail = FALSE),
                      pnorm, dnorm, positive = FALSE)

tdf <- c(0.5, 1, 1.5, 2, 2.7, 3, 5, 10, 29.5, 30, 100, 1000, 1e4, 1e5, 3e5, 5e5, 1e7)
tx <- c(-1e6, -300, -50, -12, -5, -2.5, -1.96, -1, -0.3, 0, 0.2, 1, 1.5, 2, 3, 7, 15, 40,
        100, 1e3, 1e5, 1e10)
for (df in tdf) {
  for (x in tx) add("t", df, 0, x, pt(x, df), pt(x, df, lower.tail = FALSE), dt(x, df))
  for (p in pgrid) addq("t", df, 0, p, qt(p, df), qt(p, df, lower.tail = FALSE),
                        function(q, ...) pt(q, df, ...), function(q, ...) dt(q, df, ...),
                        positive = FALSE)
}

fdf <- list(c(1, 1), c(1, 10), c(2, 3.5), c(3, 27), c(5, 100), c(10, 1e4), c(0.7, 2.3),
            c(50, 50), c(1, 1e6), c(4, Inf), c(200, 3), c(1e4, 1e4))
fx <- c(1e-10, 1e-4, 0.01, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10, 50, 200, 1e4, 1e8)
for (d in fdf) {
  for (x in fx) add("f", d[1], d[2], x, pf(x, d[1], d[2]), pf(x, d[1], d[2], lower.tail = FALSE),
                    df(x, d[1], d[2]))
  for (p in pgrid) addq("f", d[1], d[2], p, qf(p, d[1], d[2]), qf(p, d[1], d[2], lower.tail = FALSE),
                        function(q, ...) pf(q, d[1], d[2], ...),
                        function(q, ...) df(q, d[1], d[2], ...))
}

cdf_ <- c(0.3, 1, 2, 3, 4.5, 10, 30, 100, 1e3, 1e4, 1e5, 1e6)
for (df in cdf_) {
  xs <- sort(unique(c(df * c(1e-6, 0.01, 0.1, 0.5, 0.9, 1, 1.1, 2, 5, 10, 50),
                      1e-10, 0.5, 3.84, 1000, 1500)))
  for (x in xs) add("chisq", df, 0, x, pchisq(x, df), pchisq(x, df, lower.tail = FALSE),
                    dchisq(x, df))
  for (p in pgrid) addq("chisq", df, 0, p, qchisq(p, df), qchisq(p, df, lower.tail = FALSE),
                        function(q, ...) pchisq(q, df, ...), function(q, ...) dchisq(q, df, ...))
}

bab <- list(c(0.5, 0.5), c(2, 3), c(0.1, 10), c(50, 60), c(1000, 0.5), c(1e4, 2e4), c(7.5, 9))
for (ab in bab) for (x in c(1e-5, 0.01, 0.3, 0.5, 0.9, 0.999))
  add("beta", ab[1], ab[2], x, pbeta(x, ab[1], ab[2]), pbeta(x, ab[1], ab[2], lower.tail = FALSE),
      dbeta(x, ab[1], ab[2]))
for (a in c(0.1, 0.5, 1, 3.3, 12, 250, 1e5)) for (m in c(1e-3, 0.2, 0.9, 1, 1.3, 3, 20))
  add("gamma", a, 0, a * m, pgamma(a * m, a), pgamma(a * m, a, lower.tail = FALSE), dgamma(a * m, a))

writeLines(paste0('{"generator":', generator, ',\n"cdf":[', paste(rows, collapse = ",\n"),
                  '],\n"quantile":[', paste(qrows, collapse = ",\n"), "]}"),
           "distributions.json")
