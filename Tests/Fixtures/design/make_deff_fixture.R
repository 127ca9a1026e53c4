# Reference design effects with plain sampling weights and no other design (strata, PSUs, FPC):
# what `strata mean/total/prop/ratio --weights W` reports, against R svydesign(ids = ~1, weights = ~W).
# Also the equal-weights design (no weights at all), where R's default deff (SRS without
# replacement from a population of sum(weights) = n) divides by zero and Strata reports the
# with-replacement deff (R deff = "replace") instead.
# Run from this folder:  Rscript make_deff_fixture.R
# R 4.2.2, survey 4.1.1. Writes deff_reference.json.
suppressMessages(library(survey))
stopifnot(as.character(packageVersion("survey")) == "4.1.1")

num <- function(x) sprintf("%.17g", unname(x))
row <- function(name, est, se, deff) {
  sprintf('    {"name": "%s", "estimate": %s, "std_error": %s, "deff": %s}', name, num(est), num(se), num(deff))
}

sr <- read.csv("../../../datasets/apistrat.csv", stringsAsFactors = TRUE, colClasses = c(cds = "character"))
d <- svydesign(ids = ~1, weights = ~pw, data = sr)
m <- svymean(~api00, d, deff = TRUE)
tt <- svytotal(~enroll, d, deff = TRUE, na.rm = TRUE)
p <- svymean(~stype, d, deff = TRUE)
r <- svyratio(~api.stu, ~enroll, d, deff = TRUE, na.rm = TRUE)

e <- svydesign(ids = ~1, data = sr)          # warns: no weights, equal probability
me <- svymean(~api00, e, deff = "replace")
stopifnot(is.infinite(deff(svymean(~api00, e, deff = TRUE))))   # R's default deff here: Inf

rows <- c(
  row("weighted_mean_api00", coef(m), SE(m), deff(m)),
  row("weighted_total_enroll", coef(tt), SE(tt), deff(tt)),
  vapply(seq_along(coef(p)), function(i) row(paste0("weighted_prop_", names(coef(p))[i]),
                                             coef(p)[i], SE(p)[i], deff(p)[i]), ""),
  row("weighted_ratio_api.stu/enroll", coef(r), SE(r), attr(r, "deff")),
  row("equal_mean_api00_replace", coef(me), SE(me), deff(me)))
writeLines(c(
  "{",
  '  "generator": "Tests/Fixtures/design/make_deff_fixture.R",',
  sprintf('  "tool": "%s, survey %s",', R.version.string, packageVersion("survey")),
  '  "data": "datasets/apistrat.csv",',
  '  "weighted_design": "svydesign(ids = ~1, weights = ~pw, data = apistrat)",',
  '  "equal_design": "svydesign(ids = ~1, data = apistrat); svymean(~api00, deff = \\"replace\\")",',
  '  "cases": [',
  paste(rows, collapse = ",\n"),
  "  ]",
  "}"), "deff_reference.json")
