#!/usr/bin/env bash
# Issue 21's T5 (design-based `mean yc` and `prop y` within the regions; weights w, strata
# stratum, PSUs psu, nested) on a CSV: streamed (`--stream`, one pass in 64 MB chunks) and in
# memory, back to back, REPS times each (default 3); wall seconds and peak RSS of each run, and
# the largest relative differences of the estimates and SEs (streamed vs in memory).
#
#   STRATA=.build/release/strata Benchmarks/scale/csv-t5.sh [data.csv]
#        (default /tmp/strata-bench-data/survey_1000000.csv; NOMEM=1 skips the in-memory runs)
set -euo pipefail
DATA=${1:-/tmp/strata-bench-data/survey_1000000.csv}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STRATA=${STRATA:-$ROOT/.build/release/strata}
REPS=${REPS:-3}
OUT=$(mktemp -d /tmp/strata-csv-t5.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
DESIGN=(--by region --weights w --strata stratum --psu psu --nest --format json)
run() { # label file args...
  local label=$1 file=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$STRATA" "$@" > "$file"
  read -r secs kib < "$OUT/time"
  echo "$label: ${secs} s, $((kib / 1024)) MB"
}
for cmd in "mean yc" "prop y"; do
  for r in $(seq "$REPS"); do
    run "$cmd streamed #$r" "$OUT/s.json" $cmd --data "$DATA" "${DESIGN[@]}" --stream
    if [ "${NOMEM:-0}" != 1 ]; then run "$cmd in memory #$r" "$OUT/m.json" $cmd --data "$DATA" "${DESIGN[@]}"; fi
  done
  if [ "${NOMEM:-0}" != 1 ]; then
    python3 - "$OUT/s.json" "$OUT/m.json" <<'PY'
import json, sys
a, b = (json.load(open(p))["estimates"] for p in sys.argv[1:3])
assert len(a) == len(b) and a
def rel(x, y): return abs(x - y) / max(abs(y), 1e-300)
for key in ("estimate", "std_error"):
    k = key if key in a[0] else "se"
    print(f"  {len(a)} {k}: max relative difference {max(rel(x[k], y[k]) for x, y in zip(a, b)):.2g}")
PY
  fi
done
