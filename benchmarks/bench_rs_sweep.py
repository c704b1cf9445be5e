"""Benchmark: RS saddle-point sweep of the spherical perceptron, engine vs plain SciPy/NumPy.

Problem: kappa = 0.5, 200 alphas in [0.05, 0.9] (q from 0.065 to 0.957).  Both sides solve the
stationarity equation

    dphi/dq = q / (2 (1-q)^2) - alpha E_z[ GH(x) dx/dq ] = 0,   x = (kappa - sqrt(q) z)/sqrt(1-q),

with GH = G/H the inverse Mills ratio.  The package runs ``replica.sweep`` (compiled kernel from
the symbolic free entropy, Newton with the symbolic Jacobian, tangent predictor; it also
returns phi, the Hessian and the a-posteriori quadrature error estimates, which the plain
twins do not compute).

Plain twins, the strongest first:

* ``njit_newton``: the whole sweep in one ``@njit`` function: Newton with the analytic
  derivative (f and f' from one pass over the nodes), Gauss-Legendre split at the steep
  feature z = kappa/sqrt(q) (2 x 100 nodes), a quadratic predictor in alpha.
* ``numpy_newton``: the same Newton and predictor in NumPy, f and f' from one vectorised pass.

and two secant twins, warm-started (``scipy.optimize.newton`` from the linear extrapolation
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
TWINS = ("njit_newton", "numpy_newton", "numpy_gl", "quad_cfunc")
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


# ---- twin 3: Newton with the analytic derivative, f and f' from one vectorised pass -------
_GLX, _GLW = np.polynomial.legendre.leggauss(100)


def split_rule(zc, n=100, zmax=10.0):
    """Gauss-Legendre on [-zmax, zc] and [zc, zmax] (n nodes each), the Gaussian weight
    folded in: the integrand's steep feature, of width ~ sqrt(1-q), sits at z = zc."""
    x, w = (_GLX, _GLW) if n == _GLX.size else np.polynomial.legendre.leggauss(n)
    zc = min(max(zc, -zmax + 1e-3), zmax - 1e-3)
    zs, ws = [], []
    for a, b in ((-zmax, zc), (zc, zmax)):
        h = 0.5 * (b - a)
        z = a + h * (x + 1)
        zs.append(z)
        ws.append(h * w * np.exp(-0.5 * z * z) / SQ2PI)
    return np.concatenate(zs), np.concatenate(ws)


def numpy_f_df(q, alpha, kappa=KAPPA):
    """dphi/dq and its q-derivative in one pass over a rule split at z = kappa/sqrt(q).

    x = u/s1, u = kappa - sqrt(q) z, s1 = sqrt(1-q); GH' = GH (GH - x);
    dx/dq = u'/s1 + u/(2 s1^3), d2x/dq2 = u''/s1 + u'/s1^3 + 3u/(4 s1^5),
    u' = -z/(2 sqrt q), u'' = z/(4 q^{3/2})."""
    z, w = split_rule(kappa / math.sqrt(q))
    sq, s1 = math.sqrt(q), math.sqrt(1 - q)
    u = kappa - sq * z
    x = u / s1
    gh = S2P / erfcx(x / SQ2)
    du, d2u = -z / (2 * sq), z / (4 * q * sq)
    dx = du / s1 + u / (2 * s1 ** 3)
    d2x = d2u / s1 + du / s1 ** 3 + 0.75 * u / s1 ** 5
    f = q / (2 * (1 - q) ** 2) - alpha * np.dot(w, gh * dx)
    df = (1 + q) / (2 * (1 - q) ** 3) - alpha * np.dot(w, gh * (gh - x) * dx * dx + gh * d2x)
    return f, df


def _quadratic_predictor(alphas, qs, i):
    """q at alphas[i] extrapolated from the last three solutions (fewer at the start)."""
    if i == 1:
        return qs[0]
    if i == 2:
        return qs[1] + (qs[1] - qs[0]) * (alphas[2] - alphas[1]) / (alphas[1] - alphas[0])
    a0, a1, a2, a = alphas[i - 3], alphas[i - 2], alphas[i - 1], alphas[i]
    return (qs[-3] * (a - a1) * (a - a2) / ((a0 - a1) * (a0 - a2))
            + qs[-2] * (a - a0) * (a - a2) / ((a1 - a0) * (a1 - a2))
            + qs[-1] * (a - a0) * (a - a1) / ((a2 - a0) * (a2 - a1)))


def newton_sweep(alphas=ALPHAS):
    """Newton with the analytic f' from the quadratic prediction (first point: brentq)."""
    qs = [brentq(lambda q: numpy_f_df(q, alphas[0])[0], 1e-6, 1 - 1e-6, xtol=1e-14,
                 rtol=1e-14)]
    for i in range(1, len(alphas)):
        q = _quadratic_predictor(alphas, qs, i)
        for _ in range(50):
            f, df = numpy_f_df(q, alphas[i])
            dq = f / df
            q -= dq
            if abs(dq) < 1e-14:
                break
        qs.append(q)
    return np.array(qs)


# ---- twin 4: the whole sweep in one @njit function ----------------------------------------


@numba.njit(cache=True)
def _f_df_nb(q, alpha, kappa, glx, glw):
    zc = min(max(kappa / math.sqrt(q), -10.0 + 1e-3), 10.0 - 1e-3)
    sq, s1 = math.sqrt(q), math.sqrt(1.0 - q)
    i1, i2 = 0.0, 0.0
    for a, b in ((-10.0, zc), (zc, 10.0)):
        h = 0.5 * (b - a)
        for k in range(glx.shape[0]):
            z = a + h * (glx[k] + 1.0)
            wk = h * glw[k] * math.exp(-0.5 * z * z) / SQ2PI
            u = kappa - sq * z
            x = u / s1
            gh = S2P / _erfcx_nb(x / SQ2)
            du, d2u = -z / (2.0 * sq), z / (4.0 * q * sq)
            dx = du / s1 + u / (2.0 * s1 ** 3)
            d2x = d2u / s1 + du / s1 ** 3 + 0.75 * u / s1 ** 5
            i1 += wk * gh * dx
            i2 += wk * (gh * (gh - x) * dx * dx + gh * d2x)
    f = q / (2.0 * (1.0 - q) ** 2) - alpha * i1
    df = (1.0 + q) / (2.0 * (1.0 - q) ** 3) - alpha * i2
    return f, df


@numba.njit(cache=True)
def _njit_sweep(alphas, q0, kappa, glx, glw):
    n = alphas.shape[0]
    qs = np.empty(n)
    for i in range(n):
        if i == 0:
            q = q0
        elif i == 1:
            q = qs[0]
        elif i == 2:
            q = qs[1] + (qs[1] - qs[0]) * (alphas[2] - alphas[1]) / (alphas[1] - alphas[0])
        else:
            a0, a1, a2, a = alphas[i - 3], alphas[i - 2], alphas[i - 1], alphas[i]
            q = (qs[i - 3] * (a - a1) * (a - a2) / ((a0 - a1) * (a0 - a2))
                 + qs[i - 2] * (a - a0) * (a - a2) / ((a1 - a0) * (a1 - a2))
                 + qs[i - 1] * (a - a0) * (a - a1) / ((a2 - a0) * (a2 - a1)))
        for _ in range(50):
            f, df = _f_df_nb(q, alphas[i], kappa, glx, glw)
            dq = f / df
            q -= dq
            if abs(dq) < 1e-14:
                break
        qs[i] = q
    return qs


def njit_sweep(alphas=ALPHAS):
    """The Newton sweep above, whole, in one compiled call (first point: brentq)."""
    q0 = brentq(lambda q: _f_df_nb(q, alphas[0], KAPPA, _GLX, _GLW)[0], 1e-6, 1 - 1e-6,
                xtol=1e-14, rtol=1e-14)
    return _njit_sweep(alphas, q0, KAPPA, _GLX, _GLW)


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
                           "njit_newton": njit_sweep,
                           "numpy_newton": newton_sweep,
                           "numpy_gl": lambda: warm_sweep(numpy_dphi_dq),
                           "quad_cfunc": lambda: warm_sweep(cfunc_dphi_dq)},
                          repeats=args.repeats, warmup=1)
    q = cmp["out"]
    err = {k: float(np.max(np.abs(q[k] - q["package"]))) for k in TWINS}
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

    def ratio(k):
        r = R[k]
        return f"{r['ratio_of_medians']:.2g}x (IQR {r['q1']:.2g}-{r['q3']:.2g})"

    what = {"njit_newton": "the whole sweep in one `@njit` function: Newton with the analytic "
                           "f', f and f' in one pass over Gauss-Legendre split at the kink "
                           "(2 x 100 nodes), quadratic predictor",
            "numpy_newton": "the same Newton in NumPy (f and f' from one vectorised pass)",
            "numpy_gl": "warm-started secant, 200-node Gauss-Legendre rule vectorised in NumPy",
            "quad_cfunc": "warm-started secant, `quad` of a `numba.cfunc` integrand "
                          "(`LowLevelCallable`)"}
    rows = [_timing.markdown_row(
        "RS sweep, spherical perceptron kappa = 0.5, 200 alphas, q to 1e-9" if k == TWINS[0]
        else "same",
        per_point("package") + " (also phi, Hessian, quadrature error estimates)"
        if k == TWINS[0] else "same",
        per_point(k) + ": " + what[k], ratio(k),
        "benchmarks/bench_rs_sweep.py" if k == TWINS[0] else "same") for k in TWINS]
    payload = dict(
        benchmark="rs_sweep",
        problem=f"spherical perceptron RS, kappa={KAPPA}, {n} alphas in [0.05, 0.9]",
        baselines=what,
        strongest_baseline=min(TWINS, key=lambda k: T[k]["median_s"]),
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
