# Reference values for StrataDesignTests: survey designs, the linearization and replicate
# engines, and design-based descriptives.
# Run from this folder:  Rscript make_design_fixtures.R
# R 4.2.2, survey 4.1-1. Writes design_reference.json and the CSV files the designs read.
suppressMessages(library(survey))
stopifnot(as.character(packageVersion("survey")) == "4.1.1")
options(survey.lonely.psu = "fail")

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

# ---- data: the package's api data, written as the CSV files Strata reads ----------------
data(api)
keep <- c("cds", "stype", "snum", "dnum", "api00", "api99", "enroll", "api.stu", "meals", "ell",
          "sch.wide", "pw")
write_back <- function(df, file) {
  write.csv(df, file, row.names = FALSE, na = "")
  read.csv(file, stringsAsFactors = TRUE, colClasses = c(cds = "character"))
}
# apiclus1 with JK1 replicate weights (combined: pw x multiplier) built by as.svrepdesign.
c1 <- apiclus1[, c(keep, "fpc")]
d0 <- svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc)
jk <- as.svrepdesign(d0, type = "JK1", compress = FALSE)
rw <- unclass(jk$repweights) * jk$pweights; attributes(rw) <- list(dim = dim(rw))
colnames(rw) <- paste0("repw", seq_len(ncol(rw)))
c1 <- write_back(cbind(c1, rw), "apiclus1_jk1.csv")
# apistrat with two pseudo-PSUs per stratum (alternating rows within school type), for BRR.
st <- apistrat[, c(keep, "fpc")]
st$brrpsu <- ave(seq_len(nrow(st)), st$stype, FUN = function(i) (seq_along(i) - 1) %% 2 + 1)
db0 <- svydesign(id = ~brrpsu, strata = ~stype, weights = ~pw, nest = TRUE, data = st)
br <- as.svrepdesign(db0, type = "BRR", compress = FALSE)
rw <- unclass(br$repweights) * br$pweights; attributes(rw) <- list(dim = dim(rw))
colnames(rw) <- paste0("repw", seq_len(ncol(rw)))
st <- write_back(cbind(st, rw), "apistrat_brr.csv")
# apiclus1 with a stratum holding a single district (lonely PSU).
lo <- apiclus1[, keep]
ds <- sort(unique(lo$dnum))
lo$str <- c("a", "b", "c", "d")[findInterval(match(lo$dnum, ds), c(1, 6, 11, 15))]
lo <- write_back(lo, "lonely.csv")
c2 <- read.csv("../../../datasets/apiclus2.csv", stringsAsFactors = TRUE, colClasses = c(cds = "character"))
sr <- read.csv("../../../datasets/apistrat.csv", stringsAsFactors = TRUE, colClasses = c(cds = "character"))

# ---- designs: each with the Strata declaration that should reproduce it ----------------
designs <- list()
add_design <- function(id, data, design, spec) designs[[id]] <<- list(data = data, design = design, spec = spec)
add_design("strat", "datasets/apistrat.csv",
  svydesign(id = ~1, strata = ~stype, weights = ~pw, data = sr, fpc = ~fpc),
  list(weights = "pw", strata = "stype", psu = list(), fpc = list("fpc")))
add_design("clus1", "Tests/Fixtures/design/apiclus1_jk1.csv",
  svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc),
  list(weights = "pw", psu = list("dnum"), fpc = list("fpc")))
add_design("clus2", "datasets/apiclus2.csv",
  svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = c2),
  list(psu = list("dnum", "snum"), fpc = list("fpc1", "fpc2")))
add_design("clus1_jk1_built", "Tests/Fixtures/design/apiclus1_jk1.csv",
  as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc), type = "JK1"),
  list(weights = "pw", psu = list("dnum"), fpc = list("fpc"), build = list(type = "jk1")))
jkscale <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc), type = "JK1")$scale
add_design("clus1_jk1_columns", "Tests/Fixtures/design/apiclus1_jk1.csv",
  svrepdesign(data = c1, repweights = "repw[0-9]+", weights = ~pw, type = "JK1", scale = jkscale,
              combined.weights = TRUE),
  list(weights = "pw", replicate = list(columns = list("repw*"), type = "jk1", scale = jkscale)))
add_design("strat_brr_built", "Tests/Fixtures/design/apistrat_brr.csv",
  as.svrepdesign(svydesign(id = ~brrpsu, strata = ~stype, weights = ~pw, nest = TRUE, data = st), type = "BRR"),
  list(weights = "pw", strata = "stype", psu = list("brrpsu"), nest = TRUE, build = list(type = "brr")))
add_design("strat_fay_built", "Tests/Fixtures/design/apistrat_brr.csv",
  as.svrepdesign(svydesign(id = ~brrpsu, strata = ~stype, weights = ~pw, nest = TRUE, data = st),
                 type = "Fay", fay.rho = 0.3),
  list(weights = "pw", strata = "stype", psu = list("brrpsu"), nest = TRUE, build = list(type = "fay", rho = 0.3)))
add_design("strat_brr_columns", "Tests/Fixtures/design/apistrat_brr.csv",
  svrepdesign(data = st, repweights = "repw[0-9]+", weights = ~pw, type = "BRR", combined.weights = TRUE),
  list(weights = "pw", replicate = list(columns = list("repw*"), type = "brr")))
add_design("strat_brr_columns_mse", "Tests/Fixtures/design/apistrat_brr.csv",
  svrepdesign(data = st, repweights = "repw[0-9]+", weights = ~pw, type = "BRR", combined.weights = TRUE, mse = TRUE),
  list(weights = "pw", replicate = list(columns = list("repw*"), type = "brr", mse = TRUE)))
for (rule in c("certainty", "remove", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  add_design(paste0("lonely_", rule), "Tests/Fixtures/design/lonely.csv",
    svydesign(id = ~dnum, strata = ~str, weights = ~pw, data = lo),
    list(weights = "pw", strata = "str", psu = list("dnum"), lonely = rule))
}
options(survey.lonely.psu = "fail")
lonely_rule <- function(id) if (startsWith(id, "lonely_")) sub("lonely_", "", id) else "fail"

# ---- estimates -----------------------------------------------------------------------------
cases <- list()
stat_rows <- function(est, var, deff = NULL, level = NULL, by = NULL) {
  se <- sqrt(diag(as.matrix(var)))
  lapply(seq_along(est), function(i) list(
    variable = if (is.null(names(est))) "" else names(est)[i],
    level = if (is.null(level)) NULL else level[i],
    by = by, estimate = unname(est[i]), std_error = unname(se[i]),
    deff = if (is.null(deff)) NULL else unname(deff[i])))
}
add_case <- function(id, design_id, statistic, variables, rows, extra = list()) {
  cases[[length(cases) + 1]] <<- c(list(id = id, design = design_id, statistic = statistic,
                                        variables = as.list(variables), estimates = rows), extra)
}
ddf <- function(d) degf(d)
for (id in names(designs)) {
  options(survey.lonely.psu = lonely_rule(id))
  d <- designs[[id]]$design
  isrep <- inherits(d, "svyrep.design")
  m <- svymean(~api00, d, deff = TRUE)
  add_case(paste0(id, "_mean"), id, "mean", "api00", stat_rows(coef(m), vcov(m), deff(m)), list(df = ddf(d)))
  tt <- svytotal(~enroll, d, deff = TRUE, na.rm = TRUE)
  add_case(paste0(id, "_total"), id, "total", "enroll", stat_rows(coef(tt), vcov(tt), deff(tt)))
  p <- svymean(~stype, d, deff = TRUE)
  add_case(paste0(id, "_prop"), id, "proportion", "stype",
           stat_rows(coef(p), vcov(p), deff(p), level = levels(d$variables$stype)))
  r <- svyratio(~api.stu, ~enroll, d, deff = !isrep, na.rm = TRUE)
  add_case(paste0(id, "_ratio"), id, "ratio", c("api.stu", "enroll"),
           stat_rows(c(ratio = coef(r)), SE(r)^2, if (isrep) NULL else attr(r, "deff")))
  q <- svyquantile(~api00, d, c(0.25, 0.5), ci = TRUE)
  qm <- q$api00
  add_case(paste0(id, "_quantile"), id, "quantile", "api00",
           lapply(1:2, function(i) list(variable = "api00", quantile = c(0.25, 0.5)[i], estimate = qm[i, 1],
                                        conf_low = qm[i, 2], conf_high = qm[i, 3], std_error = qm[i, 4])),
           list(df = ddf(d)))
  b <- svyby(~api00, ~stype, d, svymean, deff = TRUE)
  add_case(paste0(id, "_by_mean"), id, "mean", "api00",
           lapply(seq_len(nrow(b)), function(i) list(variable = "api00", by = list(stype = as.character(b$stype[i])),
                  estimate = b$api00[i], std_error = SE(b)[i], deff = deff(b)[i])), list(by = list("stype")))
  b2 <- svyby(~enroll, ~stype + sch.wide, d, svytotal, na.rm = TRUE)
  add_case(paste0(id, "_by_total"), id, "total", "enroll",
           lapply(seq_len(nrow(b2)), function(i) list(variable = "enroll",
                  by = list(stype = as.character(b2$stype[i]), sch.wide = as.character(b2$sch.wide[i])),
                  estimate = b2$enroll[i], std_error = SE(b2)[i])), list(by = list("stype", "sch.wide")))
  sub <- subset(d, sch.wide == "Yes" & meals > 20)
  ms <- svymean(~api00, sub, deff = TRUE)
  add_case(paste0(id, "_subpop_mean"), id, "mean", "api00", stat_rows(coef(ms), vcov(ms), deff(ms)),
           list(subpop = "sch.wide == \"Yes\" & meals > 20", df = ddf(sub)))
  qs <- svyquantile(~api00, sub, 0.5, ci = TRUE)$api00
  add_case(paste0(id, "_subpop_quantile"), id, "quantile", "api00",
           list(list(variable = "api00", quantile = 0.5, estimate = qs[1, 1], conf_low = qs[1, 2],
                     conf_high = qs[1, 3], std_error = qs[1, 4])),
           list(subpop = "sch.wide == \"Yes\" & meals > 20", df = ddf(sub)))
  if (!isrep) {
    ch <- svychisq(~sch.wide + stype, d)
    cells <- svymean(~interaction(sch.wide, stype), d)
    add_case(paste0(id, "_tab"), id, "tab", c("sch.wide", "stype"),
             stat_rows(coef(cells), vcov(cells)),
             list(chisq = list(statistic = unname(ch$statistic), ndf = unname(ch$parameter[1]),
                               ddf = unname(ch$parameter[2]), p_value = unname(ch$p.value))))
    g <- svyglm(api00 ~ ell + meals, d)
    # The engine test: influence = estfun . bread passed through svyrecvar equals vcov(svyglm).
    add_case(paste0(id, "_svyglm"), id, "svyglm", c("api00 ~ ell + meals"),
             stat_rows(coef(g), vcov(g)), list(df = ddf(d)))
  }
}
designs_json <- lapply(names(designs), function(id) c(list(id = id, data = designs[[id]]$data), designs[[id]]$spec,
  list(lonely = lonely_rule(id), df = degf(designs[[id]]$design))))
# R's bootstrap scale for the harmonic-mean PSU count (used in a unit test of construction).
bs <- survey:::bootweights(st$stype, st$brrpsu + 10 * as.integer(st$stype), replicates = 20)
out <- paste0("{\n\"generated_with\": \"R ", getRversion(), ", survey ", packageVersion("survey"), "\",\n",
  "\"bootstrap_scale_apistrat_brr_20\": ", js(bs$scale), ",\n",
  "\"designs\": [\n", paste(vapply(designs_json, js, ""), collapse = ",\n"), "\n],\n",
  "\"cases\": [\n", paste(vapply(cases, js, ""), collapse = ",\n"), "\n]\n}\n")
writeLines(out, "design_reference.json")
cat("wrote", length(cases), "cases\n")
