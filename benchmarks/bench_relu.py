"""ReLU activation regions: certified rank against SymPy's exact rank over QQ.

The plain alternative a user reaches for to certify a rank is SymPy: ``DomainMatrix`` over the
rationals (fraction-free, the fastest exact path in SymPy).  Both sides get the same float64
Jacobians (exact dyadic rationals) of regions drawn uniformly among the non-empty ones (1-d
inputs with bias); ranks must agree.  CPU time per matrix, median of ``--repeats`` interleaved
runs.

    python benchmarks/bench_relu.py [--repeats 5] [--out benchmarks/results_relu.json]
"""
import argparse
import json
import statistics
import time
from fractions import Fraction
from pathlib import Path

from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from simulate import relu


def sympy_rank(J):
    rows = [[QQ(Fraction(float(x)).numerator, Fraction(float(x)).denominator) for x in row]
            for row in J]
    return DomainMatrix(rows, J.shape, QQ).rank()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results_relu.json")))
    args = ap.parse_args()
    out = {}
    for n, d1, trials in ((20, 30, 40), (40, 60, 10)):
        reg = relu.sample_regions(n, 1, d1, measure="nonempty", trials=trials, rng=1)
        Js = [relu.region_jacobian(A, reg.X) for A in reg.patterns]
        ours, base = [], []
        for _ in range(args.repeats):
            t = time.process_time()
            r1 = [relu.jacobian_rank(J, method="exact") for J in Js]
            ours.append((time.process_time() - t) / len(Js))
            t = time.process_time()
            r2 = [sympy_rank(J) for J in Js]
            base.append((time.process_time() - t) / len(Js))
            assert r1 == r2
        out[f"certified rank, n = {n}, d1 = {d1} ({n} x {2 * d1})"] = {
            "package_ms": 1e3 * statistics.median(ours), "sympy_ms": 1e3 * statistics.median(base),
            "speedup": statistics.median(base) / statistics.median(ours),
            "full_rank_fraction": sum(r == n for r in r1) / len(r1)}
    Path(args.out).write_text(json.dumps(out, indent=2))
    for k, v in out.items():
        print(k, v)


if __name__ == "__main__":
    main()
