# Reference values for Strata's OLS/WLS tests.
# Run from this folder:  Rscript make_ols_fixtures.R   (writes ols_reference.json)
# Uses lm() for estimates and fit statistics, sandwich::vcovHC / vcovCL for robust and
# cluster-robust covariances (vcovCL defaults: type = "HC1", cadjust = TRUE), and
# t-based p-values / intervals with residual df (cluster: G - 1, as Stata).
suppressMessages(library(sandwich))
ds <- "../../../datasets"
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")))
data <- list(mroz = rd("mroz"), wage1 = rd("wage1"), k401k = rd("k401k"), k401ksubs = rd("k401ksubs"))

cases <- list(
  list(id = "mroz_lwage", data = "mroz", formula = "lwage ~ exper + expersq + educ + age + kidslt6 + kidsge6",
       vces = c("classical", "hc0", "hc1", "hc2", "hc3"), cluster = NULL),
  list(id = "mroz_lwage_cluster_age", data = "mroz", formula = "lwage ~ exper + expersq + educ + age + kidslt6 + kidsge6",
       vces = c("cluster"), cluster = "age"),
  list(id = "wage1_factor_interaction", data = "wage1",
       formula = "lwage ~ educ + factor(numdep) + female + female:educ + log(tenure + 1) + I(exper^2)",
       vces = c("classical", "hc1", "hc3")),
  list(id = "wage1_factor_x_factor", data = "wage1",
       formula = "wage ~ factor(female) * factor(married) + educ + poly(exper, 2, raw = TRUE)",
       vces = c("classical", "hc2")),
  list(id = "k401k_weighted", data = "k401k", formula = "prate ~ mrate + age + I(age^2) + sole",
       weights = "totelg", vces = c("classical", "hc0", "hc1", "hc2", "hc3")),
  list(id = "k401ksubs_subset_wls", data = "k401ksubs", formula = "nettfa ~ inc + I((age - 25)^2) + male + e401k",
       weights = "1/inc", subset = "fsize == 1", vces = c("classical", "hc0", "hc1", "hc2", "hc3")),
  list(id = "k401ksubs_cluster_age", data = "k401ksubs", formula = "nettfa ~ inc + incsq + age + male + e401k",
       vces = c("cluster"), cluster = "age"),
  list(id = "k401ksubs_cluster_twoway", data = "k401ksubs", formula = "nettfa ~ inc + incsq + age + male + e401k",
       vces = c("cluster"), cluster = c("age", "fsize")),
  list(id = "k401ksubs_weighted_cluster", data = "k401ksubs", formula = "nettfa ~ inc + age + male",
       weights = "1/inc", subset = "marr == 1 & inc > 20", vces = c("cluster"), cluster = "fsize"),
  list(id = "wage1_collinear", data = "wage1", formula = "lwage ~ educ + exper + I(educ + exper) + female + I(1 - female) + tenure",
       vces = c("classical", "hc1", "hc3")),
  list(id = "wage1_no_intercept", data = "wage1", formula = "lwage ~ 0 + educ + exper + female",
       vces = c("classical", "hc1"))
)

num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) paste0("[", paste(str(x), collapse = ", "), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ", "), "]")

out <- c()
for (cs in cases) {
  d <- data[[cs$data]]
  if (!is.null(cs$subset)) d <- d[with(d, eval(parse(text = cs$subset))) %in% TRUE, ]
  if (!is.null(cs$weights)) d$.w <- with(d, eval(parse(text = cs$weights)))
  fit <- if (is.null(cs$weights)) lm(as.formula(cs$formula), data = d) else lm(as.formula(cs$formula), data = d, weights = .w)
  s <- summary(fit)
  co <- coef(fit); kept <- !is.na(co)
  n <- nobs(fit); rdf <- df.residual(fit)
  fstat <- if (is.null(s$fstatistic)) c(NA, NA, NA) else s$fstatistic
  for (vce in cs$vces) {
    V <- switch(vce,
      classical = vcov(fit),
      hc0 = vcovHC(fit, type = "HC0"), hc1 = vcovHC(fit, type = "HC1"),
      hc2 = vcovHC(fit, type = "HC2"), hc3 = vcovHC(fit, type = "HC3"),
      cluster = vcovCL(fit, cluster = as.formula(paste("~", paste(cs$cluster, collapse = " + ")))))
    if (nrow(V) == length(co)) V <- V[kept, kept, drop = FALSE]  # vcov() keeps NA rows for aliased terms
    if (vce == "cluster") {
      mf <- model.frame(fit)
      G <- min(sapply(cs$cluster, function(v) length(unique(d[rownames(mf), v]))))
      tdf <- G - 1
    } else { G <- NA; tdf <- rdf }
    se <- rep(NA, length(co)); se[kept] <- sqrt(diag(V))
    tval <- co / se; p <- 2 * pt(abs(tval), tdf, lower.tail = FALSE)
    q <- qt(0.975, tdf)
    # Wald F of all non-intercept kept coefficients with this covariance (equals summary.lm's F when classical)
    idx <- which(names(co)[kept] != "(Intercept)")
    b <- co[kept][idx]; Vs <- V[idx, idx, drop = FALSE]
    wald <- as.numeric(t(b) %*% solve(Vs, b)) / length(idx)
    wald_p <- pf(wald, length(idx), tdf, lower.tail = FALSE)
    out <- c(out, paste0("{",
      "\"id\": ", str(paste0(cs$id, "_", vce)), ", \"dataset\": ", str(cs$data),
      ", \"formula\": ", str(cs$formula),
      ", \"weights\": ", if (is.null(cs$weights)) "null" else str(cs$weights),
      ", \"subset\": ", if (is.null(cs$subset)) "null" else str(cs$subset),
      ", \"vce\": ", str(vce), ", \"cluster\": ", if (is.null(cs$cluster)) "[]" else strvec(cs$cluster),
      ", \"terms\": ", strvec(names(co)), ", \"estimate\": ", vec(co), ", \"std_error\": ", vec(se),
      ", \"statistic\": ", vec(tval), ", \"p_value\": ", vec(p),
      ", \"conf_low\": ", vec(co - q * se), ", \"conf_high\": ", vec(co + q * se),
      ", \"vcov\": ", mat(V),
      ", \"nobs\": ", n, ", \"df_residual\": ", rdf, ", \"t_df\": ", tdf, ", \"n_clusters\": ", num(G),
      ", \"r_squared\": ", num(s$r.squared), ", \"adj_r_squared\": ", num(s$adj.r.squared),
      ", \"sigma\": ", num(s$sigma), ", \"f_classical\": ", vec(fstat),
      ", \"wald_f\": ", num(wald), ", \"wald_df\": ", vec(c(length(idx), tdf)), ", \"wald_p\": ", num(wald_p),
      ", \"loglik\": ", num(as.numeric(logLik(fit))), ", \"aic\": ", num(AIC(fit)), ", \"bic\": ", num(BIC(fit)),
      "}"))
  }
}
writeLines(c(paste0("{\"generated_with\": ", str(paste0(R.version.string, "; sandwich ", packageVersion("sandwich"))), ","),
             "\"cases\": [", paste(out, collapse = ",\n"), "]}"), "ols_reference.json")
