"""Benchmark: RS saddle-point sweep of the spherical perceptron, engine vs plain SciPy.

The SciPy reference solves the same stationarity equation
    dphi/dq = q / (2 (1-q)^2) + alpha E_z[ GH(x) dx/dq ] = 0,  x = (kappa - sqrt(q) z)/sqrt(1-q)
with ``scipy.integrate.quad`` (QUADPACK, epsrel 1e-12, split at the kink z = kappa/sqrt(q)) and
``scipy.optimize.brentq`` (xtol 1e-14), one alpha at a time, in the same process.  The engine
runs ``replica.sweep`` (compiled kernel, Newton with the symbolic Jacobian, continuation).
Both reach the same accuracy (the script checks max |q_engine - q_scipy|).

Run: python benchmarks/bench_rs_sweep.py   (writes benchmarks/results_rs_sweep.json)
"""
from __future__ import annotations

import json
import math
import platform
import time
from pathlib import Path

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import erfcx

import replica
from replica import models

KAPPA = 0.5
ALPHAS = np.linspace(0.05, 0.9, 200)
SQ2PI = math.sqrt(2 * math.pi)


def _gh(x):
    return math.sqrt(2 / math.pi) / erfcx(x / math.sqrt(2))


def scipy_dphi_dq(q, alpha, kappa):
    sq, s1 = math.sqrt(q), math.sqrt(1 - q)

    def integrand(z):
        x = (kappa - sq * z) / s1
        dx = (kappa - sq * z) / (2 * s1**3) - z / (2 * sq * s1)
        return math.exp(-z * z / 2) / SQ2PI * _gh(x) * dx

    zc = kappa / sq
    pts = [zc] if -10 < zc < 10 else None
    val = quad(integrand, -10, 10, points=pts, epsabs=0, epsrel=1e-12, limit=200)[0]
    return q / (2 * (1 - q) ** 2) - alpha * val


def scipy_solve(alpha, kappa):
    return brentq(scipy_dphi_dq, 1e-10, 1 - 1e-10, args=(alpha, kappa), xtol=1e-14,
                  rtol=1e-14)


def main():
    m = models.perceptron(weights="spherical", kappa=KAPPA)
    replica.sweep(m, alpha=ALPHAS[:5])  # compile / load kernels (excluded)
    t_engine = []
    for _ in range(5):
        t0 = time.perf_counter()
        br = replica.sweep(m, alpha=ALPHAS)
        t_engine.append(time.perf_counter() - t0)
    assert br.success.all()
    engine_per_point = min(t_engine) / len(ALPHAS)

    sub = ALPHAS[::10]  # 20 points: the SciPy loop is slow
    t0 = time.perf_counter()
    q_scipy = np.array([scipy_solve(a, KAPPA) for a in sub])
    t_scipy = time.perf_counter() - t0
    scipy_per_point = t_scipy / len(sub)
    q_engine = br.order_params["q"][::10]
    err = float(np.max(np.abs(q_engine - q_scipy)))
    res = {
        "problem": f"spherical perceptron RS, kappa={KAPPA}, 200 alphas in [0.05, 0.9]",
        "engine_seconds_per_point": engine_per_point,
        "engine_seconds_200_points": min(t_engine),
        "scipy_seconds_per_point": scipy_per_point,
        "speedup": scipy_per_point / engine_per_point,
        "max_abs_q_difference": err,
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    print(json.dumps(res, indent=2))
    Path(__file__).with_name("results_rs_sweep.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
