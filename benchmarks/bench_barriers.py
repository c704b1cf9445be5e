"""Benchmark: geodesic energy between two equilibrium solutions, engine vs plain SciPy.

Run: ``python benchmarks/bench_barriers.py [--quick] [--out PATH]``; writes
``benchmarks/results_barriers.json`` unless ``--out`` says otherwise.

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

SciPy twin: nested ``scipy.integrate.quad`` (epsabs 1e-10, epsrel 0) over the field directions
on [-9, 9] (Gaussian mass outside < 1e-18) and over x_1 from A_1 = (kappa_1 - h_1)/s_1 to the x_1
where the conditional probability of the second vertex vanishes (B(x_1) = A_2); the last vertex
is analytic, P[x_2 < B | x_2 >= A_2] = 1 - H(B)/H(A_2) = -expm1(log H(B) - log H(A_2)) with
log H(x) = ``scipy.special.log_ndtr(-x)``.  The twin takes the vertices' overlaps from
``replica.vertices`` (untimed); the engine time includes its vertex solve (reported separately
as well).  Times are the best of a few repeats with ``time.perf_counter`` after a warm-up call
that compiles (or loads) the Numba kernels.  The run counts only if max |e_engine - e_scipy| is
below 1e-7 (asserted).
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
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
LOG_SQ2PI = 0.5 * math.log(2 * math.pi)
HERE = Path(__file__).resolve().parent


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


def best_time(f, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_case(name, m, kappas, t, repeats_engine, repeats_scipy):
    engine = lambda: replica.path_energy(m, alpha=ALPHA, kappas=kappas, t=t)  # noqa: E731
    engine()  # warm-up: compile / load the Numba kernels (excluded)
    t_eng, pe = best_time(engine, repeats_engine)
    t_vert, v = best_time(lambda: replica.vertices(m, alpha=ALPHA, kappas=kappas),
                          repeats_engine)
    q1, q2, q12 = float(v.q[0]), float(v.q[1]), float(v.overlaps[0, 1])
    if kappas[0] == kappas[1]:
        twin = lambda: np.array([scipy_equal_margins(q1, kappas[0], ti) for ti in t])  # noqa: E731
    else:
        k1, k2 = kappas
        twin = lambda: np.array([scipy_distinct_margins(q1, q2, q12, k1, k2, ti)  # noqa: E731
                                 for ti in t])
    t_sp, e_sp = best_time(twin, repeats_scipy)
    err = float(np.max(np.abs(pe.energy - e_sp)))
    row = dict(case=name, kappas=list(kappas), t=t.tolist(), q=[q1, q2], q12=q12,
               energy_engine=pe.energy.tolist(), energy_scipy=e_sp.tolist(),
               t_engine_s=t_eng, t_engine_vertices_s=t_vert, t_scipy_s=t_sp,
               ratio_scipy_over_engine=t_sp / t_eng, max_abs_difference=err,
               repeats_engine=repeats_engine, repeats_scipy=repeats_scipy)
    assert err < TOL, f"{name}: engine and SciPy differ by {err:.3g} (> {TOL})"
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats, 3 t points in case B")
    parser.add_argument("--out", type=Path, default=HERE / "results_barriers.json")
    args = parser.parse_args()
    m = models.perceptron(weights="spherical", kappa=KAPPA)
    reps_eng, reps_sp = (3, 1) if args.quick else (7, 3)
    t_a = np.linspace(0.05, 0.95, 7)
    t_b = np.linspace(0.05, 0.95, 3 if args.quick else 7)
    rows = [run_case("A: kappas=(-0.5,-0.5), 2-D", m, (-0.5, -0.5), t_a, reps_eng, reps_sp),
            run_case("B: kappas=(-0.5,-0.3), 3-D", m, (-0.5, -0.3), t_b, reps_eng, reps_sp)]
    print(f"spherical perceptron, alpha = {ALPHA}, kappa = {KAPPA}, geodesic path; "
          f"times for all t points of a case (engine: incl. vertex solve)")
    print(f"{'case':30s} {'n_t':>3s} {'engine':>10s} {'(vertices)':>10s} {'SciPy':>10s} "
          f"{'ratio':>7s} {'max|diff|':>10s}")
    for r in rows:
        print(f"{r['case']:30s} {len(r['t']):3d} {r['t_engine_s'] * 1e3:8.2f}ms "
              f"{r['t_engine_vertices_s'] * 1e3:8.2f}ms {r['t_scipy_s']:9.3f}s "
              f"{r['ratio_scipy_over_engine']:7.1f} {r['max_abs_difference']:10.2e}")
    res = dict(problem=f"spherical perceptron, alpha={ALPHA}, kappa={KAPPA}, geodesic "
                       f"path_energy", scipy_epsabs=EPSABS, quick=args.quick,
               machine=platform.processor() or platform.machine(),
               cores=os.cpu_count(), python=platform.python_version(),
               openblas_threads=os.environ["OPENBLAS_NUM_THREADS"], rows=rows)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
