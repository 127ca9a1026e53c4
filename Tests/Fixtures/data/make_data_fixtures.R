# Generates the Stata/SPSS fixtures and describe() references for StrataDataTests.
#
# Run from the repository root:   Rscript Tests/Fixtures/data/make_data_fixtures.R
# Needs R packages foreign (write.dta) and haven (write_dta, write_sav).
# Outputs (all in Tests/Fixtures/data/):
#   labels.dta            foreign::write.dta: variable labels (incl. Chinese), factors -> value labels,
#                         a missing value, a string variable, an unused level
#   labels.sav            haven::write_sav of the same data.frame (factors -> labelled values).
#                         (`readstat labels.dta labels.sav` was not used: the readstat 1.1.8 tool reads
#                         a format-110 .dta as Windows-1252 and would write mojibake labels.)
#   partial.dta           haven::write_dta: a numeric variable with value labels on some values only,
#                         Stata extended missing values (.a, .b) via haven::tagged_na
#   partial.sav           haven::write_sav: labels on some values, SPSS user-missing values (-9, -8)
#   latin1.dta            foreign::write.dta of Latin-1 text (as an old Windows Stata file would hold):
#                         city = "Zürich", "Genève"; value labels "né", "née"
#   labels_expected.json  what R reads back (foreign::read.dta with convert.factors = TRUE)
#   describe_wage1.json   mean/sd/min/max of every wage1 column (datasets/wage1.csv)
#   describe_apistrat.json  mean/sd/min/max/NA count of numeric columns and table() of factor
#                         columns of datasets/apistrat.csv, read as in the C locale
suppressPackageStartupMessages({ library(foreign); library(haven) })
Sys.setlocale("LC_COLLATE", "C")
out <- "Tests/Fixtures/data"
num <- function(x) if (!is.finite(x)) "null" else sprintf("%.17g", x)  # NA/NaN/Inf (all-NA column) -> null
str_json <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s); s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
arr <- function(v) paste0("[", paste(v, collapse = ", "), "]")

# --- labels.dta / labels.sav ------------------------------------------------------------
df <- data.frame(
  id = 1:6,
  income = c(1200.5, NA, 3400.25, 150, 99.75, 2000),
  sex = factor(c("male", "female", "female", "male", "female", "male"),
               levels = c("male", "female")),
  region = factor(c("北京", "上海", NA, "北京", "上海", "北京"),
                  levels = c("北京", "上海", "广州")),
  city = c("Zürich", "berlin", "Berlin", "北京", "Zürich", "a"),
  stringsAsFactors = FALSE)
attr(df, "var.labels") <- c("Identifier", "Monthly income", "Sex of respondent",
                            "地区 (region)", "City name")
write.dta(df, file.path(out, "labels.dta"))
sav <- df
sav$sex <- labelled(as.numeric(sav$sex), c(male = 1, female = 2), label = "Sex of respondent")
sav$region <- labelled(as.numeric(sav$region), c("北京" = 1, "上海" = 2, "广州" = 3),
                       label = "地区 (region)")
attr(sav$id, "label") <- "Identifier"
attr(sav$income, "label") <- "Monthly income"
attr(sav$city, "label") <- "City name"
write_sav(sav, file.path(out, "labels.sav"))

back <- read.dta(file.path(out, "labels.dta"), convert.factors = TRUE)
fac_json <- function(f) {
  sprintf("{\"levels\": %s, \"codes\": %s}",
          arr(sapply(levels(f), str_json)),
          arr(ifelse(is.na(f), -1L, as.integer(f) - 1L)))
}
city <- factor(back$city, levels = sort(unique(back$city)))
json <- c("{",
  sprintf("  \"generator\": %s,", str_json(paste("make_data_fixtures.R,", R.version.string,
          "foreign", packageVersion("foreign"), "haven", packageVersion("haven")))),
  sprintf("  \"var_labels\": %s,", arr(sapply(attr(back, "var.labels"), str_json))),
  sprintf("  \"id\": %s,", arr(sapply(back$id, num))),
  sprintf("  \"income\": %s,", arr(sapply(back$income, num))),
  sprintf("  \"sex\": %s,", fac_json(back$sex)),
  sprintf("  \"region\": %s,", fac_json(back$region)),
  sprintf("  \"city\": %s", fac_json(city)),
  "}")
writeLines(json, file.path(out, "labels_expected.json"))

# --- partial.dta / partial.sav ------------------------------------------------------------
score <- c(1, 2, 3, 5, NA, 2, NA)
score_tagged <- score
score_tagged[5] <- tagged_na("a"); score_tagged[7] <- tagged_na("b")
p_dta <- data.frame(
  score = labelled(score_tagged, c(low = 1, high = 5, refused = tagged_na("a")), label = "Score 1-5"),
  grade = labelled(c(1, 2, 1, 2, 1, 2, 1), c(pass = 1, fail = 2), label = "Grade"))
write_dta(p_dta, file.path(out, "partial.dta"), version = 14)
p_sav <- data.frame(
  score = labelled_spss(c(1, 2, 3, 5, -9, 2, -8), c(low = 1, high = 5, refused = -9),
                        na_values = c(-9, -8), label = "Score 1-5"),
  grade = labelled_spss(c(1, 2, 1, 2, 1, 2, -9), c(pass = 1, fail = 2, missing = -9),
                        na_values = -9, label = "Grade"))
write_sav(p_sav, file.path(out, "partial.sav"))

# --- latin1.dta ---------------------------------------------------------------------------
l1 <- data.frame(city = iconv(c("Zürich", "Genève"), "UTF-8", "latin1"),
                 born = factor(iconv(c("né", "née"), "UTF-8", "latin1")),
                 stringsAsFactors = FALSE)
attr(l1, "var.labels") <- iconv(c("Ville", "Né(e)"), "UTF-8", "latin1")
write.dta(l1, file.path(out, "latin1.dta"))
stopifnot(any(readBin(file.path(out, "latin1.dta"), "raw", 2000) == as.raw(0xe9)))

# --- describe references -------------------------------------------------------------------
numeric_summary <- function(x) {
  sprintf("{\"n\": %d, \"missing\": %d, \"mean\": %s, \"sd\": %s, \"min\": %s, \"max\": %s}",
          sum(!is.na(x)), sum(is.na(x)), num(mean(x, na.rm = TRUE)), num(sd(x, na.rm = TRUE)),
          num(min(x, na.rm = TRUE)), num(max(x, na.rm = TRUE)))
}
describe_json <- function(d, file) {
  entries <- sapply(names(d), function(v) {
    x <- d[[v]]
    if (is.factor(x)) {
      t <- table(x)
      sprintf("  %s: {\"missing\": %d, \"levels\": %s, \"counts\": %s}", str_json(v), sum(is.na(x)),
              arr(sapply(names(t), str_json)), arr(as.integer(t)))
    } else {
      sprintf("  %s: %s", str_json(v), numeric_summary(as.numeric(x)))
    }
  })
  writeLines(c("{", paste(entries, collapse = ",\n"), "}"), file)
}
na <- c("", "NA", ".", "NaN")
describe_json(read.csv("datasets/wage1.csv", na.strings = na), file.path(out, "describe_wage1.json"))
describe_json(read.csv("datasets/apistrat.csv", na.strings = na, stringsAsFactors = TRUE),
              file.path(out, "describe_apistrat.json"))
