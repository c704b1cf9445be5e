"""Benchmark: geodesic energy between two equilibrium solutions, engine vs plain NumPy/SciPy.

Run: ``python benchmarks/bench_barriers.py [--repeats 9]``; writes
``benchmarks/results_barriers.json``.

Problem: spherical perceptron at alpha = 1, errors counted at kappa = -0.5, geodesic from a
solution of margin kappa_1 to one of margin kappa_2 (``replica.path_energy``):

    e(t) = P[g1 Delta_1 + g2 Delta_2 < kappa n(t)],
    g1 = sin((1-t) theta)/sin(theta), g2 = sin(t theta)/sin(theta), cos(theta) = q_12,

with n(t) = 1 on the geodesic, Delta_a = h_a + sqrt(1-q_a) x_a, x_a ~ N(0, 1) truncated to
Delta_a >= kappa_a, and fields (h_1, h_2) ~ N(0, [[q_1, q_12], [q_12, q_2]]).

* Case A, kappas = (-0.5, -0.5): equal margins, so q_12 = q and the vertices share h = sqrt(q) z
  (2-D integral over z, x_1).
* Case B, kappas = (-0.5, -0.3): h_1 = sqrt(q_1) z_1, h_2 = (q_12/sqrt(q_1)) z_1 + c z_2
  (3-D integral over z_1, z_2, x_1).

Plain twin (``fixed_rule``): a tensor-product Gauss-Legendre rule vectorised in NumPy, NZ nodes
per field direction on [-9, 9] (Gaussian mass outside < 1e-18) and NX nodes on the x_1 interval
from A_1 = (kappa_1 - h_1)/s_1 to the x_1 where the conditional probability of the second vertex
vanishes (B(x_1) = A_2); the last vertex is analytic, P[x_2 < B | x_2 >= A_2] =
-expm1(log H(B) - log H(A_2)) with log H(x) = ``scipy.special.log_ndtr(-x)``.  The integrand is
smooth on that domain (the length of the x_1 interval does not depend on the fields), so the
fixed rule converges spectrally: its error is checked against the same rule with twice the
nodes (untimed) and against the engine (max |e_engine - e_twin| < 1e-7 asserted).  The twin
takes the vertices' overlaps from ``replica.vertices`` (untimed); the package time includes its
vertex solve, which is also timed on its own.  For reference, the old twin (nested
``scipy.integrate.quad`` with Python integrands, epsabs 1e-10) is timed once.

Method: see ``benchmarks/_timing.py`` (CPU time, thread pools pinned to one thread, warm-up
excluded, interleaved repetitions, medians and IQR).
"""
from __future__ import annotations

import _timing  # noqa: I001  (first: pins the thread pools before NumPy is imported)

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import quad  # noqa: E402
from scipy.special import log_ndtr  # noqa: E402

import replica  # noqa: E402
from replica import models  # noqa: E402

KAPPA = -0.5
ALPHA = 1.0
EPSABS = 1e-10
ZLIM = 9.0
TOL = 1e-7
NZ, NX = 40, 20
LOG_SQ2PI = 0.5 * math.log(2 * math.pi)
HERE = Path(__file__).resolve().parent
SCRIPT = "benchmarks/bench_barriers.py"


# ---- plain twin: fixed tensor-product Gauss-Legendre rule, vectorised NumPy --------------
def _gl(n, lo, hi):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (hi - lo) * x + 0.5 * (hi + lo), 0.5 * (hi - lo) * w


def _x1_integral_vec(h1, h2, s1, s2, k1, k2, g1, g2, ux, wx):
    """E_{x1 >= A1}[P(x2 < B(x1) | x2 >= A2)] at every field pair (arrays of any shape)."""
    A1, A2 = (k1 - h1) / s1, (k2 - h2) / s2
    L = ((KAPPA - g2 * k2) / g1 - h1) / s1 - A1          # X - A1, where B(X) = A2
    pos = L > 0
    L = np.where(pos, L, 0.0)
    x = A1[..., None] + 0.5 * L[..., None] * (ux + 1.0)
    lHA1, lHA2 = log_ndtr(-A1), log_ndtr(-A2)
    B = ((KAPPA - g1 * (h1[..., None] + s1 * x)) / g2 - h2[..., None]) / s2
    f = np.exp(-0.5 * x * x - LOG_SQ2PI - lHA1[..., None]) * -np.expm1(
        np.minimum(log_ndtr(-B) - lHA2[..., None], 0.0))
    return np.where(pos, 0.5 * L * (f @ wx), 0.0)


def _z_rule(nz):
    z, wz = _gl(nz, -ZLIM, ZLIM)
    return z, wz * np.exp(-0.5 * z * z - LOG_SQ2PI)


def twin_equal_margins(q, kappa_v, ts, nz=NZ, nx=NX):
    """Case A: e(t) for two vertices of the same margin (shared field h = sqrt(q) z)."""
    z, wz = _z_rule(nz)
    ux, wx = np.polynomial.legendre.leggauss(nx)
    h, s = math.sqrt(q) * z, math.sqrt(1 - q)
    out = np.empty(len(ts))
    for i, t in enumerate(ts):
        g1, g2 = _geodesic(t, q)
        out[i] = wz @ _x1_integral_vec(h, h, s, s, kappa_v, kappa_v, g1, g2, ux, wx)
    return out


def twin_distinct_margins(q1, q2, q12, k1, k2, ts, nz=NZ, nx=NX):
    """Case B: e(t) for vertices of margins k1 != k2 (correlated fields, 3-D)."""
    z, wz = _z_rule(nz)
    ux, wx = np.polynomial.legendre.leggauss(nx)
    s1, s2 = math.sqrt(1 - q1), math.sqrt(1 - q2)
    a = math.sqrt(q1)
    b = q12 / a
    c = math.sqrt(q2 - b * b)
    h1 = np.broadcast_to(a * z[:, None], (nz, nz))
    h2 = b * z[:, None] + c * z[None, :]
    out = np.empty(len(ts))
    for i, t in enumerate(ts):
        g1, g2 = _geodesic(t, q12)
        out[i] = wz @ _x1_integral_vec(h1, h2, s1, s2, k1, k2, g1, g2, ux, wx) @ wz
    return out


# ---- the old twin (reference only): nested quad, Python integrands -----------------------
def _logH(x):
    return float(log_ndtr(-x))


def _geodesic(t, q12):
    th = math.acos(q12)
    return math.sin((1 - t) * th) / math.sin(th), math.sin(t * th) / math.sin(th)


def _x1_integral(h1, h2, s1, s2, k1, k2, g1, g2, K):
    """E_{x1 >= A1}[P(x2 < B(x1) | x2 >= A2)] at fixed fields (h1, h2)."""
    A1, A2 = (k1 - h1) / s1, (k2 - h2) / s2
    X = ((K - g2 * k2) / g1 - h1) / s1  # B(X) = A2: nothing left beyond X
    if X <= A1:
        return 0.0
    lHA1, lHA2 = _logH(A1), _logH(A2)

    def f(x1):
        B = ((K - g1 * (h1 + s1 * x1)) / g2 - h2) / s2
        if B <= A2:
            return 0.0
        dens = math.exp(-0.5 * x1 * x1 - LOG_SQ2PI - lHA1)  # G(x1)/H(A1)
        return dens * -math.expm1(_logH(B) - lHA2)

    return quad(f, A1, X, epsabs=EPSABS, epsrel=0, limit=200)[0]


def scipy_equal_margins(q, kappa_v, t):
    """Case A: e(t) for two vertices of the same margin (shared field h = sqrt(q) z)."""
    g1, g2 = _geodesic(t, q)
    sq, s = math.sqrt(q), math.sqrt(1 - q)

    def fz(z):
        h = sq * z
        return math.exp(-0.5 * z * z - LOG_SQ2PI) * _x1_integral(h, h, s, s, kappa_v, kappa_v,
                                                                 g1, g2, KAPPA)

    return quad(fz, -ZLIM, ZLIM, epsabs=EPSABS, epsrel=0, limit=200)[0]


def scipy_distinct_margins(q1, q2, q12, k1, k2, t):
    """Case B: e(t) for vertices of margins k1 != k2 (correlated fields, 3-D)."""
    g1, g2 = _geodesic(t, q12)
    s1, s2 = math.sqrt(1 - q1), math.sqrt(1 - q2)
    a = math.sqrt(q1)
    b = q12 / a
    c = math.sqrt(q2 - b * b)

    def fz2(z2, z1):
        return math.exp(-0.5 * z2 * z2 - LOG_SQ2PI) * _x1_integral(
            a * z1, b * z1 + c * z2, s1, s2, k1, k2, g1, g2, KAPPA)

    def fz1(z1):
        inner = quad(fz2, -ZLIM, ZLIM, args=(z1,), epsabs=EPSABS, epsrel=0, limit=200)[0]
        return math.exp(-0.5 * z1 * z1 - LOG_SQ2PI) * inner

    return quad(fz1, -ZLIM, ZLIM, epsabs=EPSABS, epsrel=0, limit=200)[0]


def run_case(name, m, kappas, t, repeats):
    engine = lambda: replica.path_energy(m, alpha=ALPHA, kappas=kappas, t=t).energy  # noqa: E731
    engine()  # compile / load the Numba kernels (excluded)
    v = replica.vertices(m, alpha=ALPHA, kappas=kappas)
    q1, q2, q12 = float(v.q[0]), float(v.q[1]), float(v.overlaps[0, 1])
    k1, k2 = kappas
    if k1 == k2:
        twin = lambda nz=NZ, nx=NX: twin_equal_margins(q1, k1, t, nz, nx)  # noqa: E731
        old = lambda: np.array([scipy_equal_margins(q1, k1, ti) for ti in t])  # noqa: E731
    else:
        twin = lambda nz=NZ, nx=NX: twin_distinct_margins(q1, q2, q12, k1, k2, t, nz, nx)  # noqa: E731
        old = lambda: np.array([scipy_distinct_margins(q1, q2, q12, k1, k2, ti)  # noqa: E731
                                for ti in t])
    cmp = _timing.compare({"package": engine, "fixed_rule": twin,
                           "package_vertices_only": lambda: replica.vertices(
                               m, alpha=ALPHA, kappas=kappas)},
                          repeats=repeats, warmup=1, number="auto")
    e_pkg, e_twin = cmp["out"]["package"], cmp["out"]["fixed_rule"]
    err = float(np.max(np.abs(e_pkg - e_twin)))
    self_err = float(np.max(np.abs(e_twin - twin(2 * NZ, 2 * NX))))
    assert err < TOL, f"{name}: engine and twin differ by {err:.3g} (> {TOL})"
    t0 = time.process_time()
    e_old = old()
    t_old = time.process_time() - t0
    T = cmp["timings"]
    return dict(case=name, kappas=list(kappas), t=t.tolist(), q=[q1, q2], q12=q12,
                energy_package=e_pkg.tolist(), energy_twin=e_twin.tolist(),
                max_abs_difference=err, twin_error_vs_doubled_rule=self_err,
                twin_nodes=dict(nz=NZ, nx=NX), **_timing.strip_out(cmp),
                twin_over_package_minus_vertices=T["fixed_rule"]["median_s"] / (
                    T["package"]["median_s"] - T["package_vertices_only"]["median_s"]),
                old_nested_quad_twin=dict(seconds=t_old,
                                          ratio_to_package=t_old / T["package"]["median_s"],
                                          max_abs_difference=float(np.max(np.abs(e_old - e_pkg)))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    machine = _timing.machine_info()
    m = models.perceptron(weights="spherical", kappa=KAPPA)
    ts = np.linspace(0.05, 0.95, 7)
    rows = [run_case("A: kappas=(-0.5,-0.5), 2-D", m, (-0.5, -0.5), ts, args.repeats),
            run_case("B: kappas=(-0.5,-0.3), 3-D", m, (-0.5, -0.3), ts, args.repeats)]
    md = []
    for r in rows:
        T, R = r["timings"], r["ratios"]
        ra = R["fixed_rule"]
        print(f"{r['case']}: package {_timing.fmt_med_iqr(T['package'])} (vertices "
              f"{_timing.fmt_med_iqr(T['package_vertices_only'])})  twin "
              f"{_timing.fmt_med_iqr(T['fixed_rule'])}  ratio {_timing.fmt_ratio(ra)}  "
              f"twin / (package - vertices) {r['twin_over_package_minus_vertices']:.2g}  "
              f"max|diff| {r['max_abs_difference']:.1e}  (old nested quad "
              f"{r['old_nested_quad_twin']['seconds']:.3f} s, "
              f"{r['old_nested_quad_twin']['ratio_to_package']:.0f}x)")
        dim = "2-d" if r["kappas"][0] == r["kappas"][1] else "3-d"
        md.append(_timing.markdown_row(
            f"geodesic energy, spherical perceptron alpha = 1, kappa = -0.5, margins "
            f"({r['kappas'][0]:g}, {r['kappas'][1]:g}), 7 t points ({dim})",
            f"{_timing.fmt_med_iqr(T['package'])} incl. vertex solve "
            f"({_timing.fmt_time(T['package_vertices_only']['median_s'])})",
            f"{_timing.fmt_med_iqr(T['fixed_rule'])} (fixed {NZ}{'x' + str(NZ) if dim == '3-d' else ''}"
            f"x{NX} Gauss-Legendre rule, NumPy; vertices given)",
            f"{ra['ratio_of_medians']:.2g}x (IQR {ra['q1']:.2g}-{ra['q3']:.2g})",
            SCRIPT if not md else "same"))
    _timing.write_results("barriers", dict(
        benchmark="barriers",
        problem=f"spherical perceptron, alpha={ALPHA}, kappa={KAPPA}, geodesic path_energy",
        machine=machine, agreement_tolerance=TOL,
        baselines={"fixed_rule": f"tensor-product Gauss-Legendre rule ({NZ} nodes per field "
                                 f"direction on [-9, 9], {NX} on the x_1 interval), NumPy-"
                                 "vectorised, vertices' overlaps given (untimed)",
                   "old_nested_quad_twin (reference)": "nested scipy.integrate.quad with Python "
                                                       "integrands, epsabs 1e-10, one run"},
        rows=rows), md)


if __name__ == "__main__":
    main()
