"""Benchmark: certified max margin (Numba) vs a QP solver on the same instances.

Run: ``python benchmarks/bench_max_margin.py [--repeats 7]``; writes
``benchmarks/results_max_margin.json``.  Needs the optional ``bench`` extra
(``pip install -e .[bench]``: quadprog, clarabel).

1. Max margin of separable Gaussian patterns (alpha < 2).  Package:
   ``simulate.perceptron.max_margin_certified(xi, tol=1e-8)`` (Wolfe's minimum-norm point plus
   pair steps, certified bounds of width <= 1e-8).  Plain twins solve the hard-margin SVM
   without bias, min |v|^2 s.t. xi v >= 1, kappa_max = 1/|v*|:

   * ``quadprog.solve_qp`` (Goldfarb-Idnani dual active set, dense; exact up to rounding).
   * ``quadprog`` on the dual QP, min_a a^T G a / 2 - sum a over a >= 0 with the P x P Gram
     matrix G = xi xi^T (P < N, where G is positive definite): the smaller problem there.
   * ``clarabel`` (interior point, tolerances 1e-10).

   Agreement: |kappa_package - kappa_QP| <= 1e-8 (asserted).

2. The SAT decision at kappa = 0 (``is_sat``) against three twins: two LPs with
   ``scipy.optimize.linprog(method="highs")``, the feasibility LP xi v >= 1 and the bounded LP
   max t s.t. xi v >= t, |v_i| <= 1, t <= 1 (SAT iff t* > 1e-9), and the quadprog QP above
   (solved: SAT; "constraints are inconsistent": UNSAT).  The twin is the fastest of those
   that return the right, definite answer (on the UNSAT instance HiGHS ends the feasibility LP
   with "model status unknown").  Answers must agree (asserted).

3. Package-only timings without a twin (near-threshold decision, N = 1600).

Method: see ``benchmarks/_timing.py`` (CPU time, every thread pool pinned to one thread,
warm-up excluded, interleaved repetitions, medians and IQR).
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools before NumPy is imported)

import argparse  # noqa: E402

import clarabel  # noqa: E402
import numpy as np  # noqa: E402
import quadprog  # noqa: E402
import scipy.sparse as sps  # noqa: E402
from scipy.optimize import linprog  # noqa: E402

from simulate.patterns import gaussian_patterns  # noqa: E402
from simulate.feasibility import is_sat  # noqa: E402
from simulate.perceptron import max_margin_certified  # noqa: E402

TOL = 1e-8
DECISION_TWIN = {"lp_feasibility": "HiGHS feasibility LP", "lp_max_t": "HiGHS bounded max-t LP",
                 "quadprog": "quadprog QP: solved or inconsistent"}
SCRIPT = "benchmarks/bench_max_margin.py"
TWIN_WORDS = {"quadprog": "quadprog on the primal QP, hard-margin SVM",
              "quadprog_dual": "quadprog on the dual QP, P x P Gram matrix",
              "clarabel": "clarabel on the primal QP"}


def qp_quadprog(xi):
    P, N = xi.shape
    v = quadprog.solve_qp(np.eye(N), np.zeros(N), np.ascontiguousarray(xi.T), np.ones(P), 0)[0]
    return 1.0 / np.linalg.norm(v)


def qp_quadprog_dual(xi):
    """The dual QP, min_a a^T G a / 2 - sum a over a >= 0 with the P x P Gram matrix
    G = xi xi^T (BLAS), for P < N where G is positive definite; |v*|^2 = sum a*."""
    P, N = xi.shape
    G = xi @ xi.T
    a = quadprog.solve_qp(G, np.ones(P), np.eye(P), np.zeros(P), 0)[0]
    return 1.0 / np.linalg.norm(xi.T @ a)


def qp_clarabel(xi, tol=1e-10):
    P, N = xi.shape
    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = tol
    solver = clarabel.DefaultSolver(sps.identity(N, format="csc"), np.zeros(N),
                                    sps.csc_matrix(-xi), -np.ones(P),
                                    [clarabel.NonnegativeConeT(P)], s)
    sol = solver.solve()
    assert str(sol.status) == "Solved", sol.status
    return 1.0 / np.linalg.norm(np.asarray(sol.x))


def lp_feasibility(xi):
    """Feasibility LP xi v >= 1 (HiGHS); None when HiGHS gives no definite answer."""
    P, N = xi.shape
    res = linprog(np.zeros(N), A_ub=-xi, b_ub=-np.ones(P), bounds=(None, None), method="highs")
    return {0: True, 2: False}.get(res.status)


def qp_sat(xi):
    """Decision by the QP itself: quadprog either solves it (SAT) or reports inconsistency."""
    P, N = xi.shape
    try:
        quadprog.solve_qp(np.eye(N), np.zeros(N), np.ascontiguousarray(xi.T), np.ones(P), 0)
    except ValueError as e:
        if "inconsistent" in str(e):
            return False
        return None
    return True


def lp_max_t(xi):
    """Bounded LP max t s.t. xi v >= t, |v_i| <= 1, t <= 1 (HiGHS); SAT iff t* > 0."""
    P, N = xi.shape
    c = np.zeros(N + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=np.hstack([-xi, np.ones((P, 1))]), b_ub=np.zeros(P),
                  bounds=[(-1, 1)] * N + [(None, 1)], method="highs")
    return (-res.fun > 1e-9) if res.status == 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    machine = _timing.machine_info()
    warm = gaussian_patterns(20, 10, rng=np.random.default_rng(0))
    is_sat(warm, 0.0)
    max_margin_certified(warm)
    rows, md = [], []
    _max_margin_rows(args.repeats, rows, md)
    _decision_rows(args.repeats, rows, md)
    _package_only_rows(rows, md)
    _write(machine, rows, md)


def _max_margin_rows(repeats, rows, md):
    """1. Max margin: the package against the QP twins."""
    for N, alpha in [(100, 0.5), (100, 1.5), (400, 0.5), (400, 1.5), (400, 1.9), (800, 1.5),
                     (1600, 0.5)]:
        xi = gaussian_patterns(int(alpha * N), N, rng=np.random.default_rng(N + 1))
        funcs = {"package": lambda: max_margin_certified(xi, tol=TOL).kappa_max}
        if N <= 800:
            funcs["quadprog"] = lambda: qp_quadprog(xi)
        if alpha < 1:  # P < N: the Gram matrix is positive definite
            funcs["quadprog_dual"] = lambda: qp_quadprog_dual(xi)
        if N <= 400:
            funcs["clarabel"] = lambda: qp_clarabel(xi)
        reps = repeats if N <= 400 else max(3, repeats // 2)
        cmp = _timing.compare(funcs, repeats=reps, warmup=1, number="auto")
        k = cmp["out"]
        diff = {name: float(abs(k[name] - k["package"])) for name in funcs if name != "package"}
        for name, d in diff.items():
            assert d <= TOL, (N, alpha, name, d)
        T, R = cmp["timings"], cmp["ratios"]
        rows.append(dict(kind="max_margin", N=N, alpha=alpha, kappa_max=float(k["package"]),
                         abs_difference=diff, **_timing.strip_out(cmp)))
        print(f"max margin N={N:4d} alpha={alpha:.1f} kappa={k['package']:.6f}  "
              + "  ".join(f"{n} {_timing.fmt_med_iqr(T[n])}" for n in T)
              + "  ratios " + "  ".join(f"{n} {_timing.fmt_ratio(r)}" for n, r in R.items()),
              flush=True)
        best = min((n for n in funcs if n != "package"), key=lambda n: T[n]["median_s"])
        md.append(_timing.markdown_row(
            f"max margin (certified to 1e-8), Gaussian patterns, N = {N}, alpha = {alpha}",
            _timing.fmt_med_iqr(T["package"]),
            f"{_timing.fmt_med_iqr(T[best])} ({TWIN_WORDS[best]})",
            f"{R[best]['ratio_of_medians']:.2g}x (IQR {R[best]['q1']:.2g}-{R[best]['q3']:.2g})",
            SCRIPT if not md else "same"))



def _decision_rows(repeats, rows, md):
    """2. SAT decision at kappa = 0: package vs two HiGHS LPs and the quadprog QP; the fastest
    one that gives the right, definite answer is the twin (the feasibility LP can end "model
    status unknown" on UNSAT instances)."""
    for N, alpha in [(200, 1.5), (400, 1.5), (400, 2.5)]:
        xi = gaussian_patterns(int(alpha * N), N, rng=np.random.default_rng(N))
        cmp = _timing.compare({"package": lambda: is_sat(xi, 0.0),
                               "lp_feasibility": lambda: lp_feasibility(xi),
                               "lp_max_t": lambda: lp_max_t(xi),
                               "quadprog": lambda: qp_sat(xi)},
                              repeats=max(3, repeats // 2), warmup=1, number="auto")
        sat = cmp["out"]
        twins = ("lp_feasibility", "lp_max_t", "quadprog")
        valid = [n for n in twins if sat[n] == sat["package"]]
        assert valid and all(sat[n] is None for n in twins if n not in valid), (N, alpha, sat)
        T, R = cmp["timings"], cmp["ratios"]
        best = min(valid, key=lambda n: T[n]["median_s"])
        rows.append(dict(kind="decision_kappa0", N=N, alpha=alpha, sat=bool(sat["package"]),
                         twin_answers={n: sat[n] for n in twins},
                         twin=best, **_timing.strip_out(cmp)))
        r = R[best]
        print(f"decision N={N:4d} alpha={alpha:.1f} sat={sat['package']!s:5}  "
              + "  ".join(f"{n} {_timing.fmt_med_iqr(T[n])} -> {sat[n]}" for n in T)
              + f"  ratio to {best} {_timing.fmt_ratio(r)}", flush=True)
        md.append(_timing.markdown_row(
            f"SAT decision kappa = 0, N = {N}, alpha = {alpha} "
            f"({'SAT' if sat['package'] else 'UNSAT'})",
            _timing.fmt_med_iqr(T["package"]),
            f"{_timing.fmt_med_iqr(T[best])} ({DECISION_TWIN[best]})",
            f"{r['ratio_of_medians']:.2g}x (IQR {r['q1']:.2g}-{r['q3']:.2g})", "same"))



def _package_only_rows(rows, md):
    """3. Package only (no twin run): near-threshold decision and N = 1600."""
    for N, kappa, alpha in [(400, 0.0, 2.0), (1600, 0.0, 1.5)]:
        xi = gaussian_patterns(int(alpha * N), N, rng=np.random.default_rng(N + 2))
        cmp = _timing.compare({"package": lambda: is_sat(xi, kappa)}, repeats=3, warmup=1)
        T = cmp["timings"]
        rows.append(dict(kind="decision_package_only", N=N, kappa=kappa, alpha=alpha,
                         sat=bool(cmp["out"]["package"]), **_timing.strip_out(cmp)))
        print(f"package only: decision N={N} kappa={kappa} alpha={alpha} "
              f"sat={cmp['out']['package']}  {_timing.fmt_med_iqr(T['package'])}", flush=True)
        md.append(_timing.markdown_row(
            f"SAT decision kappa = {kappa:g}, N = {N}, alpha = {alpha} "
            f"({'SAT' if cmp['out']['package'] else 'UNSAT'})",
            _timing.fmt_med_iqr(T["package"]), "not run", "", "same"))



def _write(machine, rows, md):
    _timing.write_results("max_margin", dict(
        benchmark="max_margin", machine=machine, agreement_tolerance_kappa=TOL,
        baselines={"quadprog": "quadprog.solve_qp on min |v|^2 s.t. xi v >= 1 (dense dual "
                               "active set), kappa = 1/|v|",
                   "quadprog_dual": "quadprog.solve_qp on the dual, min a^T G a / 2 - sum a "
                                    "over a >= 0, G = xi xi^T (P < N only)",
                   "clarabel": "clarabel interior point on the same QP, tolerances 1e-10",
                   "lp_feasibility": "scipy.optimize.linprog(method='highs') feasibility LP "
                                     "xi v >= 1 (None when HiGHS ends without a definite "
                                     "status)",
                   "lp_max_t": "scipy.optimize.linprog(method='highs'): max t s.t. xi v >= t, "
                               "|v_i| <= 1, t <= 1; SAT iff t* > 1e-9",
                   "quadprog (decision)": "quadprog.solve_qp on the QP: solved = SAT, "
                                          "'constraints are inconsistent' = UNSAT"},
        rows=rows), md)


if __name__ == "__main__":
    main()
