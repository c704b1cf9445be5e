"""Benchmark: Numba max-margin decision vs a plain SciPy LP on the same instances.

Run as ``python benchmarks/bench_max_margin.py``; writes ``benchmarks/results_max_margin.json``.

The decision is SAT/UNSAT at kappa = 0 (separability) of Gaussian patterns. SciPy twin:
``scipy.optimize.linprog(method="highs")`` on the feasibility LP xi u >= 1. Times are the best of
``REPEATS`` runs, after a warm-up call that compiles (or loads) the Numba kernels. BLAS is pinned
to one thread (OPENBLAS_NUM_THREADS=1 unless set): on the 2-core test machine multi-threaded
OpenBLAS was 10-100x slower on the small factorisations used here.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json  # noqa: E402
import pathlib  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import linprog  # noqa: E402

from simulate.patterns import gaussian_patterns  # noqa: E402
import simulate.perceptron as perceptron  # noqa: E402
from simulate.perceptron import instance_capacity, is_sat, max_margin_certified  # noqa: E402

REPEATS = 3


def best_time(f, repeats=REPEATS):
    best = np.inf
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def scipy_sat(xi):
    P, N = xi.shape
    res = linprog(np.zeros(N), A_ub=-xi, b_ub=-np.ones(P), bounds=(None, None), method="highs")
    return res.status == 0


def main():
    warm = gaussian_patterns(20, 10, rng=np.random.default_rng(0))
    is_sat(warm, 0.0)
    max_margin_certified(warm)
    rows = []
    # Decision at kappa = 0: Numba vs SciPy (HiGHS LP), same instances.
    for N, alpha in [(100, 1.5), (200, 1.5), (400, 1.5), (400, 2.5)]:
        xi = gaussian_patterns(int(alpha * N), N, rng=np.random.default_rng(N))
        t_nb, sat_nb = best_time(lambda: is_sat(xi, 0.0))
        t_sp, sat_sp = best_time(lambda: scipy_sat(xi), repeats=1 if N >= 400 else REPEATS)
        assert sat_nb == sat_sp, (N, alpha)
        rows.append(dict(kind="decision_kappa0", N=N, alpha=alpha, sat=bool(sat_nb),
                         t_numba_s=t_nb, t_scipy_s=t_sp, ratio_scipy_over_numba=t_sp / t_nb))
        print(f"decision  N={N:5d} alpha={alpha:.2f} sat={sat_nb!s:5} numba {t_nb:8.4f}s "
              f"scipy {t_sp:8.4f}s  ratio {t_sp / t_nb:8.1f}")
    # Time per instance of the full certified max margin (tol = 1e-8) and of the decision.
    for N, alpha in [(400, 0.5), (400, 1.5), (400, 1.9), (1600, 0.5), (1600, 1.5)]:
        xi = gaussian_patterns(int(alpha * N), N, rng=np.random.default_rng(N + 1))
        reps = 1 if N >= 1600 else REPEATS
        t_mm, res = best_time(lambda: max_margin_certified(xi), repeats=reps)
        t_dec, sat = best_time(lambda: is_sat(xi, 0.0), repeats=reps)
        rows.append(dict(kind="max_margin", N=N, alpha=alpha, status=res.status,
                         kappa_max=res.kappa_max, iterations=res.iterations,
                         t_max_margin_s=t_mm, t_decision_kappa0_s=t_dec))
        print(f"max_margin N={N:5d} alpha={alpha:.2f} {res.status:13s} kappa={res.kappa_max:+.6f} "
              f"its={res.iterations:8d}  max_margin {t_mm:8.3f}s  decision {t_dec:8.3f}s")
    # Near-threshold decisions (Wolfe's exact phase): kappa = 0 at alpha = 2.0, 2.1, and
    # kappa = 0.5, 1 near their capacities, with the pair-step-only solver for comparison.
    for N, kappa, alpha in [(400, 0.0, 2.0), (400, 0.0, 2.1), (1600, 0.0, 2.0), (1600, 0.0, 2.1),
                            (400, 0.5, 0.96), (400, 1.0, 0.52),
                            (1600, 0.5, 0.96), (1600, 1.0, 0.52)]:
        xi = gaussian_patterns(int(alpha * N), N, rng=np.random.default_rng(N + 2))
        reps = 1 if N >= 1600 else REPEATS
        t_w, sat = best_time(lambda: is_sat(xi, kappa), repeats=reps)
        row = dict(kind="decision_threshold", N=N, kappa=kappa, alpha=alpha, sat=bool(sat),
                   t_wolfe_s=t_w)
        if kappa > 0.0 or N <= 400:
            perceptron._USE_WOLFE = False
            try:
                t_p, sat_p = best_time(lambda: is_sat(xi, kappa), repeats=1)
            finally:
                perceptron._USE_WOLFE = True
            assert sat_p == sat, (N, kappa, alpha)
            row["t_pair_steps_only_s"] = t_p
        rows.append(row)
        print(f"threshold N={N:5d} kappa={kappa:.1f} alpha={alpha:.2f} sat={sat!s:5} "
              f"wolfe {t_w:8.3f}s  pair-steps only {row.get('t_pair_steps_only_s', np.nan):8.3f}s")
    # Per-instance capacity (bisection over prefixes), kappa = 0, P_max = 2.6 N.
    for N in (400, 1600):
        xi = gaussian_patterns(int(2.6 * N), N, rng=np.random.default_rng(N + 3))
        t_c, pc = best_time(lambda: instance_capacity(xi, 0.0), repeats=1)
        rows.append(dict(kind="instance_capacity_kappa0", N=N, P_max=xi.shape[0], P_c=int(pc),
                         alpha_c=pc / N, t_s=t_c))
        print(f"capacity  N={N:5d} P_c={pc} alpha_c={pc / N:.4f}  {t_c:8.3f}s")
    out = pathlib.Path(__file__).with_name("results_max_margin.json")
    out.write_text(json.dumps(dict(openblas_threads=os.environ["OPENBLAS_NUM_THREADS"],
                                   repeats=REPEATS, rows=rows), indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
