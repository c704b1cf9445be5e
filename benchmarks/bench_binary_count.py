"""Benchmark of simulate.binary.count_solutions (branch and bound) against enumerate_solutions.

Run: ``python benchmarks/bench_binary_count.py [--quick] [--reps R] [--budget S]``.
Writes ``benchmarks/results_binary_count.json`` and prints a table.

Both run on the same Gaussian instances (kappa = 0) in the same process, on one core (one
Numba thread), timed with ``time.process_time`` (CPU time of the process), repetitions
interleaved (enumerate, count, count, enumerate, ...) and summarised by their medians. The
counts are checked to agree. Then, for each alpha, N is raised by 2 until one count_solutions
call takes more than ``--budget`` seconds (default 10): the largest N within the budget is
reported.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numba
import numpy as np

import simulate.binary as binary
from simulate.binary import count_solutions, enumerate_solutions

HERE = Path(__file__).resolve().parent


def cpu(fn):
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="N = 24, 26 only, 2 repetitions")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per method")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds for the N-reach scan")
    args = parser.parse_args()
    Ns = [24, 26] if args.quick else [24, 26, 28, 30]
    reps = 2 if args.quick else args.reps
    alphas = [0.3, 0.5, 0.7]
    kappa = 0.0
    old_threads = numba.get_num_threads()
    numba.set_num_threads(1)
    rng = np.random.default_rng(20240611)
    enumerate_solutions(rng.standard_normal((3, 6)), 0.0)  # compile / load caches
    count_solutions(rng.standard_normal((3, 6)), 0.0)
    rows = []
    try:
        print(f"{'N':>3} {'alpha':>5} {'P':>3} {'count':>9} {'enumerate s':>12} "
              f"{'count_sol. s':>12} {'speedup':>8} {'nodes/2^N':>10}")
        for N in Ns:
            for alpha in alphas:
                P = round(alpha * N)
                xi = rng.standard_normal((P, N))
                t_enum, t_bb = [], []
                for r in range(reps):
                    order = ("enum", "bb") if r % 2 == 0 else ("bb", "enum")
                    for name in order:
                        if name == "enum":
                            t, res = cpu(lambda: enumerate_solutions(xi, kappa, max_solutions=0))
                            t_enum.append(t)
                            c_enum = res.count
                        else:
                            t, c_bb = cpu(lambda: count_solutions(xi, kappa))
                            t_bb.append(t)
                assert c_enum == c_bb, (N, alpha, c_enum, c_bb)
                nodes = binary._bb_run(xi, kappa, int(binary._NO_LIMIT), 0, False, "")[3]
                row = {"N": N, "alpha": alpha, "P": P, "kappa": kappa, "count": c_bb,
                       "enumerate_cpu_s_median": float(np.median(t_enum)),
                       "count_solutions_cpu_s_median": float(np.median(t_bb)),
                       "enumerate_cpu_s": t_enum, "count_solutions_cpu_s": t_bb,
                       "speedup": float(np.median(t_enum) / np.median(t_bb)),
                       "bb_nodes": nodes, "bb_nodes_over_2N": nodes / 2.0**N}
                rows.append(row)
                print(f"{N:>3} {alpha:>5} {P:>3} {c_bb:>9} {row['enumerate_cpu_s_median']:>12.4f} "
                      f"{row['count_solutions_cpu_s_median']:>12.4f} {row['speedup']:>8.1f} "
                      f"{row['bb_nodes_over_2N']:>10.2e}", flush=True)

        # How far N goes within the budget (one instance per N, count_solutions only).
        reach = []
        for alpha in alphas:
            N, last_ok = 24, None
            while N <= binary.BB_MAX_N:
                P = round(alpha * N)
                xi = rng.standard_normal((P, N))
                t, c = cpu(lambda: count_solutions(xi, kappa))
                reach.append({"alpha": alpha, "N": N, "P": P, "count": c, "cpu_s": t})
                print(f"reach alpha={alpha} N={N} P={P} count={c} cpu={t:.2f} s", flush=True)
                if t > args.budget:
                    break
                last_ok = N
                N += 2 if t < args.budget / 8 else 1
                if args.quick and N > 34:
                    break
            reach.append({"alpha": alpha, "largest_N_within_budget": last_ok})
    finally:
        numba.set_num_threads(old_threads)
    out = HERE / "results_binary_count.json"
    results = {"kappa": kappa, "numba_threads": 1, "timer": "time.process_time",
               "repetitions": reps, "interleaved": True, "budget_s": args.budget,
               "rows": rows, "reach": reach}
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
