#!/usr/bin/env python3
"""The machine's floor for issue 10's T2 (design logit on the standard survey file), in pieces.

    OPENBLAS_NUM_THREADS=1 python Benchmarks/floor.py /tmp/strata-bench-data/survey_1000000.csv

Needs numpy and polars. Prints the best of `--repeat` runs (seconds) of:
- read: reading the file's bytes;
- parse: polars' CSV parse on `--threads` threads (POLARS_MAX_THREADS);
- xtwx_*: X'WX for the n x 46 model matrix (intercept, x1..x15, 30 region dummies): one
  `dgemm` call, one `X.T @ X` on the weighted rows, and `dgemm` over 4,096-row blocks;
- irls_iteration: one whole logit IRLS step (eta, mu, weights, working response, X'WX, X'Wz,
  Cholesky solve) with the blocked dgemm;
- psu_totals: per-PSU totals of the n x 46 score matrix by one sorted pass (`np.add.reduceat`)
  plus the stratified meat (PSU totals centred within strata, scaled by n_h / (n_h - 1));
- floor = parse + iterations x irls_iteration + psu_totals, with `--iterations` IRLS steps
  (the count Strata's and R's logit take on this file).
"""
import argparse
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("csv")
parser.add_argument("--threads", type=int, default=2, help="polars threads (default 2)")
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--iterations", type=int, default=5, help="IRLS iterations in the floor (default 5)")
parser.add_argument("--block", type=int, default=4096)
args = parser.parse_args()
os.environ["POLARS_MAX_THREADS"] = str(args.threads)

import numpy as np  # noqa: E402  (after POLARS_MAX_THREADS)
import polars as pl  # noqa: E402

assert pl.thread_pool_size() == args.threads, pl.thread_pool_size()


def best(label, body, repeat=args.repeat):
    times = []
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = body()
        times.append(time.perf_counter() - t0)
    print(f"{label:16s} {min(times):.4f} s   (runs: {', '.join(f'{t:.3f}' for t in times)})")
    return min(times), value


def read_bytes():
    with open(args.csv, "rb") as f:
        return len(f.read())


t_read, _ = best("read", read_bytes)
t_parse, df = best("parse", lambda: pl.read_csv(args.csv))
n = df.height

# The T2 model matrix: intercept, x1..x15, treatment dummies of region (first level dropped).
xs = [f"x{k}" for k in range(1, 16)]
region = df["region"].to_numpy()
levels = np.unique(region)
X = np.empty((n, 1 + len(xs) + len(levels) - 1), order="F")
X[:, 0] = 1.0
for k, name in enumerate(xs):
    X[:, 1 + k] = df[name].to_numpy()
for k, level in enumerate(levels[1:]):
    X[:, 16 + k] = region == level
p = X.shape[1]
y = df["y"].to_numpy().astype(float)
w = df["w"].to_numpy().astype(float)
Xc = np.ascontiguousarray(X)  # row-major copy for the row blocks
print(f"n = {n}, p = {p}, BLAS threads = {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}")


def xtwx_gemm():
    return X.T @ (X * w[:, None])


def xtwx_blocks(weights=w):
    out = np.zeros((p, p))
    b = args.block
    for s in range(0, n, b):
        Xb = Xc[s : s + b]
        out += Xb.T @ (Xb * weights[s : s + b, None])
    return out


best("xtwx_one_gemm", xtwx_gemm)
best("xtwx_blocks", xtwx_blocks)

beta = np.zeros(p)


def irls_iteration():
    eta = Xc @ beta
    mu = 1.0 / (1.0 + np.exp(-eta))
    var = mu * (1.0 - mu)
    z = eta + (y - mu) / var
    ww = w * var
    A = xtwx_blocks(ww)
    rhs = Xc.T @ (ww * z)
    L = np.linalg.cholesky(A)
    return np.linalg.solve(L.T, np.linalg.solve(L, rhs))


t_iter, _ = best("irls_iteration", irls_iteration)

# Scores at the fitted-like point, PSU totals in one sorted pass, stratified meat.
psu = df["psu"].to_numpy()
stratum = df["stratum"].to_numpy()
mu0 = np.full(n, y @ w / w.sum())


def psu_totals():
    scores = Xc * (w * (y - mu0))[:, None]
    order = np.argsort(psu, kind="stable")
    sorted_psu = psu[order]
    starts = np.flatnonzero(np.r_[True, sorted_psu[1:] != sorted_psu[:-1]])
    totals = np.add.reduceat(scores[order], starts, axis=0)
    psu_stratum = stratum[order][starts]
    meat = np.zeros((p, p))
    for h in np.unique(psu_stratum):
        t = totals[psu_stratum == h]
        nh = t.shape[0]
        if nh > 1:
            c = t - t.mean(axis=0)
            meat += nh / (nh - 1) * (c.T @ c)
    return meat


t_psu, _ = best("psu_totals", psu_totals)
floor = t_parse + args.iterations * t_iter + t_psu
print(f"floor            {floor:.4f} s   = parse + {args.iterations} x irls_iteration + psu_totals")
sys.exit(0)
