# Reference values for `strata mediate` (three equations + Sobel test, by formula).
# Run from this folder:  Rscript make_mediation_fixtures.R  (writes mediation_reference.json)
# R 4.2.2, survey 4.1-1. Indirect = a*b with a = coef of the treatment in the mediator equation
# (lm / svyglm), b = coef of the mediator in the outcome equation; Sobel SE =
# sqrt(b^2 se(a)^2 + a^2 se(b)^2). The bootstrap is not replicated here (Strata's seeded
# SplitMix64 resampling is not R's generator); it is tested by its properties.
suppressMessages(library(survey))
ds <- "../../../datasets"
card <- read.csv(file.path(ds, "card.csv")); mroz <- read.csv(file.path(ds, "mroz.csv"))
strat <- read.csv(file.path(ds, "apistrat.csv"))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) paste0("[", paste(str(x), collapse = ", "), "]")
out <- c()
emit <- function(id, args, fits, tr, med) {
  a <- coef(fits$mediator)[tr]; b <- coef(fits$outcome)[med]
  sa <- SE(fits$mediator)[tr]; sb <- SE(fits$outcome)[med]
  se <- sqrt(b^2 * sa^2 + a^2 * sb^2)
  eq <- sapply(names(fits), function(k) paste0(str(k), ": {\"estimate\": ", vec(coef(fits[[k]])),
    ", \"std_error\": ", vec(SE(fits[[k]])), "}"))
  out <<- c(out, paste0("{\"id\": ", str(id), ", \"args\": ", strvec(c(args, "--format", "json")),
    ", \"equations\": {", paste(eq, collapse = ", "), "}, \"indirect\": ", num(a * b),
    ", \"direct\": ", num(coef(fits$outcome)[tr]), ", \"total\": ", num(coef(fits$total)[tr]),
    ", \"sobel_std_error\": ", num(se), ", \"sobel_p_value\": ", num(2 * pnorm(-abs(a * b / se))), "}"))
}
SE <- function(f) sqrt(diag(vcov(f)))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
# 1. card: proximity to college -> education -> log wage (linear)
emit("card_linear", c("mediate", "lwage ~ nearc4 + educ + exper + black + south + smsa", "--treatment", "nearc4",
  "--mediator", "educ", "--data", "datasets/card.csv", "--reps", "20"),
  list(total = lm(lwage ~ nearc4 + exper + black + south + smsa, card),
       mediator = lm(educ ~ nearc4 + exper + black + south + smsa, card),
       outcome = lm(lwage ~ nearc4 + educ + exper + black + south + smsa, card)), "nearc4", "educ")
# 2. mroz: husband's education -> wife's education -> participation (probit outcome)
emit("mroz_probit", c("mediate", "inlf ~ huseduc + educ + age + kidslt6", "--treatment", "huseduc", "--mediator", "educ",
  "--model", "probit", "--data", "datasets/mroz.csv", "--reps", "20"),
  list(total = glm(inlf ~ huseduc + age + kidslt6, binomial("probit"), mroz, control = ctl),
       mediator = lm(educ ~ huseduc + age + kidslt6, mroz),
       outcome = glm(inlf ~ huseduc + educ + age + kidslt6, binomial("probit"), mroz, control = ctl)), "huseduc", "educ")
# 3. apistrat, design-based: English learners -> free meals -> API (svyglm, stratified design)
emit("apistrat_design", c("mediate", "api00 ~ ell + meals + mobility", "--treatment", "ell", "--mediator", "meals",
  "--data", "datasets/apistrat.csv", "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--reps", "20"),
  list(total = svyglm(api00 ~ ell + mobility, dstrat), mediator = svyglm(meals ~ ell + mobility, dstrat),
       outcome = svyglm(api00 ~ ell + meals + mobility, dstrat)), "ell", "meals")
writeLines(c("{\"generator\": \"make_mediation_fixtures.R\", \"cases\": [", paste(out, collapse = ",\n"), "]}"),
           "mediation_reference.json")
