#!/usr/bin/env bash
# Issue 21 part 2 benchmark: the 1e7-row workload in PostgreSQL, (a) one server and (b) a
# coordinator with two postgres_fdw shards (RANGE partitions by stratum, partitionwise
# aggregates, async foreign scans). Times T2 (design logit y ~ x1..x15 + factor(region),
# weights w, strata stratum, PSUs psu) and T1 (the bench README's weighted OLS
# yc ~ x1..x15 + factor(region) with SEs clustered by psu; the issue's "T5" is taken to be T1)
# with Strata's client peak RSS, and the in-memory fit of the same file beside them.
# T5 (the bench driver's T5: design-based `mean yc --by region` and `prop y --by region`) runs
# when asked for in TASKS.
#
#   Benchmarks/scale/pg.sh [data.csv]      (default /tmp/strata-bench-data/survey_big_10.csv)
#
# Switches (environment): TASKS="T2 T1" (any of T2 T1 T5), SERVERS="a b" (a: one server,
# b: coordinator + 2 shards), IN_MEMORY=1 (0: no in-memory fit), REPS=1 (runs of each command), OUT=folder (keeps each
# task's output there: TASK.single, TASK.sharded, TASK.memory), FORMAT=text|csv|json (the
# report's format; csv keeps every digit, for comparing the paths), STRATA=path of the binary,
# BEFORE=path of a second binary (e.g. main's release build) timed right before STRATA in each
# repetition on the same servers, for before/after ratios measured back to back.
#
# Needs postgresql (scripts/setup.sh), a built strata (swift build -c release) and GNU time.
# Servers live in a temporary folder on free loopback ports and are stopped at the end.
set -euo pipefail
DATA=${1:-/tmp/strata-bench-data/survey_big_10.csv}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STRATA=${STRATA:-$ROOT/.build/release/strata}
BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
WORK=$(mktemp -d /tmp/strata-pg-bench.XXXXXX)
chmod 755 "$WORK"
AS=()
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$WORK"; AS=(runuser -u postgres --); fi
PORTS=()
cleanup() {
  for d in "$WORK"/*; do [ -d "$d/data" ] && "${AS[@]}" "$BIN/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # name -> port
  local d="$WORK/$1" p; p=$(free_port)
  "${AS[@]}" mkdir -p "$d"
  "${AS[@]}" "$BIN/initdb" -D "$d/data" -A trust -U postgres -N -E UTF8 >/dev/null
  "${AS[@]}" "$BIN/pg_ctl" -D "$d/data" -l "$d/log" -w -o "-p $p -k $d -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=512MB -c max_parallel_workers_per_gather=2" start >/dev/null
  echo "$p"
}
sql() { psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$1/postgres" -c "$2"; }
COLS='y double precision, yc double precision, x1 double precision, x2 double precision, x3 double precision, x4 double precision, x5 double precision, x6 double precision, x7 double precision, x8 double precision, x9 double precision, x10 double precision, x11 double precision, x12 double precision, x13 double precision, x14 double precision, x15 double precision, region text, stratum integer, psu integer, w double precision'
XS=$(seq -s ' + ' -f 'x%g' 1 15)
T2=(fit logit "y ~ $XS + factor(region)" --weights w --strata stratum --psu psu --nest)
T1=(fit ols "yc ~ $XS + factor(region)" --weights w --cluster psu)
DESIGN=(--weights w --strata stratum --psu psu --nest)
T5a=(mean yc --by region "${DESIGN[@]}")
T5b=(prop y --by region "${DESIGN[@]}")
TASKS=${TASKS:-T2 T1}
SERVERS=${SERVERS:-a b}
OUT=${OUT:-}
[ -n "$OUT" ] && mkdir -p "$OUT"
has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
MID=$(( $(tail -n 1 "$DATA" | cut -d, -f19) / 2 ))

timed() { # label, strata args...: prints wall seconds and peak RSS of the client, REPS times
  local label=$1 rep bin tag; shift
  for rep in $(seq "${REPS:-1}"); do
    for bin in ${BEFORE:+"$BEFORE"} "$STRATA"; do
      tag=$([ -n "${BEFORE:-}" ] && { [ "$bin" = "$BEFORE" ] && echo " [before]" || echo " [after]"; })
      /usr/bin/time -f "%e %M" -o "$WORK/time" "$bin" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; return 1; }
      read -r secs kb <"$WORK/time"
      printf '%-43s %8.1f s  %8.1f MB client RSS\n' "$label$tag" "$secs" "$(echo "$kb / 1024" | bc -l)"
    done
  done
}

echo "data: $DATA ($(($(wc -l <"$DATA") - 1)) rows)"
if has "$SERVERS" a; then
A=$(start single)
t0=$(date +%s.%N)
sql "$A" "CREATE TABLE big ($COLS)"
sql "$A" "COPY big FROM '$DATA' WITH (FORMAT csv, HEADER true)"
sql "$A" "ANALYZE big"
echo "load (a) one server: $(echo "$(date +%s.%N) - $t0" | bc) s"
fi

if has "$SERVERS" b; then
C=$(start coordinator); S1=$(start shard1); S2=$(start shard2)
t0=$(date +%s.%N)
for k in 1 2; do
  P=$([ $k = 1 ] && echo "$S1" || echo "$S2")
  COND=$([ $k = 1 ] && echo "stratum <= $MID" || echo "stratum > $MID")
  sql "$P" "CREATE TABLE big_part$k ($COLS)" &&
  sql "$P" "COPY big_part$k FROM '$DATA' WITH (FORMAT csv, HEADER true) WHERE $COND" &&
  sql "$P" "ANALYZE big_part$k" &
done
wait
sql "$C" "CREATE EXTENSION postgres_fdw"
sql "$C" "CREATE TABLE big ($COLS) PARTITION BY RANGE (stratum)"
for k in 1 2; do
  P=$([ $k = 1 ] && echo "$S1" || echo "$S2")
  sql "$C" "CREATE SERVER shard$k FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$P', dbname 'postgres', async_capable 'true', fetch_size '10000', fdw_tuple_cost '1.0')"
  sql "$C" "CREATE USER MAPPING FOR postgres SERVER shard$k OPTIONS (user 'postgres')"
done
sql "$C" "CREATE FOREIGN TABLE big_part1 PARTITION OF big FOR VALUES FROM (MINVALUE) TO ($((MID + 1))) SERVER shard1"
sql "$C" "CREATE FOREIGN TABLE big_part2 PARTITION OF big FOR VALUES FROM ($((MID + 1))) TO (MAXVALUE) SERVER shard2"
sql "$C" "ALTER DATABASE postgres SET enable_partitionwise_aggregate = on"
echo "load (b) two shards: $(echo "$(date +%s.%N) - $t0" | bc) s"
fi

keep() { cp "$WORK/out" "$WORK/$1"; if [ -n "$OUT" ]; then cp "$WORK/out" "$OUT/$1"; fi; }
for task in $TASKS; do
  case $task in
    T2) RUNS=(T2) ;;
    T1) RUNS=(T1) ;;
    T5) RUNS=(T5a T5b) ;;
    *) echo "unknown task $task (T2, T1, T5)" >&2; exit 2 ;;
  esac
  for run in "${RUNS[@]}"; do
    eval "ARGS=(\"\${$run[@]}\")"
    ARGS+=(--format "${FORMAT:-text}")
    if has "$SERVERS" a; then
      timed "$run (a) one server" "${ARGS[@]}" --data "postgresql://postgres@127.0.0.1:$A/postgres?table=big"
      keep "$run.single"
    fi
    if has "$SERVERS" b; then
      timed "$run (b) coordinator + 2 shards" "${ARGS[@]}" --data "postgresql://postgres@127.0.0.1:$C/postgres?table=big" --partition-key stratum
      keep "$run.sharded"
    fi
    if [ "${IN_MEMORY:-1}" = 1 ]; then timed "$run in memory (CSV)" "${ARGS[@]}" --data "$DATA"; keep "$run.memory"; fi
  done
done
