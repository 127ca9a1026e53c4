# Makes the streamed-format fixtures (Tests/StrataAnalysisTests/StreamedFormatTests.swift): one
# data set written as Stata .dta, SPSS .sav and gzip CSV, so a streamed fit or mean on each file
# can be compared with the in-memory result on the same file.
#
# Data: every third school of datasets/apipop.csv (R survey's api population, 2,065 rows) with
#   api00, ell, meals, mobility  numbers (avg_ed: numbers with missing values)
#   stype     Stata/SPSS: numeric 1/2/3 labelled E/H/M (a factor from value labels); CSV: text
#   sch_wide  text Yes/No (a string column: its levels come from the whole file)
#   yr_rnd    numeric 0/1 with only 1 labelled "Yes" (stays numeric: not every value labelled)
#   dnum      district (PSU), pw a made-up sampling weight (1 + dnum %% 7 + row %% 3)
# Names with dots become underscores (Stata's rule).
#
# Run from the package root: Rscript Tests/Fixtures/stream-formats/make_stream_formats.R
# Needs haven (R 4, haven 2.x).
library(haven)
pop <- read.csv("datasets/apipop.csv", stringsAsFactors = FALSE)
d <- pop[seq(1, nrow(pop), by = 3), c("api00", "ell", "meals", "mobility", "avg.ed", "stype", "sch.wide", "yr.rnd", "dnum")]
names(d) <- gsub(".", "_", names(d), fixed = TRUE)
d$yr_rnd <- ifelse(d$yr_rnd == "No", 0, 1)  # the file has "No" or nothing
d$pw <- 1 + d$dnum %% 7 + seq_len(nrow(d)) %% 3
rownames(d) <- NULL
out <- "Tests/Fixtures/stream-formats"
csv <- d
csv$yr_rnd <- as.numeric(csv$yr_rnd)
con <- gzfile(file.path(out, "apisample.csv.gz"), "w")
write.csv(csv, con, row.names = FALSE, na = "")
close(con)
labelled_d <- d
labelled_d$stype <- labelled(match(d$stype, c("E", "H", "M")), c(E = 1, H = 2, M = 3))
labelled_d$yr_rnd <- labelled(d$yr_rnd, c(Yes = 1))
write_dta(labelled_d, file.path(out, "apisample.dta"), version = 15)
write_sav(labelled_d, file.path(out, "apisample.sav"))
cat(nrow(d), "rows written\n")
