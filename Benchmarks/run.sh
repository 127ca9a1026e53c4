#!/usr/bin/env bash
# Strata on the standard survey workload, optionally against the peers in the same run.
#
#   Benchmarks/run.sh [--peers] [--reps R] [--venv DIR] [N ...]      (default N: 100000 1000000)
#
# 1. generates survey_N.csv with ../shared/bench/gen_data.py (needs numpy + polars) into $BENCH_DATA
#    (default /tmp/strata-bench-data) unless present;
# 2. builds the release driver (Benchmarks/Sources/StrataBenchDriver) and runs T1 and T2+T3 through
#    the shared harness (run_bench.py --peer-cmd, /usr/bin/time -v for peak RSS), then T4 and T5;
# 3. with --peers, runs every peer of the harness too (install them first with
#    ../shared/bench/install-peers.sh VENV; pass --venv VENV, default /tmp/strata-peers-venv);
# 4. prints one table: seconds per task (medians), ratio peer / Strata, peak RSS, and whether each
#    peer's x1 coefficient / SE / AME / AME SE agree with Strata's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=${STRATA_SHARED_BENCH:-$here/../../shared/bench}
export BENCH_DATA=${BENCH_DATA:-/tmp/strata-bench-data}
peers=0; reps=3; venv=/tmp/strata-peers-venv; ns=()
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=1 ;;
    --reps) reps=$2; shift ;;
    --venv) venv=$2; shift ;;
    *) ns+=("$1") ;;
  esac
  shift
done
[ ${#ns[@]} -gt 0 ] || ns=(100000 1000000)
py=python3; [ -x "$venv/bin/python" ] && py=$venv/bin/python
export BENCH_PY=$py

for n in "${ns[@]}"; do
  [ -f "$BENCH_DATA/survey_$n.csv" ] || "$py" "$bench/gen_data.py" "$n"
done
(cd "$here" && swift build -c release --product strata-bench-driver >&2)
driver=$here/.build/release/strata-bench-driver
out=${STRATA_BENCH_OUT:-/tmp/strata-bench-results/run-$(date +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$out")"
# Strata threads its own row blocks; OpenBLAS's idle threads would only spin against them.
cmd="env OPENBLAS_NUM_THREADS=1 $driver {task} {n} {csv}"
list=(strata)
[ $peers = 1 ] && list+=(r-survey svy samplics r-glm statsmodels pyfixest)
"$py" "$bench/run_bench.py" --n "${ns[@]}" --reps "$reps" --out "$out" --peer-cmd "strata=$cmd" --peers "${list[@]}" >&2

# T4 (80 JK1 replicates) and T5 (domain means/proportions): Strata only, same record format.
for n in "${ns[@]}"; do
  for task in T4 T5; do
    for ((r = 0; r < reps; r++)); do
      "$py" - "$driver" "$task" "$n" "$BENCH_DATA/survey_$n.csv" "$out" "$r" <<'PY'
import json, re, subprocess, sys, time
driver, task, n, csv, out, rep = sys.argv[1:]
t0 = time.perf_counter()
p = subprocess.run(["/usr/bin/time", "-v", "env", "OPENBLAS_NUM_THREADS=1", driver, task, n, csv], capture_output=True, text=True)
rec = {"rc": p.returncode, "wall_s": round(time.perf_counter() - t0, 3), "peer": "strata", "group": task, "n": int(n),
       "rep": int(rep), "phases": [json.loads(l[6:]) for l in p.stdout.splitlines() if l.startswith("BENCH ")],
       "checks": [json.loads(l[6:]) for l in p.stdout.splitlines() if l.startswith("CHECK ")], "skips": []}
m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
rec["maxrss_mib"] = round(int(m.group(1)) / 1024, 1) if m else None
if p.returncode: rec["stderr_tail"] = p.stderr[-1500:]
open(out, "a").write(json.dumps(rec) + "\n")
print(f"strata {task} n={n} rep={rep} rc={p.returncode} wall={rec['wall_s']:.2f}s rss={rec['maxrss_mib']}MiB", file=sys.stderr)
PY
    done
  done
done

"$py" - "$out" <<'PY'
import json, statistics, sys
from collections import defaultdict
recs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda xs: statistics.median(xs) if xs else None
by = defaultdict(list)
for r in recs:
    if r["rc"] == 0:
        by[(r["peer"], r["group"], r["n"])].append(r)
def total(runs, tasks):
    """In-script seconds of the given tasks (load and setup included), median over runs."""
    return med([sum(p["sec"] for p in r["phases"] if p["task"] in tasks + ["load", "setup"]) for r in runs])
rows = []
for (peer, group, n), runs in by.items():
    rss = med([r["maxrss_mib"] for r in runs if r["maxrss_mib"]])
    wall = med([r["wall_s"] for r in runs])
    if group == "T23":
        rows.append((n, "T2", peer, total(runs, ["T2"]), wall, rss))
        if any(p["task"] == "T3" for r in runs for p in r["phases"]):
            rows.append((n, "T3 (incl. T2)", peer, total(runs, ["T2", "T3"]), wall, rss))
            rows.append((n, "T3 AME step", peer, med([sum(p["sec"] for p in r["phases"] if p["task"] == "T3") for r in runs]), None, None))
    elif group in ("T1", "T4", "T5"):
        rows.append((n, group, peer, total(runs, [group]), wall, rss))
ref = {(n, t): s for (n, t, p, s, w, m) in rows if p == "strata"}
print("| n | task | tool | in-script s | x Strata | process wall s | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for n, t, p, s, w, m in sorted(rows, key=lambda r: (r[0], r[1], r[2] != "strata", r[3] or 1e9)):
    base = ref.get((n, t))
    ratio = f"{s / base:.1f}x" if base and s is not None and p != "strata" else ("1" if p == "strata" else "")
    f = lambda x, d=2: "" if x is None else f"{x:.{d}f}"
    print(f"| {n} | {t} | {p} | {f(s)} | {ratio} | {f(w)} | {f(m, 0)} |")
# agreement: x1 values against Strata's (relative difference); cluster-only peers differ in SEs by design.
chk = defaultdict(list)
for r in recs:
    for c in r.get("checks", []):
        chk[(r["n"], c["task"], c["what"], r["peer"])].append(c["x1"])
print("\n| n | task | value (x1) | Strata | peer: value (relative difference) |")
print("|---|---|---|---|---|")
for (n, t, w) in sorted({k[:3] for k in chk}):
    s = med(chk.get((n, t, w, "strata"), []))
    if s is None:
        continue
    others = []
    for (n2, t2, w2, p), v in sorted(chk.items()):
        if (n2, t2, w2) == (n, t, w) and p != "strata":
            v = med(v)
            others.append(f"{p}: {v:.6g} ({abs(v - s) / abs(s):.1e})")
    print(f"| {n} | {t} | {w} | {s:.8g} | {'; '.join(others)} |")
print(f"\nrecords: {sys.argv[1]}")
PY
