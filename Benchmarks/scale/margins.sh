#!/usr/bin/env bash
# Issue 21 part 1, margins: T2 (design logit, y ~ x1..x15 + factor(region), weights w, strata
# stratum, PSU psu, nested) with --margins dydx (15 slopes, 30 region contrasts), in memory and
# streamed (--stream --memory 512M), back to back, REPS times; wall time and peak RSS from
# /usr/bin/time; then the streamed margins against the in-memory ones (largest relative
# differences of the 45 estimates and standard errors).
# Usage: Benchmarks/scale/margins.sh [K]   (K = 1 for survey_1000000.csv, else survey_big_K.csv;
# the in-memory runs only for K = 1)   (release build: swift build -c release --product strata)
set -euo pipefail
cd "$(dirname "$0")/../.."
strata=${STRATA:-.build/release/strata}
data=${BENCH_DATA:-/tmp/strata-bench-data}
k=${1:-1}
file=$data/survey_1000000.csv
if [ "$k" != 1 ]; then file=$data/survey_big_$k.csv; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
formula='y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15 + factor(region)'
t2=(fit logit "$formula" --data "$file" --weights w --strata stratum --psu psu --nest --format json)
run() {  # name, then the command
  local name=$1; shift
  /usr/bin/time -f "$name: wall %e s, peak RSS %M KB" "$@" > "$out/$name.json" 2> "$out/$name.time"
  tail -1 "$out/$name.time"
}
for _ in $(seq "${REPS:-2}"); do
  if [ "$k" = 1 ]; then
    run memory_fit "$strata" "${t2[@]}"
    run memory_margins "$strata" "${t2[@]}" --margins dydx
  fi
  run stream_fit "$strata" "${t2[@]}" --stream --memory 512M
  run stream_margins "$strata" "${t2[@]}" --stream --memory 512M --margins dydx
done
if [ "$k" = 1 ]; then python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
a = json.load(open(d + "/memory_margins.json"))["margins"]
b = json.load(open(d + "/stream_margins.json"))["margins"]
assert len(a) == len(b)
rd = lambda x, y: abs(x - y) / max(abs(x), abs(y))
print(f"{len(a)} margins: largest relative difference {max(rd(x['estimate'], y['estimate']) for x, y in zip(a, b)):.1e} "
      f"(estimates), {max(rd(x['std_error'], y['std_error']) for x, y in zip(a, b)):.1e} (standard errors)")
PY
fi
