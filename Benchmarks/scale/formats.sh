#!/bin/bash
# Streamed T2-like design logit (x1..x15 + factor(region), strata, PSU, weights), --memory 512M, 1e6 rows,
# the same data as CSV, CSV.gz, .dta, .sav; 3 rounds back to back; wall s and peak RSS KB (in times.txt).
# The files (haven, data.table; about 3 minutes on a loaded 2-core machine):
#   mkdir -p /tmp/fmt-bench
#   Rscript -e 'library(haven); d <- as.data.frame(data.table::fread("/tmp/strata-bench-data/survey_1000000.csv"));
#     write_dta(d, "/tmp/fmt-bench/survey_1000000.dta", version = 15); write_sav(d, "/tmp/fmt-bench/survey_1000000.sav")'
#   gzip -c /tmp/strata-bench-data/survey_1000000.csv > /tmp/fmt-bench/survey_1000000.csv.gz
# Run from the package root after: swift build -c release --product strata
S=${STRATA:-.build/release/strata}
F='y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15 + factor(region)'
for r in 1 2 3; do
  for f in /tmp/strata-bench-data/survey_1000000.csv /tmp/fmt-bench/survey_1000000.csv.gz /tmp/fmt-bench/survey_1000000.dta /tmp/fmt-bench/survey_1000000.sav; do
    /usr/bin/time -f "$r $(basename $f) stream %e s %M KB" $S fit logit "$F" --data $f --weights w --strata stratum --psu psu --stream --memory 512M >/dev/null 2>>/tmp/fmt-bench/times.txt
  done
  /usr/bin/time -f "$r survey_1000000.dta memory %e s %M KB" $S fit logit "$F" --data /tmp/fmt-bench/survey_1000000.dta --weights w --strata stratum --psu psu >/dev/null 2>>/tmp/fmt-bench/times.txt
done
