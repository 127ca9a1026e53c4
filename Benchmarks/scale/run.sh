#!/usr/bin/env bash
# Issue 21 part 1: T2 (design logit, y ~ x1..x15 + factor(region), weights w, strata stratum, PSU psu)
# in memory and streamed, peak RSS and wall time with /usr/bin/time -v, and the machine's floor
# (one sequential read of the file; one parse pass).
# Usage: Benchmarks/scale/run.sh [6|10|10reparse|100|floor10|floor100|modes|all]   (REPEAT=n for run.sh 6 and 10)   (release build: swift build -c release --product strata)
# Data: ${BENCH_DATA:-/tmp/strata-bench-data}/survey_big_K.csv from ../shared/bench/gen_big.sh K.
set -euo pipefail
cd "$(dirname "$0")/../.."
strata=${STRATA:-.build/release/strata}
data=${BENCH_DATA:-/tmp/strata-bench-data}
out=${OUT:-Benchmarks/scale/results}
mkdir -p "$out"
formula='y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15 + factor(region)'
design=(--weights w --strata stratum --psu psu)

run() {  # name, then the command
  local name=$1; shift
  echo "== $name: $*" >&2
  /usr/bin/time -v "$@" > "$out/$name.out" 2> "$out/$name.time" || { tail -5 "$out/$name.time" >&2; return 1; }
  grep -E "^pass |Elapsed \(wall|User time|System time|Maximum resident" "$out/$name.time" | sed "s/^/$name: /"
}

t2() {  # K, name, extra flags
  local k=$1 name=$2; shift 2
  run "$name" "$strata" fit logit "$formula" --data "$data/survey_big_$k.csv" "${design[@]}" "$@"
}

floor() {  # K: one sequential read of the file. One parse pass is "pass 1" of the streamed runs'
  # --stream-timings lines (chunks read with pread and parsed; levels, template and design units).
  local k=$1
  echo "== floor_read_$k: cat $data/survey_big_$k.csv > /dev/null" >&2
  /usr/bin/time -v cat "$data/survey_big_$k.csv" > /dev/null 2> "$out/floor_read_$k.time"
  grep -E "Elapsed \(wall|Maximum resident" "$out/floor_read_$k.time" | sed "s/^/floor_read_$k: /"
}

case ${1:-all} in
  6)  # the 1e6-row file in memory and streamed (--memory 64M: 35 chunks of 4 MiB) back to back, REPEAT times
    # (default 3): a short run whose ratio a shared machine disturbs less than the 1e7 one's
    for r in $(seq 1 "${REPEAT:-3}"); do
      run "t2_1e6_memory_$r" "$strata" fit logit "$formula" --data "$data/survey_1000000.csv" "${design[@]}"
      run "t2_1e6_stream_64M_$r" "$strata" fit logit "$formula" --data "$data/survey_1000000.csv" "${design[@]}" \
        --memory 64M --stream --stream-timings
    done
    ;;
  10)  # in memory and streamed back to back, REPEAT times (default 2): compare medians
    for r in $(seq 1 "${REPEAT:-2}"); do
      t2 10 "t2_1e7_memory_$r"
      t2 10 "t2_1e7_stream_512M_$r" --memory 512M --stream --stream-timings
    done
    ;;
  10reparse) t2 10 t2_1e7_stream_512M_reparse --memory 512M --stream --stream-mode reparse --stream-timings ;;
  100) t2 100 t2_1e8_stream_2G --memory 2G --stream --stream-mode matrixCache --stream-timings ;;
  modes)  # the three stream modes on the 1e6-row file (column cache, matrix cache only, re-parse)
    for mode in columnCache matrixCache reparse; do
      run "t2_1e6_stream_$mode" "$strata" fit logit "$formula" --data "$data/survey_1000000.csv" "${design[@]}" \
        --memory 512M --stream --stream-mode "$mode" --stream-timings
    done
    run t2_1e6_memory "$strata" fit logit "$formula" --data "$data/survey_1000000.csv" "${design[@]}"
    ;;
  floor10) floor 10 ;;
  floor100) floor 100 ;;
  all) "$0" 10; "$0" floor10; "$0" 100; "$0" floor100 ;;
esac
