#!/usr/bin/env python3
"""T2 alone (design logit y ~ x1..x15 + region, strata/PSU/weights, Taylor SE) with the Python `svy`
package, as ../shared/bench/peer_py.py runs it, but without the T3 margins, so that /usr/bin/time's
peak RSS is the fit's. Usage: peer_svy_t2.py CSV  (prints load/setup/fit seconds and x1's estimate and SE)."""
import sys
import time

import svy

csv = sys.argv[1]
t = time.perf_counter()
df = svy.read_csv(csv)
print(f"load {time.perf_counter() - t:.2f} s", flush=True)
t = time.perf_counter()
sample = svy.Sample(df, svy.Design(stratum="stratum", psu="psu", wgt="w"))
print(f"setup {time.perf_counter() - t:.2f} s", flush=True)
t = time.perf_counter()
m = sample.glm.fit(y="y", x=[f"x{j}" for j in range(1, 16)] + [svy.Cat("region")], family="binomial")
tab = m.to_polars()
print(f"fit {time.perf_counter() - t:.2f} s", flush=True)
row = tab.filter(tab["term"] == "x1")
print(f"x1 {row['estimate'][0]!r} se {row['std_err'][0]!r}", flush=True)
