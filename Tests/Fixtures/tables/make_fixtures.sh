#!/usr/bin/env bash
# Writes the saved fits behind the table layout tests (Tests/StrataCLITests/TableLayoutTests.swift):
# the flagship study's three design-based models of pension participation (probit, logit, linear
# probability model) on datasets/flexwork/flexwork.dta, whose variable labels are long and
# bilingual, as notebooks-cli/participation.md fits them. Run from the repository root after
# `swift build`; the fits are Strata's own (checked against R svyglm in the design-fit suites),
# the table tests only lay them out.
set -euo pipefail
strata=${STRATA:-.build/debug/strata}
out=Tests/Fixtures/tables
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$strata" svyset --data datasets/flexwork/flexwork.dta --weights weight --strata stratum \
  --psu psu,id --fpc n_points,point_size --save "$out/design.json" --output "$work/design.txt"
formula='pension ~ knowledge + know_channel + present_bias + discount + income_cv + burden
  + contract + copay + union + migrant + algo_control + multihome + pilot + risk_aversion + trust
  + age + I(age^2) + female + educ + married + children + log(income) + hours + tenure + platform + city_tier'
formula=$(echo "$formula" | tr '\n' ' ')
for model in probit logit ols; do
  name=$model
  [ "$model" = ols ] && name=lpm
  "$strata" fit "$model" "$formula" --data datasets/flexwork/flexwork.dta --design "$out/design.json" \
    --save "$out/$name.json" --output "$work/$name.txt"
done
