# Reference values for `strata fit ... --split G` (separate fits per group + Wald test of equal
# coefficients). Run from this folder:  Rscript make_split_fixtures.R  (writes split_reference.json)
# R 4.2.2, survey 4.1-1, sandwich.
# - Without a design the groups are independent samples: W = d' (C blockdiag(V_g) C')^-1 d with
#   d = (b_g - b_1), V_g = each group's own covariance (vcovHC HC1 for lm).
# - With a design the groups are domains of one design. The reference is the fully interacted
#   svyglm  y ~ G * (x...), whose estimating equations are the groups' equations side by side, so its
#   interaction coefficients are b_g - b_1 and its vcov is the design covariance of the stacked
#   influence functions: W = b_int' V_int^-1 b_int. Per-group estimates/SEs: svyglm on subset(design).
suppressMessages({ library(survey); library(sandwich) })
ds <- "../../../datasets"
strat <- read.csv(file.path(ds, "apistrat.csv")); clus1 <- read.csv(file.path(ds, "apiclus1.csv"))
for (nm in c("strat", "clus1")) {
  d <- get(nm); d$sch.wide <- factor(d$sch.wide); d$stype <- factor(d$stype); d$yr.rnd <- factor(d$yr.rnd)
  assign(nm, d)
}
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
strvec <- function(x) paste0("[", paste(str(x), collapse = ", "), "]")
out <- c()
emit <- function(id, args, groups, est, se, W, df) {
  out <<- c(out, paste0("{\"id\": ", str(id), ", \"args\": ", strvec(c(args, "--format", "json")),
    ", \"groups\": ", strvec(groups), ", \"estimate\": [", paste(sapply(est, vec), collapse = ", "),
    "], \"std_error\": [", paste(sapply(se, vec), collapse = ", "), "], \"wald\": ", num(W), ", \"df\": ", df, "}"))
}

# 1. OLS by school type, HC1, independent groups
f <- api00 ~ ell + meals
fits <- lapply(levels(strat$stype), function(g) lm(f, data = strat[strat$stype == g, ]))
V <- lapply(fits, vcovHC, type = "HC1"); b <- lapply(fits, coef)
d <- unlist(lapply(2:3, function(g) b[[g]] - b[[1]]))
S <- rbind(cbind(V[[2]] + V[[1]], V[[1]]), cbind(V[[1]], V[[3]] + V[[1]]))
emit("apistrat_ols_hc1", c("fit", "ols", "api00 ~ ell + meals", "--data", "datasets/apistrat.csv", "--split", "stype",
  "--vce", "hc1"), levels(strat$stype), b, lapply(V, function(v) sqrt(diag(v))), drop(d %*% solve(S, d)), 6)

# 2. OLS by year-round status on the cluster sample: domains cutting across PSUs
full <- svyglm(api00 ~ yr.rnd * (ell + meals), design = dclus1)
int <- grep("yr.rndYes", names(coef(full)))
W <- drop(coef(full)[int] %*% solve(vcov(full)[int, int], coef(full)[int]))
per <- lapply(levels(clus1$yr.rnd), function(g) svyglm(f, design = subset(dclus1, yr.rnd == g)))
emit("apiclus1_ols_design", c("fit", "ols", "api00 ~ ell + meals", "--data", "datasets/apiclus1.csv", "--split", "yr.rnd",
  "--weights", "pw", "--psu", "dnum", "--fpc", "fpc"), levels(clus1$yr.rnd), lapply(per, coef), lapply(per, SE), W, 3)

# 3. logit by school type, stratified design (groups = strata)
full <- svyglm(sch.wide ~ stype * (ell + meals), design = dstrat, family = quasibinomial(),
               control = glm.control(epsilon = 1e-14, maxit = 100))
int <- grep("stype[HM]", names(coef(full)))
W <- drop(coef(full)[int] %*% solve(vcov(full)[int, int], coef(full)[int]))
per <- lapply(levels(strat$stype), function(g) svyglm(sch.wide ~ ell + meals, design = subset(dstrat, stype == g),
  family = quasibinomial(), control = glm.control(epsilon = 1e-14, maxit = 100)))
emit("apistrat_logit_design", c("fit", "logit", "sch.wide ~ ell + meals", "--data", "datasets/apistrat.csv", "--split",
  "stype", "--weights", "pw", "--strata", "stype", "--fpc", "fpc"), levels(strat$stype), lapply(per, coef),
  lapply(per, SE), W, 6)
writeLines(c("{\"generator\": \"make_split_fixtures.R\", \"cases\": [", paste(out, collapse = ",\n"), "]}"),
           "split_reference.json")
