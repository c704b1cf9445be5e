"""Benchmark: RS saddle-point sweep of the spherical perceptron, engine vs plain SciPy/NumPy.

Problem: kappa = 0.5, 200 alphas in [0.05, 0.9] (q from 0.065 to 0.957).  Both sides solve the
stationarity equation

    dphi/dq = q / (2 (1-q)^2) - alpha E_z[ GH(x) dx/dq ] = 0,   x = (kappa - sqrt(q) z)/sqrt(1-q),

with GH = G/H the inverse Mills ratio.  The package runs ``replica.sweep`` (compiled kernel from
the symbolic free entropy, Newton with the symbolic Jacobian, tangent predictor; it also
returns phi, the Hessian and the a-posteriori quadrature error estimates, which the plain
twins do not compute).

Plain twins, both warm-started (secant ``scipy.optimize.newton`` from the linear extrapolation
of the two previous q's, tol 1e-14):

* ``numpy_gl``: a fixed 200-node Gauss-Legendre rule on [-10, 10] with the Gaussian weight folded
  in, the integrand vectorised in NumPy (``scipy.special.erfcx``).  This is the stronger twin.
* ``quad_cfunc``: ``scipy.integrate.quad`` (epsrel 1e-12, split at z = kappa/sqrt(q)) of an
  integrand compiled with ``numba.cfunc`` and passed as ``scipy.LowLevelCallable``.

The old baseline (cold ``brentq`` on [1e-10, 1 - 1e-10] at every alpha, Python integrand) is
timed once on 20 alphas for reference only.  Agreement: max |q_package - q_twin| < 1e-9
(asserted; the engine's outputs are accurate to ~1e-10 relative).

Method: see ``benchmarks/_timing.py`` (CPU time, one thread, interleaved, medians and IQR).

Run: python benchmarks/bench_rs_sweep.py [--repeats 9]   (writes benchmarks/results_rs_sweep.json)
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools before NumPy is imported)

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import types  # noqa: E402
from scipy import LowLevelCallable  # noqa: E402
from scipy.integrate import quad  # noqa: E402
from scipy.optimize import brentq, newton  # noqa: E402
from scipy.special import erfcx  # noqa: E402

import replica  # noqa: E402
from replica import models  # noqa: E402

KAPPA = 0.5
ALPHAS = np.linspace(0.05, 0.9, 200)
TOL = 1e-9
S2P = math.sqrt(2 / math.pi)
SQ2PI = math.sqrt(2 * math.pi)
SQ2 = math.sqrt(2.0)


# ---- twin 1: fixed Gauss-Legendre rule, vectorised NumPy ---------------------------------
def gl_rule(n=200, zmax=10.0):
    x, w = np.polynomial.legendre.leggauss(n)
    z = zmax * x
    return z, zmax * w * np.exp(-0.5 * z * z) / SQ2PI


Z_GL, W_GL = gl_rule()


def numpy_dphi_dq(q, alpha, kappa=KAPPA):
    sq, s1 = math.sqrt(q), math.sqrt(1 - q)
    u = kappa - sq * Z_GL
    dx = u / (2 * s1 ** 3) - Z_GL / (2 * sq * s1)
    return q / (2 * (1 - q) ** 2) - alpha * np.dot(W_GL, S2P / erfcx(u / (s1 * SQ2)) * dx)


# ---- twin 2: adaptive quad with a compiled integrand ------------------------------------
@numba.njit(cache=True)
def _erfcx_nb(t):
    if t < 0.0:
        return 2.0 * math.exp(t * t) - _erfcx_nb(-t)
    if t < 4.0:
        return math.exp(t * t) * math.erfc(t)
    f = t  # Laplace continued fraction, full double precision for t >= 4
    for k in range(int(250.0 / (t * t) + 7.0), 0, -1):
        f = t + 0.5 * k / f
    return 1.0 / (math.sqrt(math.pi) * f)


@numba.cfunc(types.float64(types.intc, types.CPointer(types.float64)), cache=True)
def _integrand(n, xx):
    z, q, kappa = xx[0], xx[1], xx[2]
    sq, s1 = math.sqrt(q), math.sqrt(1.0 - q)
    u = kappa - sq * z
    dx = u / (2.0 * s1 ** 3) - z / (2.0 * sq * s1)
    return math.exp(-0.5 * z * z) / SQ2PI * S2P / _erfcx_nb(u / (s1 * SQ2)) * dx


INTEGRAND = LowLevelCallable(_integrand.ctypes)


def cfunc_dphi_dq(q, alpha, kappa=KAPPA):
    zc = kappa / math.sqrt(q)
    pts = [zc] if -10 < zc < 10 else None
    val = quad(INTEGRAND, -10, 10, args=(q, kappa), points=pts, epsabs=0, epsrel=1e-12,
               limit=200)[0]
    return q / (2 * (1 - q) ** 2) - alpha * val


def warm_sweep(f, alphas=ALPHAS):
    """Secant solves seeded by the linear extrapolation of the previous two solutions."""
    qs = []
    for i, a in enumerate(alphas):
        if i == 0:
            x0 = brentq(f, 1e-6, 1 - 1e-6, args=(a,), xtol=1e-14, rtol=1e-14)
        else:
            x0 = qs[-1] if i == 1 else 2 * qs[-1] - qs[-2]
        qs.append(newton(f, x0, x1=x0 + 1e-7, args=(a,), tol=1e-14, maxiter=50))
    return np.array(qs)


# ---- the old baseline (reference only): cold brentq, Python integrand -------------------
def _gh(x):
    return S2P / erfcx(x / SQ2)


def old_dphi_dq(q, alpha, kappa=KAPPA):
    sq, s1 = math.sqrt(q), math.sqrt(1 - q)

    def integrand(z):
        x = (kappa - sq * z) / s1
        dx = (kappa - sq * z) / (2 * s1 ** 3) - z / (2 * sq * s1)
        return math.exp(-z * z / 2) / SQ2PI * _gh(x) * dx

    zc = kappa / sq
    pts = [zc] if -10 < zc < 10 else None
    val = quad(integrand, -10, 10, points=pts, epsabs=0, epsrel=1e-12, limit=200)[0]
    return q / (2 * (1 - q) ** 2) - alpha * val


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    machine = _timing.machine_info()
    m = models.perceptron(weights="spherical", kappa=KAPPA)

    def engine():
        br = replica.sweep(m, alpha=ALPHAS)
        assert br.success.all()
        return br.order_params["q"]

    cmp = _timing.compare({"package": engine,
                           "numpy_gl": lambda: warm_sweep(numpy_dphi_dq),
                           "quad_cfunc": lambda: warm_sweep(cfunc_dphi_dq)},
                          repeats=args.repeats, warmup=1)
    q = cmp["out"]
    err = {k: float(np.max(np.abs(q[k] - q["package"]))) for k in ("numpy_gl", "quad_cfunc")}
    for k, e in err.items():
        assert e < TOL, f"{k}: max |q difference| {e:.3g} > {TOL}"

    # the old baseline, once, 20 alphas (reference only: cold brentq, Python integrand)
    sub = ALPHAS[::10]
    with warnings.catch_warnings():  # QUADPACK round-off warnings at epsrel 1e-12
        warnings.simplefilter("ignore")
        t0 = time.process_time()
        q_old = np.array([brentq(old_dphi_dq, 1e-10, 1 - 1e-10, args=(a,), xtol=1e-14,
                                 rtol=1e-14) for a in sub])
        t_old = (time.process_time() - t0) / len(sub)
    err_old = float(np.max(np.abs(q_old - q["package"][::10])))

    T, R = cmp["timings"], cmp["ratios"]
    n = len(ALPHAS)
    for k in T:
        print(f"{k:10s} {_timing.fmt_med_iqr(T[k])} per sweep of {n}, "
              f"{T[k]['median_s'] / n * 1e3:.3f} ms / point")
    for k, r in R.items():
        print(f"{k:10s} / package: {_timing.fmt_ratio(r)}   max |dq| {err[k]:.2e}")
    print(f"old baseline (cold brentq, Python integrand): {t_old * 1e3:.2f} ms / point, "
          f"{t_old * n / T['package']['median_s']:.0f}x the package, max |dq| {err_old:.2e}")

    def per_point(k):
        t = T[k]
        return (f"{t['median_s'] / n * 1e3:.3g} ms / point (IQR {t['q1_s'] / n * 1e3:.3g}-"
                f"{t['q3_s'] / n * 1e3:.3g})")

    rows = [
        _timing.markdown_row(
            "RS sweep, spherical perceptron kappa = 0.5, 200 alphas, q to 1e-9",
            per_point("package") + " (also phi, Hessian, quadrature error estimates)",
            per_point("numpy_gl") + ": warm-started secant, 200-node Gauss-Legendre rule "
            "vectorised in NumPy",
            f"{R['numpy_gl']['ratio_of_medians']:.2g}x (IQR {R['numpy_gl']['q1']:.2g}-"
            f"{R['numpy_gl']['q3']:.2g})", "benchmarks/bench_rs_sweep.py"),
        _timing.markdown_row(
            "same", "same",
            per_point("quad_cfunc") + ": warm-started secant, `quad` of a `numba.cfunc` "
            "integrand (`LowLevelCallable`)",
            f"{R['quad_cfunc']['ratio_of_medians']:.2g}x (IQR {R['quad_cfunc']['q1']:.2g}-"
            f"{R['quad_cfunc']['q3']:.2g})", "same"),
    ]
    payload = dict(
        benchmark="rs_sweep",
        problem=f"spherical perceptron RS, kappa={KAPPA}, {n} alphas in [0.05, 0.9]",
        baselines={"numpy_gl": "warm-started secant (scipy.optimize.newton), 200-node "
                               "Gauss-Legendre rule on [-10, 10], NumPy-vectorised integrand",
                   "quad_cfunc": "warm-started secant, scipy.integrate.quad (epsrel 1e-12) of a "
                                 "numba.cfunc integrand via scipy.LowLevelCallable"},
        strongest_baseline=min(("numpy_gl", "quad_cfunc"), key=lambda k: T[k]["median_s"]),
        agreement_tolerance=TOL, max_abs_q_difference=err, machine=machine,
        **_timing.strip_out(cmp),
        per_point_ms={k: T[k]["median_s"] / n * 1e3 for k in T},
        old_baseline_reference=dict(
            description="cold brentq on [1e-10, 1-1e-10] at every alpha, Python integrand, "
                        "quad epsrel 1e-12; 20 alphas, one run",
            ms_per_point=t_old * 1e3, ratio_to_package=t_old * n / T["package"]["median_s"],
            max_abs_q_difference=err_old))
    _timing.write_results("rs_sweep", payload, rows)


if __name__ == "__main__":
    main()
