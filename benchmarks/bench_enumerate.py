"""Benchmark of simulate.binary.enumerate_solutions against a vectorised NumPy enumeration.

Run: ``python benchmarks/bench_enumerate.py [--quick]``. Writes ``benchmarks/results_enumerate.json``.

Both implementations run on the same instance in the same process. Rates are given as
(configurations covered) x P per second, where the Numba kernel covers 2^N configurations while
visiting 2^(N-1) (w -> -w symmetry); the visited rate is reported as well.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from pathlib import Path

import numba
import numpy as np

from simulate.binary import enumerate_solutions

HERE = Path(__file__).resolve().parent


def numpy_enumerate(xi: np.ndarray, kappa: float, chunk_bits: int = 14) -> np.ndarray:
    """Energy histogram over all 2^N configurations: chunks of a ±1 matrix times xi^T."""
    P, N = xi.shape
    thr = kappa * np.sqrt(N)
    hist = np.zeros(P + 1, np.int64)
    shifts = np.arange(N, dtype=np.int64)
    chunk = 1 << min(chunk_bits, N)
    for start in range(0, 1 << N, chunk):
        idx = np.arange(start, start + chunk, dtype=np.int64)
        W = 1.0 - 2.0 * ((idx[:, None] >> shifts) & 1)
        h = W @ xi.T
        hist += np.bincount((h < thr).sum(axis=1), minlength=P + 1)
    return hist


def timed(fn, repeat=1):
    best = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def machine_peak() -> dict:
    """Rough arithmetic limit: cores x clock x float64 SIMD lanes x 2 add pipes (assumption)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(re.search(r"^flags\s*:\s*(.*)$", info, re.M).group(1).split()) if info else set()
    mhz = [float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M)]
    model = re.search(r"^model name\s*:\s*(.*)$", info, re.M)
    lanes = 8 if "avx512f" in flags else 4 if ("avx2" in flags or "avx" in flags) else 2
    ghz = (max(mhz) / 1000.0) if mhz else float("nan")
    cores = os.cpu_count() or 1
    add_pipes = 2
    per_core = ghz * 1e9 * lanes * add_pipes
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": cores,
        "clock_GHz": ghz,
        "float64_simd_lanes": lanes,
        "add_pipes_assumed": add_pipes,
        "peak_float64_adds_per_s_one_core": per_core,
        "peak_float64_adds_per_s_all_cores": per_core * cores,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="N=26 instead of N=30 for the big run")
    args = parser.parse_args()
    rng = np.random.default_rng(12345)
    old_threads = numba.get_num_threads()
    results: dict = {"machine": machine_peak(), "numba_threads_available": old_threads}

    # Warm up (compile / load cache) for both arithmetic paths.
    enumerate_solutions(rng.standard_normal((3, 6)), 0.0)
    enumerate_solutions(rng.choice([-1.0, 1.0], size=(3, 6)), 0.0)

    # 1. Same instance, NumPy vs Numba (one thread), N = 22, alpha = 0.6.
    N, P, kappa = 22, 13, 0.0
    xi = rng.standard_normal((P, N))
    numba.set_num_threads(1)
    t_numba, res = timed(lambda: enumerate_solutions(xi, kappa), repeat=3)
    t_numpy, hist_np = timed(lambda: numpy_enumerate(xi, kappa), repeat=1)
    agree = bool(np.array_equal(hist_np, res.energy_histogram))
    cover = (1 << N) * P
    results["comparison"] = {
        "N": N, "P": P, "kappa": kappa, "patterns": "gaussian", "numba_threads": 1,
        "histograms_agree": agree,
        "numba_s": t_numba, "numpy_s": t_numpy,
        "numba_config_x_P_per_s": cover / t_numba,
        "numba_visited_config_x_P_per_s": cover / 2 / t_numba,
        "numpy_config_x_P_per_s": cover / t_numpy,
        "speedup_numba_over_numpy": t_numpy / t_numba,
    }

    # 2. The target: N = 30, alpha = 0.6 (P = 18), one and two threads, Gaussian and ±1.
    N = 26 if args.quick else 30
    P = round(0.6 * N)
    big = []
    for kind in ("gaussian", "pm1"):
        xi = rng.standard_normal((P, N)) if kind == "gaussian" else rng.choice([-1.0, 1.0],
                                                                              size=(P, N))
        for threads in sorted({1, min(2, old_threads)}):
            numba.set_num_threads(threads)
            t, r = timed(lambda: enumerate_solutions(xi, 0.0))
            big.append({
                "N": N, "P": P, "kappa": 0.0, "patterns": kind, "numba_threads": threads,
                "wall_s": t, "count": r.count,
                "config_x_P_per_s": (1 << N) * P / t,
                "visited_config_x_P_per_s": (1 << (N - 1)) * P / t,
                "ns_per_visited_config": t / (1 << (N - 1)) * 1e9,
            })
            print(big[-1])
    numba.set_num_threads(old_threads)
    results["target_run"] = big
    m = results["machine"]
    one = next(b for b in big if b["numba_threads"] == 1 and b["patterns"] == "gaussian")
    # Per visited configuration the loop does P float64 adds (field update) plus 2P compares
    # and 2P integer adds; count only the adds against the peak of the adders.
    results["fraction_of_add_peak_one_core"] = (
        one["visited_config_x_P_per_s"] / m["peak_float64_adds_per_s_one_core"])

    out = HERE / "results_enumerate.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["comparison"], indent=2))
    print(json.dumps(results["machine"], indent=2))
    print("fraction of float64 add peak (one core):", results["fraction_of_add_peak_one_core"])
    print("wrote", out)


if __name__ == "__main__":
    main()
