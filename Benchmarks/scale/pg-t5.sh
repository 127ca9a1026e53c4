#!/usr/bin/env bash
# Issue 21's T5 (design-based `mean yc` and `prop y` within the regions; weights w, strata
# stratum, PSUs psu, nested) pushed down to PostgreSQL: (a) one server and (b) a coordinator with
# two postgres_fdw shards (RANGE partitions by stratum, partitionwise aggregates), and in memory
# from the CSV beside them. Each command runs REPS times (default 3); wall seconds and the
# client's peak RSS of each run are printed.
#
#   STRATA=.build/release/strata Benchmarks/scale/pg-t5.sh [data.csv]
#        (default /tmp/strata-bench-data/survey_1000000.csv)
#
# Needs postgresql, a built strata and GNU time. Servers live in a temporary folder on free
# loopback ports and are stopped (and the folder removed) at the end.
set -euo pipefail
DATA=${1:-/tmp/strata-bench-data/survey_1000000.csv}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STRATA=${STRATA:-$ROOT/.build/release/strata}
REPS=${REPS:-3}
BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
WORK=$(mktemp -d /tmp/strata-pg-t5.XXXXXX)
chmod 755 "$WORK"
AS=()
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$WORK"; AS=(runuser -u postgres --); fi
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
DESIGN=(--by region --weights w --strata stratum --psu psu --nest --format json)
MID=$(( $(tail -n 1 "$DATA" | cut -d, -f19) / 2 ))

timed() { # label, strata args...
  local label=$1; shift
  for r in $(seq "$REPS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$STRATA" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; return 1; }
    read -r secs kb <"$WORK/time"
    printf '%-40s run %d %8.2f s  %8.1f MB client RSS\n' "$label" "$r" "$secs" "$(echo "$kb / 1024" | bc -l)"
  done
}

echo "data: $DATA ($(($(wc -l <"$DATA") - 1)) rows); client: $STRATA"
A=$(start single)
t0=$(date +%s.%N)
sql "$A" "CREATE TABLE big ($COLS)"
sql "$A" "COPY big FROM '$DATA' WITH (FORMAT csv, HEADER true)"
sql "$A" "ANALYZE big"
echo "load (a) one server: $(echo "$(date +%s.%N) - $t0" | bc) s"
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

for cmd in "mean yc" "prop y"; do
  read -r -a CMD <<<"$cmd"
  timed "T5 $cmd (a) one server" "${CMD[@]}" "${DESIGN[@]}" --data "postgresql://postgres@127.0.0.1:$A/postgres?table=big"
  cp "$WORK/out" "$WORK/single.json"
  timed "T5 $cmd (b) coordinator + 2 shards" "${CMD[@]}" "${DESIGN[@]}" --data "postgresql://postgres@127.0.0.1:$C/postgres?table=big" --partition-key stratum
  cp "$WORK/out" "$WORK/sharded.json"
  timed "T5 $cmd in memory (CSV)" "${CMD[@]}" "${DESIGN[@]}" --data "$DATA"
  python3 - "$WORK/single.json" "$WORK/sharded.json" "$WORK/out" <<'PY'
import json, sys
a, b, m = (json.load(open(p))["estimates"] for p in sys.argv[1:4])
def worst(x, key):
    return max(abs(u[key] - v[key]) / max(abs(u[key]), abs(v[key]), 1e-300) for u, v in zip(x, m))
print(f"  vs in memory ({len(m)} estimates): one server est {worst(a, 'estimate'):.1e} se {worst(a, 'std_error'):.1e}; "
      f"sharded est {worst(b, 'estimate'):.1e} se {worst(b, 'std_error'):.1e} (max relative difference)")
PY
done
