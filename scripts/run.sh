#!/usr/bin/env bash
# The main job on the shipped data: builds the release binary and re-runs the analyses of
# datasets/ into out/ (text and JSON), printing the text reports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product strata >&2
strata="$(swift build -c release --show-bin-path)/strata"
mkdir -p out

run() {  # run NAME ARGS... : writes out/NAME.txt and out/NAME.json
  local name=$1; shift
  "$strata" "$@" --format text --output "out/$name.txt"
  "$strata" "$@" --format json --output "out/$name.json"
  echo "==> $name: strata $*"
  cat "out/$name.txt"
  echo
}

"$strata" describe datasets/wage1.csv --output out/describe_wage1.txt
echo "==> describe datasets/wage1.csv"; cat out/describe_wage1.txt; echo

# Wooldridge, Example 3.2: hourly wage equation.
run wage1_ex3_2 fit ols 'lwage ~ educ + exper + tenure' --data datasets/wage1.csv
# Example 8.1 with heteroskedasticity-robust (HC1, Stata's robust) standard errors.
run wage1_ex8_1_robust fit ols \
  'lwage ~ I((1 - female) * married) + I(female * married) + I(female * (1 - married)) + educ + exper + expersq + tenure + tenursq' \
  --data datasets/wage1.csv --vce hc1
# Example 8.6: net financial wealth of single-person households, WLS with weights 1/inc and HC3.
run k401ksubs_ex8_6_wls fit wls 'nettfa ~ inc + I((age - 25)^2) + male + e401k' \
  --data datasets/k401ksubs.csv --weights '1/inc' --subset 'fsize == 1' --vce hc3
# 401(k) participation rates with a factor and standard errors clustered by age of the plan.
run k401k_cluster fit ols 'prate ~ mrate + log(totemp) + factor(sole)' --data datasets/k401k.csv --cluster age
echo "Results are in out/." >&2
