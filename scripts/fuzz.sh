#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ (address sanitizer, coverage) and runs each in turn
# for a set time, starting from the committed seeds in Fuzz/corpus/<harness>/.
#
#   bash scripts/fuzz.sh [--smoke] [SECONDS] [csv|formula|savedfit ...]
#
# Each harness first replays the inputs that once crashed it (Fuzz/crashes/<harness>-*), then
# fuzzes. --smoke runs each fuzzer 60 s (or SECONDS); without it, 600 s (or SECONDS). Prints each
# fuzzer's executions, coverage and crashes; exits 1 if any fuzzer crashed (a trap, a sanitizer
# report, a timeout of one input over 10 s or more than 2 GiB of memory), 2 if the build failed.
# New corpus entries and crashing inputs go to Fuzz/.fuzz-work/ (not committed): copy a crash
# worth keeping to Fuzz/crashes/ and replay it with `Fuzz/.build-fuzz/debug/<harness>-fuzz FILE`.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
smoke=0
seconds=""
harnesses=()
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    csv | formula | savedfit) harnesses+=("$arg") ;;
    '' | *[!0-9]*) echo "fuzz.sh: unknown argument '$arg' (give --smoke, SECONDS, csv, formula or savedfit)" >&2; exit 2 ;;
    *) seconds=$arg ;;
  esac
done
if [ -z "$seconds" ]; then
  if [ "$smoke" = 1 ]; then seconds=60; else seconds=600; fi
fi
[ ${#harnesses[@]} -gt 0 ] || harnesses=(csv formula savedfit)

cd "$root/Fuzz" || exit 2
echo "fuzz.sh: building the fuzzers (debug, libFuzzer coverage, address sanitizer)"
start=$(date +%s)
# SwiftPM's --sanitize=fuzzer links libFuzzer's main (with -Xswiftc alone the link fails: SwiftPM
# renames an executable's entry point). swiftc keeps only the last -sanitize= it is given and
# SwiftPM orders its own at random, so the -Xswiftc flag that comes after them names both.
if ! swift build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz \
  >.fuzz-build.log 2>&1; then
  grep -E 'error' .fuzz-build.log | head -20 >&2
  echo "fuzz.sh: the build failed (Fuzz/.fuzz-build.log)" >&2
  exit 2
fi
echo "fuzz.sh: built in $(($(date +%s) - start)) s"

bin=.build-fuzz/debug
# A crash report without the Swift runtime's interactive backtracer (it can wait a long time).
export SWIFT_BACKTRACE=enable=no
# No leak check at exit either: the one-time globals of the Swift runtime and of the harnesses
# (the fixed data set) are reported as leaks of a few bytes.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
work=.fuzz-work
status=0
for h in "${harnesses[@]}"; do
  case "$h" in
    csv) max_len=4096; dict="" ;;
    formula) max_len=4096; dict="-dict=formula.dict" ;;
    savedfit) max_len=16384; dict="-dict=savedfit.dict" ;;
  esac
  mkdir -p "$work/corpus/$h" "$work/crashes"
  log="$work/$h.log"
  # Inputs that once crashed this harness (Fuzz/crashes/<harness>-*) must now run cleanly.
  for input in crashes/"$h"-*; do
    [ -f "$input" ] || continue
    if ! "$bin/$h-fuzz" "$input" >"$log" 2>&1; then
      status=1
      echo "fuzz.sh: $h crashes again on Fuzz/$input (a fixed crash came back); log: Fuzz/$log" >&2
      grep -E 'ERROR: |Fatal error|SUMMARY|==[0-9]+==' "$log" | head -8 >&2
    fi
  done
  echo "fuzz.sh: $h-fuzz for $seconds s (-max_len=$max_len)"
  # The first folder receives new inputs; the committed seeds are only read.
  "$bin/$h-fuzz" "$work/corpus/$h" "corpus/$h" $dict -max_total_time="$seconds" -max_len="$max_len" \
    -rss_limit_mb=2048 -timeout=10 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$work/crashes/$h-" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  done_line=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1)
  cov=$(echo "$done_line" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
  ft=$(echo "$done_line" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
  corp=$(echo "$done_line" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
  echo "fuzz.sh: $h: ${execs:-?} executions, coverage ${cov:-?} edges (${ft:-?} features), corpus ${corp:-?} inputs"
  if [ -z "$cov" ] || [ "$cov" = 0 ]; then
    echo "fuzz.sh: $h reports no coverage: the build is not instrumented" >&2
    status=1
  fi
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz.sh: $h CRASHED (exit $rc); log: Fuzz/$log" >&2
    grep -E 'ERROR: |Fatal error|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -12 >&2
  fi
done
exit $status
