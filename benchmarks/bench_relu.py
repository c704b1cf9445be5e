"""Benchmark: certified rank of ReLU region Jacobians against plain exact-rank alternatives.

Run: ``python benchmarks/bench_relu.py [--repeats 7]``; writes ``benchmarks/results_relu.json``.

Matrices: the Jacobians of regions drawn uniformly among the non-empty ones (1-d inputs with
bias, ``relu.sample_regions(n, 1, d1, measure="nonempty")``), n x 2 d1 for n = 20, d1 = 30
(40 matrices, about half of full rank) and n = 40, d1 = 60 (10 matrices, all rank-deficient).
Every side gets the same float64 Jacobians (exact dyadic rationals) and must return the same
rank for every matrix (asserted).  The time is per matrix.

* Package: ``relu.jacobian_rank(J, method="exact")`` (rank modulo a prime, which certifies
  full rank; otherwise fraction-free Bareiss elimination on the integer matrix).
* Plain alternative (``numpy_modp+sympy_zz``), the strongest we could write: the float64
  entries become an exact integer matrix (each row scaled by a power of two, from
  ``numpy.frexp``); its rank modulo p = 2^31 - 1 is computed by Gaussian elimination
  vectorised in NumPy int64 (products < 2^62); when that rank is full it is certified (the
  rank over Q is at least the rank mod p), otherwise the exact rank comes from SymPy's
  ``DomainMatrix`` over ZZ (fraction-free).  python-flint (whose ``fmpz_mat.rank`` would be
  the natural choice) is not installed here, nor gmpy2 (SymPy uses Python integers); the JSON
  records both.
* For reference: SymPy's ``DomainMatrix`` over ZZ for every matrix (``sympy_zz``), and the old
  baseline, ``DomainMatrix`` over QQ built from ``Fraction`` entries (``sympy_qq``: 3-4x
  slower than over ZZ, so a weak baseline).  The NumPy rank mod p alone (not certified when
  deficient) is recorded too.

Method: see ``benchmarks/_timing.py`` (CPU time, thread pools pinned to one thread, warm-up
excluded, interleaved repetitions, medians and IQR).
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools before NumPy is imported)

import argparse  # noqa: E402
import importlib.util  # noqa: E402
from fractions import Fraction  # noqa: E402

import numpy as np  # noqa: E402
from sympy import QQ, ZZ  # noqa: E402
from sympy.polys.matrices import DomainMatrix  # noqa: E402

from simulate import relu  # noqa: E402

SCRIPT = "benchmarks/bench_relu.py"
PRIME = 2_147_483_647


def integer_rows(J):
    """J (float64) as an integer matrix (list of rows of Python ints) with the same rank."""
    m, e = np.frexp(J)                      # J = m 2^e, m 2^53 an integer
    M = (m * 2.0 ** 53).astype(np.int64)
    ex = e.astype(np.int64) - 53
    ex -= np.where(M != 0, ex, ex.max()).min(axis=1, keepdims=True)  # rows scaled by 2^-min
    return [[int(a) << int(b) if a else 0 for a, b in zip(r, s)] for r, s in zip(M, ex)]


def numpy_rank_mod_p(rows, p=PRIME):
    """Rank modulo p of an integer matrix, Gauss-Jordan elimination vectorised in int64."""
    A = np.array([[x % p for x in r] for r in rows], dtype=np.int64)
    if A.shape[0] > A.shape[1]:
        A = np.ascontiguousarray(A.T)
    nrows, ncols = A.shape
    r = 0
    for c in range(ncols):
        nz = np.flatnonzero(A[r:, c])
        if nz.size == 0:
            continue
        piv = r + nz[0]
        if piv != r:
            A[[r, piv]] = A[[piv, r]]
        A[r] = A[r] * pow(int(A[r, c]), p - 2, p) % p
        f = A[:, c].copy()
        f[r] = 0
        A = (A - f[:, None] * A[r][None, :] % p) % p
        r += 1
        if r == nrows:
            break
    return r


def sympy_zz_rank(rows, shape):
    return DomainMatrix([[ZZ(x) for x in r] for r in rows], shape, ZZ).rank()


def plain_rank(J):
    """Certified rank: NumPy rank mod p when full, else SymPy's exact rank over ZZ."""
    rows = integer_rows(J)
    rp = numpy_rank_mod_p(rows)
    return rp if rp == min(J.shape) else sympy_zz_rank(rows, J.shape)


def sympy_zz(J):
    return sympy_zz_rank(integer_rows(J), J.shape)


def sympy_qq(J):
    """The old baseline: DomainMatrix over QQ from Fraction entries."""
    rows = [[QQ(Fraction(float(x)).numerator, Fraction(float(x)).denominator) for x in row]
            for row in J]
    return DomainMatrix(rows, J.shape, QQ).rank()


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    machine = _timing.machine_info()
    rows_out, md = [], []
    for n, d1, trials in ((20, 30, 40), (40, 60, 10)):
        reg = relu.sample_regions(n, 1, d1, measure="nonempty", trials=trials, rng=1)
        Js = [relu.region_jacobian(A, reg.X) for A in reg.patterns]
        cmp = _timing.compare(
            {"package": lambda: [relu.jacobian_rank(J, method="exact") for J in Js],
             "numpy_modp+sympy_zz": lambda: [plain_rank(J) for J in Js],
             "sympy_zz": lambda: [sympy_zz(J) for J in Js],
             "sympy_qq": lambda: [sympy_qq(J) for J in Js],
             "numpy_modp_only": lambda: [numpy_rank_mod_p(integer_rows(J)) for J in Js]},
            repeats=args.repeats, warmup=1)
        out = cmp["out"]
        for k in ("numpy_modp+sympy_zz", "sympy_zz", "sympy_qq", "numpy_modp_only"):
            assert out[k] == out["package"], (k, out[k], out["package"])
        # per matrix
        for t in cmp["timings"].values():
            for key in ("median_s", "q1_s", "q3_s", "wall_median_s"):
                t[key] /= len(Js)
            t["times_s"] = [x / len(Js) for x in t["times_s"]]
        T, R = cmp["timings"], cmp["ratios"]
        full = sum(r == n for r in out["package"]) / len(Js)
        rows_out.append(dict(n=n, d1=d1, shape=[n, 2 * d1], matrices=len(Js), ranks=out["package"],
                             full_rank_fraction=full, ranks_identical=True, time_per="matrix",
                             **_timing.strip_out(cmp)))
        r = R["numpy_modp+sympy_zz"]
        print(f"{n} x {2 * d1} ({len(Js)} matrices, {full:.0%} full rank): package "
              f"{_timing.fmt_med_iqr(T['package'])}", flush=True)
        for k in R:
            print(f"    {k:20s} {_timing.fmt_med_iqr(T[k])}  ratio {_timing.fmt_ratio(R[k])}")
        md.append(_timing.markdown_row(
            f"certified rank of a ReLU region Jacobian, {n} x {2 * d1} ({full:.0%} of full rank)",
            f"{_timing.fmt_med_iqr(T['package'])} (rank mod p, Bareiss when deficient)",
            f"{_timing.fmt_med_iqr(T['numpy_modp+sympy_zz'])} (rank mod p in NumPy, SymPy "
            f"`DomainMatrix` over ZZ when deficient); SymPy over ZZ alone "
            f"{_timing.fmt_time(T['sympy_zz']['median_s'])}, over QQ (old baseline) "
            f"{_timing.fmt_time(T['sympy_qq']['median_s'])}",
            f"{r['ratio_of_medians']:.2g}x (IQR {r['q1']:.2g}-{r['q3']:.2g}); "
            f"{R['sympy_zz']['ratio_of_medians']:.2g}x / {R['sympy_qq']['ratio_of_medians']:.2g}x",
            SCRIPT if not md else "same"))
    _timing.write_results("relu", dict(
        benchmark="relu", machine=machine, prime=PRIME,
        baselines={"numpy_modp+sympy_zz": "exact integer matrix (rows scaled by powers of two), "
                                          "rank mod 2^31-1 by NumPy int64 Gauss-Jordan (certifies "
                                          "full rank), else SymPy DomainMatrix over ZZ",
                   "sympy_zz (reference)": "SymPy DomainMatrix over ZZ for every matrix",
                   "sympy_qq (old baseline)": "SymPy DomainMatrix over QQ from Fraction entries",
                   "numpy_modp_only (not certified when deficient)": "rank mod p only"},
        python_flint_installed=importlib.util.find_spec("flint") is not None,
        gmpy2_installed=importlib.util.find_spec("gmpy2") is not None, rows=rows_out), md)


if __name__ == "__main__":
    main()
