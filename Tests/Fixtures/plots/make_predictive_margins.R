# Predictive margins per level of a factor (Stata `margins stype` after `svy: logit`), the
# numbers `strata plot predict FIT --x stype` draws: for each level, the weighted average over the
# estimation sample of the predicted probability with stype set to that level, and its delta-method
# standard error with the covariates held fixed (gradient g = sum(w p(1-p) x) / sum(w), se = sqrt(g V g')).
# Run from the repository root: Rscript Tests/Fixtures/plots/make_predictive_margins.R
suppressMessages(library(survey))
d <- read.csv("datasets/apistrat.csv")
d$sch.wide <- factor(d$sch.wide, levels = c("No", "Yes"))
des <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = d)
fit <- svyglm(sch.wide ~ ell + meals + stype, design = des, family = quasibinomial())
b <- coef(fit)
V <- vcov(fit)
w <- weights(des)
df <- df.residual(fit)  # svyglm: design df - p + 1, the df of the saved fit
rows <- lapply(c("E", "H", "M"), function(l) {
  nd <- d
  nd$stype <- factor(l, levels = c("E", "H", "M"))
  X <- model.matrix(~ ell + meals + stype, nd)
  p <- plogis(drop(X %*% b))
  m <- sum(w * p) / sum(w)
  g <- colSums(w * p * (1 - p) * X) / sum(w)
  se <- sqrt(drop(t(g) %*% V %*% g))
  q <- qt(0.975, df)
  data.frame(level = l, estimate = m, std_error = se, conf_low = m - q * se, conf_high = m + q * se)
})
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), "Tests/Fixtures/plots/predictive_margins_stype.csv", row.names = FALSE, quote = FALSE)
