# Regenerates the NHANES-style fixtures of the file-format tests (Tests/StrataDataTests/FileFormatTests.swift,
# Tests/StrataCLITests/FileFormatCLITests.swift). Run from this folder: Rscript make_format_fixtures.R
# Needs R 4 with survey (for its nhanes data) and haven (tested with haven 2.5.1).
#
# Files written (all from the same 1,200 rows):
#   nhanes.csv                the reference: numbers as R prints them at 17 digits, NA for every missing value
#   nhanes.xpt                SAS transport v5 (haven::write_xpt), variable labels, special missings .A/.B
#   nhanes.sas7bdat           SAS data set (haven::write_sas), variable labels
#   nhanes.dta                Stata 15 (haven::write_dta): agecat as a labelled integer, extended missings .a/.b
#   nhanes.csv.gz, nhanes.tsv.gz, nhanes.dta.gz, nhanes.xpt.gz   gzip copies (zlib through R's gzfile)
#   strata_written_by_haven.csv   what haven::read_dta reads from strata_written.dta (written by Strata)
#   reference.csv             svymean(~HI_CHOL, na.rm = TRUE) and svyglm(HI_CHOL ~ race + RIAGENDR, quasibinomial) on the
#                             nhanes design (strata SDMVSTRA, PSUs SDMVPSU nested, weights WTMEC2YR)
suppressPackageStartupMessages({ library(survey); library(haven) })
data(nhanes, package = "survey")

d <- nhanes[1:1200, ]
d$agecat <- as.character(d$agecat)
set.seed(20261207)
# A measured value with the kinds of missing NHANES has: not examined (.), refused (.A), could not obtain (.B).
d$LBXTC <- round(rnorm(nrow(d), 190, 40))
kind <- sample(c("", "", "", "", "", "", "", "", "", "", ".", "A", "B"), nrow(d), replace = TRUE)
# Exam dates as days since 1960-01-01 (SAS and Stata dates); readers give the number.
d$EXAMDATE <- as.Date("2009-01-05") + sample(0:700, nrow(d), replace = TRUE)

labels <- c(
  SDMVPSU = "Masked variance pseudo-PSU", SDMVSTRA = "Masked variance pseudo-stratum",
  WTMEC2YR = "Full sample 2 year MEC exam weight", HI_CHOL = "High total cholesterol",
  race = "Race/ethnicity", agecat = "Age group", RIAGENDR = "Gender",
  LBXTC = "Total cholesterol (mg/dL)", EXAMDATE = "Date of the examination")

# CSV: the plain numbers.
csv <- d
csv$LBXTC[kind != ""] <- NA
csv$EXAMDATE <- as.numeric(csv$EXAMDATE - as.Date("1960-01-01"))
# (15 significant digits, R's default, are exact for these values.)
write.csv(csv, "nhanes.csv", row.names = FALSE, na = "NA")
write.table(csv, "nhanes.tsv", sep = "\t", row.names = FALSE, quote = FALSE, na = "NA")

labelled_frame <- function(tag_case) {
  out <- d
  x <- out$LBXTC
  x[kind == "."] <- NA
  x[kind == "A"] <- tagged_na(tag_case("a"))
  x[kind == "B"] <- tagged_na(tag_case("b"))
  out$LBXTC <- x
  for (n in names(labels)) attr(out[[n]], "label") <- labels[[n]]
  out
}

sas <- labelled_frame(toupper)
write_xpt(sas, "nhanes.xpt", version = 5, name = "NHANES")
suppressWarnings(write_sas(sas, "nhanes.sas7bdat"))

# ReadStat stamps the files with the time of writing; pin those stamps so the files regenerate byte for byte.
pin_stamps <- function(path, edit) {
  bytes <- readBin(path, "raw", file.size(path))
  writeBin(edit(bytes), path)
}
pin_stamps("nhanes.xpt", function(b) {
  # Transport headers carry the created/modified times as text, DDMMMYY:HH:MM:SS.
  for (at in grepRaw("[0-3][0-9][A-Z]{3}[0-9]{2}:[0-2][0-9]:[0-5][0-9]:[0-5][0-9]", b, all = TRUE))
    b[at:(at + 15)] <- charToRaw("01JAN10:00:00:00")
  b
})
pin_stamps("nhanes.sas7bdat", function(b) {
  # The header's created and modified times: little-endian doubles, seconds since 1960, at bytes 164 and 172.
  stamp <- writeBin(as.numeric(difftime(as.POSIXct("2010-01-01", tz = "UTC"),
                                        as.POSIXct("1960-01-01", tz = "UTC"), units = "secs")),
                    raw(), size = 8, endian = "little")
  b[165:172] <- stamp
  b[173:180] <- stamp
  b
})

stata <- labelled_frame(function(s) s)
ages <- sort(unique(d$agecat))
stata$agecat <- labelled(match(d$agecat, ages), setNames(seq_along(ages), ages), label = labels[["agecat"]])
write_dta(stata, "nhanes.dta", version = 15)
pin_stamps("nhanes.dta", function(b) {
  # <timestamp>, a length byte (17), then "dd Mon yyyy hh:mm".
  at <- grepRaw("<timestamp>", b, fixed = TRUE) + nchar("<timestamp>") + 1
  b[at:(at + 16)] <- charToRaw("01 Jan 2010 00:00")
  b
})

gz <- function(from, to) {
  bytes <- readBin(from, "raw", file.size(from))
  con <- gzfile(to, "wb", compression = 9)
  writeBin(bytes, con)
  close(con)
}
gz("nhanes.csv", "nhanes.csv.gz")
gz("nhanes.tsv", "nhanes.tsv.gz")
gz("nhanes.dta", "nhanes.dta.gz")
gz("nhanes.xpt", "nhanes.xpt.gz")
invisible(file.remove("nhanes.tsv"))

# Checks that haven reads back what was written.
stopifnot(isTRUE(all.equal(as.numeric(read_xpt("nhanes.xpt")$LBXTC), csv$LBXTC)))
stopifnot(isTRUE(all.equal(as.numeric(read_dta("nhanes.dta")$WTMEC2YR), csv$WTMEC2YR)))

# strata_written.dta is what Strata's DTAWriter writes for nhanes.csv (recorded by
# FileFormatTests.dtaWrittenByStrataIsReadByHaven with STRATA_RECORD_SNAPSHOTS=1): haven reads it back,
# and the test checks that what haven read is the CSV's data.
if (file.exists("strata_written.dta")) {
  back <- as.data.frame(as_factor(read_dta("strata_written.dta")))
  back$agecat <- as.character(back$agecat)
  stopifnot(isTRUE(all.equal(back, csv, check.attributes = FALSE)))
  write.csv(back, "strata_written_by_haven.csv", row.names = FALSE, na = "NA")
}

# Reference numbers on the design.
des <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = csv)
m <- svymean(~HI_CHOL, des, na.rm = TRUE)
# epsilon = 1e-14: the estimates are the converged ones to machine precision (R's default 1e-8 leaves
# the SEs about 1e-7 off).
g <- svyglm(HI_CHOL ~ race + RIAGENDR, design = des, family = quasibinomial(),
            control = glm.control(epsilon = 1e-14, maxit = 100))
ref <- data.frame(
  quantity = c("mean_HI_CHOL", paste0("coef_", names(coef(g)))),
  estimate = c(coef(m)[[1]], unname(coef(g))),
  std_error = c(SE(m)[[1]], unname(SE(g))))
ref$estimate <- sprintf("%.17g", ref$estimate)
ref$std_error <- sprintf("%.17g", ref$std_error)
write.csv(ref, "reference.csv", row.names = FALSE, quote = FALSE)
