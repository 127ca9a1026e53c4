# R's view of the shipped flexwork population: the calibration margins and the population values.
#
# Regenerates (from the repository root, after `swift build`):
#   Rscript Tests/Fixtures/flexwork/population.R [path/to/strata]
# It draws the census of the shipped population with strata (the population the shipped sample
# comes from: 200,000 workers, seed 7), reads it with read.csv, and writes
#   population_margins_R.csv  colSums(model.matrix(~ region * city_tier + female + platform, census))
#   population_truth_R.csv    pension/medical/injury rates overall and by platform, and the pension
#                             probit's average marginal effects at the true coefficients (CODEBOOK 3.1)
# PopulationValuesTests compares datasets/flexwork/population_margins.csv and population_truth.csv
# (written by strata simulate flexwork --margins/--truth) with these files.
args <- commandArgs(TRUE)
strata <- if (length(args)) args[1] else ".build/debug/strata"
here <- "Tests/Fixtures/flexwork"
census <- tempfile(fileext = ".csv")
status <- system2(strata, c("simulate", "flexwork", "--population", "200000", "--seed", "7", "--census",
                            "--out", census), stdout = FALSE)
stopifnot(status == 0)
d <- read.csv(census, stringsAsFactors = TRUE)
stopifnot(nrow(d) == 200000)

num <- function(x) sprintf("%.17g", x)

# Calibration margins: the model-matrix column totals R calibrate() takes as `population`.
mm <- model.matrix(~ region * city_tier + female + platform, d)
totals <- colSums(mm)
write.csv(data.frame(term = names(totals), total = num(totals)), file.path(here, "population_margins_R.csv"),
          row.names = FALSE, quote = FALSE)

# Rates overall and by platform.
terms <- character(0)
values <- numeric(0)
for (y in c("pension", "medical", "injury")) {
  terms <- c(terms, y)
  values <- c(values, mean(d[[y]]))
}
for (y in c("pension", "medical", "injury")) {
  r <- tapply(d[[y]], d$platform, mean)
  terms <- c(terms, sprintf("%s [platform = %s]", y, names(r)))
  values <- c(values, unname(r))
}

# Average marginal effects of the pension probit at the true coefficients (CODEBOOK 3.1): the
# composite error is N(0, 1), so pnorm(x'b) is each worker's true probability of participation.
beta <- c(
  "(Intercept)" = -6.4, knowledge = 0.08, know_channel = 0.30, present_bias = -0.25, discount = 1.20,
  income_cv = -0.60, burden = -2.00, contractoutsourced = 0.10, contracttemp_agency = 0.35,
  contractwage_employee = 0.90, copay = 0.45, union = 0.25, migrant = -0.30, algo_control = -0.08,
  multihome = -0.12, pilot = 0.05, risk_aversion = 0.04, trust = 0.15, age = 0.06, "I(age^2)" = -0.0006,
  female = 0.05, educ = 0.05, married = 0.10, children = 0.05, "log(income)" = 0.30, hours = -0.005,
  tenure = 0.04, platformexpress = 0.10, platformlivestream = -0.20, platformridehail = 0.15,
  platformshop = 0.05, platformtaskwork = -0.25, city_tiertier2 = -0.10, city_tiertier3 = -0.20)
X <- model.matrix(pension ~ knowledge + know_channel + present_bias + discount + income_cv + burden + contract +
                    copay + union + migrant + algo_control + multihome + pilot + risk_aversion + trust + age +
                    I(age^2) + female + educ + married + children + log(income) + hours + tenure + platform +
                    city_tier, d)
stopifnot(identical(colnames(X), names(beta)))
eta <- drop(X %*% beta)
contract_cols <- c("contractoutsourced", "contracttemp_agency", "contractwage_employee")
own <- drop(X[, contract_cols] %*% beta[contract_cols])
for (v in c("knowledge", "know_channel", "present_bias", "discount", "income_cv", "burden", "contract", "copay")) {
  if (v == "contract") {
    base <- mean(pnorm(eta - own))
    for (k in contract_cols) {
      level <- sub("^contract", "", k)
      terms <- c(terms, sprintf("contract (%s vs none)", level))
      values <- c(values, mean(pnorm(eta - own + beta[[k]])) - base)
    }
  } else {
    terms <- c(terms, v)
    values <- c(values, mean(dnorm(eta)) * beta[[v]])
  }
}
write.csv(data.frame(term = terms, value = num(values)), file.path(here, "population_truth_R.csv"),
          row.names = FALSE, quote = FALSE)
