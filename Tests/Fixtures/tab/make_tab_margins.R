# Reference values for the Total row and column of `strata tab` (TabMarginsTests): the margins of
# each variable with their SEs, R svymean(~variable) on the rows where both variables are observed.
# Run from this folder:  Rscript make_tab_margins.R
# R 4, survey 4.1-1. Writes tab_missing.csv (apiclus1 with some values removed) and tab_margins.json.
suppressMessages(library(survey))
stopifnot(as.character(packageVersion("survey")) == "4.1.1")
options(survey.lonely.psu = "fail")

js_num <- function(x) sprintf("%.17g", x)
js_str <- function(x) paste0('"', gsub('"', '\\\\"', x), '"')
js_strs <- function(x) paste0("[", paste(js_str(x), collapse = ", "), "]")

read_api <- function(file) read.csv(file, stringsAsFactors = TRUE, colClasses = c(cds = "character"), na.strings = c("", "NA"))
sr <- read_api("../../../datasets/apistrat.csv")
c1 <- read_api("../../../datasets/apiclus1.csv")
c2 <- read_api("../../../datasets/apiclus2.csv")

# apiclus1 with missing values in both variables (every 9th school's sch.wide, every 13th's stype).
mi <- c1[, c("cds", "dnum", "pw", "fpc", "sch.wide", "stype")]
mi$sch.wide[seq(3, nrow(mi), by = 9)] <- NA
mi$stype[seq(5, nrow(mi), by = 13)] <- NA
write.csv(mi, "tab_missing.csv", row.names = FALSE, na = "")
mi <- read_api("tab_missing.csv")

cases <- list()
add_case <- function(id, args, design, row, column, subpop = NULL) {
  if (!is.null(subpop)) design <- subset(design, eval(parse(text = subpop)))
  both <- subset(design, !is.na(design$variables[[row]]) & !is.na(design$variables[[column]]))
  margin <- function(v) {
    m <- svymean(as.formula(paste0("~", v)), both)
    levels <- sub(paste0("^", gsub(".", "\\.", v, fixed = TRUE)), "", names(coef(m)))
    paste0("[", paste0("{\"level\": ", js_str(levels), ", \"proportion\": ", js_num(coef(m)),
                       ", \"std_error\": ", js_num(SE(m)), "}", collapse = ", "), "]")
  }
  cells <- svymean(as.formula(paste0("~interaction(", row, ", ", column, ")")), both)
  cases[[length(cases) + 1]] <<- paste0(
    "{\"id\": ", js_str(id), ", \"args\": ", js_strs(c(row, column, args, if (!is.null(subpop)) c("--subpop", subpop))),
    ",\n  \"row_margins\": ", margin(row), ",\n  \"column_margins\": ", margin(column),
    ",\n  \"cell_std_errors\": [", paste(js_num(SE(cells)), collapse = ", "), "]}")
}

add_case("strat", c("--data", "datasets/apistrat.csv", "--strata", "stype", "--weights", "pw", "--fpc", "fpc"),
         svydesign(id = ~1, strata = ~stype, weights = ~pw, data = sr, fpc = ~fpc), "sch.wide", "stype")
add_case("clus1", c("--data", "datasets/apiclus1.csv", "--psu", "dnum", "--weights", "pw", "--fpc", "fpc"),
         svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc), "stype", "awards")
add_case("clus2", c("--data", "datasets/apiclus2.csv", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"),
         svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = c2), "awards", "stype")
add_case("strat_subpop", c("--data", "datasets/apistrat.csv", "--strata", "stype", "--weights", "pw", "--fpc", "fpc"),
         svydesign(id = ~1, strata = ~stype, weights = ~pw, data = sr, fpc = ~fpc), "sch.wide", "stype",
         subpop = "meals > 20")
add_case("missing", c("--data", "Tests/Fixtures/tab/tab_missing.csv", "--psu", "dnum", "--weights", "pw", "--fpc", "fpc"),
         svydesign(id = ~dnum, weights = ~pw, data = mi, fpc = ~fpc), "sch.wide", "stype")

writeLines(c(paste0("{\"generated_with\": \"R ", getRversion(), ", survey ", packageVersion("survey"), "\",\n\"cases\": ["),
             paste(unlist(cases), collapse = ",\n"), "]}"), "tab_margins.json")
