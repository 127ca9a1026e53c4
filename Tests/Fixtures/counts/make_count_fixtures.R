# Reference values for offsets/exposure, grouped binomial responses and negative binomial fits.
# Run from this folder:  Rscript make_count_fixtures.R
# Writes insurance.csv, menarche.csv and quine.csv (the MASS data sets, factors as R's labels or
# integer codes) and counts_reference.json. R 4 with MASS, sandwich and survey 4.1-1.
# Each case stores the strata command-line arguments and R's coefficients and standard errors;
# glm/svyglm run with epsilon = 1e-14, glm.nb with epsilon = 1e-14 (outer loop) and its theta
# polished to the root of the score, so that the values are the maximum-likelihood estimates.
suppressMessages({ library(MASS); library(sandwich); library(survey); library(jsonlite) })

# MASS::Insurance: Group and Age are ordered factors (polynomial contrasts in R); the CSV holds
# their integer codes so that factor() gives treatment contrasts in both R and Strata.
ins <- data.frame(District = as.integer(Insurance$District), Group = as.integer(Insurance$Group),
                  Age = as.integer(Insurance$Age), Holders = Insurance$Holders, Claims = Insurance$Claims)
write.csv(ins, "insurance.csv", row.names = FALSE)
write.csv(menarche, "menarche.csv", row.names = FALSE)
write.csv(quine, "quine.csv", row.names = FALSE)
clus2 <- read.csv("../../../datasets/apiclus2.csv")
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)

ctl <- glm.control(epsilon = 1e-14, maxit = 100)
cases <- list()
add <- function(id, args, b, V, extra = list()) {
  cases[[length(cases) + 1]] <<- c(list(id = id, args = args, terms = names(b), coef = unname(b),
                                        se = unname(sqrt(diag(V)))), extra)
}
glmStats <- function(f) list(deviance = deviance(f), null_deviance = f$null.deviance,
                             logLik = as.numeric(logLik(f)), df_residual = f$df.residual)

# 1. Poisson with an offset on MASS::Insurance: classical and HC0; the --exposure spelling.
fml <- "Claims ~ factor(District) + factor(Group) + factor(Age) + offset(log(Holders))"
p1 <- glm(as.formula(fml), family = poisson, data = ins, control = ctl)
add("insurance_poisson_offset_classical", c("poisson", fml, "--data", "insurance.csv"),
    coef(p1), vcov(p1), glmStats(p1))
add("insurance_poisson_offset_hc0", c("poisson", fml, "--data", "insurance.csv", "--vce", "hc0"),
    coef(p1), sandwich(p1), glmStats(p1))
fmlx <- "Claims ~ factor(District) + factor(Group) + factor(Age)"
add("insurance_poisson_exposure_classical", c("poisson", fmlx, "--data", "insurance.csv", "--exposure", "Holders"),
    coef(p1), vcov(p1), glmStats(p1))
add("insurance_poisson_exposure_hc0",
    c("poisson", fmlx, "--data", "insurance.csv", "--exposure", "Holders", "--vce", "hc0"),
    coef(p1), sandwich(p1), glmStats(p1))
# A second offset adds to the first (log(Holders) = log(Holders/2) + log(2)).
p2 <- glm(Claims ~ factor(District) + factor(Group) + factor(Age) + offset(log(Holders / 2)) + offset(log(2 + 0 * Holders)),
          family = poisson, data = ins, control = ctl)
stopifnot(max(abs(coef(p2) - coef(p1))) < 1e-10)

# Predictions at the observed exposure and at Holders = 1000 (rates per 1000 holders).
nd <- ins; nd$Holders <- 1000
add("insurance_poisson_offset_predictions", c("poisson", fml, "--data", "insurance.csv"),
    coef(p1), vcov(p1),
    list(fitted = unname(fitted(p1)), predict_at_1000 = unname(predict(p1, nd, type = "response")),
         mean_at_1000 = mean(predict(p1, nd, type = "response")),
         # delta method with the classical vcov: gradient mean(mu_i x_i)
         mean_at_1000_se = {
           X <- model.matrix(p1); mu <- predict(p1, nd, type = "response")
           g <- colMeans(X * mu); sqrt(drop(t(g) %*% vcov(p1) %*% g)) }))

# 2. Design-based Poisson with an offset on the two-stage api design (complete cases: a domain).
fmld <- "api.stu ~ ell + meals + offset(log(enroll))"
d1 <- svyglm(as.formula(fmld), design = dclus2, family = quasipoisson, control = ctl)
for (k in 1:10) d1 <- svyglm(as.formula(fmld), design = dclus2, family = quasipoisson, control = ctl, start = coef(d1))
add("apiclus2_poisson_offset_design",
    c("poisson", fmld, "--data", "../../../datasets/apiclus2.csv", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"),
    coef(d1), vcov(d1), list(df_residual = d1$df.residual))

# Replicate designs refit the offset (and grouped) models: JK1 replicates of the one-stage
# cluster design (as.svrepdesign; Strata's --replicate jk1).
clus1 <- read.csv("../../../datasets/apiclus1.csv")
djk <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1), type = "JK1")
jk <- svyglm(as.formula(fmld), design = djk, family = quasipoisson, control = ctl)
add("apiclus1_poisson_offset_jk1",
    c("poisson", fmld, "--data", "../../../datasets/apiclus1.csv", "--psu", "dnum", "--weights", "pw", "--fpc", "fpc",
      "--replicate", "jk1"),
    coef(jk), vcov(jk), list(df_residual = jk$df.residual))
# One school has more students tested than enrolled: a domain without it.
# svyglm's replicate refits (svyglm.svyrep.design) refit the proportions full$y with the replicate
# weights alone, dropping the trials that the full-sample fit multiplies them by; Strata refits
# each replicate as the full sample is fitted (weights x trials). The reference is therefore
# withReplicates() of that refit (glm with the replicate weights, cbind response), whose
# full-sample estimate is svyglm's; svyglm's own standard errors are stored as svyglm_se.
djks <- subset(djk, api.stu <= enroll)
jkg <- svyglm(cbind(api.stu, enroll - api.stu) ~ ell + meals, design = djks, family = quasibinomial, control = ctl)
wr <- withReplicates(djks, function(w, data) {
  keep <- w > 0
  coef(glm(cbind(api.stu, enroll - api.stu) ~ ell + meals, family = quasibinomial, weights = w[keep],
           data = data[keep, ], control = ctl, start = coef(jkg)))
})
stopifnot(max(abs(coef(wr) - coef(jkg))) < 1e-9)
add("apiclus1_logit_grouped_jk1",
    c("logit", "cbind(api.stu, enroll - api.stu) ~ ell + meals", "--data", "../../../datasets/apiclus1.csv",
      "--psu", "dnum", "--weights", "pw", "--fpc", "fpc", "--replicate", "jk1", "--subpop", "api.stu <= enroll"),
    coef(jkg), attr(wr, "var"), list(df_residual = jkg$df.residual, svyglm_se = unname(SE(jkg))))

# 3. Grouped binomial responses on MASS::menarche: logit, probit, cloglog (classical and HC0).
for (link in c("logit", "probit", "cloglog")) {
  fm <- "cbind(Menarche, Total - Menarche) ~ Age"
  g <- glm(as.formula(fm), family = binomial(link), data = menarche, control = ctl)
  # Non-canonical links: refit from the estimate until it stops moving, so that the working
  # weights (and vcov) are those at the MLE.
  for (k in 1:10) g <- glm(as.formula(fm), family = binomial(link), data = menarche, control = ctl, start = coef(g))
  add(paste0("menarche_", link, "_classical"), c(link, fm, "--data", "menarche.csv"), coef(g), vcov(g), glmStats(g))
  add(paste0("menarche_", link, "_hc0"), c(link, fm, "--data", "menarche.csv", "--vce", "hc0"), coef(g), sandwich(g))
}
# Design-based grouped logit on the two-stage api design: students tested out of those enrolled.
fmg <- "cbind(api.stu, enroll - api.stu) ~ ell + meals"
for (link in c("logit", "probit")) {
  dg <- svyglm(as.formula(fmg), design = dclus2, family = quasibinomial(link), control = ctl)
  for (k in 1:10) dg <- svyglm(as.formula(fmg), design = dclus2, family = quasibinomial(link), control = ctl, start = coef(dg))
  add(paste0("apiclus2_", link, "_grouped_design"),
      c(link, fmg, "--data", "../../../datasets/apiclus2.csv", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"),
      coef(dg), vcov(dg), list(df_residual = dg$df.residual))
}

# 4. Negative binomial (NB2) on MASS::quine: theta by ML, classical (conditional on theta, as
# vcov(glm.nb)) and HC0 (sandwich on the glm.nb object).
nb <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = ctl)
# Polish theta to the root of its score at the final means, then beta given theta, until both stop.
for (k in 1:20) {
  th <- theta.ml(quine$Days, fitted(nb), limit = 100, eps = 1e-14)
  nb2 <- glm(Days ~ Eth + Sex + Age + Lrn, family = negative.binomial(th), data = quine,
             control = ctl, start = coef(nb))
  done <- abs(th - nb$theta) < 1e-13 * th && max(abs(coef(nb2) - coef(nb))) < 1e-13
  nb$theta <- th; nb$coefficients <- coef(nb2); nb$fitted.values <- fitted(nb2)
  if (done) break
}
thetaFinal <- nb$theta
nbFinal <- glm(Days ~ Eth + Sex + Age + Lrn, family = negative.binomial(thetaFinal), data = quine,
               control = ctl, start = coef(nb))
seTheta <- attr(theta.ml(quine$Days, fitted(nbFinal), limit = 100, eps = 1e-14), "SE")
ll <- sum(dnbinom(quine$Days, size = thetaFinal, mu = fitted(nbFinal), log = TRUE))
nbStats <- list(theta = thetaFinal, se_theta = seTheta, alpha = 1 / thetaFinal,
                logLik = ll, deviance = deviance(nbFinal), null_deviance = nbFinal$null.deviance,
                df_residual = nbFinal$df.residual,
                glm_nb_theta = glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = ctl)$theta,
                AIC = AIC(glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = ctl)))
# vcov(glm.nb) has dispersion 1 (summary.negbin); the refitted glm object would estimate it.
Vnb <- summary(nbFinal, dispersion = 1)$cov.scaled
stopifnot(max(abs(sqrt(diag(Vnb)) / sqrt(diag(vcov(glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = ctl)))) - 1)) < 1e-6)
add("quine_nbreg_classical", c("nbreg", "Days ~ Eth + Sex + Age + Lrn", "--data", "quine.csv"),
    coef(nbFinal), Vnb, nbStats)
add("quine_nbreg_cluster",
    c("nbreg", "Days ~ Eth + Sex + Age + Lrn", "--data", "quine.csv", "--cluster", "Age"),
    coef(nbFinal), vcovCL(nbFinal, cluster = ~Age), nbStats)
add("quine_nbreg_hc0", c("nbreg", "Days ~ Eth + Sex + Age + Lrn", "--data", "quine.csv", "--vce", "hc0"),
    coef(nbFinal), sandwich(nbFinal), nbStats)

# Design-based NB2 on the two-stage api design: theta by pseudo-ML with the sampling weights
# (theta.ml with svyglm's prior weights), alternating with svyglm(family = negative.binomial(theta))
# until theta stops moving; svyglm's variance is the linearization of beta's estimating equations
# at that theta (conditional on theta, as Strata's).
fnb <- api.stu ~ ell + meals + offset(log(enroll))
q0 <- svyglm(fnb, design = dclus2, family = quasipoisson, control = ctl)
wq <- q0$prior.weights
thd <- suppressWarnings(theta.ml(q0$y, fitted(q0), sum(wq), wq, limit = 100, eps = 1e-14))
for (k in 1:100) {
  q1 <- svyglm(fnb, design = dclus2, family = negative.binomial(thd), control = ctl, start = coef(q0))
  th2 <- suppressWarnings(theta.ml(q1$y, fitted(q1), sum(wq), wq, limit = 100, eps = 1e-14))
  q0 <- q1
  if (abs(th2 - thd) < 1e-13 * thd) break
  thd <- th2
}
q1 <- svyglm(fnb, design = dclus2, family = negative.binomial(th2), control = ctl, start = coef(q0))
add("apiclus2_nbreg_offset_design",
    c("nbreg", "api.stu ~ ell + meals + offset(log(enroll))", "--data", "../../../datasets/apiclus2.csv",
      "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"),
    coef(q1), vcov(q1), list(theta = as.numeric(th2), alpha = 1 / as.numeric(th2), df_residual = q1$df.residual))

# Replicate designs refit NB2 in full, theta included, in each replicate: the reference is
# withReplicates() of glm.nb with the replicate weights (JK1 replicates of apiclus1), whose
# full-sample fit is glm.nb with the sampling weights (theta's root does not depend on their scale).
nbw <- function(w, data) {
  keep <- w > 0
  d <- data[keep, ]; d$.w <- w[keep]
  f <- glm.nb(api.stu ~ ell + meals + offset(log(enroll)), data = d, weights = .w, control = ctl)
  for (k in 1:20) {
    th <- suppressWarnings(theta.ml(f$y, fitted(f), sum(d$.w), d$.w, limit = 100, eps = 1e-14))
    f <- glm(api.stu ~ ell + meals + offset(log(enroll)), family = negative.binomial(th), data = d,
             weights = .w, control = ctl, start = coef(f))
  }
  coef(f)
}
clus1cc <- clus1[!is.na(clus1$enroll), ]
djkcc <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1cc), type = "JK1")
wnb <- withReplicates(djkcc, nbw)
add("apiclus1_nbreg_offset_jk1",
    c("nbreg", "api.stu ~ ell + meals + offset(log(enroll))", "--data", "../../../datasets/apiclus1.csv",
      "--psu", "dnum", "--weights", "pw", "--fpc", "fpc", "--replicate", "jk1"),
    coef(wnb), attr(wnb, "var"))

writeLines(toJSON(list(r_version = R.version.string, survey = as.character(packageVersion("survey")),
                       MASS = as.character(packageVersion("MASS")),
                       sandwich = as.character(packageVersion("sandwich")), cases = cases),
                  auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "counts_reference.json")
