"""Benchmark: hit-and-run with blocked directions against one matrix-vector product per move.

Run: ``python benchmarks/bench_sampler.py [--repeats 5]``; writes
``benchmarks/results_sampler.json``.

Problem: the spherical negative perceptron, kappa = -0.5, alpha = 1 (P = N Gaussian patterns),
one chain from a hinge-solver start, a few sweeps of N moves each. The plain side is the same
kernel with one direction per move (``directions_per_block=1``: draw g, project, one
fixed-order matrix-vector product for Delta(v)); the package side draws 16 directions at a
time and gets their Delta(g) in one pass over the patterns (``simulate._fixedorder.matmat_t``,
Delta(v) = s (Delta(g) - (g.w/w.w) Delta(w))). Both are compiled Numba with the same
fixed-order sums; neither uses BLAS (the sampler must give the same bits on every CPU, issue
#15), which is also what a competent user would write once chaos has bitten. The time is per
move (CPU time of the run / (sweeps N)). Both chains sample the same law; the script checks
that both stay feasible (min stability >= kappa - 1e-9).

Method: see ``benchmarks/_timing.py`` (CPU time, thread pools pinned to one thread, warm-up
excluded, interleaved repetitions, medians and IQR).
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools before NumPy is imported)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from simulate.hinge import find_solution  # noqa: E402
from simulate.patterns import gaussian_patterns  # noqa: E402
from simulate.sampler import DEFAULT_BLOCK, hit_and_run  # noqa: E402

KAPPA = -0.5


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 400, 800, 1600])
    args = ap.parse_args(argv)
    rows, payload = [], {"kappa": KAPPA, "alpha": 1.0, "block": DEFAULT_BLOCK, "cases": {}}
    for N in args.sizes:
        rng = np.random.default_rng(N)
        xi = gaussian_patterns(N, N, rng=rng)
        w0 = find_solution(xi, KAPPA, rng=rng).w
        sweeps = max(1, 800 // N)

        def run(block, N=N, xi=xi, w0=w0, sweeps=sweeps):
            r = hit_and_run(xi, KAPPA, n_chains=1, n_sweeps=sweeps, w0=w0,
                            rng=np.random.default_rng(7), directions_per_block=block)
            assert r.trace_margin.min() >= KAPPA - 1e-9
            return r

        cmp = _timing.compare({"one product per move": lambda: run(1),
                               f"blocks of {DEFAULT_BLOCK}": lambda: run(DEFAULT_BLOCK)},
                              repeats=args.repeats)
        t1 = cmp["timings"]["one product per move"]
        tb = cmp["timings"][f"blocks of {DEFAULT_BLOCK}"]
        moves = sweeps * N
        speed = t1["median_s"] / tb["median_s"]
        payload["cases"][N] = {"sweeps": sweeps, **_timing.strip_out(cmp)}
        rows.append(_timing.markdown_row(
            f"hit-and-run move, negative perceptron kappa = -0.5, alpha = 1, N = {N}",
            f"{_timing.fmt_time(tb['median_s'] / moves)} / move (blocks of {DEFAULT_BLOCK})",
            f"{_timing.fmt_time(t1['median_s'] / moves)} / move (one fixed-order product)",
            f"{speed:.2f}x", "benchmarks/bench_sampler.py" if N == args.sizes[0] else "same"))
    _timing.write_results("sampler", payload, rows)


if __name__ == "__main__":
    main()
