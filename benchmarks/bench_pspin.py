"""Spherical spin glasses: critical-point enumeration and descent against plain NumPy.

Baselines are what a competent user writes with NumPy alone: the same Riemannian Newton
(Householder tangent basis, ``numpy.linalg.solve``, quarter-turn trust region) looping over
starts in Python, and the same Armijo gradient descent (the package's descent *is* plain NumPy:
its contraction T.s is one BLAS matrix-vector product per degree, so the ratio measures only
overheads).  CPU time (``time.process_time``), median of ``--repeats`` interleaved pairs, same
instance and starts on both sides, identical critical points checked.

Also: the largest N for which one gradient descent of the pure 3-spin model (tol 1e-6) ends
within a minute of CPU time.

    python benchmarks/bench_pspin.py [--repeats 5] [--out benchmarks/results_pspin.json]
"""
import argparse
import json
import math
import statistics
import time
from pathlib import Path

import numpy as np

from simulate import pspin


def _plain_derivs(J, s):
    N = J.N
    H, g, h = 0.0, np.zeros(N), np.zeros((N, N))
    for p, T in J.tensors:
        v = T
        for _ in range(p - 2):
            v = v @ s
        h += p * (p - 1) * v
        gv = v @ s
        g += p * gv
        H += float(gv @ s)
    return H, g, h


def _plain_basis(s):
    N = s.size
    v = s / np.linalg.norm(s)
    v[0] += 1.0 if v[0] >= 0 else -1.0
    v /= np.linalg.norm(v)
    return (np.eye(N) - 2.0 * np.outer(v, v))[:, 1:]


def plain_critical_points(J, starts, tol=1e-11, max_iter=60, dedup=1e-6):
    N = J.N
    pts = []
    for s in starts:
        s = s.copy()
        ok = False
        for _ in range(max_iter):
            _, g, h = _plain_derivs(J, s)
            r = g @ s / N
            gt = g - r * s
            if np.linalg.norm(gt) / math.sqrt(N) <= tol:
                ok = True
                break
            B = _plain_basis(s)
            try:
                d = np.linalg.solve(B.T @ h @ B - r * np.eye(N - 1), -(B.T @ gt))
            except np.linalg.LinAlgError:
                break
            step = B @ d
            nrm = np.linalg.norm(step)
            if nrm > 0.5 * math.sqrt(N):
                step *= 0.5 * math.sqrt(N) / nrm
            s = s + step
            s *= math.sqrt(N) / np.linalg.norm(s)
        if ok and not any(np.linalg.norm(q - s) <= dedup * math.sqrt(N) for q in pts):
            pts.append(s)
    return len(pts)


def _starts(N, n, seed):
    gen = np.random.default_rng(seed)
    out = np.empty((n, N))
    for i in range(n):
        x = gen.standard_normal(N)
        out[i] = x * math.sqrt(N) / np.linalg.norm(x)
    return out


def _cpu(f):
    t = time.process_time()
    out = f()
    return time.process_time() - t, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results_pspin.json")))
    args = ap.parse_args()
    results = {}
    for N, n in ((4, 600), (6, 1500), (10, 1500)):
        J = pspin.couplings(N, {3: 1.0}, rng=7)
        pspin.critical_points(J, n_starts=4, rng=0)  # compile / load the kernel
        ours, base = [], []
        for _ in range(args.repeats):
            t1, cp = _cpu(lambda: pspin.critical_points(J, n_starts=n, rng=11))
            t2, count = _cpu(lambda: plain_critical_points(J, _starts(N, n, 11)))
            assert count == cp.points.shape[0], (count, cp.points.shape)
            ours.append(t1)
            base.append(t2)
        results[f"critical_points N={N}, {n} starts"] = {
            "package_s": statistics.median(ours), "numpy_s": statistics.median(base),
            "speedup": statistics.median(base) / statistics.median(ours),
            "found": int(cp.points.shape[0])}
    # largest N for one gradient descent within a minute of CPU time
    reach = {}
    for N in (100, 150, 200, 250, 300):
        J = pspin.couplings(N, {3: 1.0}, rng=1)
        s0 = _starts(N, 1, 3)[0]
        t, r = _cpu(lambda: pspin.gradient_descent(J, s0, tol=1e-6))
        reach[N] = {"cpu_s": t, "steps": r.steps, "energy": r.energy}
        if t > 60:
            break
    results["gradient_descent, pure 3-spin, tol 1e-6"] = reach
    Path(args.out).write_text(json.dumps(results, indent=2))
    for k, v in results.items():
        print(k, v)


if __name__ == "__main__":
    main()
