"""Benchmark: exact enumeration of the binary perceptron, Numba kernel vs incremental NumPy.

Run: ``python benchmarks/bench_enumerate.py [--repeats 7] [--skip-30]``; writes
``benchmarks/results_enumerate.json``.

Both sides compute the energy histogram over all 2^N weight vectors w in {-1, +1}^N (energy =
number of patterns with w.xi^mu < kappa sqrt(N)), for every kappa, with the same tie convention;
the histograms must be identical (asserted).

* Package: ``simulate.binary.enumerate_solutions`` with one Numba thread (visits the 2^(N-1)
  vectors with w_N = +1 in Gray-code order, O(P) field update per vector, histograms w and -w
  from the same fields).
* Plain twin (``numpy_gray``): the same algorithm vectorised in NumPy.  w_N = +1; the 14 lowest
  free weights form a block whose 2^14 partial fields are computed once by a matrix product;
  the remaining free weights are walked in Gray-code order, one O(P) update of the partial
  field of the high weights per step; per step and pattern one vectorised comparison over the
  block for w and one for -w, counted in uint8 and histogrammed with ``bincount``.  (Block
  sizes 12-18 were tried; 14 was the fastest here.)
* For reference (one run, N = 22 only): the old twin, which rebuilds every field with a ±1
  matrix product (chunks of 2^14 configurations).

N = 30 (the target size, 2^30 configurations) is timed once per side (no repetitions).

Method: see ``benchmarks/_timing.py`` (CPU time, thread pools pinned to one thread, warm-up
excluded, interleaved repetitions, medians and IQR).
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools before NumPy is imported)

import argparse  # noqa: E402
import time  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

from simulate.binary import enumerate_solutions  # noqa: E402

SCRIPT = "benchmarks/bench_enumerate.py"


def numpy_gray(xi, kappa, block_bits=14):
    """Energy histogram over {-1, 1}^N: Gray-code walk over the high weights, NumPy blocks."""
    P, N = xi.shape
    thr = kappa * np.sqrt(N)
    free = N - 1                          # w_N = +1; -w gives the other half
    k = min(block_bits, free)
    m = free - k
    codes = np.arange(1 << k)
    w_low = 1.0 - 2.0 * ((codes[:, None] >> np.arange(k)) & 1)
    low = np.ascontiguousarray(xi[:, :k] @ w_low.T)          # (P, 2^k) partial fields
    w_high = np.ones(m)
    hh = xi[:, k:free] @ w_high + xi[:, free]                 # partial field of the rest
    hist = np.zeros(P + 1, np.int64)
    e_pos = np.empty(1 << k, np.uint8)
    e_neg = np.empty(1 << k, np.uint8)
    tmp = np.empty(1 << k, bool)
    for s in range(1 << m):
        if s:
            j = (s & -s).bit_length() - 1                     # Gray code: flip weight j
            w_high[j] = -w_high[j]
            hh += 2.0 * w_high[j] * xi[:, k + j]
        a = thr - hh                                          # w violates mu: low < a
        b = -thr - hh                                         # -w violates mu: low > b
        e_pos[:] = 0
        e_neg[:] = 0
        for mu in range(P):
            np.less(low[mu], a[mu], out=tmp)
            e_pos += tmp
            np.greater(low[mu], b[mu], out=tmp)
            e_neg += tmp
        hist += np.bincount(e_pos, minlength=P + 1)
        hist += np.bincount(e_neg, minlength=P + 1)
    return hist


def numpy_matmul(xi, kappa, chunk_bits=14):
    """The old twin: every field rebuilt by a ±1 matrix product (reference only)."""
    P, N = xi.shape
    thr = kappa * np.sqrt(N)
    hist = np.zeros(P + 1, np.int64)
    shifts = np.arange(N, dtype=np.int64)
    chunk = 1 << min(chunk_bits, N)
    for start in range(0, 1 << N, chunk):
        idx = np.arange(start, start + chunk, dtype=np.int64)
        W = 1.0 - 2.0 * ((idx[:, None] >> shifts) & 1)
        hist += np.bincount(((W @ xi.T) < thr).sum(axis=1), minlength=P + 1)
    return hist


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--skip-30", action="store_true", help="skip the single N = 30 run")
    args = ap.parse_args()
    machine = _timing.machine_info()
    numba.set_num_threads(1)
    rng = np.random.default_rng(12345)
    enumerate_solutions(rng.standard_normal((3, 6)), 0.0)            # compile / load (both
    enumerate_solutions(rng.choice([-1.0, 1.0], size=(3, 6)), 0.0)   # arithmetic paths)
    rows, md = [], []
    cases = [(22, "gaussian", 0.0, args.repeats), (22, "pm1", 0.0, args.repeats),
             (22, "gaussian", 0.5, args.repeats), (26, "gaussian", 0.0, 3)]
    for N, kind, kappa, reps in cases:
        P = round(0.6 * N)
        xi = (rng.standard_normal((P, N)) if kind == "gaussian"
              else rng.choice([-1.0, 1.0], size=(P, N)))
        cmp = _timing.compare(
            {"package": lambda: enumerate_solutions(xi, kappa, max_solutions=0).energy_histogram,
             "numpy_gray": lambda: numpy_gray(xi, kappa)}, repeats=reps, warmup=1)
        h = cmp["out"]
        assert np.array_equal(h["package"], h["numpy_gray"]), (N, kind, kappa)
        assert h["package"].sum() == 1 << N
        T, R = cmp["timings"], cmp["ratios"]
        r = R["numpy_gray"]
        row = dict(N=N, P=P, patterns=kind, kappa=kappa, count=int(h["package"][0]),
                   histograms_identical=True, **_timing.strip_out(cmp),
                   package_configs_x_P_per_s=(1 << N) * P / T["package"]["median_s"])
        if N == 22 and kind == "gaussian" and kappa == 0.0:
            t0 = time.process_time()
            h_old = numpy_matmul(xi, kappa)
            row["old_matmul_twin_s"] = time.process_time() - t0
            assert np.array_equal(h_old, h["package"])
            row["old_matmul_twin_ratio"] = row["old_matmul_twin_s"] / T["package"]["median_s"]
        rows.append(row)
        print(f"N={N} P={P} {kind:8s} kappa={kappa}: package {_timing.fmt_med_iqr(T['package'])}"
              f"  numpy_gray {_timing.fmt_med_iqr(T['numpy_gray'])}  ratio {_timing.fmt_ratio(r)}"
              + (f"  (old matmul twin {row['old_matmul_twin_s']:.2f} s, "
                 f"{row['old_matmul_twin_ratio']:.0f}x)" if "old_matmul_twin_s" in row else ""),
              flush=True)
        md.append(_timing.markdown_row(
            f"exact enumeration N = {N}, P = {P}, {'±1' if kind == 'pm1' else 'Gaussian'} "
            f"patterns, kappa = {kappa:g}, one core (2^{N} configurations)",
            _timing.fmt_med_iqr(T["package"]),
            f"{_timing.fmt_med_iqr(T['numpy_gray'])} (Gray-code walk, NumPy blocks of 2^14)",
            f"{r['ratio_of_medians']:.2g}x (IQR {r['q1']:.2g}-{r['q3']:.2g})",
            SCRIPT if not md else "same"))

    if not args.skip_30:
        N, P = 30, 18
        xi = rng.standard_normal((P, N))
        cmp = _timing.compare(
            {"package": lambda: enumerate_solutions(xi, 0.0, max_solutions=0).energy_histogram,
             "numpy_gray": lambda: numpy_gray(xi, 0.0)}, repeats=1, warmup=0)
        h = cmp["out"]
        assert np.array_equal(h["package"], h["numpy_gray"])
        T, R = cmp["timings"], cmp["ratios"]
        rows.append(dict(N=N, P=P, patterns="gaussian", kappa=0.0, single_run=True,
                         count=int(h["package"][0]), histograms_identical=True,
                         **_timing.strip_out(cmp),
                         package_configs_x_P_per_s=(1 << N) * P / T["package"]["median_s"]))
        print(f"N=30 P=18 gaussian, one run each: package {_timing.fmt_time(T['package']['median_s'])}"
              f"  numpy_gray {_timing.fmt_time(T['numpy_gray']['median_s'])}", flush=True)
        md.append(_timing.markdown_row(
            "exact enumeration N = 30, P = 18, Gaussian, kappa = 0, one core (2^30 configurations)",
            f"{_timing.fmt_time(T['package']['median_s'])} (one run)",
            f"{_timing.fmt_time(T['numpy_gray']['median_s'])} (one run, same twin)",
            f"{R['numpy_gray']['ratio_of_medians']:.2g}x", "same"))

    _timing.write_results("enumerate", dict(
        benchmark="enumerate", machine=machine, numba_threads=1,
        baselines={"numpy_gray": "Gray-code walk over the high weights with an O(P) update of "
                                 "their partial field, NumPy-vectorised comparison over a block "
                                 "of the 14 low weights (partial fields precomputed once), "
                                 "w_N = +1 symmetry, uint8 counts + bincount",
                   "old_matmul_twin (reference)": "every field rebuilt by a ±1 matrix product"},
        rows=rows), md)


if __name__ == "__main__":
    main()
