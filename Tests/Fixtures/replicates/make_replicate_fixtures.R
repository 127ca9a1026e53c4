# Reference values for replicate designs built from declared designs (issue 18): JKn from the
# stratified api design and from NHANES, BRR with strata of more than two PSUs (R's default
# large = "split"). Run from this folder:  Rscript make_replicate_fixtures.R
# R 4, survey 4.1-1. Writes replicate_reference.json, nhanes.csv and apistrat_psu.csv.
suppressMessages(library(survey))
stopifnot(as.character(packageVersion("survey")) == "4.1.1")
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE)

# ---- minimal JSON writer (no jsonlite) -------------------------------------------------
esc <- function(s) gsub('"', '\\\\"', s)
js <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x)) && length(x) > 0) {
      return(paste0("{", paste0('"', names(x), '": ', vapply(x, js, ""), collapse = ", "), "}"))
    }
    return(paste0("[", paste0(vapply(x, js, ""), collapse = ", "), "]"))
  }
  if (is.character(x)) {
    if (length(x) == 1) return(paste0('"', esc(x), '"'))
    return(paste0("[", paste0('"', esc(x), '"', collapse = ", "), "]"))
  }
  if (is.logical(x) && length(x) == 1) return(if (is.na(x)) "null" else if (x) "true" else "false")
  v <- ifelse(is.finite(x), sprintf("%.17g", x), "null")
  if (length(x) == 1) return(v)
  paste0("[", paste0(v, collapse = ", "), "]")
}

# ---- data -----------------------------------------------------------------------------
# NHANES as shipped with survey (data(nhanes)), written as the CSV Strata reads (NA: empty).
data(nhanes)
write.csv(nhanes, "nhanes.csv", row.names = FALSE, na = "")
nh <- read.csv("nhanes.csv", stringsAsFactors = TRUE)
# write.csv keeps 15 significant digits: the designs below use the data as read back, as Strata does.
for (v in setdiff(names(nhanes), "agecat")) stopifnot(isTRUE(all.equal(nh[[v]], as.numeric(nhanes[[v]]))))
# apistrat with pseudo-PSUs of consecutive rows within school type: 4 in E, 2 in H, 6 in M
# (BRR splits E into 2 pairs and M into 3, R's brrweights(large = "split")).
st <- read.csv("../../../datasets/apistrat.csv", stringsAsFactors = TRUE, colClasses = c(cds = "character"))
k <- c(E = 4, H = 2, M = 6)
st$psu <- ave(seq_len(nrow(st)), st$stype, FUN = function(i) {
  size <- k[as.character(st$stype[i[1]])]
  (seq_along(i) - 1) %% size + 1
})
write.csv(st[, c("stype", "psu", "pw", "api00", "enroll", "ell", "meals", "sch.wide")], "apistrat_psu.csv",
          row.names = FALSE)
sp <- read.csv("apistrat_psu.csv", stringsAsFactors = TRUE)

# ---- designs ----------------------------------------------------------------------------
# Each with the Strata declaration that should reproduce it ("build": --replicate TYPE).
designs <- list()
cases <- list()
decl <- function(id, data, rep, weights, strata, psu = list(), fpc = list(), nest = FALSE, type, mse = FALSE) {
  aw <- weights(rep, "analysis")
  designs[[length(designs) + 1]] <<- list(
    id = id, data = data, weights = weights, strata = strata, psu = psu, fpc = fpc, nest = nest,
    build = list(type = type, mse = mse),
    replicates = ncol(aw), scale = rep$scale, rscales = rep$rscales, df = degf(rep),
    # The replicate analysis weights, summarised by column (fixes their order) and one row.
    replicate_sums = unname(colSums(aw)), first_row = unname(aw[1, ]))
}
add <- function(design_id, rep, id, statistic, value, variable = NULL, formula = NULL, family = NULL) {
  case <- list(id = id, design = design_id, statistic = statistic)
  if (!is.null(variable)) case$variable <- variable
  if (!is.null(formula)) {
    case$formula <- formula
    case$family <- family
    case$terms <- names(coef(value))
    case$estimate <- unname(coef(value))
    case$std_error <- unname(SE(value))
    case$nobs <- length(value$y)
  } else {
    case$estimate <- unname(coef(value))
    case$std_error <- unname(SE(value))
  }
  cases[[length(cases) + 1]] <<- case
}
descriptives <- function(design_id, rep, mean_var, total_var) {
  add(design_id, rep, paste0(design_id, "_mean"), "mean",
      svymean(as.formula(paste0("~", mean_var)), rep, na.rm = TRUE), variable = mean_var)
  add(design_id, rep, paste0(design_id, "_total"), "total",
      svytotal(as.formula(paste0("~", total_var)), rep, na.rm = TRUE), variable = total_var)
}
models <- function(design_id, rep, linear, binary) {
  g <- svyglm(as.formula(linear), design = rep)
  add(design_id, rep, paste0(design_id, "_gaussian"), "svyglm", g, formula = linear, family = "gaussian")
  b <- svyglm(as.formula(binary), design = rep, family = quasibinomial(),
              control = glm.control(epsilon = 1e-14, maxit = 100))
  add(design_id, rep, paste0(design_id, "_logit"), "svyglm", b, formula = binary, family = "quasibinomial")
}

# JKn from the stratified api design (with and without the FPC; mse = TRUE once).
d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st)
r <- as.svrepdesign(d, type = "JKn")
decl("apistrat_jkn", "datasets/apistrat.csv", r, "pw", "stype", fpc = list("fpc"), type = "jkn")
descriptives("apistrat_jkn", r, "api00", "enroll")
models("apistrat_jkn", r, "api00 ~ ell + meals", "sch.wide ~ ell + meals")

d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = st)
r <- as.svrepdesign(d, type = "JKn")
decl("apistrat_jkn_nofpc", "datasets/apistrat.csv", r, "pw", "stype", type = "jkn")
descriptives("apistrat_jkn_nofpc", r, "api00", "enroll")

d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st)
r <- as.svrepdesign(d, type = "JKn", mse = TRUE)
decl("apistrat_jkn_mse", "datasets/apistrat.csv", r, "pw", "stype", fpc = list("fpc"), type = "jkn", mse = TRUE)
descriptives("apistrat_jkn_mse", r, "api00", "enroll")
models("apistrat_jkn_mse", r, "api00 ~ ell + meals", "sch.wide ~ ell + meals")

# JKn from the NHANES design (15 strata x 2 PSUs).
d <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nh)
r <- as.svrepdesign(d, type = "JKn")
decl("nhanes_jkn", "Tests/Fixtures/replicates/nhanes.csv", r, "WTMEC2YR", "SDMVSTRA", psu = list("SDMVPSU"),
     nest = TRUE, type = "jkn")
descriptives("nhanes_jkn", r, "HI_CHOL", "HI_CHOL")
models("nhanes_jkn", r, "HI_CHOL ~ factor(race) + RIAGENDR", "HI_CHOL ~ factor(race) + RIAGENDR")

# BRR with strata of 4 and 6 PSUs, split into pairs (R's default), 6 pseudo-strata: order 8.
d <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, nest = TRUE, data = sp)
r <- as.svrepdesign(d, type = "BRR")
decl("apistrat_brr_split", "Tests/Fixtures/replicates/apistrat_psu.csv", r, "pw", "stype", psu = list("psu"),
     nest = TRUE, type = "brr")
descriptives("apistrat_brr_split", r, "api00", "enroll")
models("apistrat_brr_split", r, "api00 ~ ell + meals", "sch.wide ~ ell + meals")

# BRR with every row a PSU (100, 50 and 50 per school type: 100 pseudo-strata). R picks a Hadamard
# matrix of order 104 here, Strata Sylvester's of order 128: the variance of a total is the same
# (balanced half-samples), that of a mean is not, so only the total is a case.
drows <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = st)
r <- as.svrepdesign(drows, type = "BRR")
decl("apistrat_brr_rows", "datasets/apistrat.csv", r, "pw", "stype", type = "brr")
designs[[length(designs)]]$hadamard_differs <- TRUE
add("apistrat_brr_rows", r, "apistrat_brr_rows_total", "total", svytotal(~enroll, r), variable = "enroll")

# JKn of the same design: a second check of PSU-level deletion (12 PSUs).
r <- as.svrepdesign(d, type = "JKn")
decl("apistrat_psu_jkn", "Tests/Fixtures/replicates/apistrat_psu.csv", r, "pw", "stype", psu = list("psu"),
     nest = TRUE, type = "jkn")
descriptives("apistrat_psu_jkn", r, "api00", "enroll")

# Linearization variances of the same designs (for the simulation checks of the bootstraps).
lin <- list(
  apistrat_mean_nofpc = unname(SE(svymean(~api00, svydesign(id = ~1, strata = ~stype, weights = ~pw, data = st)))),
  apistrat_mean_fpc = unname(SE(svymean(~api00, svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc,
                                                            data = st)))))

cat("{\n", '"generated_by": "make_replicate_fixtures.R",\n', '"survey": "4.1.1",\n',
    '"designs": ', js(designs), ",\n", '"cases": ', js(cases), ",\n", '"linearization": ', js(lin), "\n}\n",
    sep = "", file = "replicate_reference.json")
